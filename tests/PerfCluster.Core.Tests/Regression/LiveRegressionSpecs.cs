using PerfCluster.Core.Metrics;
using PerfCluster.Core.Regression;
using Xunit;
using static PerfCluster.Core.Tests.Regression.BaselineFixtures;
using static PerfCluster.Core.Tests.Thresholds.StatisticsFixtures;
using PerfCluster.Core.Scenarios;

namespace PerfCluster.Core.Tests.Regression;

public class LiveRegressionSpecs
{
    private static WindowStatistics Window(long second, double throughput, double p95Ms) =>
        new(second, (long)throughput, 0, throughput, 10, Latency(p95: p95Ms / 1000), new Dictionary<string, long>());

    private static Baseline NoisyBaseline(int seconds = 60)
    {
        var random = new Random(1);
        return Of(Windows(Normal(random, seconds, 100, 5), LogNormal(random, seconds, 120, 0.1)));
    }

    [Fact]
    public void Should_report_the_running_change_against_the_baseline()
    {
        var live = new LiveRegression(Of(Steady(n: 60, throughput: 100, p95Ms: 120)), RegressionThresholds.Default);

        for (var s = 0; s < 5; s++) live.Add(Window(s, 90, 150));

        Assert.Equal(5, live.Windows);
        Assert.Equal(100, live.Throughput.Baseline);
        Assert.Equal(90, live.Throughput.Current);
        Assert.Equal(-10, live.Throughput.ChangePercent, 1e-9);
        Assert.Equal(25, live.LatencyP95.ChangePercent, 1e-9);
        Assert.Equal((5, 5), (live.LatencyP95.BaselineSamples, live.LatencyP95.CurrentSamples));
        Assert.False(live.IsCertainFailure);   // too few windows to be sure
    }

    [Fact]
    public void Should_compare_with_the_same_seconds_of_the_baseline()
    {
        // The baseline ramps up over its first 10 s; a run in its own ramp-up is compared with that, not with the plateau.
        var ramp = Enumerable.Range(0, 60).Select(s => s < 10 ? 10.0 * (s + 1) : 100).ToList();
        var live = new LiveRegression(Of(Windows(ramp, [120])), RegressionThresholds.Default, minimumWindows: 5);

        for (var s = 0; s < 10; s++) live.Add(Window(s, 10.0 * (s + 1), 120));

        Assert.Equal(10, live.Throughput.BaselineSamples);
        Assert.Equal(0, live.Throughput.ChangePercent, 1e-9);
        Assert.False(live.IsCertainFailure);
    }

    [Fact]
    public void Should_become_certain_of_a_large_significant_drop_and_stay_certain()
    {
        var live = new LiveRegression(NoisyBaseline(), RegressionThresholds.Default);
        var random = new Random(2);
        var throughput = Normal(random, 30, 60, 5);

        for (var s = 0; s < 9; s++) live.Add(Window(s, throughput[s], 120));
        Assert.False(live.IsCertainFailure);

        live.Add(Window(9, throughput[9], 120));
        Assert.True(live.IsCertainFailure);
        Assert.StartsWith("throughput -", live.FailureReason);

        for (var s = 10; s < 20; s++) live.Add(Window(s, 100, 120));
        Assert.True(live.IsCertainFailure);
    }

    [Fact]
    public void Should_become_certain_of_a_latency_rise()
    {
        var live = new LiveRegression(NoisyBaseline(), RegressionThresholds.Default);
        var random = new Random(3);
        var p95 = LogNormal(random, 15, 200, 0.1);

        for (var s = 0; s < 15; s++) live.Add(Window(s, 100, p95[s]));

        Assert.True(live.IsCertainFailure);
        Assert.StartsWith("latency_p95 +", live.FailureReason);
    }

    [Fact]
    public void Should_not_be_certain_of_a_change_within_the_failure_level_however_significant()
    {
        var live = new LiveRegression(Of(Steady(n: 60, throughput: 100)), RegressionThresholds.Default);

        for (var s = 0; s < 60; s++) live.Add(Window(s, 95, 120));

        Assert.Equal(-5, live.Throughput.ChangePercent, 1e-9);
        Assert.True(live.Throughput.PValue < 1e-10);
        Assert.False(live.IsCertainFailure);
    }

    [Fact]
    public void Should_never_be_certain_over_runs_that_differ_only_by_noise()
    {
        for (var seed = 0; seed < 50; seed++)
        {
            var random = new Random(seed);
            var baseline = Of(Windows(Normal(random, 60, 100, 20), LogNormal(random, 60, 120, 0.3)));
            var live = new LiveRegression(baseline, RegressionThresholds.Default);
            var throughput = Normal(random, 60, 100, 20);
            var p95 = LogNormal(random, 60, 120, 0.3);

            for (var s = 0; s < 60; s++) live.Add(Window(s, throughput[s], p95[s]));

            Assert.False(live.IsCertainFailure, $"seed {seed}: {live.FailureReason}");
        }
    }

    [Fact]
    public void Should_skip_idle_windows()
    {
        var live = new LiveRegression(Of(Steady()), RegressionThresholds.Default);

        live.Add(new WindowStatistics(0, 0, 0, 0, 0, LatencySummary.Empty, new Dictionary<string, long>()));

        Assert.Equal(0, live.Windows);
        Assert.True(double.IsNaN(live.Throughput.ChangePercent));
    }
}
