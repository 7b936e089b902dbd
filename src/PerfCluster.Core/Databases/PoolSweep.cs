using PerfCluster.Core.Input;
using PerfCluster.Core.Metrics;
using PerfCluster.Core.Results;
using PerfCluster.Core.Scenarios;

namespace PerfCluster.Core.Databases;

/// <summary>One pool size of a sweep: the same load with the database's <c>pool-size</c> set to <see cref="Size"/>.</summary>
public sealed record PoolPoint(int Size, string Scenario, double Throughput, LatencySummary Latency, double? PoolWaitP99, long Requests, long Errors, double ErrorRate)
{
    public bool MeetsSla(TimeSpan? slaP99, double maxErrorRate) =>
        Requests > 0 && ErrorRate <= maxErrorRate && (slaP99 is not { } sla || Latency.P99 <= sla.TotalSeconds);
}

/// <summary>A finished sweep: every size run, the rule, and the size it picked (null when none met the SLA).</summary>
public sealed record PoolSweepResult(
    string Database, IReadOnlyList<PoolPoint> Points, int? Optimal, double TolerancePercent, TimeSpan? SlaP99, double MaxErrorRate, bool Exhaustive)
{
    public string Rule => PoolSweep.Describe(TolerancePercent, SlaP99, MaxErrorRate);
}

/// <summary>
/// The guide's connection-pool benchmark: the same open-model load at several pool sizes. The optimal size is the
/// smallest one whose throughput is within <c>tolerance</c> percent of the best throughput among the sizes that meet the
/// SLA (p99 at most <c>sla-p99</c>, error rate at most <c>max-error-rate</c>). Throughput grows with the pool until the
/// database or the offered load is the limit, then stays flat or falls, so after the given sizes the search halves the
/// gap between the picked size and the largest smaller size that is not within tolerance, until it is one
/// <c>step</c> wide: the same pick as running every size in the range, in a few runs.
/// </summary>
public static class PoolSweep
{
    public static string Describe(double tolerancePercent, TimeSpan? slaP99, double maxErrorRate) =>
        $"the smallest pool size whose throughput is within {tolerancePercent:0.#}% of the best among the sizes with " +
        $"{(slaP99 is { } sla ? $"p99 ≤ {sla.TotalMilliseconds:0.#} ms and " : "")}an error rate ≤ {maxErrorRate:0.##%}";

    /// <summary>The optimal size of <paramref name="points"/> by the rule, or null when no size meets the SLA.</summary>
    public static int? Optimal(IReadOnlyList<PoolPoint> points, double tolerancePercent, TimeSpan? slaP99, double maxErrorRate)
    {
        var eligible = points.Where(p => p.MeetsSla(slaP99, maxErrorRate)).ToList();
        if (eligible.Count == 0) return null;
        var best = eligible.Max(p => p.Throughput);
        return eligible.Where(p => p.Throughput >= best * (1 - tolerancePercent / 100)).Min(p => p.Size);
    }

    /// <summary>The next size to run, or null when the pick is settled (to within <paramref name="step"/>).</summary>
    public static int? NextRefinement(IReadOnlyList<PoolPoint> points, double tolerancePercent, TimeSpan? slaP99, double maxErrorRate, int step)
    {
        if (Optimal(points, tolerancePercent, slaP99, maxErrorRate) is not { } optimal) return null;
        var eligible = points.Where(p => p.MeetsSla(slaP99, maxErrorRate)).ToList();
        var best = eligible.Max(p => p.Throughput);
        var below = points.Where(p => p.Size < optimal).Select(p => p.Size).DefaultIfEmpty(0).Max();
        if (optimal - below <= step) return null;
        if (below == 0) return null;   // the range starts at the smallest size given
        var next = below + (optimal - below) / 2;
        return points.Any(p => p.Size == next) || next <= 0 || next >= optimal ? null : next;
    }

    /// <summary>The figures of one size's scenario run.</summary>
    public static PoolPoint Point(int size, string scenario, ScenarioStatistics stats, string database) => new(
        size, scenario, stats.Overall.Throughput, stats.Overall.Latency,
        stats.Pools.FirstOrDefault(p => p.Database == database) is { Acquired: > 0 } pool ? pool.Wait.P99 : null,
        stats.Overall.Requests, stats.Overall.Errors, stats.Overall.ErrorRate);

    /// <summary>The scenario with <paramref name="database"/>'s pool set to <paramref name="size"/>, named for it.</summary>
    public static ScenarioDefinition WithPool(ScenarioDefinition scenario, string database, int size)
    {
        var journey = scenario.Journey ?? throw new ScenarioException($"scenario '{scenario.Name}' has no databases to sweep");
        if (!journey.Databases.Any(d => d.Name == database && d.IsSql))
            throw new ScenarioException($"scenario '{scenario.Name}' has no SQL database '{database}'; it has {string.Join(", ", journey.Databases.Where(d => d.IsSql).Select(d => d.Name))}");
        return scenario with
        {
            Name = $"{scenario.Name} pool {size}",
            Journey = journey with { Databases = journey.Databases.Select(d => d.Name == database ? d with { PoolSize = size } : d).ToList() },
        };
    }

    /// <summary>The database a sweep varies: the named one, or the scenario's only SQL database.</summary>
    public static string DatabaseOf(ScenarioDefinition scenario, string? named)
    {
        var sql = scenario.Journey?.Databases.Where(d => d.IsSql).Select(d => d.Name).ToList() ?? [];
        if (named is not null) return named;
        return sql.Count == 1 ? sql[0] : throw new ScenarioException(sql.Count == 0
            ? $"scenario '{scenario.Name}' has no SQL database: a pool sweep varies the pool-size of one (add a databases block and sql steps)"
            : $"scenario '{scenario.Name}' has several SQL databases ({string.Join(", ", sql)}); name one with --database");
    }
}
