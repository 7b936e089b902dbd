using Akka.Actor;
using PerfCluster.Core.Profiles;

namespace PerfCluster.Engine.Workers;

/// <summary>
/// One closed-model user: pick an endpoint, send, wait for the answer, think, repeat until the share's
/// deadline. It stops itself when the run is over; a Stop while a request is in flight lets that
/// request finish (the executor's graceful-stop period bounds the wait).
/// </summary>
public sealed class VirtualUser : UntypedActor, IWithTimers
{
    public sealed class Stop
    {
        public static readonly Stop Instance = new();
        private Stop() { }
    }

    private sealed class Iterate
    {
        public static readonly Iterate Instance = new();
        private Iterate() { }
    }

    private readonly ShareContext _share;
    private readonly RequestMix _mix;
    private readonly Random _random;
    private bool _inFlight;
    private bool _stopping;

    public VirtualUser(ShareContext share, int globalIndex)
    {
        _share = share;
        _random = new Random(HashCode.Combine(globalIndex, Environment.TickCount));
        _mix = new RequestMix(share.Scenario.Endpoints, share.Scenario.Distribution, _random, globalIndex);
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(ShareContext share, int globalIndex) =>
        Akka.Actor.Props.Create<VirtualUser>(share, globalIndex);

    protected override void PreStart() => Self.Tell(Iterate.Instance);

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case Iterate:
                if (_stopping || _share.IsOver)
                {
                    Context.Stop(Self);
                    return;
                }
                _inFlight = true;
                _share.Driver.ExecuteAsync(_mix.Next(), _share.Abandon).PipeTo(Self,
                    failure: ex => new Status.Failure(ex));
                break;
            case bool completed:
                _inFlight = false;
                if (!completed || _stopping || _share.IsOver)
                {
                    Context.Stop(Self);
                    return;
                }
                var think = _share.Scenario.Load.Think.Sample(_random);
                if (think > TimeSpan.Zero) Timers.StartSingleTimer(Iterate.Instance, Iterate.Instance, think);
                else Self.Tell(Iterate.Instance);
                break;
            case Stop:
                _stopping = true;
                if (!_inFlight) Context.Stop(Self);
                break;
            case Status.Failure:
                // ExecuteAsync records its own failures; reaching here means the driver itself broke.
                _inFlight = false;
                Context.Stop(Self);
                break;
            default:
                Unhandled(message);
                break;
        }
    }
}
