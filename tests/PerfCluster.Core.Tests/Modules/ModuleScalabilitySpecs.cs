using PerfCluster.Core.Metrics;
using PerfCluster.Core.Modules;
using PerfCluster.Core.Scenarios;
using Xunit;

namespace PerfCluster.Core.Tests.Modules;

/// <summary>E = X(2N) / (2·X(N)) from the two phases' 1-second windows, with its interval.</summary>
public sealed class ModuleScalabilitySpecs
{
    private static readonly ScalabilityPhases Phases = new(4, TimeSpan.FromSeconds(5));

    private static List<WindowStatistics> Windows(params double[] perSecond) => perSecond
        .Select((ops, second) => new WindowStatistics(second, (long)ops, 0, ops, 0, LatencySummary.Empty, new Dictionary<string, long> { ["m"] = (long)ops }))
        .ToList();

    [Fact]
    public void Should_be_one_when_twice_the_users_make_twice_the_operations()
    {
        var e = ModuleScalability.From(Phases, Windows(100, 102, 98, 101, 99, 150, 200, 202, 198, 200), "m")!;
        Assert.Equal(100, e.LowThroughput, 6);
        Assert.Equal(200, e.HighThroughput, 6);   // the first window of the second phase (150, users starting) is kept out
        Assert.Equal((5, 4), (e.LowWindows, e.HighWindows));
        Assert.Equal(1.0, e.Efficiency, 6);
        Assert.True(e.Ci95Low is > 0.95 and < 1.0 && e.Ci95High is > 1.0 and < 1.05, $"{e.Ci95Low}..{e.Ci95High}");
        Assert.False(e.Straddles(0.8));
    }

    [Fact]
    public void Should_be_a_half_when_the_throughput_stays_put_and_say_when_the_interval_straddles_the_threshold()
    {
        var flat = ModuleScalability.From(Phases, Windows(500, 500, 500, 500, 500, 500, 500, 500, 500, 500), "m")!;
        Assert.Equal(0.5, flat.Efficiency, 6);
        Assert.Equal(0.5, flat.Ci95Low, 6);

        var noisy = ModuleScalability.From(Phases, Windows(100, 40, 160, 100, 100, 0, 150, 220, 90, 180), "m")!;
        Assert.True(noisy.Straddles(0.8), $"{noisy.Ci95Low}..{noisy.Ci95High}");
    }

    [Fact]
    public void Should_count_a_second_without_operations_as_zero_and_give_nothing_without_a_first_phase()
    {
        var windows = Windows(100, 100, 100, 100, 100, 200, 200, 200, 200, 200);
        windows.RemoveAt(8);   // no delta at all in second 8
        Assert.Equal(150, ModuleScalability.From(Phases, windows, "m")!.HighThroughput, 6);
        Assert.Null(ModuleScalability.From(Phases, Windows(0, 0, 0, 0, 0, 10, 10, 10, 10, 10), "m"));
    }
}
