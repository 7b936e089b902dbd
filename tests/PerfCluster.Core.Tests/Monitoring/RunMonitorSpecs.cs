using PerfCluster.Core.Alerts;
using PerfCluster.Core.Metrics;
using PerfCluster.Core.Monitoring;
using PerfCluster.Core.Scenarios;

namespace PerfCluster.Core.Tests.Monitoring;

/// <summary>The run watch over synthetic windows: rules, the generator's and the target's resources, leaks, the summary.</summary>
public class RunMonitorSpecs
{
    private static ScenarioDefinition Scenario(string extra) => ScenarioLoader.LoadText(
        "target = \"http://127.0.0.1:1\"\nconcurrent-users = 10\nduration = 10m\n" + extra, "t.conf").Scenarios[0];

    private static WindowStatistics Window(long second, long requests = 100, long errors = 0, int users = 10, long workingSetMb = 100) =>
        new(second, requests, errors, requests, users, LatencySummary.From(Latency.NewHistogram()), new Dictionary<string, long>())
        {
            Nodes = [new NodeWindow("n1", 0.5, workingSetMb * 1024 * 1024, null) { ProcessorCount = 2 }],
        };

    [Fact]
    public void Should_read_the_generators_cpu_as_a_share_of_its_cores_and_its_memory_in_mb()
    {
        var resources = RunMonitor.Resources(Window(0, workingSetMb: 256), new TargetSample(0, 40, 512, 8));

        Assert.Equal(25, resources.GeneratorCpuPercent!.Value, 6);   // 0.5 s of CPU in 1 s on 2 cores
        Assert.Equal(256, resources.GeneratorMemoryMb!.Value, 6);
        Assert.Equal(40, resources.TargetCpuPercent);
        Assert.Equal(512, resources.TargetMemoryMb);
    }

    [Fact]
    public void Should_fire_a_rule_after_its_duration_and_resolve_it_in_the_summary()
    {
        var monitor = new RunMonitor(Scenario("sla-thresholds = []\nalert-rules = [{ name = errors, metric = error_rate, threshold = 0.1, for = 3s }]"));
        var fired = new List<AlertEvent>();

        for (var s = 0; s < 10; s++) fired.AddRange(monitor.Observe(Window(s, errors: s is >= 2 and <= 6 ? 50 : 0), null));
        var result = monitor.Finish([]);

        var f = Assert.IsType<AlertFired>(fired[0]);
        Assert.Equal(4, f.Second);                    // true at 2, 3, 4: three windows
        Assert.IsType<AlertResolved>(fired[1]);
        var record = Assert.Single(result.Alerts.Alerts);
        Assert.Equal((4L, 7L), (record.Start, record.End!.Value));
        Assert.Equal(0.5, record.Peak, 6);
    }

    [Fact]
    public void Should_suspect_a_target_that_grows_steadily_and_say_so_once()
    {
        var monitor = new RunMonitor(Scenario("monitor { pid = 1, memory-growth-threshold-mb = 20, leak-window = 30s }\nsla-thresholds = []"));
        var leaks = new List<AlertEvent>();

        for (var s = 0; s < 40; s++) leaks.AddRange(monitor.Observe(Window(s), new TargetSample(s, 10, 200 + 3.0 * s, 4)));
        var result = monitor.Finish([]);

        var leak = Assert.Single(leaks);
        Assert.StartsWith("suspected memory leak (target)", leak.Rule.Name);
        Assert.True(result.TargetLeak!.Suspected);
        Assert.Equal(180, result.TargetLeak.SlopeMbPerMinute, 1);
        Assert.Single(result.LeakAlerts);
        Assert.Equal(40, result.Target.Count);
    }

    [Fact]
    public void Should_not_take_the_generators_growth_with_the_user_count_for_a_leak()
    {
        var monitor = new RunMonitor(Scenario("sla-thresholds = []"));
        var events = new List<AlertEvent>();

        // Ramp: memory grows with the users (2 MB per user), then holds flat at full load.
        for (var s = 0; s < 400; s++)
        {
            var users = (int)Math.Min(1000, 10 + s * 5);
            events.AddRange(monitor.Observe(Window(s, users: users, workingSetMb: 100 + 2L * users / 10), null));
        }

        Assert.Empty(events);
        Assert.False(monitor.Finish([]).GeneratorLeak?.Suspected ?? false);
    }

    [Fact]
    public void Should_observe_the_final_windows_it_has_not_seen_and_ignore_old_ones()
    {
        var monitor = new RunMonitor(Scenario("sla-thresholds = [{ metric = error_rate, value = 0.05, comparison = lt }]"));
        monitor.Observe(Window(5), null);

        Assert.Empty(monitor.Observe(Window(3, errors: 100), null));
        var result = monitor.Finish([Window(4, errors: 100), Window(6, errors: 100)]);

        var breach = Assert.Single(result.Alerts.Alerts);
        Assert.Equal(6, breach.Start);
    }

    [Fact]
    public void Should_remember_the_rule_that_aborted_the_run()
    {
        var monitor = new RunMonitor(Scenario("alert-rules = [{ name = stop, metric = error_rate, threshold = 0.5, action = abort-run }]"));
        var fired = monitor.Observe(Window(0, errors: 90), null).OfType<AlertFired>().Single(e => e.Rule.Name == "stop");

        monitor.NoteAbort(fired.Rule);

        Assert.Equal("stop", monitor.Finish([]).AbortedBy);
    }
}
