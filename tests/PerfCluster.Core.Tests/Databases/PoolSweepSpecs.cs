using PerfCluster.Core.Databases;
using PerfCluster.Core.Metrics;
using Xunit;

namespace PerfCluster.Core.Tests.Databases;

/// <summary>The pool sweep's rule and its search, on curves of the shape a database gives: rising, then flat or falling.</summary>
public sealed class PoolSweepSpecs
{
    /// <summary>A size's figures: throughput min(size × perConnection, offered), p99 growing while the pool is short.</summary>
    private static PoolPoint At(int size, double perConnection = 100, double offered = 1000, double? errorRate = null)
    {
        var throughput = Math.Min(size * perConnection, offered);
        var p99 = throughput < offered ? 2.0 : 0.02;
        return new PoolPoint(size, $"s pool {size}", throughput, LatencySummary.Empty with { P99 = p99 }, null, 1000, 0, errorRate ?? 0);
    }

    /// <summary>Runs the search the way the command does: the given sizes, then refinements until settled.</summary>
    private static (int? Pick, int Runs) Search(IEnumerable<int> sizes, Func<int, PoolPoint> curve, TimeSpan? sla = null, int step = 1)
    {
        var points = sizes.Select(curve).ToList();
        while (PoolSweep.NextRefinement(points, 5, sla, 0.01, step) is { } next) points.Add(curve(next));
        return (PoolSweep.Optimal(points, 5, sla, 0.01), points.Count);
    }

    [Theory]
    [InlineData(100, 1000)]   // needs 10 connections
    [InlineData(37, 1000)]    // needs 28
    [InlineData(11, 300)]     // needs 28
    [InlineData(250, 1000)]   // needs 4, below the smallest size given
    public void Should_pick_what_running_every_size_picks_in_far_fewer_runs(double perConnection, double offered)
    {
        PoolPoint Curve(int size) => At(size, perConnection, offered);
        var every = PoolSweep.Optimal(Enumerable.Range(5, 96).Select(Curve).ToList(), 5, null, 0.01);
        var (pick, runs) = Search([5, 10, 20, 50, 100], Curve);
        Assert.NotNull(every);
        Assert.InRange(pick!.Value, every!.Value - 1, every.Value + 1);
        Assert.True(runs < 15, $"{runs} runs");
    }

    [Fact]
    public void Should_leave_out_sizes_that_miss_the_sla_or_fail_too_often()
    {
        var points = new[] { At(5), At(10), At(20) with { ErrorRate = 0.2 } };
        Assert.Equal(10, PoolSweep.Optimal(points, 5, TimeSpan.FromMilliseconds(100), 0.01));
        Assert.Null(PoolSweep.Optimal([At(5)], 5, TimeSpan.FromMilliseconds(100), 0.01));   // its p99 is 2 s
        Assert.Equal(5, PoolSweep.Optimal([At(5)], 5, null, 0.01));
        Assert.Null(PoolSweep.NextRefinement([At(5)], 5, TimeSpan.FromMilliseconds(100), 0.01, 1));
    }

    [Fact]
    public void Should_prefer_the_smaller_pool_within_tolerance_when_more_connections_cost_throughput()
    {
        // Past 8 connections the database thrashes: 800/s at 8, 780 at 10, 700 at 20.
        var curve = new Dictionary<int, double> { [4] = 400, [8] = 800, [10] = 780, [20] = 700 };
        var points = curve.Select(c => new PoolPoint(c.Key, $"pool {c.Key}", c.Value, LatencySummary.Empty, null, 1000, 0, 0)).ToList();
        Assert.Equal(8, PoolSweep.Optimal(points, 5, null, 0.01));
        Assert.Contains("within 5%", PoolSweep.Describe(5, null, 0.01));
    }
}
