using PerfCluster.Core.Alerts;
using PerfCluster.Core.Metrics;
using PerfCluster.Core.Reports;
using PerfCluster.Core.Scenarios;
using Xunit;
using static PerfCluster.Core.Tests.Reports.ReportFixtures;
using static PerfCluster.Core.Tests.Thresholds.StatisticsFixtures;
using PerfCluster.Core.Results;

namespace PerfCluster.Core.Tests.Reports;

public class ReportAnalysisSpecs
{
    private static ReportAnalysis Analyze(ScenarioStatistics stats, params ThresholdDefinition[] thresholds) =>
        ReportAnalysis.Analyze(ScenarioReport(stats, thresholds));

    /// <summary>1200 requests, with the given errors, on one endpoint named "overall" only.</summary>
    private static ScenarioStatistics WithErrors(params (ErrorKind Kind, long Count)[] counts) =>
        Statistics(Endpoint("overall", 1200, Errors(counts), throughput: 20));

    [Fact]
    public void Should_find_nothing_to_say_about_a_healthy_run()
    {
        var analysis = ReportAnalysis.Analyze(Run());

        Assert.Empty(analysis.Alerts);
        Assert.Empty(analysis.Recommendations);
    }

    [Fact]
    public void Should_alert_high_latency_as_a_warning_for_a_failed_latency_threshold()
    {
        var analysis = Analyze(HealthyStatistics(), new ThresholdDefinition("p95 < 100ms"));

        var alert = Assert.Single(analysis.Alerts);
        Assert.Equal(AlertTypes.HighLatency, alert.Type);
        Assert.Equal(AlertSeverity.Warning, alert.Severity);
        Assert.Equal("threshold p95 < 100ms failed: actual 0.143s, limit < 0.1s", alert.Message);
        Assert.Equal("checkout-flow", alert.Scenario);
        Assert.Null(alert.Endpoint);
    }

    [Fact]
    public void Should_alert_a_failed_error_rate_threshold_as_critical()
    {
        var analysis = Analyze(WithErrors((ErrorKind.Http5xx, 120)), new ThresholdDefinition("error_rate < 5%"));

        var alert = Assert.Single(analysis.Alerts);
        Assert.Equal(AlertTypes.HighErrorRate, alert.Type);
        Assert.Equal(AlertSeverity.Critical, alert.Severity);
        Assert.Contains("actual 10%", alert.Message);
        Assert.Contains("limit < 5%", alert.Message);
    }

    [Fact]
    public void Should_alert_low_throughput_and_name_the_endpoint_of_a_scoped_threshold()
    {
        var analysis = Analyze(HealthyStatistics(), new ThresholdDefinition("throughput > 10", "checkout"));

        var alert = Assert.Single(analysis.Alerts);
        Assert.Equal(AlertTypes.LowThroughput, alert.Type);
        Assert.Equal("checkout", alert.Endpoint);
        Assert.Equal("checkout: threshold throughput > 10 failed: actual 3.33/s, limit > 10/s", alert.Message);
    }

    [Theory]
    [InlineData("errors == 0")]
    [InlineData("requests >= 5000")]
    [InlineData("p95 > 1s")]
    public void Should_alert_other_failed_thresholds_as_threshold_failed(string expression)
    {
        var analysis = Analyze(WithErrors((ErrorKind.Other, 1)), new ThresholdDefinition(expression));

        var alert = Assert.Single(analysis.Alerts, a => a.Type == AlertTypes.ThresholdFailed);
        Assert.Equal(AlertSeverity.Warning, alert.Severity);
        Assert.Contains(expression, alert.Message);
    }

    [Fact]
    public void Should_not_call_a_threshold_without_data_high_latency()
    {
        var stats = Statistics(Endpoint("overall", 1200), [Endpoint("home", 1200), Endpoint("checkout", 0)]);

        var analysis = Analyze(stats, new ThresholdDefinition("p95 < 2s", "checkout"));

        var alert = Assert.Single(analysis.Alerts);
        Assert.Equal(AlertTypes.ThresholdFailed, alert.Type);
        Assert.Contains("no value measured (endpoint 'checkout' received no requests)", alert.Message);
    }

    [Fact]
    public void Should_warn_that_a_saturated_generator_may_be_the_bottleneck()
    {
        var stats = HealthyStatistics() with { Generator = new GeneratorStatistics(111.6, 186, 93, 2, 1L << 30) };

        var analysis = Analyze(stats);

        var alert = Assert.Single(analysis.Alerts);
        Assert.Equal(AlertTypes.GeneratorSaturated, alert.Type);
        Assert.Equal(AlertSeverity.Warning, alert.Severity);
        Assert.Equal("the load generator, not the target, may be the bottleneck: CPU 93% of 2 cores", alert.Message);
        var recommendation = Assert.Single(analysis.Recommendations);
        Assert.StartsWith("add workers: the generator ran at CPU 93% of 2 cores while driving 50 users", recommendation);
    }

    [Theory]
    [InlineData(85.0)]
    [InlineData(40.0)]
    [InlineData(double.NaN)]
    public void Should_not_flag_a_generator_at_or_below_85_percent(double cpu)
    {
        var stats = HealthyStatistics() with { Generator = new GeneratorStatistics(1, cpu * 2, cpu, 2, 1) };

        var analysis = Analyze(stats);

        Assert.DoesNotContain(analysis.Alerts, a => a.Type == AlertTypes.GeneratorSaturated);
        Assert.Empty(analysis.Recommendations);
    }

    private static ReportAnalysis AnalyzeOpen(ScenarioStatistics stats, int maxConnections = 0) =>
        ReportAnalysis.Analyze(ScenarioReport(OpenScenario() with { Http = new HttpSettings { MaxConnections = maxConnections } }, stats));

    private static LatencySummary Lag(double p99, double max = 0.050) => new(0.0001, 0.001, 0.001, 0.0005, 0.001, 0.002, p99, max, max);

    [Fact]
    public void Should_find_nothing_to_say_about_healthy_open_model_figures()
    {
        var analysis = AnalyzeOpen(OpenStatistics());

        Assert.Empty(analysis.Alerts);
        Assert.Empty(analysis.Recommendations);
    }

    [Fact]
    public void Should_blame_the_generator_for_dropped_iterations_with_count_share_and_pool_size()
    {
        var analysis = AnalyzeOpen(OpenStatistics() with { DroppedIterations = 120, AbandonedInFlight = 30 });

        var alert = Assert.Single(analysis.Alerts, a => a.Type != AlertTypes.AbandonedRequests);
        Assert.Equal((AlertTypes.GeneratorSaturated, AlertSeverity.Warning), (alert.Type, alert.Severity));
        Assert.Equal("the load generator, not the target, may be the bottleneck: 120 iterations dropped (8.89% of 1,350 scheduled)",
            alert.Message);
        var recommendation = Assert.Single(analysis.Recommendations);
        Assert.Equal(
            "raise max-users (now 200): 120 iterations dropped (8.89% of 1,350 scheduled) because every user of the pool was busy "
            + "(peak 50 users); at 50 iterations/s and a mean latency of 60 ms the pool needs about 3 busy users; if the generator's "
            + "CPU is the limit, add workers instead", recommendation);
    }

    [Fact]
    public void Should_blame_the_generator_for_a_scheduling_lag_p99_above_10_ms()
    {
        var analysis = AnalyzeOpen(OpenStatistics() with { SchedulingLag = Lag(p99: 0.025, max: 0.120) });

        var alert = Assert.Single(analysis.Alerts);
        Assert.Equal(AlertTypes.GeneratorSaturated, alert.Type);
        Assert.Equal("the load generator, not the target, may be the bottleneck: scheduling lag p99 25 ms (max 120 ms)", alert.Message);
        Assert.Equal(
            "add workers: iterations were dispatched late (scheduling lag p99 25 ms (max 120 ms), above 10 ms) because the generator "
            + "could not keep to the schedule; spread the rate over more worker nodes", Assert.Single(analysis.Recommendations));
    }

    [Fact]
    public void Should_not_blame_the_generator_for_a_late_flush_timer_in_the_closed_model()
    {
        // In the closed model the lag is the share's flush timer: a late timer delays no request.
        var analysis = Analyze(OpenStatistics() with { SchedulingLag = Lag(p99: 0.025, max: 0.120), DroppedIterations = 0 });

        Assert.DoesNotContain(analysis.Alerts, a => a.Type == AlertTypes.GeneratorSaturated);
        Assert.DoesNotContain(analysis.Recommendations, r => r.Contains("dispatched late"));
    }

    [Theory]
    [InlineData(0.010)]
    [InlineData(0.0001)]
    [InlineData(double.NaN)]
    public void Should_not_flag_a_scheduling_lag_p99_of_10_ms_or_less(double p99)
    {
        var analysis = AnalyzeOpen(OpenStatistics() with { SchedulingLag = Lag(p99) });

        Assert.Empty(analysis.Alerts);
        Assert.Empty(analysis.Recommendations);
    }

    [Fact]
    public void Should_blame_the_generator_for_connection_waits_and_name_the_connection_limit()
    {
        var limited = AnalyzeOpen(OpenStatistics() with { ConnectionWaits = 1500 }, maxConnections: 64);
        var perUser = ReportAnalysis.Analyze(ScenarioReport(HealthyStatistics() with { ConnectionWaits = 3 }));

        Assert.Equal("the load generator, not the target, may be the bottleneck: 1,500 requests waited for a free connection",
            Assert.Single(limited.Alerts).Message);
        Assert.Equal(
            "raise http.max-connections (now 64) or set it to 0 (one connection per user): 1,500 requests waited for a free connection "
            + "inside the generator, and that wait is part of their measured latency", Assert.Single(limited.Recommendations));
        Assert.Equal(AlertTypes.GeneratorSaturated, Assert.Single(perUser.Alerts).Type);
        Assert.StartsWith("add workers: 3 requests waited for a free connection inside the generator although each user has its own",
            Assert.Single(perUser.Recommendations));
    }

    [Fact]
    public void Should_quote_every_piece_of_evidence_in_one_alert_with_a_recommendation_each()
    {
        var stats = OpenStatistics() with
        {
            Generator = new GeneratorStatistics(100, 186, 93, 2, 1),
            DroppedIterations = 1200,
            SchedulingLag = Lag(p99: 0.040, max: 0.200),
            ConnectionWaits = 9,
        };

        var analysis = AnalyzeOpen(stats, maxConnections: 16);

        var alert = Assert.Single(analysis.Alerts);
        Assert.Equal(
            "the load generator, not the target, may be the bottleneck: CPU 93% of 2 cores; 1,200 iterations dropped (50% of 2,400 "
            + "scheduled); scheduling lag p99 40 ms (max 200 ms); 9 requests waited for a free connection", alert.Message);
        Assert.Collection(analysis.Recommendations,
            r => Assert.StartsWith("add workers: the generator ran at CPU 93% of 2 cores", r),
            r => Assert.StartsWith("raise max-users (now 200): 1,200 iterations dropped", r),
            r => Assert.StartsWith("add workers: iterations were dispatched late", r),
            r => Assert.StartsWith("raise http.max-connections (now 16)", r));
    }

    [Fact]
    public void Should_size_the_pool_only_when_a_latency_was_measured()
    {
        var stats = OpenStatistics() with { Overall = Endpoint("overall", 0, throughput: 0), DroppedIterations = 500 };

        var recommendation = Assert.Single(AnalyzeOpen(stats).Recommendations, r => r.StartsWith("raise max-users", StringComparison.Ordinal));

        Assert.Equal(
            "raise max-users (now 200): 500 iterations dropped (100% of 500 scheduled) because every user of the pool was busy "
            + "(peak 50 users); if the generator's CPU is the limit, add workers instead", recommendation);
    }

    [Fact]
    public void Should_point_refused_connections_at_the_target_host_and_port()
    {
        var recommendation = Assert.Single(Analyze(WithErrors((ErrorKind.Refused, 30))).Recommendations);

        Assert.Equal(
            "30 of 1,200 requests (2.5%) were refused: nothing accepted connections at shop.test:8080; " +
            "check that the target is up and listening on port 8080",
            recommendation);
    }

    [Fact]
    public void Should_raise_a_critical_alert_when_every_request_was_refused()
    {
        var analysis = Analyze(WithErrors((ErrorKind.Refused, 1200)));

        var alert = Assert.Single(analysis.Alerts);
        Assert.Equal(AlertTypes.TargetUnreachable, alert.Type);
        Assert.Equal(AlertSeverity.Critical, alert.Severity);
        Assert.Equal("all 1,200 requests were refused: nothing accepted connections at shop.test:8080", alert.Message);
    }

    [Fact]
    public void Should_quote_the_timeout_figures()
    {
        var recommendation = Assert.Single(Analyze(WithErrors((ErrorKind.Timeout, 12))).Recommendations);

        Assert.StartsWith("12 of 1,200 requests (1%) timed out after the 30.0 s per-request timeout (overall p99 210 ms)", recommendation);
        Assert.Contains("50 users", recommendation);
    }

    [Fact]
    public void Should_call_5xx_server_side_failures_with_count_share_and_worst_endpoint()
    {
        var stats = Statistics(
            Endpoint("overall", 1200, Errors((ErrorKind.Http5xx, 60))),
            [Endpoint("home", 1000, Errors((ErrorKind.Http5xx, 12))), Endpoint("checkout", 200, Errors((ErrorKind.Http5xx, 48)))]);

        var recommendation = Assert.Single(Analyze(stats).Recommendations);

        Assert.StartsWith(
            "60 of 1,200 requests (5%) failed with HTTP 5xx, most on 'checkout' (48): these are server-side failures",
            recommendation);
    }

    [Fact]
    public void Should_report_4xx_and_resets_with_their_figures()
    {
        var recommendations = Analyze(WithErrors((ErrorKind.Http4xx, 3), (ErrorKind.Reset, 6))).Recommendations;

        Assert.Equal(2, recommendations.Count);
        Assert.Contains(recommendations, r => r.StartsWith("3 of 1,200 requests (0.25%) got an unexpected HTTP 4xx", StringComparison.Ordinal));
        Assert.Contains(recommendations, r => r.StartsWith("6 of 1,200 requests (0.5%) had their connection reset", StringComparison.Ordinal));
    }

    [Fact]
    public void Should_recommend_looking_at_the_tail_when_p99_exceeds_five_times_p50()
    {
        var stats = Statistics(Endpoint("overall", 1200, latency: Latency(p50: 0.050, p99: 0.600)));

        var recommendation = Assert.Single(Analyze(stats).Recommendations);

        Assert.StartsWith("tail latency: p99 600 ms is 12.0× p50 50 ms", recommendation);
    }

    [Fact]
    public void Should_not_call_a_millisecond_tail_slow_however_far_it_is_above_the_median()
    {
        var stats = Statistics(Endpoint("overall", 1200, latency: Latency(p50: 0.0001, p99: 0.002)));

        Assert.Empty(Analyze(stats).Recommendations);
    }

    [Fact]
    public void Should_judge_tail_latency_per_endpoint_when_there_are_several()
    {
        // A fast and a slow endpoint: the overall spread is wide, neither endpoint's own is.
        var mixed = Statistics(
            Endpoint("overall", 1200, latency: Latency(p50: 0.010, p99: 0.900)),
            [Endpoint("home", 1000, latency: Latency(p50: 0.010, p99: 0.030)),
             Endpoint("checkout", 200, latency: Latency(p50: 0.600, p99: 0.900))]);
        var slowTail = mixed with
        {
            Endpoints = [mixed.Endpoints[0], Endpoint("checkout", 200, latency: Latency(p50: 0.100, p99: 2.000))],
        };

        Assert.Empty(Analyze(mixed).Recommendations);
        Assert.StartsWith("endpoint 'checkout': tail latency: p99 2000 ms is 20.0× p50 100 ms", Assert.Single(Analyze(slowTail).Recommendations));
    }

    [Fact]
    public void Should_not_flag_a_tail_of_exactly_five_times_p50()
    {
        var stats = Statistics(Endpoint("overall", 1200, latency: Latency(p50: 0.100, p99: 0.500)));

        Assert.Empty(Analyze(stats).Recommendations);
    }

    [Fact]
    public void Should_warn_about_requests_abandoned_in_flight()
    {
        var analysis = Analyze(HealthyStatistics() with { AbandonedInFlight = 7 });

        var alert = Assert.Single(analysis.Alerts);
        Assert.Equal(AlertTypes.AbandonedRequests, alert.Type);
        Assert.Equal(AlertSeverity.Warning, alert.Severity);
        Assert.StartsWith("7 requests were still in flight when the 30.0 s graceful stop ran out", alert.Message);
    }

    [Fact]
    public void Should_raise_a_critical_alert_for_a_scenario_without_requests()
    {
        var analysis = Analyze(Statistics(Endpoint("overall", 0, throughput: 0)));

        var alert = Assert.Single(analysis.Alerts);
        Assert.Equal(AlertTypes.NoRequests, alert.Type);
        Assert.Equal(AlertSeverity.Critical, alert.Severity);
        Assert.StartsWith("no requests completed in 1 min 00 s with 50 users", alert.Message);
        Assert.Empty(analysis.Recommendations);
    }

    [Fact]
    public void Should_warn_that_an_interrupted_scenario_covers_only_part_of_the_plan()
    {
        var stats = HealthyStatistics() with { MeasuredDuration = TimeSpan.FromSeconds(12.3) };

        var analysis = ReportAnalysis.Analyze(ScenarioReport(stats, interrupted: true));

        var alert = Assert.Single(analysis.Alerts);
        Assert.Equal(AlertTypes.Interrupted, alert.Type);
        Assert.StartsWith("interrupted after 12.3 s of the planned 1 min 00 s", alert.Message);
    }

    [Fact]
    public void Should_list_critical_alerts_first()
    {
        var stats = WithErrors((ErrorKind.Http5xx, 600)) with { AbandonedInFlight = 2 };

        var analysis = Analyze(stats, new ThresholdDefinition("p95 < 1ms"), new ThresholdDefinition("error_rate < 1%"));

        Assert.Equal(
            [AlertSeverity.Critical, AlertSeverity.Warning, AlertSeverity.Warning],
            analysis.Alerts.Select(a => a.Severity));
        Assert.Equal(AlertTypes.HighErrorRate, analysis.Alerts[0].Type);
    }

    [Fact]
    public void Should_name_the_scenario_in_recommendations_of_a_run_with_several()
    {
        var slow = ScenarioReport(Statistics(Endpoint("overall", 1200, latency: Latency(p50: 0.050, p99: 0.600)), scenario: "buy"),
            thresholds: [], name: "buy");
        var report = Run(ScenarioReport(), slow);

        var recommendation = Assert.Single(ReportAnalysis.Analyze(report).Recommendations);

        Assert.StartsWith("buy: tail latency: p99 600 ms", recommendation);
    }
}
