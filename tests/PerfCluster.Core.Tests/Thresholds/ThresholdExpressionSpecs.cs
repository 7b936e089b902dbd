using PerfCluster.Core.Metrics;
using PerfCluster.Core.Scenarios;
using PerfCluster.Core.Thresholds;
using Xunit;
using PerfCluster.Core.Input;

namespace PerfCluster.Core.Tests.Thresholds;

public class ThresholdExpressionSpecs
{
    [Theory]
    [InlineData("p50 < 1s", "p50")]
    [InlineData("p90 < 1s", "p90")]
    [InlineData("p95 < 1s", "p95")]
    [InlineData("p99 < 1s", "p99")]
    [InlineData("p99.9 < 1s", "p99.9")]
    [InlineData("p99_9 < 1s", "p99.9")]
    [InlineData("p(50) < 1s", "p50")]
    [InlineData("p(90) < 1s", "p90")]
    [InlineData("p(95) < 1s", "p95")]
    [InlineData("p(99) <= 300ms", "p99")]
    [InlineData("p(99.9) < 1s", "p99.9")]
    [InlineData("min < 1s", "min")]
    [InlineData("mean < 250ms", "mean")]
    [InlineData("avg < 250ms", "mean")]
    [InlineData("max < 1s", "max")]
    [InlineData("med < 1s", "p50")]
    [InlineData("median < 1s", "p50")]
    [InlineData("response_time.p95 < 2", "p95")]
    [InlineData("latency.p95 < 2", "p95")]
    [InlineData("latency.avg < 2", "mean")]
    [InlineData("response_time.p(99) < 2", "p99")]
    [InlineData("RESPONSE_TIME.P95 < 2S", "p95")]
    public void Should_resolve_every_latency_metric_and_alias(string expression, string canonical)
    {
        var parsed = ThresholdExpression.Parse(expression);

        Assert.Equal(canonical, parsed.Metric.Name);
        Assert.Equal(ThresholdMetricKind.Latency, parsed.Metric.Kind);
        Assert.Null(parsed.Metric.ErrorKind);
    }

    [Theory]
    [InlineData("error_rate < 0.05", "error_rate", ThresholdMetricKind.ErrorRate)]
    [InlineData("throughput > 100", "throughput", ThresholdMetricKind.Throughput)]
    [InlineData("rps > 100", "throughput", ThresholdMetricKind.Throughput)]
    [InlineData("requests >= 1000", "requests", ThresholdMetricKind.Requests)]
    [InlineData("errors == 0", "errors", ThresholdMetricKind.Errors)]
    public void Should_resolve_rate_and_count_metrics(string expression, string canonical, ThresholdMetricKind kind)
    {
        var parsed = ThresholdExpression.Parse(expression);

        Assert.Equal(canonical, parsed.Metric.Name);
        Assert.Equal(kind, parsed.Metric.Kind);
    }

    [Theory]
    [InlineData(ErrorKind.Refused, "errors.refused")]
    [InlineData(ErrorKind.Timeout, "errors.timeout")]
    [InlineData(ErrorKind.Reset, "errors.reset")]
    [InlineData(ErrorKind.Http4xx, "errors.http_4xx")]
    [InlineData(ErrorKind.Http5xx, "errors.http_5xx")]
    [InlineData(ErrorKind.UnexpectedStatus, "errors.unexpected_status")]
    [InlineData(ErrorKind.Other, "errors.other")]
    public void Should_resolve_errors_of_every_kind_by_its_key(ErrorKind kind, string canonical)
    {
        var parsed = ThresholdExpression.Parse($"{canonical} < 10");

        Assert.Equal(canonical, parsed.Metric.Name);
        Assert.Equal(ThresholdMetricKind.Errors, parsed.Metric.Kind);
        Assert.Equal(kind, parsed.Metric.ErrorKind);
        Assert.Equal(10, parsed.Limit);
    }

    [Theory]
    [InlineData("p95 < 2s", 2.0)]
    [InlineData("p95 < 1.5 s", 1.5)]
    [InlineData("p95 < .5s", 0.5)]
    [InlineData("p95 < 300ms", 0.3)]
    [InlineData("p95 < 250us", 0.00025)]
    [InlineData("p95 < 250µs", 0.00025)]
    [InlineData("p95 < 250μs", 0.00025)]
    [InlineData("p95 < 2m", 120.0)]
    [InlineData("p95 < 1e3ms", 1.0)]
    [InlineData("p95 < 0", 0.0)]
    public void Should_convert_latency_limits_to_seconds(string expression, double seconds)
    {
        Assert.Equal(seconds, ThresholdExpression.Parse(expression).Limit, 12);
    }

    [Fact]
    public void Should_read_a_bare_latency_number_as_seconds()
    {
        Assert.Equal(2.0, ThresholdExpression.Parse("p95 < 2").Limit);
        Assert.Equal(0.25, ThresholdExpression.Parse("response_time.p95 < 0.25").Limit);
    }

    [Theory]
    [InlineData("error_rate < 0.05", 0.05)]
    [InlineData("error_rate < 5%", 0.05)]
    [InlineData("error_rate < 0.5 %", 0.005)]
    [InlineData("error_rate <= 100%", 1.0)]
    [InlineData("error_rate == 0", 0.0)]
    [InlineData("error_rate < 1", 1.0)]
    public void Should_read_error_rate_as_a_fraction_or_a_percentage(string expression, double fraction)
    {
        Assert.Equal(fraction, ThresholdExpression.Parse(expression).Limit, 12);
    }

    [Theory]
    [InlineData("throughput > 100", 100.0)]
    [InlineData("throughput > 100/s", 100.0)]
    [InlineData("rps >= 12.5", 12.5)]
    [InlineData("requests >= 1000", 1000.0)]
    [InlineData("errors == 0", 0.0)]
    [InlineData("errors.http_5xx < 10", 10.0)]
    public void Should_read_throughput_and_counts_as_plain_numbers(string expression, double limit)
    {
        Assert.Equal(limit, ThresholdExpression.Parse(expression).Limit);
    }

    [Theory]
    [InlineData("p95 < 2s", ThresholdOperator.LessThan)]
    [InlineData("p95 <= 2s", ThresholdOperator.LessThanOrEqual)]
    [InlineData("throughput > 2", ThresholdOperator.GreaterThan)]
    [InlineData("throughput >= 2", ThresholdOperator.GreaterThanOrEqual)]
    [InlineData("errors == 0", ThresholdOperator.Equal)]
    [InlineData("errors != 0", ThresholdOperator.NotEqual)]
    [InlineData("errors==0", ThresholdOperator.Equal)]
    [InlineData("  p95<=2s  ", ThresholdOperator.LessThanOrEqual)]
    public void Should_parse_every_operator(string expression, ThresholdOperator op)
    {
        var parsed = ThresholdExpression.Parse(expression);

        Assert.Equal(op, parsed.Operator);
        Assert.Contains(op.Symbol(), expression);
    }

    [Theory]
    [InlineData(ThresholdOperator.LessThan, 1.0, 2.0, true)]
    [InlineData(ThresholdOperator.LessThan, 2.0, 2.0, false)]
    [InlineData(ThresholdOperator.LessThanOrEqual, 2.0, 2.0, true)]
    [InlineData(ThresholdOperator.LessThanOrEqual, 2.1, 2.0, false)]
    [InlineData(ThresholdOperator.GreaterThan, 3.0, 2.0, true)]
    [InlineData(ThresholdOperator.GreaterThan, 2.0, 2.0, false)]
    [InlineData(ThresholdOperator.GreaterThanOrEqual, 2.0, 2.0, true)]
    [InlineData(ThresholdOperator.GreaterThanOrEqual, 1.9, 2.0, false)]
    [InlineData(ThresholdOperator.Equal, 0.0, 0.0, true)]
    [InlineData(ThresholdOperator.Equal, 1.0, 0.0, false)]
    [InlineData(ThresholdOperator.NotEqual, 1.0, 0.0, true)]
    [InlineData(ThresholdOperator.NotEqual, 0.0, 0.0, false)]
    public void Should_compare_actual_against_limit(ThresholdOperator op, double actual, double limit, bool holds)
    {
        Assert.Equal(holds, op.Holds(actual, limit));
    }

    [Theory]
    [InlineData(ThresholdOperator.LessThan)]
    [InlineData(ThresholdOperator.LessThanOrEqual)]
    [InlineData(ThresholdOperator.GreaterThan)]
    [InlineData(ThresholdOperator.GreaterThanOrEqual)]
    [InlineData(ThresholdOperator.Equal)]
    [InlineData(ThresholdOperator.NotEqual)]
    public void Should_never_hold_for_a_NaN_actual(ThresholdOperator op)
    {
        Assert.False(op.Holds(double.NaN, 1.0));
    }

    [Fact]
    public void Should_keep_the_definition_and_its_scope()
    {
        var definition = new ThresholdDefinition("p95 < 2s", "checkout", StatisticsFixtures.At(12));

        var parsed = ThresholdExpression.Parse(definition);

        Assert.Same(definition, parsed.Definition);
        Assert.Equal("checkout", parsed.Scope);
        Assert.Equal("overall", ThresholdExpression.Parse("p95 < 2s").Scope);
    }

    [Fact]
    public void Should_report_an_unknown_metric_with_the_expected_list_and_position()
    {
        var position = StatisticsFixtures.At(14, 9);

        var error = Assert.Throws<ScenarioException>(() => ThresholdExpression.Parse(new ThresholdDefinition("p95x < 2s", null, position)));

        Assert.Equal(
            "unknown metric 'p95x' in threshold \"p95x < 2s\"; expected one of: p50, p90, p95, p99, p99.9, min, mean, max, " +
            "error_rate, throughput, requests, errors, errors.<kind>, checks, iteration_duration <p50..max> (flow), iterations (flow), " +
            "failed_iterations (flow), failed_rate (flow), rate (check), passes (check), failures (check)",
            error.Message);
        Assert.Same(position, error.Position);
        Assert.StartsWith("shop.conf:14:9: unknown metric 'p95x'", error.Describe());
    }

    [Theory]
    [InlineData("p75 < 1s", "unknown metric 'p75'", "expected one of: p50, p90, p95, p99, p99.9")]
    [InlineData("latency.error_rate < 0.1", "unknown metric 'latency.error_rate'", "expected one of:")]
    [InlineData("cpu.percent < 80", "unknown metric 'cpu.percent'", "errors.<kind>")]
    [InlineData("errors.teapot == 0", "unknown metric 'errors.teapot'",
        "expected errors.<kind> with kind one of: refused, timeout, reset, http_4xx, http_5xx, unexpected_status, other")]
    [InlineData("", "empty threshold", "expected \"<metric> <operator> <value>\"")]
    [InlineData("   ", "empty threshold", "e.g. \"p95 < 2s\"")]
    [InlineData("p95 2s", "missing operator in threshold \"p95 2s\"", "operator one of: <, <=, >, >=, ==, !=")]
    [InlineData("< 2s", "missing metric in threshold \"< 2s\"", "expected one of: p50")]
    [InlineData("p95 => 2s", "unknown operator '=>'", "expected one of: <, <=, >, >=, ==, !=")]
    [InlineData("p95 = 2s", "unknown operator '='", "expected one of: <, <=, >, >=, ==, !=")]
    [InlineData("p95 <> 2s", "unknown operator '<>'", "expected one of:")]
    [InlineData("p95 <", "missing value after '<'", "e.g. 2s or 300ms")]
    [InlineData("p95 < abc", "invalid value 'abc'", "a bare number means seconds")]
    [InlineData("p95 < 2s extra", "invalid value '2s extra'", "e.g. 2s or 300ms")]
    [InlineData("p95 < 2h", "unknown unit 'h' for p95", "expected one of: us, µs, ms, s, m (a bare number means seconds)")]
    [InlineData("p95 < 5%", "unit '%' not allowed for p95", "percent applies only to error_rate")]
    [InlineData("p95 < -1s", "negative value '-1s'", "expected zero or more")]
    [InlineData("p95 < 1e999", "out of range", "e.g. 2s")]
    [InlineData("error_rate < 5", "error_rate 5 in threshold \"error_rate < 5\" is above 1", "write 5% or 0.05")]
    [InlineData("error_rate < 150%", "above 100%", "from 0% to 100%")]
    [InlineData("error_rate < 5ms", "unknown unit 'ms' for error_rate", "a fraction (e.g. 0.05) or a percentage (e.g. 5%)")]
    [InlineData("throughput > 100ms", "unit 'ms' not allowed for throughput", "plain number of requests per second")]
    [InlineData("errors < 5%", "unit '%' not allowed for errors", "percent applies only to error_rate")]
    [InlineData("requests >= 10s", "unit 's' not allowed for requests", "expected a plain count")]
    public void Should_say_what_was_expected_for_bad_input(string expression, string problem, string expected)
    {
        var position = StatisticsFixtures.At(7);

        var error = Assert.Throws<ScenarioException>(() => ThresholdExpression.Parse(new ThresholdDefinition(expression, null, position)));

        Assert.Contains(problem, error.Message);
        Assert.Contains(expected, error.Message);
        Assert.Same(position, error.Position);
    }

    [Fact]
    public void Should_treat_a_missing_expression_as_empty()
    {
        var error = Assert.Throws<ScenarioException>(() => ThresholdExpression.Parse(new ThresholdDefinition(null!, null, StatisticsFixtures.At(3))));

        Assert.StartsWith("empty threshold", error.Message);
        Assert.Equal(3, error.Position!.Line);
    }

    [Theory]
    [InlineData("p")]
    [InlineData("p()")]
    [InlineData("p(abc) < 1")]
    [InlineData("p(99 < 1")]
    [InlineData("p99.9.9 < 1")]
    [InlineData("errors. == 0")]
    [InlineData("!")]
    [InlineData("p95 <<< 1")]
    [InlineData("p95 < 1..2s")]
    [InlineData("p95 < 1e")]
    [InlineData("p95 < +")]
    [InlineData("p95 < NaN")]
    [InlineData("p95 < Infinity")]
    [InlineData("p95 < 0x10")]
    [InlineData("p95 < 1,5s")]
    [InlineData("p95 < \u0000")]
    [InlineData("\"p95\" < 1")]
    public void Should_throw_only_scenario_exceptions_for_malformed_input(string expression)
    {
        var error = Record.Exception(() => ThresholdExpression.Parse(new ThresholdDefinition(expression, null, StatisticsFixtures.At(1))));

        var scenarioError = Assert.IsType<ScenarioException>(error);
        Assert.NotNull(scenarioError.Position);
        Assert.Contains("expected", scenarioError.Message);
    }

    [Fact]
    public void Should_throw_only_scenario_exceptions_for_random_input()
    {
        var random = new Random(20251126);
        const string alphabet = "p9.5()<>=!% smuµ0123456789e-+_abcdefghijklmnopqrstuvwxyz";
        for (var i = 0; i < 2000; i++)
        {
            var chars = new char[random.Next(0, 16)];
            for (var c = 0; c < chars.Length; c++) chars[c] = alphabet[random.Next(alphabet.Length)];
            var expression = new string(chars);

            var error = Record.Exception(() => ThresholdExpression.Parse(expression));

            Assert.True(error is null or ScenarioException, $"\"{expression}\" threw {error?.GetType().Name}: {error?.Message}");
        }
    }
}
