using Akka.Actor;
using Akka.Event;
using PerfCluster.Core.Profiles;

namespace PerfCluster.Engine.Workers;

/// <summary>
/// One closed-model user: pick an endpoint, send, wait for the answer, think, repeat until the share's
/// deadline. The actor owns the user's life (start, stop, supervision); the iterations themselves run
/// as one async loop outside the mailbox, so a request costs no actor message. A Stop lets the request
/// in flight finish (the executor's graceful-stop period bounds that) and cuts a think pause short.
/// </summary>
public sealed class VirtualUser : UntypedActor
{
    public sealed class Stop
    {
        public static readonly Stop Instance = new();
        private Stop() { }
    }

    private sealed class LoopEnded
    {
        public static readonly LoopEnded Instance = new();
        private LoopEnded() { }
    }

    private readonly ShareContext _share;
    private readonly RequestMix _mix;
    private readonly Random _random;
    private readonly CancellationTokenSource _stop = new();

    public VirtualUser(ShareContext share, int globalIndex)
    {
        _share = share;
        _random = new Random(HashCode.Combine(globalIndex, Environment.TickCount));
        _mix = new RequestMix(share.Scenario.Endpoints, share.Scenario.Distribution, _random, globalIndex);
    }

    public static Props Props(ShareContext share, int globalIndex) =>
        Akka.Actor.Props.Create<VirtualUser>(share, globalIndex);

    protected override void PreStart()
    {
        var self = Self;
        var log = Context.GetLogger();
        RunAsync().ContinueWith(t =>
        {
            if (t.Exception is { } e) log.Error(e.GetBaseException(), "A virtual user's loop failed");
            self.Tell(LoopEnded.Instance);
        }, TaskScheduler.Default);
    }

    // Stopped by its parent (a forced stop): the loop ends at its next step; the executor's abandon
    // token cuts off a request still in flight.
    protected override void PostStop() => _stop.Cancel();

    private async Task RunAsync()
    {
        await Task.Yield();   // off the actor's thread: the loop never touches actor state
        var stop = _stop.Token;
        while (!stop.IsCancellationRequested && !_share.IsOver)
        {
            if (!await _share.Driver.ExecuteAsync(_mix.Next(), null, _share.Abandon).ConfigureAwait(false)) return;
            var think = _share.Scenario.Load.Think.Sample(_random);
            if (think <= TimeSpan.Zero) continue;
            try
            {
                await Task.Delay(think, stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case Stop:
                _stop.Cancel();
                break;
            case LoopEnded:
                Context.Stop(Self);
                break;
            default:
                Unhandled(message);
                break;
        }
    }
}
