using System.Diagnostics;
using Akka.Actor;
using Akka.Event;
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
    private sealed class EndOfLoad { public static readonly EndOfLoad Instance = new(); }
    private sealed class GraceOver { public static readonly GraceOver Instance = new(); }
    private sealed class FinalAckTimeout { public static readonly FinalAckTimeout Instance = new(); }

    private readonly AssignShare _assign;
    private readonly string _node;
    private readonly ExecutorSettings _settings;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly ClosedProfile _profile;
    private readonly MetricsRecorder _recorder;
    private readonly HttpDriver _driver;
    private readonly CancellationTokenSource _abandon = new();
    private readonly ShareContext _context;
    private readonly long _startTimestamp;
    private readonly SortedDictionary<long, (MetricsDelta Delta, long SentAt)> _unacked = new();
    private readonly HashSet<IActorRef> _users = new();
    private TimeSpan _lastCpu = Process.GetCurrentProcess().TotalProcessorTime;
    private int _nextUser;
    private long _seq;
    private long _lastSecond = -1;
    private int _peakUsers;
    private bool _loadOver;
    private bool _finalSent;

    public RunExecutor(AssignShare assign, string node, ExecutorSettings settings)
    {
        _assign = assign;
        _node = node;
        _settings = settings;
        var scenario = assign.Scenario;
        _profile = ClosedProfile.From(scenario.Load);
        _recorder = new MetricsRecorder(scenario.Endpoints.Select(e => e.Name).ToList());
        _driver = new HttpDriver(scenario, _recorder, Math.Max(1, assign.Share.Count));
        var untilStart = assign.StartAt - DateTimeOffset.UtcNow;
        _startTimestamp = Stopwatch.GetTimestamp() + (long)(untilStart.TotalSeconds * Stopwatch.Frequency);
        var deadline = _startTimestamp + (long)(scenario.Load.Duration.TotalSeconds * Stopwatch.Frequency);
        _context = new ShareContext(scenario, _driver, deadline, _abandon.Token);
        _nextUser = assign.Share.From;
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(AssignShare assign, string node, ExecutorSettings settings) =>
        Akka.Actor.Props.Create(() => new RunExecutor(assign, node, settings));

    private TimeSpan Elapsed => Stopwatch.GetElapsedTime(_startTimestamp);

    protected override void PreStart()
    {
        var untilStart = _assign.StartAt - DateTimeOffset.UtcNow;
        Timers.StartSingleTimer(Begin.Instance, Begin.Instance, untilStart > TimeSpan.Zero ? untilStart : TimeSpan.Zero);
        _log.Info("Share {0}..{1} of run {2} starts in {3}", _assign.Share.From, _assign.Share.To, _assign.RunId, untilStart);
    }

    protected override void PostStop()
    {
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
                Timers.StartPeriodicTimer(FlushTick.Instance, FlushTick.Instance, _settings.FlushInterval, _settings.FlushInterval);
                Timers.StartSingleTimer(EndOfLoad.Instance, EndOfLoad.Instance, _assign.Scenario.Load.Duration);
                SpawnDueUsers();
                break;
            case SpawnTick:
                SpawnDueUsers();
                break;
            case FlushTick:
                Flush(final: false);
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
            case GraceOver:
                if (_users.Count > 0)
                {
                    _log.Warning("Graceful stop over: abandoning {0} in-flight requests of run {1}", _users.Count, _assign.RunId);
                    _abandon.Cancel();
                }
                break;
            case Terminated t:
                _users.Remove(t.ActorRef);
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
        while (_nextUser < _assign.Share.To && _profile.StartOffsetOf(_nextUser) <= elapsed)
        {
            var user = Context.ActorOf(VirtualUser.Props(_context, _nextUser), $"vu-{_nextUser}");
            Context.Watch(user);
            _users.Add(user);
            _nextUser++;
        }
        _peakUsers = Math.Max(_peakUsers, _users.Count);
        if (_nextUser >= _assign.Share.To) Timers.Cancel(SpawnTick.Instance);
    }

    private void EndLoad(TimeSpan grace)
    {
        if (_loadOver) return;
        _loadOver = true;
        Timers.Cancel(SpawnTick.Instance);
        Timers.Cancel(EndOfLoad.Instance);
        foreach (var user in _users) user.Tell(VirtualUser.Stop.Instance);
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
        else
        {
            Timers.StartPeriodicTimer(FlushTick.Instance, FlushTick.Instance, _settings.FlushInterval);
            Timers.StartSingleTimer(FinalAckTimeout.Instance, FinalAckTimeout.Instance, _settings.FinalAckTimeout);
        }
    }

    private void Flush(bool final)
    {
        if (_finalSent) return;   // after the final delta only resends happen
        var elapsed = Elapsed.TotalSeconds;
        var second = final
            ? Math.Max(_lastSecond + 1, (long)Math.Floor(elapsed))
            : Math.Max(_lastSecond + 1, (long)Math.Round(elapsed) - 1);
        _lastSecond = second;
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var sample = new GeneratorSample((cpu - _lastCpu).TotalSeconds, Environment.WorkingSet, Environment.ProcessorCount, _recorder.TakeAbandoned());
        _lastCpu = cpu;
        var delta = new MetricsDelta(_assign.RunId, _node, ++_seq, Math.Max(0, second), _recorder.Flush(), _users.Count, sample, final);
        _unacked[delta.Seq] = (delta, Stopwatch.GetTimestamp());
        _assign.Aggregator.Tell(delta, Self);
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
        _assign.Coordinator.Tell(new ShareCompleted(_assign.RunId, _node, _seq, _peakUsers, _unacked.Count));
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
