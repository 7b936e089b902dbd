using System.Diagnostics;
using PerfCluster.Engine.Steps;

namespace PerfCluster.Engine.Workers;

/// <summary>
/// One closed-model user: pick an endpoint, send, wait for the answer, think, repeat until its group
/// stops it or the share's deadline passes. A user is a plain object with one async loop, not an actor:
/// its <see cref="UserGroup"/> actor owns its life. An actor per user costs ~3 KB; this costs a few
/// hundred bytes, which is what lets one worker hold a million idle users.
/// </summary>
internal sealed class VirtualUser
{
    private const int Running = 0, Stopping = 1, Ended = 2;

    /// <summary>
    /// The longest a user keeps its thread while its iterations complete without ever waiting (a CPU-bound module, an
    /// in-process cache): past it the loop yields, so the share's timers, the flushes and the other users get a thread.
    /// </summary>
    private static readonly long YieldAfter = Stopwatch.Frequency / 500;

    private readonly ShareControl _share;
    private readonly WakeSignal _wake;
    private readonly int _index;
    private int _cursor;
    private int _state;
    /// <summary>Journeys: the user's variables, cookies and rows, made at its first iteration.</summary>
    private JourneyUser? _journeyUser;

    public VirtualUser(ShareControl share, WakeSignal wake, int globalIndex)
    {
        _share = share;
        _wake = wake;
        _index = globalIndex;
        _cursor = share.Mix.StartCursor(globalIndex);
    }

    /// <summary>Counts the user as live at once (so a drain never misses it) and starts its loop.</summary>
    public void Start()
    {
        _share.UserStarted();
        _ = RunAsync();
    }

    /// <summary>Asks the user to stop after its current request; a think pause ends when the group wakes its users.</summary>
    public bool RequestStop() => Interlocked.CompareExchange(ref _state, Stopping, Running) == Running;

    /// <summary>Takes back a stop that has not yet ended the loop; false once the loop is over.</summary>
    public bool TryResume() => Interlocked.CompareExchange(ref _state, Running, Stopping) != Ended;

    private async Task RunAsync()
    {
        try
        {
            await Task.Yield();   // off the group's thread
            var since = Stopwatch.GetTimestamp();
            while (ShouldContinue())
            {
                if (_share.Journey is { } journey)
                {
                    _journeyUser ??= journey.NewUser(_index);
                    var iteration = journey.IterateAsync(_journeyUser, null, _share.Abandon);
                    if (iteration.IsCompleted)
                    {
                        if (!iteration.Result) break;
                        if (Stopwatch.GetTimestamp() - since > YieldAfter)
                        {
                            await Task.Yield();
                            since = Stopwatch.GetTimestamp();
                        }
                    }
                    else
                    {
                        if (!await iteration.ConfigureAwait(false)) break;
                        since = Stopwatch.GetTimestamp();
                    }
                }
                else
                {
                    var endpoint = _share.Mix.Next(Random.Shared, ref _cursor);
                    if (!await _share.Driver!.ExecuteAsync(endpoint, null, _share.Abandon).ConfigureAwait(false)) break;
                }
                await ThinkAsync(_share.Scenario.Load.Think.Sample(Random.Shared)).ConfigureAwait(false);
            }
        }
        catch (Exception e)
        {
            _share.ReportFailure(e);
        }
        finally
        {
            Volatile.Write(ref _state, Ended);
            _share.UserEnded();
        }
    }

    /// <summary>
    /// Leaves the loop only when the share is over or a stop is still standing: a stop taken back by
    /// <see cref="TryResume"/> before the loop looked keeps the user running.
    /// </summary>
    private bool ShouldContinue()
    {
        if (_share.IsOver) return false;
        return Volatile.Read(ref _state) == Running
            || Interlocked.CompareExchange(ref _state, Ended, Stopping) != Stopping;
    }

    /// <summary>
    /// Sleeps until the think time is over. The group's wake signal cuts every pause of the group short
    /// (a stop or the end of the share); a user that is still wanted goes back to sleep for the rest.
    /// Cancellation is awaited without an exception: a million users waking at once must stay cheap.
    /// </summary>
    private async Task ThinkAsync(TimeSpan think)
    {
        if (think <= TimeSpan.Zero) return;
        var wakeAt = Stopwatch.GetTimestamp() + (long)(think.TotalSeconds * Stopwatch.Frequency);
        while (Volatile.Read(ref _state) == Running && !_share.IsOver)
        {
            var left = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), wakeAt);
            if (left <= TimeSpan.Zero) return;
            await Task.Delay(left, _wake.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }
}

/// <summary>
/// Wakes every sleeping user of a group at once: cancelling the current token ends their pauses, and
/// a fresh token serves the next ones. The old source is cancelled off the caller's thread, since its
/// callbacks resume the users' loops.
/// </summary>
internal sealed class WakeSignal
{
    private CancellationTokenSource _source = new();

    public CancellationToken Token => Volatile.Read(ref _source).Token;

    public void Wake()
    {
        var old = Interlocked.Exchange(ref _source, new CancellationTokenSource());
        ThreadPool.UnsafeQueueUserWorkItem(static s => s.Cancel(), old, preferLocal: false);
    }
}
