using System.Diagnostics;
using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using PerfCluster.Core.Coordination;
using PerfCluster.Core.Metrics;
using PerfCluster.Core.Profiles;
using PerfCluster.Engine.Coordination;
using PerfCluster.Engine.Drivers;
using static PerfCluster.Engine.Coordination.RunProtocol;

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

    /// <summary>From the worker agent on shutdown: hand the share back, then stop; the reply is <see cref="Drained"/>.</summary>
    public sealed class Drain { public static readonly Drain Instance = new(); }
    public sealed class Drained { public static readonly Drained Instance = new(); }

    private readonly AssignShare _assign;
    private readonly string _node;
    private readonly ExecutorSettings _settings;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly ClosedProfile _profile;
    private readonly MetricsRecorder _recorder;
    private readonly IRequestDriver _driver;
    private readonly CancellationTokenSource _abandon = new();
    private readonly ShareContext _context;
    private readonly long _startTimestamp;
    private readonly SortedDictionary<long, (MetricsDelta Delta, long SentAt)> _unacked = new();
    private readonly Dictionary<IActorRef, int> _users = new();
    private readonly Dictionary<int, IActorRef> _userAt = new();
    /// <summary>Global user indices of this share that have not been started yet, in start order.</summary>
    private readonly SortedSet<int> _pending = new();
    private readonly Cluster _cluster = Cluster.Get(Context.System);
    private UserShare _share;
    private string? _stoppedBecause;
    private IActorRef? _drainRequester;
    private TimeSpan _lastCpu = Process.GetCurrentProcess().TotalProcessorTime;
    private long _seq;
    /// <summary>Flushes done so far; flush k closes interval k-1, i.e. [k-1, k) seconds after the start.</summary>
    private long _flushes;
    /// <summary>Most users alive at once since the last flush: what the window reports as active.</summary>
    private int _usersSinceFlush;
    private int _peakUsers;
    private bool _loadOver;
    private bool _finalSent;
    private bool _completed;
    private long _spawned;

    public RunExecutor(AssignShare assign, string node, ExecutorSettings settings)
    {
        _assign = assign;
        _node = node;
        _settings = settings;
        var scenario = assign.Scenario;
        _profile = ClosedProfile.From(scenario.Load);
        _recorder = new MetricsRecorder(scenario.Endpoints.Select(e => e.Name).ToList());
        _driver = RequestDrivers.Create(scenario, _recorder, Math.Max(1, assign.Share.Count));
        var untilStart = assign.StartAt - DateTimeOffset.UtcNow;
        _startTimestamp = Stopwatch.GetTimestamp() + (long)(untilStart.TotalSeconds * Stopwatch.Frequency);
        var deadline = _startTimestamp + (long)(scenario.Load.Duration.TotalSeconds * Stopwatch.Frequency);
        _context = new ShareContext(scenario, _driver, deadline, _abandon.Token);
        _share = assign.Share;
        for (var i = assign.Share.From; i < assign.Share.To; i++) _pending.Add(i);
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(AssignShare assign, string node, ExecutorSettings settings) =>
        Akka.Actor.Props.Create(() => new RunExecutor(assign, node, settings));

    private TimeSpan Elapsed => Stopwatch.GetElapsedTime(_startTimestamp);

    protected override void PreStart()
    {
        var untilStart = _assign.StartAt - DateTimeOffset.UtcNow;
        Timers.StartSingleTimer(Begin.Instance, Begin.Instance, untilStart > TimeSpan.Zero ? untilStart : TimeSpan.Zero);
        if (!IsLocal(_assign.Coordinator))
            _cluster.Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents,
                typeof(ClusterEvent.UnreachableMember), typeof(ClusterEvent.MemberRemoved));
        _log.Info("Share {0}..{1} of run {2} starts in {3}", _assign.Share.From, _assign.Share.To, _assign.RunId, untilStart);
    }

    private static bool IsLocal(IActorRef actor) => actor.Path.Address.HasLocalScope;

    protected override void PostStop()
    {
        _cluster.Unsubscribe(Self);
        _abandon.Cancel();
        _driver.Dispose();
        _abandon.Dispose();
    }

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case Begin:
                Timers.StartPeriodicTimer(SpawnTick.Instance, SpawnTick.Instance, TimeSpan.Zero, _settings.SpawnInterval);
                // A worker that joins a run already going starts at the current interval, not at zero.
                _flushes = Math.Max(0, (long)Math.Floor(Elapsed / _settings.FlushInterval));
                ScheduleNextFlush();
                Timers.StartPeriodicTimer(ResendTick.Instance, ResendTick.Instance, _settings.FlushInterval, _settings.FlushInterval);
                var untilEnd = _assign.Scenario.Load.Duration - Elapsed;
                Timers.StartSingleTimer(EndOfLoad.Instance, EndOfLoad.Instance, untilEnd > TimeSpan.Zero ? untilEnd : TimeSpan.Zero);
                SpawnDueUsers();
                break;
            case SpawnTick:
                SpawnDueUsers();
                break;
            case FlushTick:
                Flush(final: false);
                ScheduleNextFlush();
                break;
            case ResendTick:
                ResendUnacknowledged();
                break;
            case EndOfLoad:
                EndLoad(_assign.Scenario.Load.GracefulStop);
                break;
            case StopShare stop:
                _log.Info("Share of run {0} stopped: {1}", stop.RunId, stop.Reason);
                _context.EndNow();
                EndLoad(_settings.InterruptGrace < _assign.Scenario.Load.GracefulStop ? _settings.InterruptGrace : _assign.Scenario.Load.GracefulStop);
                break;
            case UpdateShare update:
                Reshare(update.Share, update.Reason);
                break;
            case ClusterEvent.UnreachableMember u when u.Member.Address == _assign.Coordinator.Path.Address:
                StopUnsupervised($"the coordinator {u.Member.Address} became unreachable");
                break;
            case ClusterEvent.MemberRemoved r when r.Member.Address == _assign.Coordinator.Path.Address:
                StopUnsupervised($"the coordinator {r.Member.Address} left the cluster");
                break;
            case ClusterEvent.IMemberEvent or ClusterEvent.IReachabilityEvent:
                break;
            case Drain:
                _drainRequester = Sender;
                if (_loadOver)
                {
                    if (_completed) Sender.Tell(Drained.Instance);
                    return;
                }
                _assign.Coordinator.Tell(new ReleaseShare(_assign.RunId, _node));
                Timers.StartSingleTimer(ReleaseTimeout.Instance, ReleaseTimeout.Instance, _settings.InterruptGrace);
                break;
            case ShareReleased or ReleaseTimeout:
                Timers.Cancel(ReleaseTimeout.Instance);
                _stoppedBecause ??= message is ShareReleased ? null : "the coordinator did not take the share back in time";
                _context.EndNow();
                EndLoad(_settings.InterruptGrace < _assign.Scenario.Load.GracefulStop ? _settings.InterruptGrace : _assign.Scenario.Load.GracefulStop);
                break;
            case GraceOver:
                if (_users.Count > 0)
                {
                    _log.Warning("Graceful stop over: abandoning {0} in-flight requests of run {1}", _users.Count, _assign.RunId);
                    _abandon.Cancel();
                }
                break;
            case Terminated t:
                if (_users.Remove(t.ActorRef, out var index) && _userAt.TryGetValue(index, out var current) && current.Equals(t.ActorRef))
                    _userAt.Remove(index);
                CompleteIfDrained();
                break;
            case MetricsAck ack:
                _unacked.Remove(ack.Seq);
                if (_finalSent && _unacked.Count == 0) Complete();
                break;
            case FinalAckTimeout:
                _log.Warning("Run {0}: {1} metric deltas never acknowledged", _assign.RunId, _unacked.Count);
                Complete();
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    private void SpawnDueUsers()
    {
        if (_loadOver) return;
        var elapsed = Elapsed;
        while (_pending.Count > 0 && _profile.StartOffsetOf(_pending.Min) <= elapsed)
        {
            var index = _pending.Min;
            _pending.Remove(index);
            if (_userAt.ContainsKey(index)) continue;   // still stopping after a re-split moved it away and back
            var user = Context.ActorOf(VirtualUser.Props(_context, index), $"vu-{index}-{_spawned++}");
            Context.Watch(user);
            _users[user] = index;
            _userAt[index] = user;
        }
        _peakUsers = Math.Max(_peakUsers, _users.Count);
        _usersSinceFlush = Math.Max(_usersSinceFlush, _users.Count);
        if (_pending.Count == 0) Timers.Cancel(SpawnTick.Instance);
    }

    /// <summary>
    /// Applies a re-split: users whose index left the share stop after their current request; indices
    /// that joined it start now if their ramp offset has passed, else when it comes.
    /// </summary>
    private void Reshare(UserShare share, string reason)
    {
        if (_loadOver) return;
        _log.Info("Run {0}: share {1}..{2} → {3}..{4} ({5})", _assign.RunId, _share.From, _share.To, share.From, share.To, reason);
        _share = share;
        foreach (var (index, user) in _userAt.Where(kv => kv.Key < share.From || kv.Key >= share.To).ToList())
        {
            user.Tell(VirtualUser.Stop.Instance);
            _userAt.Remove(index);
        }
        _pending.Clear();
        for (var i = share.From; i < share.To; i++)
            if (!_userAt.ContainsKey(i)) _pending.Add(i);
        Timers.StartPeriodicTimer(SpawnTick.Instance, SpawnTick.Instance, TimeSpan.Zero, _settings.SpawnInterval);
        SpawnDueUsers();
    }

    /// <summary>A load generator must never run unsupervised: without its coordinator it stops.</summary>
    private void StopUnsupervised(string why)
    {
        if (_loadOver) return;
        _log.Warning("Run {0}: stopping the load because {1}", _assign.RunId, why);
        _stoppedBecause = why;
        _context.EndNow();
        EndLoad(_settings.InterruptGrace);
    }

    private void EndLoad(TimeSpan grace)
    {
        if (_loadOver) return;
        _loadOver = true;
        Timers.Cancel(SpawnTick.Instance);
        Timers.Cancel(EndOfLoad.Instance);
        _pending.Clear();
        foreach (var user in _users.Keys) user.Tell(VirtualUser.Stop.Instance);
        Timers.StartSingleTimer(GraceOver.Instance, GraceOver.Instance, grace);
        CompleteIfDrained();
    }

    private void CompleteIfDrained()
    {
        if (!_loadOver || _users.Count > 0 || _finalSent) return;
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
        var second = final ? Math.Max(_flushes, (long)Math.Floor(Elapsed / _settings.FlushInterval)) : _flushes;
        _flushes++;
        var activeUsers = Math.Max(_usersSinceFlush, _users.Count);
        _usersSinceFlush = _users.Count;
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var sample = new GeneratorSample((cpu - _lastCpu).TotalSeconds, Environment.WorkingSet, Environment.ProcessorCount, _recorder.TakeAbandoned());
        _lastCpu = cpu;
        var delta = new MetricsDelta(_assign.RunId, _node, ++_seq, Math.Max(0, second), _recorder.Flush(), activeUsers, sample, final);
        _unacked[delta.Seq] = (delta, Stopwatch.GetTimestamp());
        _assign.Aggregator.Tell(delta, Self);
    }

    /// <summary>Flushes fire on the run's own second boundaries, so timer drift never shifts a window.</summary>
    private void ScheduleNextFlush()
    {
        var due = _settings.FlushInterval * (_flushes + 1) - Elapsed;
        Timers.StartSingleTimer(FlushTick.Instance, FlushTick.Instance, due > TimeSpan.Zero ? due : TimeSpan.Zero);
    }

    private void ResendUnacknowledged()
    {
        var now = Stopwatch.GetTimestamp();
        foreach (var (seq, (delta, sentAt)) in _unacked.ToList())
        {
            if (Stopwatch.GetElapsedTime(sentAt, now) < _settings.ResendAfter) continue;
            _unacked[seq] = (delta, now);
            _assign.Aggregator.Tell(delta, Self);
        }
    }

    private void Complete()
    {
        if (_completed) return;
        _completed = true;
        _assign.Coordinator.Tell(new ShareCompleted(_assign.RunId, _node, _seq, _peakUsers, _unacked.Count, _stoppedBecause));
        _drainRequester?.Tell(Drained.Instance);
        Context.Stop(Self);
    }
}

/// <summary>Timing knobs of a share, from <c>perfcluster.run</c> in HOCON.</summary>
public sealed record ExecutorSettings(
    TimeSpan FlushInterval,
    TimeSpan SpawnInterval,
    TimeSpan ResendAfter,
    TimeSpan FinalAckTimeout,
    TimeSpan InterruptGrace)
{
    public static readonly ExecutorSettings Default = new(
        TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(10), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(3));
}
