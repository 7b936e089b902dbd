using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using Akka.Hosting;
using PerfCluster.Core.Input;
using PerfCluster.Engine.Modules;
using static PerfCluster.Engine.Protocol.RunProtocol;
using Done = Akka.Done;

namespace PerfCluster.Engine.Workers;

/// <summary>
/// The worker node's entry point (<c>/user/worker-agent</c> on every node with the worker role):
/// turns each share assignment into a <see cref="RunExecutor"/> child and routes stops to it.
/// </summary>
public sealed class WorkerAgent : UntypedActor, IWithTimers
{
    private sealed class CoordinatorCheck { public static readonly CoordinatorCheck Instance = new(); }

    private readonly HashSet<Address> _coordinators = new();
    private readonly HashSet<Address> _unreachable = new();
    private DateTimeOffset? _withoutCoordinatorSince;
    private readonly ExecutorSettings _settings;
    private readonly string _node;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly List<IActorRef> _drainWaiters = new();
    private bool _draining;
    /// <summary>Shares started per run on this node, so a later share's sequence numbers never repeat an earlier one's.</summary>
    private readonly Dictionary<string, long> _incarnations = new();
    private const long SeqsPerShare = 1_000_000_000;
    /// <summary>Shares waiting for their modules to compile, by run (the latest assignment or update wins).</summary>
    private readonly Dictionary<string, AssignShare> _compiling = new();

    /// <summary>A share's modules compiled (or did not: <see cref="Error"/>, with the module file's line).</summary>
    private sealed record ModulesCompiled(string RunId, string? Error);

    /// <summary>Shutdown (SIGTERM, scale-in): every share hands its users back, then stops; the reply is <see cref="Done"/>.</summary>
    public sealed class DrainAll { public static readonly DrainAll Instance = new(); }

    private readonly TimeSpan _coordinatorLostTimeout;

    public WorkerAgent(ExecutorSettings settings, TimeSpan coordinatorLostTimeout)
    {
        _settings = settings;
        _coordinatorLostTimeout = coordinatorLostTimeout;
        _node = Cluster.Get(Context.System).SelfAddress.ToString();
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(ExecutorSettings settings, TimeSpan coordinatorLostTimeout) =>
        Akka.Actor.Props.Create(() => new WorkerAgent(settings, coordinatorLostTimeout));

    protected override void PreStart()
    {
        Cluster.Get(Context.System).Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents,
            typeof(ClusterEvent.IMemberEvent), typeof(ClusterEvent.IReachabilityEvent));
        Timers.StartPeriodicTimer(CoordinatorCheck.Instance, CoordinatorCheck.Instance, TimeSpan.FromSeconds(1));
    }

    protected override void PostStop() => Cluster.Get(Context.System).Unsubscribe(Self);

    /// <summary>
    /// A worker that has had no reachable coordinator for the timeout leaves and shuts down: its load
    /// already stopped (each share stops on losing its coordinator), and an orchestrator restarts it
    /// to join the next coordinator.
    /// </summary>
    private void CheckCoordinator()
    {
        var cluster = Cluster.Get(Context.System);
        if (cluster.SelfMember.Status != MemberStatus.Up) return;
        if (_coordinators.Except(_unreachable).Any())
        {
            _withoutCoordinatorSince = null;
            return;
        }
        _withoutCoordinatorSince ??= DateTimeOffset.UtcNow;
        if (DateTimeOffset.UtcNow - _withoutCoordinatorSince < _coordinatorLostTimeout) return;
        _log.Warning("No reachable coordinator for {Timeout}: leaving the cluster and shutting down", _coordinatorLostTimeout);
        Timers.Cancel(CoordinatorCheck.Instance);
        CoordinatedShutdown.Get(Context.System).Run(CoordinatedShutdown.ClusterLeavingReason.Instance);
    }

    private static string ChildName(string runId) => $"run-{Uri.EscapeDataString(runId)}";

    private void Refuse(AssignShare assign, string reason)
    {
        _log.Warning("Run {RunId}: refusing the share {Coordinator} assigned: {Reason}", assign.RunId, assign.Coordinator.Path.Address, reason);
        assign.Coordinator.Tell(new ShareRefused(assign.RunId, _node, reason));
    }

    /// <summary>Roslyn takes from a fraction of a second to a few (cold) per module: off the agent's thread, then the share starts.</summary>
    private void Compile(AssignShare assign, Core.Steps.Journey journey)
    {
        _compiling[assign.RunId] = assign;
        var self = Self;
        var runId = assign.RunId;
        _ = Task.Run(() =>
        {
            string? error = null;
            try
            {
                ModuleCompiler.CompileAll(journey);
                Grpc.GrpcContracts.CompileAndCheck(journey);
            }
            catch (ScenarioException e)
            {
                error = e.Describe();
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                error = $"the modules could not be compiled: {e.GetType().Name}: {e.Message}";
            }
            self.Tell(new ModulesCompiled(runId, error));
        });
    }

    private void Start(AssignShare assign)
    {
        var existing = Context.Child(ChildName(assign.RunId));
        if (!existing.IsNobody())
        {
            // Another coordinator taking the run over (or a repeated assignment): the share decides.
            existing.Forward(assign);
            return;
        }
        // A share of a run this node held before (its share ended, then a coordinator that took the run
        // over assigned it again) numbers its deltas after the earlier ones.
        var incarnation = _incarnations.GetValueOrDefault(assign.RunId);
        _incarnations[assign.RunId] = incarnation + 1;
        Context.Watch(Context.ActorOf(RunExecutor.Props(assign, _node, _settings, incarnation * SeqsPerShare), ChildName(assign.RunId)));
    }

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case AssignShare assign when _draining:
                _log.Warning("Run {RunId}: refusing a share while this worker is shutting down", assign.RunId);
                break;
            case AssignShare assign when _settings.AllowedTargets.Refusal(assign.Scenario) is { } refusal:
                Refuse(assign, refusal);
                break;
            case AssignShare assign when assign.Scenario.Journey is { Modules.Count: > 0 } && !_settings.AllowModules:
                Refuse(assign, "this worker does not run C# modules (they are arbitrary code): start it with --allow-modules, or set perfcluster.worker.allow-modules = on");
                break;
            case AssignShare assign when _compiling.ContainsKey(assign.RunId):
                _compiling[assign.RunId] = assign;
                break;
            case AssignShare assign when assign.Scenario.Journey is { } journey && (!ModuleCompiler.AreCompiled(journey) || !Grpc.GrpcContracts.IsCompiled(journey)):
                Compile(assign, journey);
                break;
            case ModulesCompiled compiled when _compiling.Remove(compiled.RunId, out var waiting):
                if (compiled.Error is { } error) Refuse(waiting, error);
                else if (_draining) _log.Warning("Run {RunId}: refusing a share while this worker is shutting down", waiting.RunId);
                else Start(waiting);
                break;
            case UpdateShare update when _compiling.TryGetValue(update.RunId, out var pending):
                _compiling[update.RunId] = pending with { Share = update.Share };
                break;
            case StopShare stop when _compiling.Remove(stop.RunId):
                break;
            case AssignShare assign:
                Start(assign);
                break;
            case UpdateShare update:
                Context.Child(ChildName(update.RunId)).Forward(update);
                break;
            case ClusterEvent.MemberUp up when up.Member.HasRole(ClusterRoles.Coordinator):
                _coordinators.Add(up.Member.Address);
                break;
            case ClusterEvent.MemberRemoved removed:
                _coordinators.Remove(removed.Member.Address);
                _unreachable.Remove(removed.Member.Address);
                break;
            case ClusterEvent.UnreachableMember u:
                _unreachable.Add(u.Member.Address);
                break;
            case ClusterEvent.ReachableMember r:
                _unreachable.Remove(r.Member.Address);
                break;
            case ClusterEvent.IMemberEvent or ClusterEvent.IReachabilityEvent:
                break;
            case CoordinatorCheck:
                CheckCoordinator();
                break;
            case DrainAll:
                _draining = true;
                _drainWaiters.Add(Sender);
                foreach (var child in Context.GetChildren()) child.Tell(RunExecutor.Drain.Instance);
                ReplyIfDrained();
                break;
            case RunExecutor.Drained:
                break;
            case Terminated:
                ReplyIfDrained();
                break;
            case StopShare stop:
                Context.Child(ChildName(stop.RunId)).Forward(stop);
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    private void ReplyIfDrained()
    {
        if (!_draining || Context.GetChildren().Any()) return;
        foreach (var waiter in _drainWaiters) waiter.Tell(Done.Instance);
        _drainWaiters.Clear();
    }
}

public static class WorkerAgentHosting
{
    public static AkkaConfigurationBuilder AddWorkerAgent(this AkkaConfigurationBuilder builder, ExecutorSettings settings, TimeSpan coordinatorLostTimeout) =>
        builder.WithActors((system, registry) =>
        {
            var agent = system.ActorOf(WorkerAgent.Props(settings, coordinatorLostTimeout), ActorNames.WorkerAgent);
            registry.Register<WorkerAgent>(agent);
            // Before this node leaves the cluster, its shares move to the other workers and its users stop.
            var timeout = system.Settings.Config.GetTimeSpan("akka.coordinated-shutdown.phases.before-cluster-shutdown.timeout", TimeSpan.FromSeconds(30));
            CoordinatedShutdown.Get(system).AddTask(CoordinatedShutdown.PhaseBeforeClusterShutdown, "drain-worker-shares",
                () => agent.Ask<Done>(WorkerAgent.DrainAll.Instance, timeout));
        });
}
