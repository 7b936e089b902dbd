using PerfCluster.Core.Monitoring;
using Xunit;

namespace PerfCluster.Core.Tests.Monitoring;

public class RecommendationEngineSpecs
{
    /// <summary>A clean ramp: users 10 → 120, latency flat, no errors, CPUs comfortable.</summary>
    private static List<WindowEvidence> CleanRamp() =>
        Enumerable.Range(0, 60).Select(s => new WindowEvidence(
            s, Rps: 10 + s * 2, P95Ms: 80 + s % 3, ErrorRate: 0, ActiveUsers: 10 + s * 2,
            GeneratorCpuPercent: 30, TargetCpuPercent: 40)).ToList();

    [Fact]
    public void Should_recommend_nothing_for_a_clean_run()
    {
        Assert.Empty(RecommendationEngine.Recommend(CleanRamp()));
    }

    [Fact]
    public void Should_find_the_capacity_knee_where_errors_start_as_users_grow()
    {
        var windows = CleanRamp().Select(w => w.ActiveUsers >= 90 ? w with { ErrorRate = 0.08 } : w).ToList();

        var r = Assert.Single(RecommendationEngine.Recommend(windows));

        Assert.Equal(RecommendationKind.CapacityKnee, r.Kind);
        Assert.Equal(40, r.Second);
        Assert.Equal(90, r.Evidence["knee_users"]);
        Assert.Equal(88, r.Evidence["clean_max_users"]);
        Assert.StartsWith("capacity knee at 90 users: from second 40 the error rate stayed at or above 1% for 3 windows", r.Message);
    }

    [Fact]
    public void Should_not_call_one_bad_second_or_errors_from_the_start_a_knee()
    {
        var blip = CleanRamp().Select(w => w.Second == 30 ? w with { ErrorRate = 0.5 } : w).ToList();
        var fromStart = CleanRamp().Select(w => w with { ErrorRate = 0.2 }).ToList();

        Assert.Empty(RecommendationEngine.Recommend(blip));
        Assert.Empty(RecommendationEngine.Recommend(fromStart));
    }

    [Fact]
    public void Should_point_at_io_or_a_pool_when_latency_rises_while_target_cpu_stays_low()
    {
        var windows = CleanRamp().Select(w => w with { P95Ms = 80 + w.Second * 10, TargetCpuPercent = 22 }).ToList();

        var r = Assert.Single(RecommendationEngine.Recommend(windows));

        Assert.Equal(RecommendationKind.WaitingOnIoOrPool, r.Kind);
        Assert.Equal(150, r.Evidence["early_p95_ms"]);
        Assert.Equal(600, r.Evidence["late_p95_ms"]);
        Assert.Equal(22, r.Evidence["late_target_cpu_max_percent"]);
        Assert.Contains("p95 rose from 150ms to 600ms", r.Message);
    }

    [Fact]
    public void Should_say_nothing_about_waiting_when_the_target_is_busy_or_not_watched()
    {
        var busy = CleanRamp().Select(w => w with { P95Ms = 80 + w.Second * 10, TargetCpuPercent = 95 }).ToList();
        var unwatched = CleanRamp().Select(w => w with { P95Ms = 80 + w.Second * 10, TargetCpuPercent = null }).ToList();

        Assert.Empty(RecommendationEngine.Recommend(busy));
        Assert.Empty(RecommendationEngine.Recommend(unwatched));
    }

    [Fact]
    public void Should_ask_for_more_workers_when_the_generator_runs_hot()
    {
        var windows = CleanRamp().Select(w => w.Second >= 50 ? w with { GeneratorCpuPercent = 91 + w.Second % 3 } : w).ToList();

        var r = Assert.Single(RecommendationEngine.Recommend(windows));

        Assert.Equal(RecommendationKind.GeneratorSaturated, r.Kind);
        Assert.Equal(10, r.Evidence["hot_windows"]);
        Assert.Equal(93, r.Evidence["peak_generator_cpu_percent"]);
        Assert.Equal(50, r.Second);
        Assert.Contains("add workers", r.Message);
    }

    [Fact]
    public void Should_ignore_a_short_generator_cpu_spike()
    {
        var windows = CleanRamp().Select(w => w.Second is 10 or 11 ? w with { GeneratorCpuPercent = 99 } : w).ToList();

        Assert.Empty(RecommendationEngine.Recommend(windows));
    }
}
