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
}

/// <summary>The events <see cref="RunHistory"/> stores.</summary>
public static class RunHistoryEvents
{
    public sealed record RunRecorded(RunSummary Summary) : IPersistedPayload;
}
