using PerfCluster.Core.History;
using PerfCluster.Engine.Persistence;

namespace PerfCluster.Engine.History;

/// <summary>What <see cref="RunHistory"/> understands and answers. Failures come back as <c>Status.Failure(StoreException)</c>.</summary>
public static class RunHistoryProtocol
{
    /// <summary>Adds a run (one scenario of it). Recording the same run id and scenario again replaces the earlier summary.</summary>
    public sealed record RecordRun(RunSummary Summary);
    /// <summary>Answered once the summary is durably stored.</summary>
    public sealed record RunRecordedAck(string RunId, string Scenario);

    /// <summary>At most <paramref name="Limit"/> runs, newest first, of one scenario or of all.</summary>
    public sealed record GetHistory(string? Scenario, int Limit);
    public sealed record RunList(IReadOnlyList<RunSummary> Runs);

    /// <summary>
    /// Reserves a run id in this store: <paramref name="Wanted"/> when no run has it yet, else <c>Wanted-2</c>,
    /// <c>Wanted-3</c>, ... Two CLI runs that start in the same second on one store get different ids.
    /// </summary>
    public sealed record ClaimRunId(string Wanted);
    public sealed record RunIdGranted(string RunId);
}

/// <summary>The events <see cref="RunHistory"/> stores.</summary>
public static class RunHistoryEvents
{
    public sealed record RunRecorded(RunSummary Summary) : IPersistedPayload;
    public sealed record RunIdClaimed(string RunId, DateTimeOffset At) : IPersistedPayload;
}
