using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using PerfCluster.Core.Coordination;
using PerfCluster.Core.Metrics;
using PerfCluster.Engine.Metrics;
using static PerfCluster.Engine.Coordination.RunProtocol;

namespace PerfCluster.Engine.Coordination;

/// <summary>
/// Owns one run: waits for workers, splits the global user population over them (largest remainder),
/// agrees a start instant in the future, assigns shares, and once every share has completed asks the
/// aggregator for the final statistics and tells the listener.
/// </summary>
public sealed class RunCoordinator : UntypedActor, IWithTimers
{
    private sealed class WorkersTimeout { public static readonly WorkersTimeout Instance = new(); }
    private sealed class RunWatchdog { public static readonly RunWatchdog Instance = new(); }

    private readonly StartRun _start;
    private readonly CoordinatorSettings _settings;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Cluster _cluster = Cluster.Get(Context.System);
    private readonly SortedSet<Address> _workers = new();
    private readonly Dictionary<Address, ShareCompleted?> _shares = new();
    private IActorRef? _aggregator;
    private DateTimeOffset _startAt;
    private bool _interrupted;
    private string? _stopReason;
    private int _peakUsers;

    public RunCoordinator(StartRun start, CoordinatorSettings settings)
    {
        _start = start;
        _settings = settings;
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(StartRun start, CoordinatorSettings settings) =>
        Akka.Actor.Props.Create(() => new RunCoordinator(start, settings));

    protected override void PreStart()
    {
        _cluster.Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents, typeof(ClusterEvent.IMemberEvent));
        Timers.StartSingleTimer(WorkersTimeout.Instance, WorkersTimeout.Instance, _settings.WorkerWaitTimeout);
    }

    protected override void PostStop() => _cluster.Unsubscribe(Self);

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case ClusterEvent.MemberUp up when up.Member.HasRole(ClusterRoles.Worker):
                _workers.Add(up.Member.Address);
                if (_aggregator is null && _workers.Count >= _settings.MinWorkers) AssignShares();
                break;
            case ClusterEvent.IMemberEvent:
                break;
            case WorkersTimeout when _aggregator is null:
                Fail($"no worker joined within {_settings.WorkerWaitTimeout.TotalSeconds:0.#} s (need {_settings.MinWorkers}, have {_workers.Count})");
                break;
            case WorkersTimeout:
                break;
            case StopRun stop:
                _interrupted = true;
                _stopReason = stop.Reason;
                if (_aggregator is null)
                {
                    Fail($"stopped before start: {stop.Reason}");
                    return;
                }
                foreach (var worker in _shares.Keys) AgentAt(worker).Tell(new StopShare(_start.RunId, stop.Reason));
                break;
            case ShareCompleted done:
                var address = _shares.Keys.FirstOrDefault(a => a.ToString() == done.Node);
                if (address is null) return;
                _shares[address] = done;
                _peakUsers += done.PeakUsers;
                if (_shares.Values.All(s => s is not null)) FinishRun();
                break;
            case RunWatchdog:
                _log.Warning("Run {0}: shares still open after the watchdog period; finishing with what arrived", _start.RunId);
                FinishRun();
                break;
            case ScenarioStatistics stats:
                _start.Listener.Tell(new RunCompleted(_start.RunId, stats, _interrupted, _stopReason));
                Context.Stop(Self);
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    private void AssignShares()
    {
        Timers.Cancel(WorkersTimeout.Instance);
        var scenario = _start.Scenario;
        var workers = _workers.ToList();
        var shares = Shares.SplitUsers(scenario.Load.Users, workers.Select(_ => 1.0).ToList());
        _startAt = DateTimeOffset.UtcNow + _settings.StartLeadTime;
        _aggregator = Context.ActorOf(MetricsAggregator.Props(_start.RunId, scenario, _start.Listener, _startAt, _settings.MetricsLateness), "metrics");
        for (var i = 0; i < workers.Count; i++)
        {
            _shares[workers[i]] = null;
            AgentAt(workers[i]).Tell(new AssignShare(_start.RunId, scenario, shares[i], _startAt, _aggregator, Self));
        }
        var watchdog = _settings.StartLeadTime + scenario.Load.Duration + scenario.Load.GracefulStop + _settings.FinishTimeout;
        Timers.StartSingleTimer(RunWatchdog.Instance, RunWatchdog.Instance, watchdog);
        _log.Info("Run {0} ({1}) starts at {2:O} on {3} workers", _start.RunId, scenario.Name, _startAt, workers.Count);
        _start.Listener.Tell(new RunStarted(_start.RunId, scenario.Name, _startAt, workers.Count));
    }

    private ActorSelection AgentAt(Address address) =>
        Context.ActorSelection(new RootActorPath(address) / "user" / ActorNames.WorkerAgent);

    private void FinishRun()
    {
        Timers.Cancel(RunWatchdog.Instance);
        var measured = DateTimeOffset.UtcNow - _startAt;
        if (_interrupted || measured < TimeSpan.Zero) measured = measured < TimeSpan.Zero ? TimeSpan.Zero : measured;
        _aggregator!.Tell(new FinishAggregation(_startAt, measured, _peakUsers));
    }

    private void Fail(string error)
    {
        _start.Listener.Tell(new RunFailed(_start.RunId, error));
        Context.Stop(Self);
    }
}

/// <summary>Coordinator knobs, from <c>perfcluster.run</c> in HOCON.</summary>
public sealed record CoordinatorSettings(
    int MinWorkers,
    TimeSpan WorkerWaitTimeout,
    TimeSpan StartLeadTime,
    TimeSpan FinishTimeout,
    int MetricsLateness)
{
    public static readonly CoordinatorSettings Default = new(1, TimeSpan.FromSeconds(15), TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(30), 2);
}
