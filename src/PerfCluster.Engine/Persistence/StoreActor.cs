using Akka.Actor;
using Akka.Event;
using Akka.Persistence;

namespace PerfCluster.Engine.Persistence;

/// <summary>Questions every PerfCluster persistent actor answers (diagnostics and specs).</summary>
public static class StoreProtocol
{
    public sealed record GetStoreStatus
    {
        public static readonly GetStoreStatus Instance = new();
        private GetStoreStatus() { }
    }

    /// <summary>
    /// How the actor recovered: from the snapshot at <paramref name="RecoveredFromSnapshot"/> (null: none) plus
    /// <paramref name="EventsReplayed"/> later events; <paramref name="LastSnapshot"/> is the newest snapshot it saved or loaded.
    /// </summary>
    /// <summary>
    /// The one request of a fresh actor is answered: it stops once the snapshot it may be writing is stored (and the
    /// older ones are deleted), or at once when none is.
    /// </summary>
    public sealed record Retire
    {
        public static readonly Retire Instance = new();
        private Retire() { }
    }

    public sealed record StoreStatus(string PersistenceId, long LastSequenceNr, long? RecoveredFromSnapshot, int EventsReplayed, long? LastSnapshot);
}

/// <summary>
/// Why a store actor stopped before it could answer (its recovery failed), for the one request that started it:
/// the ask sees the actor stop, and says why instead of waiting for a timeout.
/// </summary>
public static class StoreActorFailures
{
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<ActorPath, string> Reasons = new();

    internal static void Record(ActorPath actor, string reason) => Reasons[actor] = reason;

    public static string? Take(ActorPath actor) => Reasons.TryRemove(actor, out var reason) ? reason : null;
}

/// <summary>
/// What <see cref="Baselines.BaselineLibrary"/> and <see cref="History.RunHistory"/> share: a command is answered only
/// from the handler that runs after its event is written, a snapshot is saved every <c>snapshot-every</c> events
/// (older ones are then deleted; the events stay), and a write that fails is answered with
/// <c>Status.Failure(StoreException)</c> before Akka.Persistence stops the actor (its back-off supervisor, see
/// <see cref="PersistenceHosting"/>, starts it again and it recovers from the store).
/// </summary>
public abstract class StoreActor<TState> : ReceivePersistentActor
{
    private readonly int _snapshotEvery;
    private IActorRef? _awaitingWrite;
    private long? _recoveredFromSnapshot;
    private long? _lastSnapshot;
    private int _eventsReplayed;
    private bool _snapshotPending;
    private bool _retiring;

    protected StoreActor(string persistenceId, int snapshotEvery, TState empty)
    {
        PersistenceId = persistenceId;
        _snapshotEvery = Math.Max(1, snapshotEvery);
        State = empty;

        Recover<SnapshotOffer>(offer =>
        {
            State = FromSnapshot(offer.Snapshot);
            _recoveredFromSnapshot = _lastSnapshot = offer.Metadata.SequenceNr;
        });
        Recover<IPersistedPayload>(evt =>
        {
            State = Apply(State, evt);
            _eventsReplayed++;
        });

        Command<SaveSnapshotSuccess>(s =>
        {
            // Snapshot writes may complete out of order (PostgreSQL runs them concurrently): an older
            // one that lands after a newer one is deleted on its own and never becomes "the latest".
            var seq = s.Metadata.SequenceNr;
            if (_lastSnapshot is { } latest && seq < latest)
            {
                DeleteSnapshot(seq);
            }
            else
            {
                _lastSnapshot = seq;
                if (seq > 1) DeleteSnapshots(new SnapshotSelectionCriteria(seq - 1));
            }
            SnapshotDone();
        });
        Command<StoreProtocol.Retire>(_ =>
        {
            _retiring = true;
            if (!_snapshotPending) Context.Stop(Self);
        });
        Command<DeleteSnapshotSuccess>(_ => { });
        Command<DeleteSnapshotFailure>(f => Log.Warning(f.Cause, "Deleting an old snapshot of {PersistenceId} failed", PersistenceId));
        Command<SaveSnapshotFailure>(f =>
        {
            Log.Warning(f.Cause, "Snapshot of {PersistenceId} at {SequenceNr} failed; recovery replays more events", PersistenceId, f.Metadata.SequenceNr);
            SnapshotDone();
        });
        Command<DeleteSnapshotsSuccess>(_ => { });
        Command<DeleteSnapshotsFailure>(f => Log.Warning(f.Cause, "Deleting old snapshots of {PersistenceId} failed", PersistenceId));
        Command<StoreProtocol.GetStoreStatus>(_ => Sender.Tell(
            new StoreProtocol.StoreStatus(PersistenceId, LastSequenceNr, _recoveredFromSnapshot, _eventsReplayed, _lastSnapshot)));
    }

    public override string PersistenceId { get; }

    protected TState State { get; private set; }

    protected abstract TState Apply(TState state, IPersistedPayload evt);
    protected abstract TState FromSnapshot(object snapshot);
    protected abstract IPersistedPayload ToSnapshot(TState state);

    /// <summary>Writes <paramref name="evt"/>, applies it, then sends <paramref name="reply"/>(new state) to the sender.</summary>
    protected void PersistThenReply<TEvent>(TEvent evt, Func<TState, object> reply) where TEvent : IPersistedPayload
    {
        var replyTo = Sender;
        _awaitingWrite = replyTo;
        Persist(evt, e =>
        {
            _awaitingWrite = null;
            State = Apply(State, e);
            replyTo.Tell(reply(State));
            if (LastSequenceNr % _snapshotEvery == 0)
            {
                _snapshotPending = true;
                SaveSnapshot(ToSnapshot(State));
            }
        });
    }

    private void SnapshotDone()
    {
        _snapshotPending = false;
        if (_retiring) Context.Stop(Self);
    }

    protected void Fail(string message) => Sender.Tell(new Status.Failure(new StoreException(message)));

    protected override void OnPersistFailure(Exception cause, object @event, long sequenceNr)
    {
        _awaitingWrite?.Tell(new Status.Failure(new StoreException($"could not write to the store: {cause.GetBaseException().Message}", cause)));
        _awaitingWrite = null;
        base.OnPersistFailure(cause, @event, sequenceNr);
    }

    protected override void OnPersistRejected(Exception cause, object @event, long sequenceNr)
    {
        _awaitingWrite?.Tell(new Status.Failure(new StoreException($"the store rejected the write: {cause.GetBaseException().Message}", cause)));
        _awaitingWrite = null;
        base.OnPersistRejected(cause, @event, sequenceNr);
    }

    protected override void OnRecoveryFailure(Exception reason, object? message = null)
    {
        StoreActorFailures.Record(Self.Path, $"could not read the store: {reason.GetBaseException().Message}");
        Log.Warning("{PersistenceId} could not be read from the store: {Reason}", PersistenceId, reason.GetBaseException().Message);
        base.OnRecoveryFailure(reason, message);
    }
}
