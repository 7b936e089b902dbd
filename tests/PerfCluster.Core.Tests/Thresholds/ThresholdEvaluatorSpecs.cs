using PerfCluster.Core.Metrics;
using PerfCluster.Core.Scenarios;
using PerfCluster.Core.Thresholds;
using Xunit;
using static PerfCluster.Core.Tests.Thresholds.StatisticsFixtures;
using PerfCluster.Core.Results;
using PerfCluster.Core.Input;

namespace PerfCluster.Core.Tests.Thresholds;

public class ThresholdEvaluatorSpecs
{
    // Overall: 1200 requests, 24 errors (2%: 20 timeouts, 4 http_5xx), 20 req/s, latency from StatisticsFixtures.Latency().
    private static readonly EndpointStatistics Overall = Endpoint(
        "overall", 1200, new Dictionary<string, long> { ["timeout"] = 20, ["http_5xx"] = 4 }, throughput: 20);

    private static ThresholdResult EvaluateOne(string expression, ScenarioStatistics? stats = null, string? endpoint = null)
    {
        var scenario = Scenario(thresholds: new ThresholdDefinition(expression, endpoint, At(20)));
        return Assert.Single(ThresholdEvaluator.Evaluate(scenario, stats ?? Statistics(Overall)));
    }

    [Theory]
    [InlineData("p50 < 50ms", 0.045, true)]
    [InlineData("p50 < 40ms", 0.045, false)]
    [InlineData("p90 <= 120ms", 0.120, true)]
    [InlineData("p90 < 120ms", 0.120, false)]
    [InlineData("p95 < 2s", 0.143, true)]
    [InlineData("p95 < 100ms", 0.143, false)]
    [InlineData("p(99) <= 300ms", 0.210, true)]
    [InlineData("p99 < 0.2", 0.210, false)]
    [InlineData("p99.9 < 1s", 0.480, true)]
    [InlineData("p99.9 < 400ms", 0.480, false)]
    [InlineData("min > 1ms", 0.004, true)]
    [InlineData("min > 5ms", 0.004, false)]
    [InlineData("mean < 250ms", 0.060, true)]
    [InlineData("avg < 50ms", 0.060, false)]
    [InlineData("max < 1s", 0.950, true)]
    [InlineData("max < 900ms", 0.950, false)]
    [InlineData("response_time.p95 < 2.0", 0.143, true)]
    [InlineData("latency.p95 < 0.1", 0.143, false)]
    public void Should_evaluate_latency_metrics_in_seconds(string expression, double actual, bool passed)
    {
        var result = EvaluateOne(expression);

        Assert.Equal(actual, result.Actual);
        Assert.Equal(passed, result.Passed);
        Assert.Equal(ThresholdMetricKind.Latency, result.Kind);
    }

    [Theory]
    [InlineData("error_rate < 5%", 0.02, true)]
    [InlineData("error_rate < 0.05", 0.02, true)]
    [InlineData("error_rate < 1%", 0.02, false)]
    [InlineData("throughput > 10", 20.0, true)]
    [InlineData("rps > 100", 20.0, false)]
    [InlineData("requests >= 1000", 1200.0, true)]
    [InlineData("requests >= 5000", 1200.0, false)]
    [InlineData("errors < 50", 24.0, true)]
    [InlineData("errors == 0", 24.0, false)]
    [InlineData("errors != 0", 24.0, true)]
    [InlineData("errors.timeout <= 20", 20.0, true)]
    [InlineData("errors.timeout == 0", 20.0, false)]
    [InlineData("errors.http_5xx < 10", 4.0, true)]
    [InlineData("errors.refused == 0", 0.0, true)]
    [InlineData("errors.reset > 0", 0.0, false)]
    public void Should_evaluate_rates_and_counts(string expression, double actual, bool passed)
    {
        var result = EvaluateOne(expression);

        Assert.Equal(actual, result.Actual, 12);
        Assert.Equal(passed, result.Passed);
    }

    [Fact]
    public void Should_carry_the_canonical_metric_limit_and_scope()
    {
        var result = EvaluateOne("p(99) <= 300ms");

        Assert.Equal("p99", result.Metric);
        Assert.Equal(ThresholdOperator.LessThanOrEqual, result.Operator);
        Assert.Equal(0.3, result.Limit);
        Assert.Equal("overall", result.Scope);
        Assert.True(result.IsOverall);
        Assert.Equal("p(99) <= 300ms", result.Definition.Expression);
        Assert.Null(result.Note);
    }

    [Fact]
    public void Should_describe_a_result_with_its_actual_figure()
    {
        Assert.Equal("p95 < 2s — actual 0.143s — passed", EvaluateOne("p95 < 2s").Describe());
        Assert.Equal("error_rate < 1% — actual 2% — failed", EvaluateOne("error_rate < 1%").Describe());
        Assert.Equal("throughput > 100 — actual 20/s — failed", EvaluateOne("throughput > 100").Describe());
        Assert.Equal("errors.timeout == 0 — actual 20 — failed", EvaluateOne("errors.timeout == 0").Describe());
    }

    [Fact]
    public void Should_read_endpoint_scoped_thresholds_from_that_endpoint()
    {
        var stats = Statistics(Overall, [
            Endpoint("home", 1000, latency: Latency(p95: 0.050)),
            Endpoint("checkout", 200, new Dictionary<string, long> { ["http_5xx"] = 10 }, latency: Latency(p95: 2.400)),
        ]);

        var scenario = Scenario(thresholds: [
            new ThresholdDefinition("p95 < 2s", "home"),
            new ThresholdDefinition("p95 < 2s", "checkout"),
            new ThresholdDefinition("error_rate < 1%", "checkout"),
            new ThresholdDefinition("p95 < 2s"),
        ]);
        var results = ThresholdEvaluator.Evaluate(scenario, stats);

        Assert.Equal(["home", "checkout", "checkout", "overall"], results.Select(r => r.Scope));
        Assert.Equal([0.050, 2.400, 0.05, 0.143], results.Select(r => r.Actual));
        Assert.Equal([true, false, false, true], results.Select(r => r.Passed));
        Assert.Equal("checkout: p95 < 2s — actual 2.4s — failed", results[1].Describe());
        Assert.False(results[1].IsOverall);
    }

    [Theory]
    [InlineData("p95 < 2s")]
    [InlineData("max < 10s")]
    [InlineData("error_rate < 5%")]
    [InlineData("error_rate != 1")]
    public void Should_fail_latency_and_error_rate_of_an_endpoint_without_requests(string expression)
    {
        var stats = Statistics(Overall, [Endpoint("home", 1200), Endpoint("checkout", 0)]);

        var result = EvaluateOne(expression, stats, "checkout");

        Assert.True(double.IsNaN(result.Actual));
        Assert.False(result.Passed);
        Assert.Equal("endpoint 'checkout' received no requests", result.Note);
        Assert.Contains("actual n/a (endpoint 'checkout' received no requests) — failed", result.Describe());
    }

    [Fact]
    public void Should_treat_an_endpoint_missing_from_the_statistics_as_one_without_requests()
    {
        var stats = Statistics(Overall, [Endpoint("home", 1200)]);

        var latency = EvaluateOne("p95 < 2s", stats, "checkout");
        var count = EvaluateOne("requests >= 1", stats, "checkout");
        var errors = EvaluateOne("errors == 0", stats, "checkout");

        Assert.True(double.IsNaN(latency.Actual));
        Assert.False(latency.Passed);
        Assert.Equal(0, count.Actual);
        Assert.False(count.Passed);
        Assert.Equal("endpoint 'checkout' received no requests", count.Note);
        Assert.Equal(0, errors.Actual);
    }

    [Fact]
    public void Should_fail_latency_thresholds_when_the_scenario_completed_no_requests()
    {
        var stats = Statistics(Endpoint("overall", 0, throughput: 0));

        var result = EvaluateOne("p95 < 2s", stats);

        Assert.True(double.IsNaN(result.Actual));
        Assert.False(result.Passed);
        Assert.Equal("scenario 'checkout-flow' completed no requests", result.Note);
    }

    [Fact]
    public void Should_fail_a_measured_NaN_figure_whatever_the_operator()
    {
        var odd = Overall with { Throughput = double.NaN };

        var result = EvaluateOne("throughput != 0", Statistics(odd));

        Assert.False(result.Passed);
        Assert.Equal("no value was measured", result.Note);
    }

    [Fact]
    public void Should_validate_every_threshold_of_a_scenario_up_front()
    {
        var scenario = Scenario(thresholds: [new ThresholdDefinition("p95 < 2s"), new ThresholdDefinition("errors == 0", "checkout")]);

        var parsed = ThresholdEvaluator.ValidateScenario(scenario);

        Assert.Equal(["p95", "errors"], parsed.Select(p => p.Metric.Name));
        Assert.Equal(["overall", "checkout"], parsed.Select(p => p.Scope));
    }

    [Fact]
    public void Should_throw_the_first_bad_threshold_with_its_position()
    {
        var scenario = Scenario(thresholds: [
            new ThresholdDefinition("p95 < 2s", null, At(10)),
            new ThresholdDefinition("p95 < 2 hours", null, At(11)),
            new ThresholdDefinition("p95x < 2s", null, At(12)),
        ]);

        var error = Assert.Throws<ScenarioException>(() => ThresholdEvaluator.ValidateScenario(scenario));

        Assert.Equal(11, error.Position!.Line);
        Assert.Contains("unknown unit 'hours' for p95", error.Message);
    }

    [Fact]
    public void Should_reject_a_threshold_scoped_to_an_endpoint_the_scenario_does_not_define()
    {
        var scenario = Scenario(thresholds: new ThresholdDefinition("p95 < 2s", "chekout", At(30, 3)));

        var error = Assert.Throws<ScenarioException>(() => ThresholdEvaluator.ValidateScenario(scenario));

        Assert.Equal(
            "threshold \"p95 < 2s\" is scoped to endpoint 'chekout', which scenario 'checkout-flow' does not define; " +
            "expected one of: home, checkout",
            error.Message);
        Assert.Equal(new SourcePosition("shop.conf", 30, 3), error.Position);
    }

    [Fact]
    public void Should_validate_before_evaluating()
    {
        var scenario = Scenario(thresholds: new ThresholdDefinition("p95 < 2s", "nowhere", At(5)));

        Assert.Throws<ScenarioException>(() => ThresholdEvaluator.Evaluate(scenario, Statistics(Overall)));
    }

    [Fact]
    public void Should_validate_every_scenario_of_a_plan()
    {
        var plan = new TestPlan("shop.conf", "", [
            Scenario("browse", new ThresholdDefinition("p95 < 1s")),
            Scenario("buy", new ThresholdDefinition("rps > 5"), new ThresholdDefinition("errors.nope == 0", null, At(40))),
        ]);

        var error = Assert.Throws<ScenarioException>(() => ThresholdEvaluator.ValidatePlan(plan));

        Assert.Equal(40, error.Position!.Line);
        Assert.Contains("unknown metric 'errors.nope'", error.Message);
        var valid = plan with { Scenarios = plan.Scenarios.Take(1).ToList() };
        Assert.Equal("p95", Assert.Single(ThresholdEvaluator.ValidatePlan(valid)).Metric.Name);
    }

    [Fact]
    public void Should_return_no_results_for_a_scenario_without_thresholds()
    {
        Assert.Empty(ThresholdEvaluator.Evaluate(Scenario(), Statistics(Overall)));
    }
}
