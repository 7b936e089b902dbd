using PerfCluster.Core.Regression;
using Xunit;
using static PerfCluster.Core.Tests.Regression.BaselineFixtures;
using PerfCluster.Core.Scenarios;

namespace PerfCluster.Core.Tests.Regression;

public class RegressionComparerSpecs
{
    private static readonly RegressionThresholds Defaults = RegressionThresholds.Default;

    private static RegressionVerdict Compare(BaselineMetrics baseline, BaselineMetrics current, RegressionThresholds? t = null, bool strict = false) =>
        RegressionComparer.Compare(Of(baseline), Of(current), t ?? Defaults, strict);

    private static MetricComparison Metric(RegressionVerdict verdict, string name) => verdict.Metrics.Single(m => m.Metric == name);

    [Fact]
    public void Should_pass_identical_runs_and_list_every_metric()
    {
        var verdict = Compare(Steady(), Steady());

        Assert.Equal(
            ["throughput", "latency_p50", "latency_p95", "latency_p99", "error_rate", "generator_memory", "generator_cpu"],
            verdict.Metrics.Select(m => m.Metric));
        Assert.All(verdict.Metrics.Where(m => !m.Metric.StartsWith("generator_")), m => Assert.Equal(RegressionOutcome.Pass, m.Outcome));
        Assert.All(verdict.Metrics.Where(m => m.Metric.StartsWith("generator_")), m => Assert.Equal(RegressionOutcome.NotCompared, m.Outcome));
        Assert.Equal(RegressionOutcome.Pass, verdict.Outcome);
        Assert.Equal(0, verdict.ExitCode);
        Assert.Empty(verdict.EnvironmentWarnings);
        Assert.Equal(("nightly", 3, "benchmark_1764168000"), (verdict.BaselineName, verdict.BaselineVersion, verdict.BaselineRunId));
    }

    [Fact]
    public void Should_fail_a_clear_latency_regression_with_its_statistics()
    {
        var random = new Random(7);
        var baseline = Windows(Normal(random, 30, 100, 3), LogNormal(random, 30, 120, 0.05));
        var current = Windows(Normal(random, 30, 100, 3), LogNormal(random, 30, 180, 0.05));

        var verdict = Compare(baseline, current);

        var p95 = Metric(verdict, "latency_p95");
        Assert.Equal(RegressionOutcome.Fail, p95.Outcome);
        Assert.Equal(MetricDirection.HigherIsWorse, p95.Direction);
        Assert.InRange(p95.ChangePercent, 40, 60);
        Assert.Equal((10.0, 20.0), (p95.WarningThreshold, p95.FailureThreshold));
        Assert.Equal(RegressionTests.MannWhitneyU, p95.Test);
        Assert.Equal("windows", p95.SampleSource);
        Assert.True(p95.PValue < 1e-6);
        Assert.InRange(p95.Effect, 50, 70);
        Assert.True(p95.EffectCi95Low < p95.Effect && p95.Effect < p95.EffectCi95High);
        Assert.Equal((30, 30), (p95.BaselineSamples, p95.CurrentSamples));
        Assert.Equal(RegressionOutcome.Pass, Metric(verdict, "throughput").Outcome);
        Assert.Equal(RegressionOutcome.Fail, verdict.Outcome);
        Assert.Equal(1, verdict.ExitCode);
    }

    [Fact]
    public void Should_fail_a_throughput_drop_but_not_a_rise()
    {
        var drop = Compare(Steady(throughput: 100), Steady(throughput: 80));
        var rise = Compare(Steady(throughput: 100), Steady(throughput: 150));

        var dropped = Metric(drop, "throughput");
        Assert.Equal(MetricDirection.LowerIsWorse, dropped.Direction);
        Assert.Equal(-20, dropped.ChangePercent, 1e-9);
        Assert.Equal(20, dropped.WorseningPercent, 1e-9);
        Assert.Equal(RegressionOutcome.Fail, dropped.Outcome);
        Assert.Equal(RegressionOutcome.Pass, Metric(rise, "throughput").Outcome);
    }

    [Theory]
    [InlineData(100, 97, RegressionOutcome.Pass)]     // -3%: below the 5% warning level
    [InlineData(100, 93, RegressionOutcome.Warning)]  // -7%: between warning and failure
    [InlineData(100, 90, RegressionOutcome.Pass + 1)] // -10%: exactly the failure level is still a warning
    [InlineData(100, 89, RegressionOutcome.Fail)]
    public void Should_grade_a_change_against_the_levels(double baseline, double current, RegressionOutcome expected)
    {
        var verdict = Compare(Steady(throughput: baseline), Steady(throughput: current));

        Assert.Equal(expected, Metric(verdict, "throughput").Outcome);
    }

    [Fact]
    public void Should_turn_warnings_into_failures_only_under_strict()
    {
        var lenient = Compare(Steady(p95Ms: 100), Steady(p95Ms: 115));
        var strict = Compare(Steady(p95Ms: 100), Steady(p95Ms: 115), strict: true);

        Assert.Equal(RegressionOutcome.Warning, lenient.Outcome);
        Assert.Equal(0, lenient.ExitCode);
        Assert.True(lenient.Passed);
        Assert.Equal(RegressionOutcome.Warning, strict.Outcome);
        Assert.Equal(1, strict.ExitCode);
        Assert.False(strict.Passed);
    }

    [Fact]
    public void Should_warn_instead_of_failing_when_the_shift_is_not_significant()
    {
        // Medians 25% apart, but the windows overlap so much that the shift could be noise.
        var baseline = Windows(Enumerable.Repeat(100.0, 6).ToList(), [60, 100, 140, 80, 100, 200]);
        var current = Windows(Enumerable.Repeat(100.0, 6).ToList(), [70, 125, 150, 90, 125, 180]);

        var p95 = Metric(Compare(baseline, current), "latency_p95");

        Assert.True(p95.WorseningPercent > p95.FailureThreshold);
        Assert.Equal(RegressionOutcome.Warning, p95.Outcome);
        Assert.True(p95.PValue >= 0.05);
        Assert.Contains("not a significant shift of the windows", p95.Note);
    }

    [Fact]
    public void Should_warn_instead_of_failing_when_a_stall_in_a_few_windows_moves_the_total()
    {
        // Every window a little slower (significant), and a stall in the last two takes the total 27% down;
        // the typical window lost 8%, inside the 10% failure level.
        var baseline = Windows([760, 762, 758, 761, 759], [9]);
        var current = Windows([750, 727, 698, 404, 213], [9]);

        var throughput = Metric(Compare(baseline, current), "throughput");

        Assert.True(throughput.WorseningPercent > 25, throughput.ToString());
        Assert.True(throughput.PValue < 0.05, throughput.ToString());
        Assert.Equal(RegressionOutcome.Warning, throughput.Outcome);
        Assert.Contains("typical shift of the windows (Hodges-Lehmann) is 8.2%", throughput.Note);
    }

    [Fact]
    public void Should_fail_a_drop_that_every_window_shows()
    {
        var baseline = Windows([760, 762, 758, 761, 759], [9]);
        var current = Windows([600, 610, 590, 605, 595], [9]);

        var throughput = Metric(Compare(baseline, current), "throughput");

        Assert.Equal(RegressionOutcome.Fail, throughput.Outcome);
        Assert.Null(throughput.Note);
    }

    [Fact]
    public void Should_compare_points_when_samples_are_too_few()
    {
        var baseline = Windows([100, 100, 100], [100, 100, 100]);
        var current = Windows([100, 100, 100], [150, 150, 150]);

        var p95 = Metric(Compare(baseline, current), "latency_p95");

        Assert.Equal(RegressionOutcome.Fail, p95.Outcome);
        Assert.Equal(RegressionTests.Point, p95.Test);
        Assert.Null(p95.PValue);
        Assert.Equal(50, p95.Effect, 1e-9);
        Assert.Equal((3, 3), (p95.BaselineSamples, p95.CurrentSamples));
    }

    [Fact]
    public void Should_prefer_iteration_samples_over_windows()
    {
        static BaselineIteration Run(double throughput) => new(1000, throughput, 0, new BaselineLatency(50, 90, 100, 150, 200, 60, 300));
        var baseline = Steady(throughput: 100) with { Iterations = [Run(99), Run(101), Run(100), Run(102), Run(98)] };
        var current = Steady(throughput: 80) with { Iterations = [Run(79), Run(81), Run(80), Run(82), Run(78)] };

        var throughput = Metric(Compare(baseline, current), "throughput");

        Assert.Equal("iterations", throughput.SampleSource);
        Assert.Equal((5, 5), (throughput.BaselineSamples, throughput.CurrentSamples));
        Assert.Equal(-20, throughput.Effect, 1e-9);
        Assert.Equal(RegressionOutcome.Fail, throughput.Outcome);
    }

    [Fact]
    public void Should_pass_a_small_error_rate_rise_from_zero_below_the_floor()
    {
        var verdict = Compare(Steady(errorRate: 0), Steady(errorRate: 0.0005));

        var errors = Metric(verdict, "error_rate");
        Assert.Equal(RegressionOutcome.Pass, errors.Outcome);
        Assert.True(double.IsPositiveInfinity(errors.ChangePercent));
        Assert.Contains("below the 0.1-point floor", errors.Note);
    }

    [Fact]
    public void Should_fail_an_error_rate_rise_from_zero_above_the_floor()
    {
        var errors = Metric(Compare(Steady(errorRate: 0), Steady(errorRate: 0.02)), "error_rate");

        Assert.Equal(RegressionOutcome.Fail, errors.Outcome);
        Assert.True(double.IsPositiveInfinity(errors.ChangePercent));
    }

    [Fact]
    public void Should_fail_an_error_rate_rise_seen_in_a_few_windows_when_it_is_significant()
    {
        // Mostly error-free windows: the median shift is 0, but the ranks still show the current run worse.
        var baseline = Windows(Enumerable.Repeat(100.0, 30).ToList(), [100], [0, 0, 0, 0, 0, 0, 0, 0, 0, 0.01]);
        var current = Windows(Enumerable.Repeat(100.0, 30).ToList(), [100], [0, 0.02, 0, 0.03, 0, 0.02, 0.01, 0, 0.04, 0.02]);

        var errors = Metric(Compare(baseline, current), "error_rate");

        Assert.Equal(RegressionOutcome.Fail, errors.Outcome);
        Assert.True(errors.PValue < 0.05);
    }

    [Fact]
    public void Should_treat_the_floor_as_absolute_for_a_non_zero_baseline_too()
    {
        // 0.05% → 0.1%: +100% relative, but only 0.05 percentage points.
        var errors = Metric(Compare(Steady(errorRate: 0.0005), Steady(errorRate: 0.001)), "error_rate");

        Assert.Equal(100, errors.ChangePercent, 1e-6);
        Assert.Equal(RegressionOutcome.Pass, errors.Outcome);
    }

    [Fact]
    public void Should_not_compare_latency_when_a_side_completed_nothing()
    {
        var empty = Steady() with { Requests = 0, Throughput = 0, LatencyMs = null, Windows = [] };

        var verdict = Compare(Steady(), empty);

        var p95 = Metric(verdict, "latency_p95");
        Assert.Equal(RegressionOutcome.NotCompared, p95.Outcome);
        Assert.Equal("no value in the current run", p95.Note);
        Assert.Equal(RegressionOutcome.NotCompared, Metric(verdict, "error_rate").Outcome);
        Assert.Equal(RegressionOutcome.Fail, Metric(verdict, "throughput").Outcome);
        Assert.Equal(RegressionOutcome.Fail, verdict.Outcome);
    }

    [Fact]
    public void Should_not_compare_a_relative_change_from_a_zero_baseline()
    {
        var throughput = Metric(Compare(Steady(throughput: 0), Steady(throughput: 10)), "throughput");

        Assert.Equal(RegressionOutcome.NotCompared, throughput.Outcome);
        Assert.Contains("baseline value is 0", throughput.Note);
    }

    [Fact]
    public void Should_show_the_generators_memory_and_cpu_without_judging_them()
    {
        var current = Steady() with { GeneratorPeakWorkingSetBytes = 240L * 1024 * 1024, GeneratorCpuPercent = 23 };

        var verdict = Compare(Steady(), current, strict: true);

        var memory = Metric(verdict, "generator_memory");
        Assert.Equal(20, memory.ChangePercent, 1e-9);
        Assert.Equal(RegressionOutcome.NotCompared, memory.Outcome);
        Assert.Contains("not judged", memory.Note);
        Assert.Equal(15, Metric(verdict, "generator_cpu").ChangePercent, 1e-9);
        Assert.Equal(0, verdict.ExitCode);
    }

    [Fact]
    public void Should_judge_the_targets_memory_and_cpu_with_the_guides_levels()
    {
        var baseline = Steady() with { TargetPeakMemoryMb = 500, TargetCpuPercent = 40 };
        var current = Steady() with { TargetPeakMemoryMb = 600, TargetCpuPercent = 46 };

        var verdict = Compare(baseline, current);

        Assert.Equal(RegressionOutcome.Fail, Metric(verdict, "memory").Outcome);     // +20% > 15%
        Assert.Equal(RegressionOutcome.Warning, Metric(verdict, "cpu").Outcome);     // +15%: past 12.5%, below 25%
        Assert.Equal(1, verdict.ExitCode);
    }

    [Fact]
    public void Should_compare_only_the_configured_percentiles()
    {
        var t = Defaults with { LatencyPercentiles = ["p90", "p99_9"] };

        var verdict = Compare(Steady(), Steady(), t);

        Assert.Equal(["latency_p90", "latency_p99_9"], verdict.Metrics.Where(m => m.Metric.StartsWith("latency")).Select(m => m.Metric));
        Assert.Equal(RegressionTests.Point, Metric(verdict, "latency_p90").Test);
    }

    [Fact]
    public void Should_compare_endpoints_by_name_and_report_those_on_one_side()
    {
        var baseline = Of(Steady(), Steady(p95Ms: 100) with { Name = "home" }, Steady() with { Name = "search" });
        var current = Of(Steady(), Steady(p95Ms: 150) with { Name = "home" }, Steady() with { Name = "checkout" });

        var verdict = RegressionComparer.Compare(baseline, current, Defaults, strict: false);

        var home = Metric(verdict, "latency_p95[home]");
        Assert.Equal("home", home.Endpoint);
        Assert.Equal(RegressionOutcome.Fail, home.Outcome);
        Assert.DoesNotContain(verdict.Metrics, m => m.Metric == "generator_memory[home]");
        Assert.Equal("endpoint 'search' is not in the current run", Metric(verdict, "throughput[search]").Note);
        Assert.Equal("endpoint 'checkout' is not in the baseline", Metric(verdict, "throughput[checkout]").Note);
        Assert.Equal(RegressionOutcome.NotCompared, Metric(verdict, "throughput[checkout]").Outcome);
    }

    [Fact]
    public void Should_only_warn_when_an_endpoint_without_samples_is_worse_but_the_scenario_is_not()
    {
        // As a real run gives them: endpoint windows carry request counts only, so endpoint latency is a point comparison.
        static BaselineMetrics PointOnly(BaselineMetrics m, string name) => m with
        {
            Name = name,
            Windows = m.Windows.Select(w => new BaselineWindow(w.Second, w.Requests, w.Throughput)).ToList(),
        };
        var baseline = Of(Steady(), PointOnly(Steady(p95Ms: 100), "home"));
        var current = Of(Steady(), PointOnly(Steady(p95Ms: 150), "home"));

        var verdict = RegressionComparer.Compare(baseline, current, Defaults, strict: false);

        var home = Metric(verdict, "latency_p95[home]");
        Assert.Equal(RegressionTests.Point, home.Test);
        Assert.Equal(RegressionOutcome.Warning, home.Outcome);
        Assert.Contains("scenario's latency_p95 does not fail", home.Note);
        Assert.Equal(RegressionOutcome.Warning, verdict.Outcome);
    }

    [Fact]
    public void Should_fail_an_endpoint_without_samples_when_the_scenario_fails_too()
    {
        static BaselineMetrics PointOnly(BaselineMetrics m, string name) => m with
        {
            Name = name,
            Windows = m.Windows.Select(w => new BaselineWindow(w.Second, w.Requests, w.Throughput)).ToList(),
        };
        var baseline = Of(Steady(p95Ms: 100), PointOnly(Steady(p95Ms: 100), "home"));
        var current = Of(Steady(p95Ms: 150), PointOnly(Steady(p95Ms: 150), "home"));

        var verdict = RegressionComparer.Compare(baseline, current, Defaults, strict: false);

        Assert.Equal(RegressionOutcome.Fail, Metric(verdict, "latency_p95").Outcome);
        Assert.Equal(RegressionOutcome.Fail, Metric(verdict, "latency_p95[home]").Outcome);
    }

    [Fact]
    public void Should_warn_about_a_different_environment_without_changing_the_outcome()
    {
        var baseline = Of(Steady());
        var current = Of(Steady()) with
        {
            Scenario = "other",
            Environment = Environment(workers: 4, tool: "0.2.0", machine: "load-02", processors: 16) with { OsDescription = "Windows" },
        };

        var verdict = RegressionComparer.Compare(baseline, current, Defaults, strict: true);

        Assert.Equal(
            [
                "the baseline was recorded for scenario 'checkout-flow', this run is 'other'",
                "worker count differs: baseline 2, current 4",
                "tool version differs: baseline 0.1.0, current 0.2.0",
                "machine differs: baseline load-01, current load-02",
                "processor count differs: baseline 8, current 16",
                "operating system differs: baseline Ubuntu 24.04, current Windows",
            ],
            verdict.EnvironmentWarnings);
        Assert.Equal(0, verdict.ExitCode);
    }

    /// <summary>
    /// 200 pairs of short, noisy runs drawn from one distribution. Compared as points, their figures often differ by
    /// more than the failure levels; with the significance test a metric may fail only about as often as a one-sided
    /// test at 0.05 allows (2.5%), so 200 draws should give at most 4% false failures per metric.
    /// </summary>
    [Fact]
    public void Should_rarely_fail_runs_that_differ_only_by_noise()
    {
        var t = Defaults with { LatencyPercentiles = ["p95"] };
        var pointOnly = t with { MinimumSamples = int.MaxValue };
        var failures = new Dictionary<string, int> { ["throughput"] = 0, ["latency_p95"] = 0 };
        var pointFailures = new Dictionary<string, int> { ["throughput"] = 0, ["latency_p95"] = 0 };
        for (var seed = 0; seed < 200; seed++)
        {
            var random = new Random(seed);
            var baseline = Windows(Normal(random, 10, 100, 25), LogNormal(random, 10, 120, 0.35));
            var current = Windows(Normal(random, 10, 100, 25), LogNormal(random, 10, 120, 0.35));
            foreach (var m in Compare(baseline, current, t).Failures) failures[m.Metric]++;
            foreach (var m in Compare(baseline, current, pointOnly).Failures) pointFailures[m.Metric]++;
        }

        foreach (var (metric, count) in failures)
        {
            Assert.True(count <= 8, $"{metric}: {count} (points alone: {pointFailures[metric]}) of 200 noise-only comparisons failed");
            Assert.True(pointFailures[metric] >= 20, $"{metric}: points alone failed only {pointFailures[metric]}: the draws are not noisy enough to test the gate");
        }
    }

    /// <summary>200 pairs where the current run is 30% worse in latency and throughput: every one must fail on both.</summary>
    [Fact]
    public void Should_always_detect_a_real_thirty_percent_shift()
    {
        var t = Defaults with { LatencyPercentiles = ["p95"] };
        for (var seed = 0; seed < 200; seed++)
        {
            var random = new Random(1000 + seed);
            var baseline = Windows(Normal(random, 60, 100, 8), LogNormal(random, 60, 120, 0.1));
            var current = Windows(Normal(random, 60, 70, 8), LogNormal(random, 60, 156, 0.1));

            var verdict = Compare(baseline, current, t);

            Assert.Equal(RegressionOutcome.Fail, Metric(verdict, "throughput").Outcome);
            Assert.Equal(RegressionOutcome.Fail, Metric(verdict, "latency_p95").Outcome);
        }
    }
}
