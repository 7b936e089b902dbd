using System.Text.Json;
using PerfCluster.Core.Alerts;
using PerfCluster.Core.Monitoring;
using PerfCluster.Core.Scenarios;
using Xunit;
using PerfCluster.Core.Input;

namespace PerfCluster.Core.Tests.Alerts;

/// <summary>sla-thresholds, alert-rules and monitor as written in HOCON and in the guide's JSON.</summary>
public class AlertScenarioReaderSpecs
{
    private const string Head = "target = \"http://127.0.0.1:8000\"\nconcurrent-users = 10\nduration = 120s\n";

    private static ScenarioDefinition LoadOne(string text) =>
        Assert.Single(ScenarioLoader.LoadText(text, "test.conf").Scenarios);

    private static ScenarioException Fails(string text) =>
        Assert.Throws<ScenarioException>(() => ScenarioLoader.LoadText(text, "test.conf"));

    [Fact]
    public void Should_apply_the_guides_default_sla_list_when_the_scenario_sets_none()
    {
        var s = LoadOne(Head);

        Assert.Equal(SlaThreshold.Defaults, s.SlaThresholds);
        Assert.Empty(s.AlertRules);
        Assert.Null(s.Monitor);
        Assert.Contains(s.SlaThresholds, t => t is { Metric: "p95", Value: 2000, Comparison: Comparison.Lt, Severity: AlertSeverity.Warning });
        Assert.Contains(s.SlaThresholds, t => t is { Metric: "error_rate", Value: 0.05, Comparison: Comparison.Lt, Severity: AlertSeverity.Critical });
    }

    [Fact]
    public void Should_turn_the_default_slas_off_with_an_empty_list()
    {
        Assert.Empty(LoadOne(Head + "sla-thresholds = []").SlaThresholds);
    }

    [Fact]
    public void Should_read_sla_thresholds_in_hocon_with_units()
    {
        var s = LoadOne(Head + """
            sla-thresholds = [
              { metric = p95, value = 800ms, comparison = lt, severity = critical, description = "p95 under 800 ms" }
              { metric = error_rate, value = 2%, comparison = lt }
              { metric = rps, value = 50, comparison = gt, severity = info }
              { metric = response_time.p99, value = 1.5, comparison = lt }
              { metric = dropped_iterations, value = 0, comparison = eq }
              { metric = target_memory_mb, value = 2GB, comparison = lt }
            ]
            """);

        Assert.Equal(
            [
                new SlaThreshold("p95", 800, Comparison.Lt, AlertSeverity.Critical, "p95 under 800 ms"),
                new SlaThreshold("error_rate", 0.02, Comparison.Lt, AlertSeverity.Warning),
                new SlaThreshold("throughput", 50, Comparison.Gt, AlertSeverity.Info),
                new SlaThreshold("p99", 1500, Comparison.Lt, AlertSeverity.Warning),
                new SlaThreshold("dropped_iterations", 0, Comparison.Eq, AlertSeverity.Warning),
                new SlaThreshold("target_memory_mb", 2048, Comparison.Lt, AlertSeverity.Warning),
            ],
            s.SlaThresholds.Select(t => t with { Position = null }));
        Assert.Equal(new SourcePosition("test.conf", 5, 3), s.SlaThresholds[0].Position);
    }

    [Fact]
    public void Should_read_the_guides_json_with_snake_case_keys()
    {
        var s = LoadOne("""
            {
              "target": "http://127.0.0.1:8000",
              "concurrent_users": 10,
              "duration": 60,
              "sla_thresholds": [
                { "metric_name": "response_time.p95", "threshold_value": 2.0, "comparison": "lt", "severity": "warning",
                  "description": "p95 below 2 s" },
                { "metric_name": "error_rate", "threshold_value": 0.05, "comparison": "lt", "severity": "critical", "description": "" }
              ],
              "alert_rules": [
                { "name": "high_error_rate", "metric_name": "error_rate", "threshold_value": 0.1, "duration": 60,
                  "severity": "critical", "action": "abort_run" }
              ],
              "monitor": { "process_name": "nginx", "memory_growth_threshold_mb": 100, "leak_window": "10m" }
            }
            """);

        Assert.Equal(2000, s.SlaThresholds[0].Value);
        Assert.Equal("p95", s.SlaThresholds[0].Metric);
        Assert.Equal(AlertSeverity.Critical, s.SlaThresholds[1].Severity);
        var rule = Assert.Single(s.AlertRules);
        Assert.Equal(
            new AlertRule("high_error_rate", "error_rate", 0.1, Comparison.Gt, TimeSpan.FromSeconds(60), AlertSeverity.Critical, AlertAction.AbortRun),
            rule with { Position = null });
        Assert.Equal(60, rule.Windows);
        Assert.Equal(new MonitorDefinition { ProcessName = "nginx", MemoryGrowthThresholdMb = 100, LeakWindow = TimeSpan.FromMinutes(10) },
            s.Monitor! with { Position = null });
    }

    [Fact]
    public void Should_read_alert_rules_with_defaults_webhooks_and_endpoints()
    {
        var s = LoadOne(Head + """
            endpoints = [ { name = checkout, path = /checkout }, "/browse" ]
            alert-rules = [
              { name = slow, metric = p99, threshold = 1s }
              { name = hook, metric = error_rate, threshold = "10%", for = 30s, severity = critical, action = webhook,
                url = "https://hooks.example.com/perf" }
              { name = quiet-checkout, metric = throughput, threshold = 5, comparison = lt, duration = 10s,
                endpoint = /checkout, action = notify-console }
            ]
            """);

        Assert.Collection(s.AlertRules,
            r => Assert.Equal(new AlertRule("slow", "p99", 1000, Comparison.Gt, TimeSpan.Zero, AlertSeverity.Warning, AlertAction.Log),
                r with { Position = null }),
            r =>
            {
                Assert.Equal(new Uri("https://hooks.example.com/perf"), r.Url);
                Assert.Equal(0.1, r.Threshold);
                Assert.Equal(30, r.Windows);
                Assert.Equal(AlertAction.Webhook, r.Action);
            },
            r =>
            {
                Assert.Equal("checkout", r.Endpoint);
                Assert.Equal(Comparison.Lt, r.Comparison);
                Assert.Equal(AlertAction.NotifyConsole, r.Action);
            });
        Assert.Equal(1, s.AlertRules[0].Windows);
    }

    [Fact]
    public void Should_inherit_plan_level_alert_sections_into_every_scenario()
    {
        var plan = ScenarioLoader.LoadText("""
            target = "http://127.0.0.1:8000"
            alert-rules = [ { name = errors, metric = error_rate, threshold = 0.2 } ]
            sla-thresholds = []
            scenarios = [
              { name = a, concurrent-users = 1, duration = 10s }
              { name = b, concurrent-users = 2, duration = 10s, sla-thresholds = [ { metric = p95, value = 1s, comparison = lt } ] }
            ]
            """, "plan.conf");

        Assert.All(plan.Scenarios, s => Assert.Equal("errors", Assert.Single(s.AlertRules).Name));
        Assert.Empty(plan.Scenarios[0].SlaThresholds);
        Assert.Equal(1000, Assert.Single(plan.Scenarios[1].SlaThresholds).Value);
    }

    [Fact]
    public void Should_read_the_monitor_section()
    {
        var s = LoadOne(Head + """
            monitor {
              pid = 4242
              prometheus = "http://127.0.0.1:9100/metrics"
              series = [ process_resident_memory_bytes, "http_server_requests_seconds_count" ]
            }
            """);

        Assert.Equal(4242, s.Monitor!.Pid);
        Assert.Equal(new Uri("http://127.0.0.1:9100/metrics"), s.Monitor.Prometheus);
        Assert.Equal(["process_resident_memory_bytes", "http_server_requests_seconds_count"], s.Monitor.Series);
        Assert.Equal(MonitorDefinition.DefaultMemoryGrowthThresholdMb, s.Monitor.MemoryGrowthThresholdMb);
        Assert.Equal(TimeSpan.FromMinutes(5), s.Monitor.LeakWindow);
        Assert.Equal(TimeSpan.FromMinutes(5), PerfCluster.Core.Monitoring.LeakDetectorOptions.For(s.Monitor).Window);
    }

    [Fact]
    public void Should_survive_the_json_round_trip_cluster_messages_use()
    {
        var s = LoadOne(Head + """
            alert-rules = [ { name = hook, metric = p95, threshold = 1s, duration = 5s, action = webhook, url = "http://h/x" } ]
            monitor { prometheus = "http://h:9100/metrics", series = [ up ] }
            """);

        var back = JsonSerializer.Deserialize<ScenarioDefinition>(JsonSerializer.Serialize(s))!;

        Assert.Equal(s.SlaThresholds, back.SlaThresholds);
        Assert.Equal(s.AlertRules, back.AlertRules);
        Assert.Equal(s.Monitor, back.Monitor);
    }

    [Theory]
    // sla-thresholds
    [InlineData("sla-thresholds = [ { metric = p59, value = 1s, comparison = lt } ]", "unknown metric 'p59'; did you mean 'p50'?", 4)]
    [InlineData("sla-thresholds = [ { metric = latency, value = 1s, comparison = lt } ]",
        "unknown metric 'latency'; expected one of: throughput, error_rate, p50, p90, p95, p99, p99.9, mean, max, active_users, "
        + "dropped_iterations, generator_cpu_percent, generator_memory_mb, target_cpu_percent, target_memory_mb", 4)]
    [InlineData("sla-thresholds = [ { metric = cpu.percent, value = 80, comparison = lt } ]",
        "metric 'cpu.percent' is not monitored as such: it could mean the generator or the target: write target_cpu_percent or generator_cpu_percent", 4)]
    [InlineData("sla-thresholds = [ { metric = p95, value = 1s, comparision = lt } ]", "unknown key 'comparision'; did you mean 'comparison'?", 4)]
    [InlineData("sla-thresholds = [ { metric = p95, value = 1s } ]",
        "an SLA threshold needs 'comparison': lt, gt or eq, the relation that must hold (e.g. comparison = lt for \"p95 below value\")", 4)]
    [InlineData("sla-thresholds = [ { metric = p95, comparison = lt } ]", "an SLA threshold needs 'value' (e.g. value = 2s)", 4)]
    [InlineData("sla-thresholds = [ { metric = p95, value = 1s, comparison = le } ]", "unknown comparison 'le' for 'comparison'; did you mean 'lt'?", 4)]
    [InlineData("sla-thresholds = [ { metric = p95, value = 1s, comparison = below } ]",
        "unknown comparison 'below' for 'comparison'; expected one of: lt, gt, eq", 4)]
    [InlineData("sla-thresholds = [ { metric = p95, value = 1s, comparison = lt, severity = fatal } ]",
        "unknown severity 'fatal' for 'severity'; expected one of: info, warning, critical", 4)]
    [InlineData("sla-thresholds = [ { metric = p95, value = 500, comparison = lt } ]",
        "'value' = 500 for p95 would mean 500 seconds (a bare latency is in seconds); write the unit: 500ms or 500s", 4)]
    [InlineData("sla-thresholds = [ { metric = error_rate, value = 5, comparison = lt } ]",
        "'value' = 5 for error_rate is above 1; expected a fraction from 0 to 1 or a percentage: write \"5%\" or 0.05", 4)]
    [InlineData("sla-thresholds = [ { metric = target_cpu_percent, value = 180, comparison = lt } ]",
        "'value' = 180 for target_cpu_percent is above 100; it is a percentage of all cores (0 to 100)", 4)]
    [InlineData("sla-thresholds = [ { metric = p95, value = -1s, comparison = lt } ]", "'value' must be 0 or more but is -1s", 4)]
    [InlineData("sla-thresholds = [ { metric = p95, value = soon, comparison = lt } ]",
        "expected a latency such as 2s or 300ms for 'value' but found 'soon'", 4)]
    [InlineData("sla-thresholds = [ \"p95 < 2s\" ]", "expected an SLA threshold { metric, value, comparison } in 'sla-thresholds' but found 'p95 < 2s'", 4)]
    [InlineData("sla-thresholds = 5", "expected an array of SLA thresholds for 'sla-thresholds' but found '5'", 4)]
    // alert-rules
    [InlineData("alert-rules = [ { metric = p95, threshold = 1s } ]", "an alert rule needs a 'name' (e.g. name = high_error_rate)", 4)]
    [InlineData("alert-rules = [ { name = x, metric = p95 } ]", "alert rule 'x' needs a 'threshold' (e.g. threshold = 0.1)", 4)]
    [InlineData("alert-rules = [ { name = x, metrc = p95, threshold = 1s } ]", "unknown key 'metrc'; did you mean 'metric'?", 4)]
    [InlineData("alert-rules = [ { name = x, metric = eror_rate, threshold = 0.1 } ]", "unknown metric 'eror_rate'; did you mean 'error_rate'?", 4)]
    [InlineData("alert-rules = [ { name = x, metric = p95, threshold = 1s, action = scale_up } ]",
        "unknown action 'scale_up' for 'action'; expected one of: log, webhook, abort-run, notify-console", 4)]
    [InlineData("alert-rules = [ { name = x, metric = p95, threshold = 1s, action = abort } ]",
        "unknown action 'abort' for 'action'; expected one of: log, webhook, abort-run, notify-console", 4)]
    [InlineData("alert-rules = [ { name = x, metric = p95, threshold = 1s, action = webhook } ]",
        "alert rule 'x' has action = webhook but no 'url' to POST to", 4)]
    [InlineData("alert-rules = [ { name = x, metric = p95, threshold = 1s, url = \"http://h/\" } ]",
        "'url' applies only to action = webhook, but alert rule 'x' has action = log", 4)]
    [InlineData("alert-rules = [ { name = x, metric = p95, threshold = 1s, action = webhook, url = \"ftp://h/\" } ]",
        "'url' must be an absolute http(s) URL such as \"https://hooks.example.com/alerts\" but is 'ftp://h/'", 4)]
    [InlineData("alert-rules = [ { name = x, metric = p95, threshold = 1s, duration = 1.5s } ]",
        "'duration' must be a whole number of seconds (windows are one second long) but is 1500ms", 4)]
    [InlineData("alert-rules = [ { name = x, metric = p95, threshold = 1s, duration = -5s } ]", "'duration' must be 0 or more but is -5s", 4)]
    [InlineData("alert-rules = [ { name = x, metric = p95, threshold = 1s, endpoint = /nowhere } ]",
        "alert rule refers to unknown endpoint '/nowhere'; endpoints: /api/v1/projects, /api/v1/tasks, /api/v1/ai/generate", 4)]
    [InlineData("alert-rules = [\n  { name = x, metric = p95, threshold = 1s }\n  { name = x, metric = p99, threshold = 1s }\n]",
        "duplicate alert rule name 'x' (first used at 5:3)", 6)]
    // monitor
    [InlineData("monitor { pid = 0 }", "'pid' must be a process id of 1 or more but is 0", 4)]
    [InlineData("monitor { pid = 1, process-name = nginx }", "set either 'pid' or 'process-name' in 'monitor', not both", 4)]
    [InlineData("monitor { leak-window = 5m }", "'monitor' needs something to watch: 'pid', 'process-name' or 'prometheus'", 4)]
    [InlineData("monitor { pid = 1, series = [ up ] }", "'series' names Prometheus series, so 'monitor' needs 'prometheus' too", 4)]
    [InlineData("monitor { prometheus = \"http://h:9100/metrics\", series = [ \"1up\" ] }",
        "'1up' in 'series' is not a Prometheus metric name (letters, digits, '_' and ':', not starting with a digit)", 4)]
    [InlineData("monitor { pid = 1, memory-growth-threshold-mb = 0 }", "'memory-growth-threshold-mb' must be greater than 0 but is 0", 4)]
    [InlineData("monitor { pid = 1, leak-window = 10s }",
        "'leak-window' must be at least 30s (a trend needs time to show) but is 10s", 4)]
    [InlineData("monitor { pid = 1, leak_windw = 5m }", "unknown key 'leak_windw'; did you mean 'leak_window'?", 4)]
    [InlineData("monitor = nginx", "expected an object for 'monitor' but found 'nginx'", 4)]
    public void Should_reject_bad_alert_sections_naming_the_file_and_line(string section, string message, int line)
    {
        var error = Fails(Head + section);

        Assert.Equal(message, error.Message);
        Assert.Equal("test.conf", error.Position?.File);
        Assert.Equal(line, error.Position?.Line);
    }

    [Fact]
    public void Should_point_at_the_value_inside_a_multi_line_rule()
    {
        var error = Fails(Head + "alert-rules = [\n  {\n    name = x\n    metric = p95\n    threshold = 1s\n    severity = urgent\n  }\n]");

        Assert.Equal(new SourcePosition("test.conf", 9, 16), error.Position);
        Assert.StartsWith("test.conf:9:16: unknown severity 'urgent'", error.Describe());
    }
}
