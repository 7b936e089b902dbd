using Akka.Actor;
using Akka.Cluster.Hosting;
using Akka.Event;
using Akka.Hosting;
using PerfCluster.Engine.History;
using static PerfCluster.Engine.Protocol.RunProtocol;
using PerfCluster.Engine.Recovery;

namespace PerfCluster.Engine.Coordination;

/// <summary>
/// The coordinator's entry point, one <see cref="RunCoordinator"/> child per run. It runs as a cluster singleton on
/// the coordinator role, reached through a proxy on every coordinator node. When it is durable (a coordinator another
/// one may replace, with a store), its <see cref="OpenRuns"/> lists the runs that have not ended; a run manager
/// that starts on another coordinator after the previous one was lost takes each of them over.
/// </summary>
public sealed class RunManager(CoordinatorSettings settings, bool durable) : UntypedActor
{
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly List<IActorRef> _askedForRunsGoing = [];
    private IActorRef? _ledger;
    /// <summary>Whether the ledger has been read (always, without one): until then the runs taken over are not known.</summary>
    private bool _ledgerRead;

    public static Props Props(CoordinatorSettings settings, bool durable = false) => Akka.Actor.Props.Create(() => new RunManager(settings, durable));

    private static string ChildName(string runId) => $"run-{Uri.EscapeDataString(runId)}";

    protected override void PreStart()
    {
        _ledgerRead = true;
        if (!durable) return;
        if (!RunTimeline.IsAvailable(Context.System))
        {
            _log.Warning("No store on this coordinator: its runs cannot be taken over by another coordinator");
            return;
        }
        _ledgerRead = false;
        var snapshotEvery = Context.System.Settings.Config.GetInt("perfcluster.persistence.snapshot-every", 50);
        _ledger = Context.ActorOf(OpenRuns.Props(snapshotEvery), "ledger");
    }

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case StartRun start:
                if (!Context.Child(ChildName(start.RunId)).IsNobody())
                {
                    start.Listener.Tell(new RunFailed(start.RunId, $"a run with id {start.RunId} is already going"));
                    return;
                }
                _ledger?.Tell(new OpenRunsProtocol.Open(start.RunId));
                Context.ActorOf(RunCoordinator.Props(start, settings, durable: _ledger is not null), ChildName(start.RunId));
                break;
            case StopRun stop:
                Context.Child(ChildName(stop.RunId)).Forward(stop);
                break;
            case OpenRunsProtocol.LeftOpen open:
                foreach (var runId in open.RunIds.Where(id => Context.Child(ChildName(id)).IsNobody()))
                {
                    _log.Warning("Taking over run {RunId}, left open by a coordinator that was lost", runId);
                    Context.ActorOf(RunCoordinator.TakeoverProps(runId, settings), ChildName(runId));
                }
                _ledgerRead = true;
                foreach (var asker in _askedForRunsGoing) asker.Tell(RunsGoing());
                _askedForRunsGoing.Clear();
                break;
            case GetRunsGoing:
                if (_ledgerRead) Sender.Tell(RunsGoing());
                else _askedForRunsGoing.Add(Sender);
                break;
            case RunOver ended:
                _ledger?.Tell(new OpenRunsProtocol.Close(ended.RunId));
                break;
            case OpenRunsProtocol.Recorded:
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    private RunsGoing RunsGoing() => new(Context.GetChildren()
        .Where(c => c.Path.Name.StartsWith("run-", StringComparison.Ordinal))
        .Select(c => Uri.UnescapeDataString(c.Path.Name["run-".Length..]))
        .Order(StringComparer.Ordinal)
        .ToList());
}

public static class RunManagerHosting
{
    /// <summary>
    /// The run manager as a cluster singleton on the coordinator role, with its proxy registered as
    /// <see cref="RunManager"/>: messages to it reach whichever coordinator node holds it. <paramref name="durable"/>:
    /// runs keep recovery state so that another coordinator can take them over.
    /// </summary>
    public static AkkaConfigurationBuilder AddRunManager(this AkkaConfigurationBuilder builder, CoordinatorSettings settings, bool durable = false) =>
        builder.WithSingleton<RunManager>(ActorNames.RunManager, RunManager.Props(settings, durable),
            new ClusterSingletonOptions { Role = ClusterRoles.Coordinator }, createProxyToo: true);
}
