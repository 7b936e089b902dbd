using System.Collections.Immutable;
using PerfCluster.Core.History;
using PerfCluster.Engine.Persistence;
using static PerfCluster.Engine.History.RunHistoryEvents;

namespace PerfCluster.Engine.History;

/// <summary>Every recorded run, in the order it was recorded; at most one summary per (run id, scenario).</summary>
public sealed record RunHistoryState(ImmutableList<RunSummary> Runs)
{
    public static readonly RunHistoryState Empty = new(ImmutableList<RunSummary>.Empty);

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
        RunRecorded r => new RunHistoryState(Runs
            .RemoveAll(x => x.RunId == r.Summary.RunId && x.Scenario == r.Summary.Scenario)
            .Add(r.Summary)),
        _ => this,
    };

    public RunHistorySnapshot ToSnapshot() => new(Runs);

    public static RunHistoryState FromSnapshot(RunHistorySnapshot snapshot) => new(snapshot.Runs.ToImmutableList());
}

/// <summary>The stored form of <see cref="RunHistoryState"/>.</summary>
public sealed record RunHistorySnapshot(IReadOnlyList<RunSummary> Runs) : IPersistedPayload;
