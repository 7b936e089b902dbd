using System.Collections.Immutable;
using Akka.Actor;
using Akka.Event;
using Akka.Persistence;
using PerfCluster.Core.Metrics;
using PerfCluster.Core.Scenarios;
using PerfCluster.Engine.Persistence;

namespace PerfCluster.Engine.Coordination;

/// <summary>What a coordinator stores about a run so that another coordinator can take it over.</summary>
public static class RunJournalEvents
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

    /// <summary>The run ended (completed, interrupted or failed): nothing to take over any more.</summary>
    public sealed record RunClosed(string RunId) : IPersistedPayload;
}

/// <summary>The runs a coordinator left open, as stored in the run ledger's snapshot.</summary>
public sealed record RunLedgerSnapshot(IReadOnlyList<string> Open) : IPersistedPayload;

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

    /// <summary>Set when the run was stopped or aborted before it was taken over.</summary>
    public RunJournalEvents.RunStopped? Stopped { get; init; }

    public bool Begun => Scenario is not null;

    public long DeltaCount => Batches.Sum(b => (long)b.Count);

    public RecoveredRunState Apply(object evt) => evt switch
    {
        RunJournalEvents.RunBegun b => this with { Scenario = b.Scenario, StartAt = b.StartAt, Listener = b.Listener, MinWorkers = b.MinWorkers, LastWrite = b.At },
        RunJournalEvents.DeltasMerged m => this with { Batches = Batches.Add(m.Deltas), LastWrite = m.At },
        RunJournalEvents.RunNoted n => this with { Notes = Notes.Add(n.Note), LastWrite = n.At },
        RunJournalEvents.RunStopped s => this with { Stopped = Stopped ?? s, LastWrite = s.At },
        _ => this,
    };
}

public static class RunJournalProtocol
{
    public sealed record Begin(ScenarioDefinition Scenario, DateTimeOffset StartAt, string Listener, int? MinWorkers);

    /// <summary>Store these deltas; the reply is <see cref="Checkpointed"/> with the same id once they are written.</summary>
    public sealed record Checkpoint(long Id, IReadOnlyList<MetricsDelta> Deltas);

    public sealed record Checkpointed(long Id);

    public sealed record Note(string Text);

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
public sealed class RunJournal : ReceivePersistentActor
{
    private readonly string _runId;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private RecoveredRunState _state;
    private bool _closing;

    public RunJournal(string runId)
    {
        _runId = runId;
        _state = RecoveredRunState.Empty(runId);
        Recover<IPersistedPayload>(e => _state = _state.Apply(e));
        Recover<RecoveryCompleted>(_ => Context.Parent.Tell(new RunJournalProtocol.Recovered(_state)));
        Command<RunJournalProtocol.Begin>(b =>
        {
            if (_state.Begun)
            {
                // A run id used before, whose state was never deleted: the new run starts from nothing.
                DeleteMessages(LastSequenceNr);
                _state = RecoveredRunState.Empty(_runId);
            }
            Persist(new RunJournalEvents.RunBegun(_runId, b.Scenario, b.StartAt, b.Listener, b.MinWorkers, DateTimeOffset.UtcNow), e => _state = _state.Apply(e));
        });
        Command<RunJournalProtocol.Checkpoint>(c =>
        {
            var requester = Sender;
            Persist(new RunJournalEvents.DeltasMerged(_runId, c.Deltas, DateTimeOffset.UtcNow), _ => requester.Tell(new RunJournalProtocol.Checkpointed(c.Id)));
        });
        Command<RunJournalProtocol.Stop>(st =>
            Persist(new RunJournalEvents.RunStopped(_runId, st.Reason, st.Aborted, DateTimeOffset.UtcNow), e => _state = _state.Apply(e)));
        Command<RunJournalProtocol.Note>(n => Persist(new RunJournalEvents.RunNoted(_runId, n.Text, DateTimeOffset.UtcNow), _ => { }));
        Command<RunJournalProtocol.Close>(_ =>
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

    public static Props Props(string runId) => Akka.Actor.Props.Create(() => new RunJournal(runId));
}

public static class RunLedgerProtocol
{
    public sealed record Open(string RunId);

    public sealed record Close(string RunId);

    /// <summary>The reply to <see cref="Open"/> and <see cref="Close"/> once the change is stored.</summary>
    public sealed record Recorded(string RunId);

    /// <summary>To the parent once the ledger is read: the runs a previous run manager left open.</summary>
    public sealed record OpenRuns(IReadOnlyList<string> RunIds);
}

/// <summary>
/// The run manager's index of runs that have not ended (persistence id "run-ledger"): when the run manager starts on
/// another coordinator, these are the runs it takes over. One event per run start and end; a snapshot every
/// <c>snapshot-every</c> events keeps recovery short.
/// </summary>
public sealed class RunLedger : ReceivePersistentActor
{
    public const string Id = "run-ledger";

    private readonly int _snapshotEvery;
    private ImmutableSortedSet<string> _open = ImmutableSortedSet<string>.Empty.WithComparer(StringComparer.Ordinal);

    public RunLedger(int snapshotEvery)
    {
        _snapshotEvery = Math.Max(1, snapshotEvery);
        Recover<SnapshotOffer>(o =>
        {
            if (o.Snapshot is RunLedgerSnapshot s) _open = _open.Clear().Union(s.Open);
        });
        Recover<RunJournalEvents.RunOpened>(e => _open = _open.Add(e.RunId));
        Recover<RunJournalEvents.RunClosed>(e => _open = _open.Remove(e.RunId));
        Recover<RecoveryCompleted>(_ => Context.Parent.Tell(new RunLedgerProtocol.OpenRuns(_open.ToList())));
        Command<RunLedgerProtocol.Open>(o =>
        {
            var requester = Sender;
            Persist(new RunJournalEvents.RunOpened(o.RunId), e =>
            {
                _open = _open.Add(e.RunId);
                SnapshotIfDue();
                requester.Tell(new RunLedgerProtocol.Recorded(e.RunId));
            });
        });
        Command<RunLedgerProtocol.Close>(c =>
        {
            var requester = Sender;
            if (!_open.Contains(c.RunId))
            {
                requester.Tell(new RunLedgerProtocol.Recorded(c.RunId));
                return;
            }
            Persist(new RunJournalEvents.RunClosed(c.RunId), e =>
            {
                _open = _open.Remove(e.RunId);
                SnapshotIfDue();
                requester.Tell(new RunLedgerProtocol.Recorded(e.RunId));
            });
        });
        Command<SaveSnapshotSuccess>(_ => { });
        Command<SaveSnapshotFailure>(_ => { });
    }

    public override string PersistenceId => Id;

    public static Props Props(int snapshotEvery) => Akka.Actor.Props.Create(() => new RunLedger(snapshotEvery));

    private void SnapshotIfDue()
    {
        if (LastSequenceNr % _snapshotEvery == 0) SaveSnapshot(new RunLedgerSnapshot(_open.ToList()));
    }
}
