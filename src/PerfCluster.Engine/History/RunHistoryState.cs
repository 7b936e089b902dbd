using System.Collections.Immutable;
using PerfCluster.Core.History;
using PerfCluster.Engine.Persistence;
using static PerfCluster.Engine.History.RunHistoryEvents;

namespace PerfCluster.Engine.History;

/// <summary>Every recorded run, in the order it was recorded; at most one summary per (run id, scenario).</summary>
public sealed record RunHistoryState(ImmutableList<RunSummary> Runs, ImmutableHashSet<string> Claimed)
{
    public static readonly RunHistoryState Empty = new(ImmutableList<RunSummary>.Empty, ImmutableHashSet<string>.Empty);

    /// <summary>A run id claimed, or used by a recorded run or one of its scenario runs (<c>ID~S</c>).</summary>
    public bool IsTaken(string runId) =>
        Claimed.Contains(runId) || Runs.Any(r => r.RunId == runId || r.RunId.StartsWith(runId + "~", StringComparison.Ordinal));

    /// <summary><paramref name="wanted"/>, or the first of <c>wanted-2</c>, <c>wanted-3</c>, ... that is not taken.</summary>
    public string FreeRunId(string wanted)
    {
        if (!IsTaken(wanted)) return wanted;
        for (var n = 2; ; n++)
            if (!IsTaken($"{wanted}-{n}")) return $"{wanted}-{n}";
    }

    public bool Contains(RunSummary summary) => Runs.Contains(summary);

    /// <summary>Newest first by start time; runs that started at the same instant: the later recorded first.</summary>
    public IReadOnlyList<RunSummary> Query(string? scenario, int limit) => Runs
        .Select((run, index) => (run, index))
        .Where(p => scenario is null || string.Equals(p.run.Scenario, scenario, StringComparison.OrdinalIgnoreCase))
        .OrderByDescending(p => p.run.StartedAt)
        .ThenByDescending(p => p.index)
        .Take(Math.Max(0, limit))
        .Select(p => p.run)
        .ToList();

    public RunHistoryState Apply(object evt) => evt switch
    {
        RunRecorded r => this with
        {
            Runs = Runs.RemoveAll(x => x.RunId == r.Summary.RunId && x.Scenario == r.Summary.Scenario).Add(r.Summary),
        },
        RunIdClaimed c => this with { Claimed = Claimed.Add(c.RunId) },
        _ => this,
    };

    public RunHistorySnapshot ToSnapshot() => new(Runs) { Claimed = Claimed.Order(StringComparer.Ordinal).ToList() };

    public static RunHistoryState FromSnapshot(RunHistorySnapshot snapshot) =>
        new(snapshot.Runs.ToImmutableList(), (snapshot.Claimed ?? []).ToImmutableHashSet());
}

/// <summary>The stored form of <see cref="RunHistoryState"/>.</summary>
public sealed record RunHistorySnapshot(IReadOnlyList<RunSummary> Runs) : IPersistedPayload
{
    /// <summary>Run ids claimed (absent from snapshots stored before ids were claimed).</summary>
    public IReadOnlyList<string>? Claimed { get; init; }
}
