using System.Collections.Immutable;
using Akka.Actor;
using Akka.Event;
using Akka.Persistence;
using PerfCluster.Core.Metrics;
using PerfCluster.Core.Scenarios;
using PerfCluster.Engine.Persistence;

namespace PerfCluster.Engine.Recovery;

public static class OpenRunsProtocol
{
    public sealed record Open(string RunId);

    public sealed record Close(string RunId);

    /// <summary>The reply to <see cref="Open"/> and <see cref="Close"/> once the change is stored.</summary>
    public sealed record Recorded(string RunId);

    /// <summary>To the parent once the ledger is read: the runs a previous run manager left open.</summary>
    public sealed record LeftOpen(IReadOnlyList<string> RunIds);
}

/// <summary>
/// The run manager's index of runs that have not ended (persistence id "run-ledger"): when the run manager starts on
/// another coordinator, these are the runs it takes over. One event per run start and end; a snapshot every
/// <c>snapshot-every</c> events keeps recovery short.
/// </summary>
public sealed class OpenRuns : ReceivePersistentActor
{
    public const string Id = "run-ledger";

    private readonly int _snapshotEvery;
    private ImmutableSortedSet<string> _open = ImmutableSortedSet<string>.Empty.WithComparer(StringComparer.Ordinal);

    public OpenRuns(int snapshotEvery)
    {
        _snapshotEvery = Math.Max(1, snapshotEvery);
        Recover<SnapshotOffer>(o =>
        {
            if (o.Snapshot is OpenRunsSnapshot s) _open = _open.Clear().Union(s.Open);
        });
        Recover<RunCheckpointsEvents.RunOpened>(e => _open = _open.Add(e.RunId));
        Recover<RunCheckpointsEvents.RunClosed>(e => _open = _open.Remove(e.RunId));
        Recover<RecoveryCompleted>(_ => Context.Parent.Tell(new OpenRunsProtocol.LeftOpen(_open.ToList())));
        Command<OpenRunsProtocol.Open>(o =>
        {
            var requester = Sender;
            Persist(new RunCheckpointsEvents.RunOpened(o.RunId), e =>
            {
                _open = _open.Add(e.RunId);
                SnapshotIfDue();
                requester.Tell(new OpenRunsProtocol.Recorded(e.RunId));
            });
        });
        Command<OpenRunsProtocol.Close>(c =>
        {
            var requester = Sender;
            if (!_open.Contains(c.RunId))
            {
                requester.Tell(new OpenRunsProtocol.Recorded(c.RunId));
                return;
            }
            Persist(new RunCheckpointsEvents.RunClosed(c.RunId), e =>
            {
                _open = _open.Remove(e.RunId);
                SnapshotIfDue();
                requester.Tell(new OpenRunsProtocol.Recorded(e.RunId));
            });
        });
        Command<SaveSnapshotSuccess>(_ => { });
        Command<SaveSnapshotFailure>(_ => { });
    }

    public override string PersistenceId => Id;

    public static Props Props(int snapshotEvery) => Akka.Actor.Props.Create(() => new OpenRuns(snapshotEvery));

    private void SnapshotIfDue()
    {
        if (LastSequenceNr % _snapshotEvery == 0) SaveSnapshot(new OpenRunsSnapshot(_open.ToList()));
    }
}
