using PerfCluster.Core.Metrics;
using PerfCluster.Core.Regression;
using PerfCluster.Core.Reports;
using Xunit;
using static PerfCluster.Core.Tests.Reports.ReportFixtures;
using static PerfCluster.Core.Tests.Thresholds.StatisticsFixtures;

namespace PerfCluster.Core.Tests.Regression;

public class BaselineSpecs
{
    [Fact]
    public void Should_take_the_summary_figures_in_milliseconds_and_the_environment()
    {
        var report = Run();

        var baseline = PerfCluster.Core.Runs.RunBaselines.Of(report, report.Scenarios[0], "nightly", workerCount: 3);

        Assert.Equal("nightly", baseline.Name);
        Assert.Equal(0, baseline.Version);
        Assert.Equal(report.FinishedAt, baseline.CreatedAt);
        Assert.Equal("checkout-flow", baseline.Scenario);
        Assert.Equal(SourceText, baseline.ScenarioSource);
        Assert.Equal("benchmark_1764168000", baseline.RunId);
        Assert.Equal(("0.1.0", "load-01", 2, 3),
            (baseline.Environment.ToolVersion, baseline.Environment.MachineName, baseline.Environment.ProcessorCount, baseline.Environment.WorkerCount));
        Assert.False(string.IsNullOrWhiteSpace(baseline.Environment.OsDescription));

        var o = baseline.Overall;
        Assert.Equal(("overall", 1200L, 20.0, 0.0), (o.Name, o.Requests, o.Throughput, o.ErrorRate));
        Assert.Equal(new BaselineLatency(45, 120, 143, 210, 480, 60, 950), Rounded(o.LatencyMs!));
        Assert.Equal(120L * 1024 * 1024, o.GeneratorPeakWorkingSetBytes);
        Assert.Equal(10.0, o.GeneratorCpuPercent);
        Assert.Equal(["home", "checkout"], baseline.Endpoints.Select(e => e.Name));
        Assert.Equal(250, baseline.Endpoints[1].LatencyMs!.P95, 1e-9);
        Assert.Null(baseline.Endpoints[1].GeneratorCpuPercent);
    }

    [Fact]
    public void Should_keep_the_timeline_windows_as_samples()
    {
        var report = Run();

        var baseline = PerfCluster.Core.Runs.RunBaselines.Of(report, report.Scenarios[0], "nightly", 1);

        var windows = baseline.Overall.Windows;
        Assert.Equal([0L, 1L, 2L], windows.Select(w => w.Second));
        Assert.Equal([10.0, 20.0, 0.0], windows.Select(w => w.Throughput));
        Assert.Equal([0.0, 0.05, null], windows.Select(w => w.ErrorRate));
        Assert.Equal(50, windows[1].P50Ms!.Value, 1e-9);
        Assert.Null(windows[2].P95Ms);
        Assert.Equal([8.0, 17.0, 0.0], baseline.Endpoints[0].Windows.Select(w => w.Throughput));
        Assert.All(baseline.Endpoints[0].Windows, w => Assert.Null(w.P95Ms));
        Assert.Empty(baseline.Overall.Iterations);
    }

    [Fact]
    public void Should_leave_out_idle_windows()
    {
        var stats = HealthyStatistics() with
        {
            Timeline = [new WindowStatistics(0, 0, 0, 0, 0, LatencySummary.Empty, new Dictionary<string, long>()),
                        new WindowStatistics(1, 5, 0, 5, 2, Latency(), new Dictionary<string, long> { ["home"] = 5 })],
        };
        var report = Run(ScenarioReport(stats));

        var baseline = PerfCluster.Core.Runs.RunBaselines.Of(report, report.Scenarios[0], "nightly", 1);

        Assert.Equal([1L], baseline.Overall.Windows.Select(w => w.Second));
    }

    [Fact]
    public void Should_keep_one_sample_per_iteration()
    {
        var healthy = HealthyStatistics();
        var first = healthy with { Endpoints = [healthy.Endpoints[0]] };
        var second = healthy with
        {
            Overall = healthy.Overall with { Throughput = 25, Latency = Latency(p95: 0.200) },
            Endpoints = [healthy.Endpoints[0] with { Throughput = 19 }, healthy.Endpoints[1]],
            Generator = healthy.Generator with { PeakWorkingSetBytes = 99 },
        };
        var scenario = ScenarioReport(second) with
        {
            Iterations = [new IterationResult(first, []), new IterationResult(second, [])],
        };

        var baseline = PerfCluster.Core.Runs.RunBaselines.Of(Run(scenario), scenario, "nightly", 1);

        Assert.Equal([20.0, 25.0], baseline.Overall.Iterations.Select(i => i.Throughput));
        Assert.Equal([143.0, 200.0], baseline.Overall.Iterations.Select(i => Math.Round(i.LatencyMs!.P95, 6)));
        Assert.Equal([120L * 1024 * 1024, 99L], baseline.Overall.Iterations.Select(i => i.GeneratorPeakWorkingSetBytes!.Value));
        Assert.Equal([16.67, 19.0], baseline.Endpoints.Single(e => e.Name == "home").Iterations.Select(i => i.Throughput));
        // checkout is missing from the first iteration: only the run that has it counts.
        Assert.Single(baseline.Endpoints.Single(e => e.Name == "checkout").Iterations);
    }

    [Fact]
    public void Should_have_no_latency_for_an_endpoint_without_requests()
    {
        var stats = HealthyStatistics() with { Endpoints = [Endpoint("idle", 0, throughput: 0)] };
        var report = Run(ScenarioReport(stats));

        var baseline = PerfCluster.Core.Runs.RunBaselines.Of(report, report.Scenarios[0], "nightly", 1);

        Assert.Null(baseline.Endpoints[0].LatencyMs);
    }

    private static BaselineLatency Rounded(BaselineLatency l) =>
        new(Math.Round(l.P50, 6), Math.Round(l.P90, 6), Math.Round(l.P95, 6), Math.Round(l.P99, 6), Math.Round(l.P99_9, 6),
            Math.Round(l.Mean, 6), Math.Round(l.Max, 6));
}
