using System.Collections.Immutable;
using Akka.Actor;
using Akka.Event;
using Akka.Persistence;
using PerfCluster.Core.Metrics;
using PerfCluster.Core.Scenarios;
using PerfCluster.Engine.Persistence;

namespace PerfCluster.Engine.Recovery;

/// <summary>What a coordinator stores about a run so that another coordinator can take it over.</summary>
public static class RunCheckpointsEvents
{
    /// <summary>The run started: what it runs, from when, and who follows it (the listener's actor path).</summary>
    public sealed record RunBegun(string RunId, ScenarioDefinition Scenario, DateTimeOffset StartAt, string Listener, int? MinWorkers, DateTimeOffset At)
        : IPersistedPayload;

    /// <summary>
    /// Every delta merged since the previous checkpoint, written once per second (never per request); a delta is
    /// acknowledged to its worker only after the checkpoint holding it is stored, so a takeover loses none.
    /// </summary>
    public sealed record DeltasMerged(string RunId, IReadOnlyList<MetricsDelta> Deltas, DateTimeOffset At) : IPersistedPayload;

    /// <summary>A note for the run's report (a worker lost or added, a takeover and its gap).</summary>
    public sealed record RunNoted(string RunId, string Note, DateTimeOffset At) : IPersistedPayload;

    /// <summary>The run was stopped (interrupted) or aborted by an alert: a coordinator that takes it over only finishes it.</summary>
    public sealed record RunStopped(string RunId, string Reason, bool Aborted, DateTimeOffset At) : IPersistedPayload;

    /// <summary>The run manager's index: a run that may need taking over.</summary>
    public sealed record RunOpened(string RunId) : IPersistedPayload;

    /// <summary>Rows below <c>To</c> of a unique feeder were handed out: a coordinator that takes the run over starts there.</summary>
    public sealed record RowsLeased(string RunId, string Feeder, int To, DateTimeOffset At) : IPersistedPayload;

    /// <summary>The run ended (completed, interrupted or failed): nothing to take over any more.</summary>
    public sealed record RunClosed(string RunId) : IPersistedPayload;
}

/// <summary>The runs a coordinator left open, as stored in the run ledger's snapshot.</summary>
public sealed record OpenRunsSnapshot(IReadOnlyList<string> Open) : IPersistedPayload;

/// <summary>
/// A run as read back from its journal: the scenario, the start instant, the listener, the merged deltas in the
/// batches they were checkpointed in (replaying them rebuilds the windows, the totals and the (node, seq) set that
/// drops duplicates), the notes so far and when the last event was written (the start of the gap).
/// </summary>
public sealed record RecoveredRunState(
    string RunId,
    ScenarioDefinition? Scenario,
    DateTimeOffset StartAt,
    string? Listener,
    int? MinWorkers,
    ImmutableList<IReadOnlyList<MetricsDelta>> Batches,
    ImmutableList<string> Notes,
    DateTimeOffset? LastWrite)
{
    public static RecoveredRunState Empty(string runId) => new(runId, null, default, null, null, [], [], null);

    /// <summary>Per unique feeder, the rows handed out so far (every index below the value).</summary>
    public ImmutableDictionary<string, int> Leased { get; init; } = ImmutableDictionary<string, int>.Empty;

    /// <summary>Set when the run was stopped or aborted before it was taken over.</summary>
    public RunCheckpointsEvents.RunStopped? Stopped { get; init; }

    public bool Begun => Scenario is not null;

    public long DeltaCount => Batches.Sum(b => (long)b.Count);

    public RecoveredRunState Apply(object evt) => evt switch
    {
        RunCheckpointsEvents.RunBegun b => this with { Scenario = b.Scenario, StartAt = b.StartAt, Listener = b.Listener, MinWorkers = b.MinWorkers, LastWrite = b.At },
        RunCheckpointsEvents.DeltasMerged m => this with { Batches = Batches.Add(m.Deltas), LastWrite = m.At },
        RunCheckpointsEvents.RunNoted n => this with { Notes = Notes.Add(n.Note), LastWrite = n.At },
        RunCheckpointsEvents.RunStopped s => this with { Stopped = Stopped ?? s, LastWrite = s.At },
        RunCheckpointsEvents.RowsLeased l => this with { Leased = Leased.SetItem(l.Feeder, Math.Max(l.To, Leased.GetValueOrDefault(l.Feeder))), LastWrite = l.At },
        _ => this,
    };
}

public static class RunCheckpointsProtocol
{
    public sealed record Begin(ScenarioDefinition Scenario, DateTimeOffset StartAt, string Listener, int? MinWorkers);

    /// <summary>Store these deltas; the reply is <see cref="Checkpointed"/> with the same id once they are written.</summary>
    public sealed record Checkpoint(long Id, IReadOnlyList<MetricsDelta> Deltas);

    public sealed record Checkpointed(long Id);

    public sealed record Note(string Text);

    /// <summary>Store a lease of feeder rows, then send <paramref name="Reply"/> to <paramref name="ReplyTo"/>: no row is handed out before it is stored.</summary>
    public sealed record Lease(string Feeder, int To, IActorRef ReplyTo, object Reply);

    public sealed record Stop(string Reason, bool Aborted);

    /// <summary>The run ended: its journal is deleted and the actor stops.</summary>
    public sealed record Close
    {
        public static readonly Close Instance = new();
        private Close() { }
    }

    /// <summary>To the parent once the journal is read: what was stored before (nothing for a new run).</summary>
    public sealed record Recovered(RecoveredRunState State);
}

/// <summary>
/// The recovery state of one run (persistence id "run-state-RUNID"): the start, one checkpoint of merged deltas per
/// second, the report's notes. A coordinator that takes the run over reads it back; the run's end deletes it.
/// </summary>
public sealed class RunCheckpoints : ReceivePersistentActor
{
    private readonly string _runId;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private RecoveredRunState _state;
    private bool _closing;

    public RunCheckpoints(string runId)
    {
        _runId = runId;
        _state = RecoveredRunState.Empty(runId);
        Recover<IPersistedPayload>(e => _state = _state.Apply(e));
        Recover<RecoveryCompleted>(_ => Context.Parent.Tell(new RunCheckpointsProtocol.Recovered(_state)));
        Command<RunCheckpointsProtocol.Begin>(b =>
        {
            if (_state.Begun)
            {
                // A run id used before, whose state was never deleted: the new run starts from nothing.
                DeleteMessages(LastSequenceNr);
                _state = RecoveredRunState.Empty(_runId);
            }
            Persist(new RunCheckpointsEvents.RunBegun(_runId, b.Scenario, b.StartAt, b.Listener, b.MinWorkers, DateTimeOffset.UtcNow), e => _state = _state.Apply(e));
        });
        Command<RunCheckpointsProtocol.Checkpoint>(c =>
        {
            var requester = Sender;
            Persist(new RunCheckpointsEvents.DeltasMerged(_runId, c.Deltas, DateTimeOffset.UtcNow), _ => requester.Tell(new RunCheckpointsProtocol.Checkpointed(c.Id)));
        });
        Command<RunCheckpointsProtocol.Stop>(st =>
            Persist(new RunCheckpointsEvents.RunStopped(_runId, st.Reason, st.Aborted, DateTimeOffset.UtcNow), e => _state = _state.Apply(e)));
        Command<RunCheckpointsProtocol.Lease>(l =>
            Persist(new RunCheckpointsEvents.RowsLeased(_runId, l.Feeder, l.To, DateTimeOffset.UtcNow), e =>
            {
                _state = _state.Apply(e);
                l.ReplyTo.Tell(l.Reply);
            }));
        Command<RunCheckpointsProtocol.Note>(n => Persist(new RunCheckpointsEvents.RunNoted(_runId, n.Text, DateTimeOffset.UtcNow), _ => { }));
        Command<RunCheckpointsProtocol.Close>(_ =>
        {
            _closing = true;
            if (LastSequenceNr == 0) Context.Stop(Self);
            else DeleteMessages(LastSequenceNr);
        });
        Command<DeleteMessagesSuccess>(_ =>
        {
            if (_closing) Context.Stop(Self);
        });
        Command<DeleteMessagesFailure>(f =>
        {
            _log.Warning("Run {RunId}: its recovery state could not be deleted: {Reason}", _runId, f.Cause.Message);
            if (_closing) Context.Stop(Self);
        });
    }

    public static string PersistenceIdOf(string runId) => "run-state-" + runId;

    public override string PersistenceId => PersistenceIdOf(_runId);

    public static Props Props(string runId) => Akka.Actor.Props.Create(() => new RunCheckpoints(runId));
}
