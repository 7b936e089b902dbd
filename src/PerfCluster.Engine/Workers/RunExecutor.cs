using System.Diagnostics;
using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using PerfCluster.Core.Coordination;
using PerfCluster.Core.Metrics;
using PerfCluster.Core.Profiles;
using PerfCluster.Core.Scenarios;
using PerfCluster.Engine.Drivers;
using PerfCluster.Engine.Monitoring;
using PerfCluster.Engine.Steps;
using static PerfCluster.Engine.Protocol.RunProtocol;

namespace PerfCluster.Engine.Workers;

/// <summary>
/// Runs one worker's share of one run: starts its users on the global ramp at the agreed instant,
/// flushes the share's histograms every second as numbered deltas (resent until acknowledged), stops
/// its users at the deadline, waits for in-flight requests up to the graceful-stop period, sends a
/// final delta and reports <see cref="ShareCompleted"/>.
/// </summary>
public sealed class RunExecutor : UntypedActor, IWithTimers
{
    private sealed class Begin { public static readonly Begin Instance = new(); }
    private sealed class SpawnTick { public static readonly SpawnTick Instance = new(); }
    private sealed class FlushTick { public static readonly FlushTick Instance = new(); }
    private sealed class ResendTick { public static readonly ResendTick Instance = new(); }
    private sealed class EndOfLoad { public static readonly EndOfLoad Instance = new(); }
    private sealed class GraceOver { public static readonly GraceOver Instance = new(); }
    private sealed class FinalAckTimeout { public static readonly FinalAckTimeout Instance = new(); }
    private sealed class ReleaseTimeout { public static readonly ReleaseTimeout Instance = new(); }
    private sealed class DrainTick { public static readonly DrainTick Instance = new(); }
    private sealed class WatchTick { public static readonly WatchTick Instance = new(); }
    /// <summary>A user of this share needs the next block of a unique feeder's rows.</summary>
    private sealed record NeedRows(string Feeder, int Count);

    private const int MaxStartsPerTick = 5_000;

    /// <summary>From the worker agent on shutdown: hand the share back, then stop; the reply is <see cref="Drained"/>.</summary>
    public sealed class Drain { public static readonly Drain Instance = new(); }
    public sealed class Drained { public static readonly Drained Instance = new(); }

    private readonly AssignShare _assign;
    private readonly string _node;
    private readonly ExecutorSettings _settings;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly ClosedProfile _profile;
    private readonly MetricsRecorder _recorder;
    private readonly NodeResourceSampler _resources = new();
    private readonly IRequestDriver? _driver;
    private readonly JourneyRunner? _journey;
    private readonly CancellationTokenSource _abandon = new();
    private readonly ShareControl _context;
    private readonly long _startTimestamp;
    private readonly SortedDictionary<long, (MetricsDelta Delta, long SentAt)> _unacked = new();
    /// <summary>Closed model: the user groups of this share by block number (see <see cref="UserGroup"/>).</summary>
    private readonly Dictionary<int, IActorRef> _groups = new();
    /// <summary>Closed model: users of this share with index below this run now (the profile's level, clamped to the share).</summary>
    private int _runTo;
    /// <summary>Closed model: the most users this share may run after shedding above the memory limit; null while never shed.</summary>
    private int? _userCap;
    /// <summary>Open model: the arrival loop; null in the closed model.</summary>
    private ArrivalPacer? _pacer;
    private readonly long _warmUpWindows;
    private long _connectionWaits;
    private readonly Cluster _cluster = Cluster.Get(Context.System);
    private UserShare _share;
    private string? _stoppedBecause;
    private IActorRef? _drainRequester;
    private TimeSpan _lastCpu = Process.GetCurrentProcess().TotalProcessorTime;
    private long _seq;
    /// <summary>Where deltas and completion go: the run's aggregator and coordinator, replaced when another coordinator takes the run over.</summary>
    private IActorRef _aggregator;
    private IActorRef _coordinator;
    /// <summary>Nodes with the coordinator role that are members now, and the ones among them that are unreachable.</summary>
    private readonly HashSet<Address> _coordinatorNodes = new();
    private readonly HashSet<Address> _unreachable = new();
    private CoordinatorWatch _watch;
    /// <summary>Flushes done so far; flush k closes interval k-1, i.e. [k-1, k) seconds after the start.</summary>
    private long _flushes;
    /// <summary>Most users alive at once since the last flush: what the window reports as active.</summary>
    private int _usersSinceFlush;
    private int _peakUsers;
    private bool _loadOver;
    private bool _finalSent;
    private bool _completed;

    public RunExecutor(AssignShare assign, string node, ExecutorSettings settings, long firstSeq = 0)
    {
        _assign = assign;
        _aggregator = assign.Aggregator;
        _coordinator = assign.Coordinator;
        _seq = firstSeq;
        _watch = new CoordinatorWatch(settings.CoordinatorLossGrace, settings.CoordinatorTakeoverTimeout);
        _node = node;
        _settings = settings;
        var scenario = assign.Scenario;
        _profile = ClosedProfile.From(scenario.Load, scenario.WarmUp);
        _warmUpWindows = (long)Math.Ceiling(scenario.WarmUp / settings.FlushInterval);
        var untilStart = assign.StartAt - DateTimeOffset.UtcNow;
        _startTimestamp = Stopwatch.GetTimestamp() + (long)(untilStart.TotalSeconds * Stopwatch.Frequency);
        var deadline = _startTimestamp + (long)(LoadTime.TotalSeconds * Stopwatch.Frequency);
        if (scenario.Journey is not null)
        {
            _recorder = JourneyRunner.RecorderFor(scenario);
            var self = Self;
            _journey = new JourneyRunner(scenario, _recorder, Math.Max(1, assign.Share.Count), (feeder, count) => self.Tell(new NeedRows(feeder, count)),
                () => Stopwatch.GetTimestamp() >= deadline || _context!.IsOver, assign.Share);
        }
        else
        {
            _recorder = new MetricsRecorder(scenario.Endpoints.Select(e => e.Name).ToList(), HandshakeTiming.Of(scenario).ToList(), []);
            _driver = RequestDrivers.Create(scenario, _recorder, Math.Max(1, assign.Share.Count));
        }
        _context = new ShareControl(scenario, _driver, deadline, _abandon.Token, _log, _journey);
        _share = assign.Share;
        _runTo = assign.Share.From;
    }

    public ITimerScheduler Timers { get; set; } = null!;

    /// <param name="firstSeq">Sequence numbers of this share's deltas start after it, so a second share of the same run on
    /// this node (after a takeover) never repeats a (node, seq) the aggregator already merged.</param>
    public static Props Props(AssignShare assign, string node, ExecutorSettings settings, long firstSeq = 0) =>
        Akka.Actor.Props.Create(() => new RunExecutor(assign, node, settings, firstSeq)).WithDispatcher(ActorNames.ControlDispatcher);

    private TimeSpan Elapsed => Stopwatch.GetElapsedTime(_startTimestamp);

    /// <summary>Warm-up plus the measured duration: how long this share generates load.</summary>
    private TimeSpan LoadTime => _assign.Scenario.WarmUp + _assign.Scenario.Load.Duration;

    private double OpenFraction(UserShare share) => share.Count / (double)Math.Max(1, _assign.Scenario.Load.Users);

    protected override void PreStart()
    {
        var untilStart = _assign.StartAt - DateTimeOffset.UtcNow;
        Timers.StartSingleTimer(Begin.Instance, Begin.Instance, untilStart > TimeSpan.Zero ? untilStart : TimeSpan.Zero);
        if (!IsLocal(_assign.Coordinator))
        {
            _cluster.Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents,
                typeof(ClusterEvent.IMemberEvent), typeof(ClusterEvent.IReachabilityEvent));
            Timers.StartPeriodicTimer(WatchTick.Instance, WatchTick.Instance, TimeSpan.FromMilliseconds(500));
        }
        _log.Info("Share {From}..{To} of run {RunId} starts in {Delay}", _assign.Share.From, _assign.Share.To, _assign.RunId, untilStart);
    }

    private static bool IsLocal(IActorRef actor) => actor.Path.Address.HasLocalScope;

    protected override void PostStop()
    {
        _cluster.Unsubscribe(Self);
        _pacer?.StopAsync();
        _abandon.Cancel();
        _driver?.Dispose();
        _journey?.Dispose();
        _abandon.Dispose();
    }

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case Begin:
                if (_assign.Scenario.IsOpen)
                {
                    _pacer = new ArrivalPacer(_assign.Scenario, _driver, _recorder, _startTimestamp, OpenFraction(_share), _share.Count, _abandon.Token,
                        _journey, _share.From);
                    _pacer.Start();
                }
                else Timers.StartPeriodicTimer(SpawnTick.Instance, SpawnTick.Instance, TimeSpan.Zero, _settings.SpawnInterval);
                // A worker that joins a run already going starts at the current interval, not at zero.
                _flushes = Math.Max(0, (long)Math.Floor(Elapsed / _settings.FlushInterval));
                ScheduleNextFlush();
                Timers.StartPeriodicTimer(ResendTick.Instance, ResendTick.Instance, _settings.FlushInterval, _settings.FlushInterval);
                var untilEnd = LoadTime - Elapsed;
                Timers.StartSingleTimer(EndOfLoad.Instance, EndOfLoad.Instance, untilEnd > TimeSpan.Zero ? untilEnd : TimeSpan.Zero);
                if (_pacer is null) SpawnDueUsers();
                break;
            case DrainTick:
                CompleteIfDrained();
                break;
            case SpawnTick:
                SpawnDueUsers();
                break;
            case FlushTick:
                _recorder.RecordSchedulingLag(_startTimestamp + (long)((_flushes + 1) * _settings.FlushInterval.TotalSeconds * Stopwatch.Frequency), Stopwatch.GetTimestamp());
                Flush(final: false);
                ScheduleNextFlush();
                break;
            case ResendTick:
                ResendUnacknowledged();
                _journey?.RetryLeases();
                break;
            case NeedRows need:
                _coordinator.Tell(new LeaseRows(_assign.RunId, _node, need.Feeder, need.Count));
                break;
            case RowsLeased leased when leased.RunId == _assign.RunId:
                _journey?.Grant(leased.Feeder, leased.From, leased.To);
                break;
            case EndOfLoad:
                EndLoad(_assign.Scenario.Load.GracefulStop, naturalEnd: true);
                break;
            case StopShare stop:
                _log.Info("Share of run {RunId} stopped: {Reason}", stop.RunId, stop.Reason);
                _context.EndNow();
                EndLoad(_settings.InterruptGrace < _assign.Scenario.Load.GracefulStop ? _settings.InterruptGrace : _assign.Scenario.Load.GracefulStop);
                break;
            case UpdateShare update:
                Reshare(update.Share, update.Reason);
                break;
            case AssignShare takeover:
                TakenOver(takeover);
                break;
            case ClusterEvent.MemberUp up when up.Member.HasRole(ClusterRoles.Coordinator):
                _coordinatorNodes.Add(up.Member.Address);
                WatchCoordinator();
                break;
            case ClusterEvent.UnreachableMember u:
                _unreachable.Add(u.Member.Address);
                if (u.Member.Address == _coordinator.Path.Address) CoordinatorLost($"the coordinator {u.Member.Address} became unreachable");
                WatchCoordinator();
                break;
            case ClusterEvent.ReachableMember r:
                _unreachable.Remove(r.Member.Address);
                if (r.Member.Address == _coordinator.Path.Address && _watch.Lost)
                {
                    _log.Info("Run {RunId}: the coordinator {Coordinator} is reachable again", _assign.RunId, r.Member.Address);
                    _watch = _watch.CoordinatorFound();
                }
                WatchCoordinator();
                break;
            case ClusterEvent.MemberRemoved r:
                _coordinatorNodes.Remove(r.Member.Address);
                _unreachable.Remove(r.Member.Address);
                if (r.Member.Address == _coordinator.Path.Address) CoordinatorLost($"the coordinator {r.Member.Address} left the cluster");
                WatchCoordinator();
                break;
            case ClusterEvent.IMemberEvent or ClusterEvent.IReachabilityEvent:
                break;
            case WatchTick:
                WatchCoordinator();
                break;
            case Drain:
                _drainRequester = Sender;
                if (_loadOver)
                {
                    if (_completed) Sender.Tell(Drained.Instance);
                    return;
                }
                _coordinator.Tell(new ReleaseShare(_assign.RunId, _node));
                Timers.StartSingleTimer(ReleaseTimeout.Instance, ReleaseTimeout.Instance, _settings.InterruptGrace);
                break;
            case ShareReleased or ReleaseTimeout:
                Timers.Cancel(ReleaseTimeout.Instance);
                _stoppedBecause ??= message is ShareReleased ? null : "the coordinator did not take the share back in time";
                _context.EndNow();
                EndLoad(_settings.InterruptGrace < _assign.Scenario.Load.GracefulStop ? _settings.InterruptGrace : _assign.Scenario.Load.GracefulStop);
                break;
            case GraceOver:
                if (!LoadIdle)
                {
                    _ = _pacer?.StopAsync();
                    _log.Warning("Graceful stop over: abandoning {InFlight} in-flight requests of run {RunId}", InFlight, _assign.RunId);
                    _abandon.Cancel();
                }
                break;
            case MetricsAck ack:
                _unacked.Remove(ack.Seq);
                if (_finalSent && _unacked.Count == 0) Complete();
                break;
            case FinalAckTimeout when _watch.Lost:
                // The deltas are kept for the coordinator that takes the run over; the watch decides when to give up.
                Timers.StartSingleTimer(FinalAckTimeout.Instance, FinalAckTimeout.Instance, _settings.FinalAckTimeout);
                break;
            case FinalAckTimeout:
                _log.Warning("Run {RunId}: {Unacknowledged} metric deltas never acknowledged", _assign.RunId, _unacked.Count);
                Complete();
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    /// <summary>Users still running or finishing a request (closed model), or iterations in flight (open model).</summary>
    private int InFlight => _context.LiveUsers + (_pacer?.InFlight ?? 0);

    /// <summary>Nothing in flight, and the pacer (when it catches up after the end) has started its last iteration.</summary>
    private bool LoadIdle => InFlight == 0 && _pacer?.Running != true;

    /// <summary>
    /// Closed model: brings the share to the profile's level. The users of the whole run with a global
    /// index below <see cref="ClosedProfile.UsersAt"/> run; the groups of this share's range start the
    /// missing ones and stop (after their current request) the ones above the level.
    /// </summary>
    private void SpawnDueUsers()
    {
        if (_loadOver || _pacer is not null) return;
        var runTo = Level(_share);
        // Large populations start over several ticks so the share keeps flushing and answering meanwhile.
        if (runTo > _runTo + MaxStartsPerTick) runTo = _runTo + MaxStartsPerTick;
        if (runTo != _runTo)
        {
            var low = Math.Min(_runTo, runTo);
            var high = Math.Max(_runTo, runTo);
            for (var block = UserGroup.BlockOf(low); block <= UserGroup.BlockOf(high - 1); block++)
                Group(block).Tell(new UserGroup.RunRange(_share.From, runTo));
            _runTo = runTo;
        }
        NoteActiveUsers();
    }

    /// <summary>The end of the share's running range now: the profile's level, within the share and under any shedding cap.</summary>
    private int Level(UserShare share)
    {
        var level = Math.Clamp(_profile.UsersAt(Elapsed), share.From, share.To);
        return _userCap is { } cap ? Math.Min(level, share.From + cap) : level;
    }

    /// <summary>
    /// Above the memory limit a worker would soon be killed by the OOM killer and lose everything it
    /// measured: it sheds a fifth of its users instead (closed model), tells the coordinator, and goes on.
    /// </summary>
    private void ShedIfOverLimit(long workingSet)
    {
        if (_settings.MemoryLimitBytes <= 0 || workingSet <= _settings.MemoryLimitBytes || _pacer is not null || _loadOver) return;
        var running = _runTo - _share.From;
        if (running <= 0) return;
        var keep = running * 4 / 5;
        _userCap = keep;
        var text = $"worker {_node} shed {running - keep} of its {running} users at {Elapsed.TotalSeconds:0} s: its working set " +
                   $"{workingSet / 1048576} MiB is above its memory limit of {_settings.MemoryLimitBytes / 1048576} MiB " +
                   "(perfcluster.worker.memory-limit); the load from then on is below the plan";
        _log.Warning(text);
        _coordinator.Tell(new WorkerNote(_assign.RunId, _node, text));
        SpawnDueUsers();
    }

    private IActorRef Group(int block)
    {
        if (!_groups.TryGetValue(block, out var group))
        {
            group = Context.ActorOf(UserGroup.Props(_context, block), $"users-{block}");
            _groups[block] = group;
        }
        return group;
    }

    private void NoteActiveUsers()
    {
        var live = _context.LiveUsers;
        _peakUsers = Math.Max(_peakUsers, live);
        _usersSinceFlush = Math.Max(_usersSinceFlush, live);
    }

    /// <summary>
    /// Applies a re-split: users whose index left the share stop after their current request; indices
    /// that joined it start now if their ramp offset has passed, else when it comes.
    /// </summary>
    private void Reshare(UserShare share, string reason)
    {
        if (_loadOver) return;
        _log.Info("Run {RunId}: share {From}..{To} → {NewFrom}..{NewTo} ({Reason})", _assign.RunId, _share.From, _share.To, share.From, share.To, reason);
        _share = share;
        _journey?.ShareChanged(share);
        if (_pacer is not null)
        {
            _pacer.Reshare(OpenFraction(share), share.Count);
            return;
        }
        var runTo = Level(share);
        if (runTo > share.From + MaxStartsPerTick) runTo = share.From + MaxStartsPerTick;
        _runTo = runTo;
        var range = new UserGroup.RunRange(share.From, runTo);
        var blocks = new SortedSet<int>(_groups.Keys);
        if (runTo > share.From)
            for (var block = UserGroup.BlockOf(share.From); block <= UserGroup.BlockOf(runTo - 1); block++) blocks.Add(block);
        foreach (var block in blocks) Group(block).Tell(range);
        NoteActiveUsers();
    }

    /// <summary>
    /// The run's coordinator is unreachable or gone. The share keeps going while a takeover may come (see
    /// <see cref="CoordinatorWatch"/>): its deltas are kept, unacknowledged, for the next coordinator.
    /// </summary>
    private void CoordinatorLost(string why)
    {
        if (_watch.Lost) return;
        _log.Warning("Run {RunId}: {Reason}; the share goes on while another coordinator may take the run over", _assign.RunId, why);
        _watch = _watch.CoordinatorLost(DateTimeOffset.UtcNow);
    }

    private void WatchCoordinator()
    {
        if (!_watch.Lost) return;
        var now = DateTimeOffset.UtcNow;
        var reachable = _coordinatorNodes.Count(a => a != _coordinator.Path.Address && !_unreachable.Contains(a));
        _watch = _watch.Reachable(reachable, now);
        if (_watch.Decide(now) != CoordinatorVerdict.Stop) return;
        var why = _watch.StopReason(now);
        if (_loadOver)
        {
            if (_finalSent && !_completed)
            {
                _log.Warning("Run {RunId}: {Reason}; {Unacknowledged} metric deltas were never acknowledged", _assign.RunId, why, _unacked.Count);
                _stoppedBecause ??= why;
                Complete();
            }
            return;
        }
        StopUnsupervised(why);
    }

    /// <summary>
    /// Another coordinator took the run over (the run manager singleton moved): deltas and completion go to it
    /// from now on, every delta it has not acknowledged is sent to it at once, and its split applies.
    /// </summary>
    private void TakenOver(AssignShare takeover)
    {
        if (takeover.Coordinator.Equals(_coordinator) && !_watch.Lost)
        {
            _log.Warning("Run {RunId} already has a share on this node; ignoring a second assignment", takeover.RunId);
            return;
        }
        _log.Info("Run {RunId}: taken over by {Coordinator}; resending {Unacknowledged} unacknowledged deltas", _assign.RunId, takeover.Coordinator.Path.Address, _unacked.Count);
        _aggregator = takeover.Aggregator;
        _coordinator = takeover.Coordinator;
        _watch = _watch.CoordinatorFound();
        var now = Stopwatch.GetTimestamp();
        foreach (var (seq, (delta, _)) in _unacked.ToList())
        {
            _unacked[seq] = (delta, now);
            _aggregator.Tell(delta, Self);
        }
        if (!_loadOver && takeover.Share != _share) Reshare(takeover.Share, "another coordinator took the run over");
    }

    /// <summary>A load generator must never run unsupervised: without its coordinator it stops.</summary>
    private void StopUnsupervised(string why)
    {
        if (_loadOver) return;
        _log.Warning("Run {RunId}: stopping the load because {Reason}", _assign.RunId, why);
        _stoppedBecause = why;
        _context.EndNow();
        EndLoad(_settings.InterruptGrace);
    }

    private void EndLoad(TimeSpan grace, bool naturalEnd = false)
    {
        if (_loadOver) return;
        _loadOver = true;
        Timers.Cancel(SpawnTick.Instance);
        Timers.Cancel(EndOfLoad.Instance);
        foreach (var group in _groups.Values) group.Tell(UserGroup.StopAll.Instance);
        if (_pacer is not null) _ = naturalEnd ? _pacer.FinishAsync() : _pacer.StopAsync();
        Timers.StartPeriodicTimer(DrainTick.Instance, DrainTick.Instance, TimeSpan.FromMilliseconds(20));
        Timers.StartSingleTimer(GraceOver.Instance, GraceOver.Instance, grace);
        CompleteIfDrained();
    }

    private void CompleteIfDrained()
    {
        if (!_loadOver || !LoadIdle || _finalSent) return;
        Timers.Cancel(DrainTick.Instance);
        Timers.Cancel(FlushTick.Instance);
        Timers.Cancel(GraceOver.Instance);
        Flush(final: true);
        _finalSent = true;
        if (_unacked.Count == 0) Complete();
        else Timers.StartSingleTimer(FinalAckTimeout.Instance, FinalAckTimeout.Instance, _settings.FinalAckTimeout);
    }

    private void Flush(bool final)
    {
        if (_finalSent) return;   // after the final delta only resends happen
        // A regular flush closes its own interval; the final one the interval it happens in.
        // Each flush closes the interval in progress (the final one also takes the drain after the
        // deadline); windows of the warm-up get negative seconds, and the aggregator keeps them apart.
        var interval = _flushes;
        _flushes++;
        int activeUsers;
        if (_pacer is not null) activeUsers = _pacer.TakePeakInFlight();
        else
        {
            activeUsers = Math.Max(_usersSinceFlush, _context.LiveUsers);
            _usersSinceFlush = _context.LiveUsers;
        }
        _peakUsers = Math.Max(_peakUsers, activeUsers);
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var (dropped, lag) = _recorder.TakeGeneratorHealth();
        var waits = _recorder.ConnectionWaits?.Invoke() ?? 0;
        var sample = new GeneratorSample((cpu - _lastCpu).TotalSeconds, Environment.WorkingSet, Environment.ProcessorCount, _recorder.TakeAbandoned())
        {
            DroppedIterations = dropped,
            SchedulingLag = lag,
            ConnectionWaits = waits - _connectionWaits,
            Resources = _resources.Take(),
        };
        _connectionWaits = waits;
        _lastCpu = cpu;
        var (timings, checks) = _recorder.FlushJourney();
        var (operations, exceptions) = _recorder.FlushModules();
        var delta = new MetricsDelta(_assign.RunId, _node, ++_seq, interval - _warmUpWindows, _recorder.Flush(), activeUsers, sample, final)
        {
            Timings = timings,
            Checks = checks,
            Pools = _recorder.FlushPools(),
            Operations = operations,
            Exceptions = exceptions,
        };
        _unacked[delta.Seq] = (delta, Stopwatch.GetTimestamp());
        if (!_watch.Lost) _aggregator.Tell(delta, Self);
        if (!final) ShedIfOverLimit(sample.WorkingSetBytes);
    }

    /// <summary>Flushes fire on the run's own second boundaries, so timer drift never shifts a window.</summary>
    private void ScheduleNextFlush()
    {
        var due = _settings.FlushInterval * (_flushes + 1) - Elapsed;
        Timers.StartSingleTimer(FlushTick.Instance, FlushTick.Instance, due > TimeSpan.Zero ? due : TimeSpan.Zero);
    }

    private void ResendUnacknowledged()
    {
        // Without a coordinator the deltas wait: they are all sent to the one that takes the run over.
        if (_watch.Lost) return;
        var now = Stopwatch.GetTimestamp();
        foreach (var (seq, (delta, sentAt)) in _unacked.ToList())
        {
            if (Stopwatch.GetElapsedTime(sentAt, now) < _settings.ResendAfter) continue;
            _unacked[seq] = (delta, now);
            _aggregator.Tell(delta, Self);
        }
    }

    private void Complete()
    {
        if (_completed) return;
        _completed = true;
        _coordinator.Tell(new ShareCompleted(_assign.RunId, _node, _seq, _peakUsers, _unacked.Count, _stoppedBecause));
        _drainRequester?.Tell(Drained.Instance);
        Context.Stop(Self);
    }
}

/// <summary>Timing knobs of a share, from <c>perfcluster.run</c> in HOCON, and the worker's memory limit.</summary>
public sealed record ExecutorSettings(
    TimeSpan FlushInterval,
    TimeSpan SpawnInterval,
    TimeSpan ResendAfter,
    TimeSpan FinalAckTimeout,
    TimeSpan InterruptGrace)
{
    /// <summary>With no coordinator-role node reachable, a share keeps its load this long (<c>perfcluster.worker.coordinator-loss-grace</c>).</summary>
    public TimeSpan CoordinatorLossGrace { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>While another coordinator-role node is reachable, a share waits this long for it to take the run over
    /// (<c>perfcluster.worker.coordinator-takeover-timeout</c>).</summary>
    public TimeSpan CoordinatorTakeoverTimeout { get; init; } = TimeSpan.FromSeconds(60);

    public static readonly ExecutorSettings Default = new(
        TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(10), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(3));

    /// <summary>The targets this worker sends load to, whoever assigns the share (<c>perfcluster.worker.allowed-targets</c>).</summary>
    public TargetAllowList AllowedTargets { get; init; } = TargetAllowList.ForWorker([]);

    /// <summary>Whether this worker runs shares with C# modules (<c>perfcluster.worker.allow-modules</c>, <c>--allow-modules</c>).</summary>
    public bool AllowModules { get; init; }

    /// <summary>Working set above which the share sheds users (<c>perfcluster.worker.memory-limit</c>); 0: never.</summary>
    public long MemoryLimitBytes { get; init; }

    /// <summary>Reads <c>memory-limit</c>: "auto" (90% of what the runtime may use), "off", or a size.</summary>
    public static long ParseMemoryLimit(string text) => text.Trim().ToLowerInvariant() switch
    {
        "auto" => (long)(GC.GetGCMemoryInfo().TotalAvailableMemoryBytes * 0.9),
        "off" or "0" or "" => 0,
        var size => ParseSize(size),
    };

    private static long ParseSize(string text) =>
        SizeText.TryParse(text) is > 0 and var bytes
            ? bytes
            : throw new FormatException($"perfcluster.worker.memory-limit must be auto, off or a size such as 2GB (got '{text}')");
}
