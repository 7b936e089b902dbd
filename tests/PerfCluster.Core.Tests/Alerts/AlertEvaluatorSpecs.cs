using System.Text.Json;
using PerfCluster.Core.Alerts;
using PerfCluster.Core.Metrics;
using PerfCluster.Core.Monitoring;
using Xunit;
using PerfCluster.Core.Scenarios;

namespace PerfCluster.Core.Tests.Alerts;

public class AlertEvaluatorSpecs
{
    private static MonitorSnapshot Window(long second, params (string Metric, double Value)[] values) =>
        new(second, values.ToDictionary(v => v.Metric, v => v.Value));

    private static AlertRule Rule(string name, string metric, double threshold, int seconds = 0, Comparison comparison = Comparison.Gt) =>
        new(name, metric, threshold, comparison, TimeSpan.FromSeconds(seconds), AlertSeverity.Critical, AlertAction.Log);

    private static AlertEvaluator Rules(params AlertRule[] rules) => new([], rules);

    [Fact]
    public void Should_fire_only_after_the_condition_held_for_the_whole_duration()
    {
        var evaluator = Rules(Rule("slow", MonitoredMetrics.P95, 1000, seconds: 3));

        Assert.Empty(evaluator.Evaluate(Window(1, ("p95", 1200))));
        Assert.Empty(evaluator.Evaluate(Window(2, ("p95", 1500))));
        var fired = Assert.IsType<AlertFired>(Assert.Single(evaluator.Evaluate(Window(3, ("p95", 1100)))));

        Assert.Equal(3, fired.Second);
        Assert.Equal(1, fired.ConditionSince);
        Assert.Equal(1100, fired.Value);
        Assert.Equal(1500, fired.Peak);
        Assert.Equal("p95 > 1000ms held from second 1 to 3 (3s); last values: 1200ms, 1500ms, 1100ms; peak 1500ms", fired.Evidence);
        Assert.Empty(evaluator.Evaluate(Window(4, ("p95", 1300))));   // still firing: no second event
    }

    [Fact]
    public void Should_restart_the_duration_when_the_condition_breaks()
    {
        var evaluator = Rules(Rule("slow", MonitoredMetrics.P95, 1000, seconds: 3));

        evaluator.Evaluate(Window(1, ("p95", 1200)));
        evaluator.Evaluate(Window(2, ("p95", 1200)));
        Assert.Empty(evaluator.Evaluate(Window(3, ("p95", 900))));
        Assert.Empty(evaluator.Evaluate(Window(4, ("p95", 1200))));
        Assert.Empty(evaluator.Evaluate(Window(5, ("p95", 1200))));
        var fired = Assert.IsType<AlertFired>(Assert.Single(evaluator.Evaluate(Window(6, ("p95", 1200)))));
        Assert.Equal(4, fired.ConditionSince);
    }

    [Fact]
    public void Should_resolve_at_the_first_window_the_condition_is_false_with_duration_and_peak()
    {
        var evaluator = Rules(Rule("errors", MonitoredMetrics.ErrorRate, 0.1));

        Assert.IsType<AlertFired>(Assert.Single(evaluator.Evaluate(Window(10, ("error_rate", 0.2)))));
        evaluator.Evaluate(Window(11, ("error_rate", 0.4)));
        evaluator.Evaluate(Window(12, ("error_rate", 0.3)));
        var resolved = Assert.IsType<AlertResolved>(Assert.Single(evaluator.Evaluate(Window(13, ("error_rate", 0.05)))));

        Assert.Equal(13, resolved.Second);
        Assert.Equal(10, resolved.FiredAt);
        Assert.Equal(TimeSpan.FromSeconds(3), resolved.Duration);
        Assert.Equal(0.4, resolved.Peak);
        Assert.Empty(evaluator.Firing);
    }

    [Fact]
    public void Should_take_the_lowest_value_as_peak_for_a_below_rule()
    {
        var evaluator = Rules(Rule("starved", MonitoredMetrics.Throughput, 50, comparison: Comparison.Lt));

        evaluator.Evaluate(Window(1, ("throughput", 40)));
        evaluator.Evaluate(Window(2, ("throughput", 10)));
        evaluator.Evaluate(Window(3, ("throughput", 30)));

        Assert.Equal(10, Assert.Single(evaluator.Summary().Alerts).Peak);
    }

    [Fact]
    public void Should_ignore_duplicate_and_out_of_order_windows()
    {
        var evaluator = Rules(Rule("slow", MonitoredMetrics.P95, 1000, seconds: 2));

        evaluator.Evaluate(Window(5, ("p95", 2000)));
        Assert.Empty(evaluator.Evaluate(Window(5, ("p95", 2000))));   // resend of the same window
        Assert.Empty(evaluator.Evaluate(Window(4, ("p95", 2000))));   // late
        Assert.Equal(5, evaluator.LastSecond);
        Assert.Single(evaluator.Evaluate(Window(6, ("p95", 2000))));
    }

    [Fact]
    public void Should_skip_windows_that_lack_the_metric_without_breaking_or_resolving()
    {
        var evaluator = Rules(Rule("hot", MonitoredMetrics.TargetCpuPercent, 90, seconds: 10));

        // The target is sampled every 5 s; windows in between carry no CPU figure.
        Assert.Empty(evaluator.Evaluate(Window(0, ("target_cpu_percent", 95))));
        for (var s = 1; s < 5; s++) Assert.Empty(evaluator.Evaluate(Window(s, ("p95", 10))));
        Assert.Empty(evaluator.Evaluate(Window(5, ("target_cpu_percent", 97))));
        Assert.IsType<AlertFired>(Assert.Single(evaluator.Evaluate(Window(10, ("target_cpu_percent", 96)))));
        Assert.Empty(evaluator.Evaluate(Window(11, ("p95", 10))));
        Assert.Single(evaluator.Firing);
    }

    [Fact]
    public void Should_raise_an_sla_breach_at_once_and_resolve_when_it_holds_again()
    {
        var evaluator = new AlertEvaluator(
            [new SlaThreshold(MonitoredMetrics.P95, 2000, Comparison.Lt, AlertSeverity.Warning)], []);

        Assert.Empty(evaluator.Evaluate(Window(1, ("p95", 1999))));
        var fired = Assert.IsType<AlertFired>(Assert.Single(evaluator.Evaluate(Window(2, ("p95", 2000)))));   // lt: 2000 is a breach
        Assert.Equal("sla: p95 < 2000ms", fired.Rule.Name);
        Assert.Equal(AlertKind.Sla, fired.Rule.Kind);
        Assert.Equal("SLA breached: p95 >= 2000ms held at second 2; last values: 2000ms; peak 2000ms", fired.Evidence);
        Assert.IsType<AlertResolved>(Assert.Single(evaluator.Evaluate(Window(3, ("p95", 300)))));
    }

    [Theory]
    [InlineData(Comparison.Gt, 100, 100.0, true)]
    [InlineData(Comparison.Gt, 100, 100.5, false)]
    [InlineData(Comparison.Eq, 0, 0.0, false)]
    [InlineData(Comparison.Eq, 0, 3.0, true)]
    [InlineData(Comparison.Lt, 0.05, 0.049, false)]
    [InlineData(Comparison.Lt, 0.05, 0.05, true)]
    public void Should_read_the_sla_comparison_as_what_must_hold(Comparison comparison, double limit, double value, bool breached)
    {
        var evaluator = new AlertEvaluator([new SlaThreshold(MonitoredMetrics.Throughput, limit, comparison, AlertSeverity.Info)], []);

        Assert.Equal(breached, evaluator.Evaluate(Window(1, ("throughput", value))).Count == 1);
    }

    [Fact]
    public void Should_read_an_endpoint_scoped_rule_from_the_endpoints_values()
    {
        var evaluator = Rules(Rule("quiet", MonitoredMetrics.Throughput, 5, comparison: Comparison.Lt) with { Endpoint = "checkout" });
        var window = new WindowStatistics(7, 100, 0, 100, 10, LatencySummary.Empty,
            new Dictionary<string, long> { ["checkout"] = 2, ["browse"] = 98 });

        var fired = Assert.IsType<AlertFired>(Assert.Single(evaluator.Evaluate(MonitorSnapshot.From(window))));

        Assert.Equal(2, fired.Value);
        Assert.Equal("checkout: throughput < 5/s", fired.Rule.Condition);
    }

    [Fact]
    public void Should_summarise_resolved_and_still_firing_alerts_closing_open_ones_at_the_last_window()
    {
        var evaluator = Rules(Rule("errors", MonitoredMetrics.ErrorRate, 0.1), Rule("slow", MonitoredMetrics.P95, 1000, seconds: 2));
        evaluator.Evaluate(Window(1, ("error_rate", 0.5), ("p95", 1500)));
        evaluator.Evaluate(Window(2, ("error_rate", 0.0), ("p95", 1600)));
        evaluator.Evaluate(Window(3, ("error_rate", 0.0), ("p95", 1700)));

        var summary = evaluator.Summary();

        Assert.Equal(3, summary.LastSecond);
        Assert.True(summary.AnyFiringAtEnd);
        Assert.Collection(summary.Alerts,
            a =>
            {
                Assert.Equal(("errors", 1L, (long?)2L, false), (a.Name, a.Start, a.End, a.FiringAtEnd));
                Assert.Equal(1, a.DurationSeconds);
                Assert.Equal("50%", a.PeakText);
            },
            a =>
            {
                Assert.Equal(("slow", 2L, (long?)null, 3L, true), (a.Name, a.Start, a.End, a.ClosedAt, a.FiringAtEnd));
                Assert.Equal(1, a.ConditionSince);
                Assert.Equal(2, a.DurationSeconds);
                Assert.Equal(1700, a.Peak);
            });
    }

    [Fact]
    public void Should_fire_again_after_resolving_and_keep_both_in_the_summary()
    {
        var evaluator = Rules(Rule("errors", MonitoredMetrics.ErrorRate, 0.1));
        foreach (var (second, rate) in new[] { (1L, 0.2), (2L, 0.0), (3L, 0.3), (4L, 0.0) })
            evaluator.Evaluate(Window(second, ("error_rate", rate)));

        Assert.Equal([1L, 3L], evaluator.Summary().Alerts.Select(a => a.Start));
        Assert.False(evaluator.Summary().AnyFiringAtEnd);
    }

    [Fact]
    public void Should_build_a_snapshot_from_a_window_in_milliseconds_and_leave_out_what_an_empty_window_cannot_tell()
    {
        var latency = new LatencySummary(0.001, 0.1, 0.01, 0.08, 0.2, 0.25, 0.5, 0.9, 1.2);
        var busy = MonitorSnapshot.From(
            new WindowStatistics(3, 200, 10, 200, 40, latency, new Dictionary<string, long>()),
            new ResourceSample { GeneratorCpuPercent = 35, TargetMemoryMb = 512 });
        var empty = MonitorSnapshot.From(new WindowStatistics(4, 0, 0, 0, 40, LatencySummary.Empty, new Dictionary<string, long>()));

        Assert.Equal(250, busy.Get("p95"));
        Assert.Equal(1200, busy.Get("max"));
        Assert.Equal(0.05, busy.Get("error_rate"));
        Assert.Equal(200, busy.Get("throughput"));
        Assert.Equal(40, busy.Get("active_users"));
        Assert.Equal(35, busy.Get("generator_cpu_percent"));
        Assert.Equal(512, busy.Get("target_memory_mb"));
        Assert.Null(busy.Get("target_cpu_percent"));
        Assert.Null(empty.Get("p95"));
        Assert.Null(empty.Get("error_rate"));
        Assert.Equal(0, empty.Get("throughput"));
    }

    [Fact]
    public void Should_describe_a_fired_alert_as_a_snake_case_webhook_payload()
    {
        var evaluator = Rules(Rule("errors", MonitoredMetrics.ErrorRate, 0.1) with
        {
            Action = AlertAction.Webhook, Url = new Uri("http://hooks/x"),
        });
        var fired = evaluator.Evaluate(Window(30, ("error_rate", 0.25))).Single();
        var start = new DateTimeOffset(2025, 1, 2, 3, 4, 0, TimeSpan.Zero);

        var payload = WebhookPayload.From(fired, "run-1", "Light Load", start);
        using var json = JsonDocument.Parse(payload.ToJson());
        var root = json.RootElement;

        Assert.Equal("firing", root.GetProperty("status").GetString());
        Assert.Equal("errors", root.GetProperty("alert").GetString());
        Assert.Equal("critical", root.GetProperty("severity").GetString());
        Assert.Equal("error_rate > 10%", root.GetProperty("condition").GetString());
        Assert.Equal(0.25, root.GetProperty("value").GetDouble());
        Assert.Equal("fraction", root.GetProperty("unit").GetString());
        Assert.Equal(30, root.GetProperty("fired_at_second").GetInt64());
        Assert.Equal(start.AddSeconds(30), root.GetProperty("timestamp").GetDateTimeOffset());
        Assert.False(root.TryGetProperty("endpoint", out _));
        Assert.False(root.TryGetProperty("duration_seconds", out _));

        var resolved = evaluator.Evaluate(Window(35, ("error_rate", 0.0))).Single();
        var back = WebhookPayload.From(resolved, "run-1", "Light Load", start);
        Assert.Equal(("resolved", 5.0, (double?)null), (back.Status, back.DurationSeconds!.Value, back.Value));
    }

    [Fact]
    public void Should_back_off_half_a_second_doubling_for_five_attempts()
    {
        var policy = RetryPolicy.Default;

        Assert.Equal([0.5, 1, 2, 4], policy.Delays().Select(d => d.TotalSeconds));
        Assert.Null(policy.DelayAfter(5));
        Assert.Equal(TimeSpan.FromSeconds(3), (policy with { MaxDelay = TimeSpan.FromSeconds(3), MaxAttempts = 10 }).DelayAfter(6));
    }

    [Theory]
    [InlineData(null, true)]
    [InlineData(500, true)]
    [InlineData(503, true)]
    [InlineData(429, true)]
    [InlineData(408, true)]
    [InlineData(400, false)]
    [InlineData(404, false)]
    [InlineData(200, false)]
    public void Should_retry_only_failures_that_a_resend_can_fix(int? status, bool retry)
    {
        Assert.Equal(retry, RetryPolicy.IsRetryable(status));
    }
}
