using Akka.Actor;
using PerfCluster.Core.Coordination;
using PerfCluster.Core.Metrics;
using PerfCluster.Core.Scenarios;
using PerfCluster.Core.Results;

namespace PerfCluster.Engine.Protocol;

/// <summary>Registry key of the actor that follows runs this node took over when their own listener was lost with their coordinator.</summary>
public sealed class RecoveredRunsKey;

/// <summary>
/// Messages between the run manager, run coordinators, worker agents and run listeners. What goes between a client
/// (the CLI, the API) and the run manager crosses nodes too: the run manager is a singleton on one coordinator node,
/// and the API that follows a run may be on another.
/// </summary>
public static class RunProtocol
{
    /// <summary>Starts one scenario run; every event about it goes to <paramref name="Listener"/>.</summary>
    public sealed record StartRun(string RunId, ScenarioDefinition Scenario, IActorRef Listener, int? MinWorkers = null) : IClusterMessage;

    /// <summary>Ends a run early (Ctrl+C, API stop). In-flight requests get the interrupt grace period.</summary>
    public sealed record StopRun(string RunId, string Reason) : IClusterMessage;

    /// <summary>
    /// An alert rule with the <c>abort-run</c> action fired: the run stops like on <see cref="StopRun"/>, but it is a
    /// verdict, not an interruption, so the run fails (exit 1) instead of counting as interrupted.
    /// </summary>
    public sealed record AbortRun(string RunId, string Reason);

    /// <summary>A worker had to act on its own (it shed users above its memory limit): a note and a critical alert of the run.</summary>
    public sealed record WorkerNote(string RunId, string Node, string Text) : IClusterMessage;

    /// <summary>An alert fired or resolved (State "firing" or "resolved"), for the live view and the API stream.</summary>
    public sealed record AlertRaised(
        string RunId, string Scenario, string State, string Name, string Severity, string Condition, long Second, double Value, string Evidence) : IClusterMessage;

    /// <summary>A worker's part of a run: global user indices and the agreed start instant.</summary>
    public sealed record AssignShare(
        string RunId,
        ScenarioDefinition Scenario,
        UserShare Share,
        DateTimeOffset StartAt,
        IActorRef Aggregator,
        IActorRef Coordinator) : IClusterMessage;

    /// <summary>
    /// A worker would not run its share (a target outside its <c>perfcluster.worker.allowed-targets</c>): the coordinator
    /// re-splits the load over the other workers, and fails the run when none is left.
    /// </summary>
    public sealed record ShareRefused(string RunId, string Node, string Reason) : IClusterMessage;

    /// <summary>The load was re-split (a worker joined, left or was lost): this worker's users are now <paramref name="Share"/>.</summary>
    public sealed record UpdateShare(string RunId, UserShare Share, string Reason) : IClusterMessage;

    public sealed record StopShare(string RunId, string Reason) : IClusterMessage;

    /// <summary>A draining worker (SIGTERM, scale-in) asks the coordinator to move its share elsewhere first.</summary>
    public sealed record ReleaseShare(string RunId, string Node) : IClusterMessage;

    /// <summary>The coordinator has re-split the released share over the other workers: the worker may stop its users.</summary>
    public sealed record ShareReleased(string RunId) : IClusterMessage;

    /// <summary>
    /// A worker asks for the next <paramref name="Count"/> rows of a unique feeder. The coordinator hands out each row
    /// index once per run (one message per block of rows, never per row), and the reply is <see cref="RowsLeased"/>.
    /// </summary>
    public sealed record LeaseRows(string RunId, string Node, string Feeder, int Count) : IClusterMessage;

    /// <summary>Rows [From, To) of a unique feeder belong to the asking worker; From == To: the feeder has no row left.</summary>
    public sealed record RowsLeased(string RunId, string Feeder, int From, int To) : IClusterMessage;

    /// <summary>A worker finished its share and every delta it sent was acknowledged (or gave up waiting).</summary>
    public sealed record ShareCompleted(string RunId, string Node, long LastSeq, int PeakUsers, long Unacknowledged, string? StoppedBecause = null) : IClusterMessage;

    /// <summary>Published once a second while a run goes: the newest closed window and the totals so far.</summary>
    public sealed record RunProgress(
        string RunId,
        string Scenario,
        TimeSpan Elapsed,
        TimeSpan Duration,
        int ActiveUsers,
        WindowStatistics? Window,
        EndpointStatistics Totals) : IClusterMessage
    {
        /// <summary>Open model: iterations dropped so far for want of a free user (the generator is the bottleneck).</summary>
        public long DroppedIterations { get; init; }

        /// <summary>Journeys: each flow's iterations so far (completed, failed, durations); empty for a request mix.</summary>
        public IReadOnlyList<TimingStatistics> Flows { get; init; } = [];

        /// <summary>Journeys: each named check's passes and failures so far.</summary>
        public IReadOnlyList<CheckStatistics> Checks { get; init; } = [];
    }

    public sealed record RunStarted(string RunId, string Scenario, DateTimeOffset StartAt, int Workers) : IClusterMessage;

    /// <summary>One worker's current part of a run.</summary>
    public sealed record WorkerShare(string Node, UserShare Share, double Capacity);

    /// <summary>Sent to the listener whenever the load is (re-)split: at the start and on every membership change.</summary>
    public sealed record SharesAssigned(string RunId, DateTimeOffset At, IReadOnlyList<WorkerShare> Shares, string Reason) : IClusterMessage;

    public sealed record RunCompleted(string RunId, ScenarioStatistics Statistics, bool Interrupted, string? Reason) : IClusterMessage
    {
        /// <summary>Events of the run the report must mention: workers lost or added, degraded spans.</summary>
        public IReadOnlyList<string> Notes { get; init; } = [];
    }

    public sealed record RunFailed(string RunId, string Error) : IClusterMessage;

    /// <summary>
    /// This coordinator took a run over after the one that ran it was lost; sent to the run's listener (or, when that
    /// is gone with the lost node, to this node's <see cref="RecoveredRunsKey"/> actor) before the run's later events.
    /// </summary>
    public sealed record RunTakenOver(string RunId, ScenarioDefinition Scenario, DateTimeOffset StartAt, TimeSpan Gap, string Node) : IClusterMessage;

    /// <summary>
    /// To the run manager: which runs are going. A durable run manager answers once it has read its ledger, so the
    /// runs it took over from a lost coordinator are in the answer.
    /// </summary>
    public sealed record GetRunsGoing : IClusterMessage
    {
        public static readonly GetRunsGoing Instance = new();
    }

    /// <summary>The answer to <see cref="GetRunsGoing"/>: the actor-level run ids.</summary>
    public sealed record RunsGoing(IReadOnlyList<string> RunIds) : IClusterMessage;

    /// <summary>Coordinator → run manager: the run ended (completed or failed); it needs no taking over any more.</summary>
    public sealed record RunOver(string RunId);

    /// <summary>Coordinator → aggregator when every share completed; the reply is <see cref="ScenarioStatistics"/>.</summary>
    public sealed record FinishAggregation(DateTimeOffset StartedAt, TimeSpan MeasuredDuration, int PeakUsers);

    /// <summary>Coordinator → aggregator: a worker is gone; the reply is <see cref="NodeLossEstimate"/>.</summary>
    public sealed record NodeLost(string Node);

    /// <summary>What the aggregator last heard from a lost worker, to bound what may be missing.</summary>
    public sealed record NodeLossEstimate(string Node, long LastSeq, long LastSecond, long RequestsInLastDelta);
}
