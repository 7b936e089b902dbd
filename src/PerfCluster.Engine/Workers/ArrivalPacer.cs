using System.Diagnostics;
using PerfCluster.Core.Profiles;
using PerfCluster.Core.Scenarios;
using PerfCluster.Engine.Drivers;
using PerfCluster.Engine.Steps;

namespace PerfCluster.Engine.Workers;

/// <summary>
/// The open model on one worker: a dedicated loop starts each iteration at its intended instant from
/// the global arrival schedule (this worker's fraction of it), on a free user of the share's pool. An
/// iteration with no free user is dropped and counted, never delayed; how late each start was is
/// recorded as scheduling lag; latency is measured from the intended start (coordinated omission
/// correction) and service time from the actual send.
/// </summary>
public sealed class ArrivalPacer
{
    private static readonly long SleepThreshold = Stopwatch.Frequency * 3 / 2000;   // sleep while more than 1.5 ms away

    private readonly OpenProfile _profile;
    private readonly IRequestDriver? _driver;
    private readonly JourneyRunner? _journey;
    /// <summary>Journeys: users free for the next arrival; a user that must stop is not put back.</summary>
    private readonly System.Collections.Concurrent.ConcurrentBag<JourneyUser> _idleUsers = new();
    private readonly int _firstIndex;
    private int _usersMade;
    private readonly MetricsRecorder _recorder;
    private readonly RequestMix _mix;
    private int _cursor;
    private readonly long _startTimestamp;
    private readonly TimeSpan _loadTime;
    private readonly CancellationToken _abandon;
    private readonly CancellationTokenSource _stop = new();
    private readonly object _gate = new();
    private Task _loop = Task.CompletedTask;
    private int _inFlight;
    private int _peakSinceFlush;
    private int _capacity;
    private double _fraction;
    private double? _pendingFraction;
    private long _dropped;
    private long _endTimestamp = long.MaxValue;

    /// <param name="journey">Journeys: runs each arrival as one flow iteration on a user of the pool (global indices from
    /// <paramref name="firstIndex"/>); null for a request mix, which <paramref name="driver"/> sends.</param>
    public ArrivalPacer(ScenarioDefinition scenario, IRequestDriver? driver, MetricsRecorder recorder, long startTimestamp,
        double fraction, int capacity, CancellationToken abandon, JourneyRunner? journey = null, int firstIndex = 0)
    {
        _journey = journey;
        _firstIndex = firstIndex;
        _loadTime = scenario.WarmUp + scenario.Load.Duration;
        _profile = new OpenProfile(scenario.Open!, _loadTime);
        _driver = driver;
        _recorder = recorder;
        _mix = new RequestMix(scenario.Endpoints, scenario.Distribution);
        _startTimestamp = startTimestamp;
        _fraction = fraction;
        _capacity = capacity;
        _abandon = abandon;
    }

    public int InFlight => Volatile.Read(ref _inFlight);
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Most iterations in flight at once since the last call: the "active users" of a window.</summary>
    public int TakePeakInFlight() => Math.Max(Interlocked.Exchange(ref _peakSinceFlush, InFlight), InFlight);

    public void Start() =>
        _loop = Task.Factory.StartNew(Run, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    /// <summary>A re-split: from now on this worker runs <paramref name="fraction"/> of the rate with <paramref name="capacity"/> users.</summary>
    public void Reshare(double fraction, int capacity)
    {
        lock (_gate)
        {
            _pendingFraction = fraction;
            _capacity = capacity;
        }
    }

    /// <summary>False once the loop has started (or dropped) every iteration it will.</summary>
    public bool Running => !_loop.IsCompleted;

    /// <summary>
    /// An interruption: no new iteration starts after this; iterations in flight go on.
    /// </summary>
    public Task StopAsync()
    {
        _stop.Cancel();
        return _loop;
    }

    /// <summary>
    /// The natural end of the load: iterations due before now still start (late, with their lag
    /// recorded) when the loop fell behind, so a busy machine never loses planned iterations silently.
    /// </summary>
    public Task FinishAsync()
    {
        // A timer can fire a little early: the plan's own end is never cut short.
        var end = Math.Max(Stopwatch.GetTimestamp(), _startTimestamp + (long)(_loadTime.TotalSeconds * Stopwatch.Frequency));
        Interlocked.CompareExchange(ref _endTimestamp, end, long.MaxValue);
        return _loop;
    }

    private void Run()
    {
        var started = 0L;
        var since = TimeSpan.Zero;
        var curve = 0.0;
        var stop = _stop.Token;
        while (!stop.IsCancellationRequested)
        {
            lock (_gate)
            {
                if (_pendingFraction is { } f)
                {
                    var now = Stopwatch.GetElapsedTime(_startTimestamp);
                    curve = _profile.CurveAt(now, _fraction, since, curve);
                    since = now;
                    _fraction = f;
                    _pendingFraction = null;
                }
            }
            if (_profile.NextArrival(started, _fraction, since, curve) is not { } next) return;
            var due = _startTimestamp + (long)(next.TotalSeconds * Stopwatch.Frequency);
            if (!WaitUntil(due, stop)) return;
            lock (_gate)
            {
                // A re-split that arrived while waiting changes the schedule: recompute before starting.
                if (_pendingFraction is not null) continue;
            }
            started++;
            _recorder.RecordSchedulingLag(due, Stopwatch.GetTimestamp());
            if (Interlocked.Increment(ref _inFlight) > Volatile.Read(ref _capacity))
            {
                Interlocked.Decrement(ref _inFlight);
                Interlocked.Increment(ref _dropped);
                _recorder.RecordDropped();
                continue;
            }
            var inFlight = Volatile.Read(ref _inFlight);
            int peak;
            while ((peak = Volatile.Read(ref _peakSinceFlush)) < inFlight && Interlocked.CompareExchange(ref _peakSinceFlush, inFlight, peak) != peak) { }
            _ = IterateAsync(_mix.Next(Random.Shared, ref _cursor), due);
        }
    }

    private async Task IterateAsync(int endpoint, long intendedStart)
    {
        try
        {
            if (_journey is not null)
            {
                if (!_idleUsers.TryTake(out var user)) user = _journey.NewUser(_firstIndex + Interlocked.Increment(ref _usersMade) - 1);
                if (await _journey.IterateAsync(user, intendedStart, _abandon).ConfigureAwait(false)) _idleUsers.Add(user);
            }
            else await _driver!.ExecuteAsync(endpoint, intendedStart, _abandon).ConfigureAwait(false);
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }

    /// <summary>Sleeps while the instant is far, yields the last 1.5 ms. False when stopped or finished first.</summary>
    private bool WaitUntil(long due, CancellationToken stop)
    {
        while (true)
        {
            if (stop.IsCancellationRequested || due > Interlocked.Read(ref _endTimestamp)) return false;
            var left = due - Stopwatch.GetTimestamp();
            if (left <= 0) return true;
            if (left > SleepThreshold) Thread.Sleep(1);
            else Thread.Yield();
        }
    }
}
