using System.Diagnostics;
using Akka.Actor;
using PerfCluster.Core.Metrics;
using PerfCluster.Core.Scenarios;
using PerfCluster.Engine.Alerts;
using static PerfCluster.Engine.Coordination.RunProtocol;

namespace PerfCluster.Engine.Metrics;

/// <summary>
/// One per run, on the coordinator: acknowledges and merges every worker's deltas (duplicates are
/// acknowledged but merged once), closes settled 1-second windows and streams progress to the run's
/// listener once a second. The merging itself is <see cref="WindowAggregator"/>; every closed window
/// also goes to the run's <see cref="AlertMonitor"/>, which adds its findings to the final statistics.
/// </summary>
public sealed class MetricsAggregator : UntypedActor, IWithTimers
{
    private sealed class PublishTick { public static readonly PublishTick Instance = new(); }

    private readonly string _runId;
    private readonly ScenarioDefinition _scenario;
    private readonly IActorRef _listener;
    private readonly WindowAggregator _windows;
    private readonly long _startTimestamp;
    private readonly Dictionary<string, int> _activeUsers = new();
    private readonly IActorRef _monitor;

    public MetricsAggregator(string runId, ScenarioDefinition scenario, IActorRef listener, DateTimeOffset startAt, int lateness)
    {
        _runId = runId;
        _scenario = scenario;
        _listener = listener;
        _windows = new WindowAggregator(scenario.Name, scenario.Endpoints.Select(e => e.Name), lateness);
        _startTimestamp = Stopwatch.GetTimestamp() + (long)((startAt - DateTimeOffset.UtcNow).TotalSeconds * Stopwatch.Frequency);
        _monitor = Context.ActorOf(AlertMonitor.Props(runId, scenario, listener, Context.Parent, startAt), "alerts");
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(string runId, ScenarioDefinition scenario, IActorRef listener, DateTimeOffset startAt, int lateness) =>
        Akka.Actor.Props.Create(() => new MetricsAggregator(runId, scenario, listener, startAt, lateness)).WithDispatcher(ActorNames.ControlDispatcher);

    protected override void PreStart() =>
        Timers.StartPeriodicTimer(PublishTick.Instance, PublishTick.Instance, TimeSpan.FromSeconds(1));

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case MetricsDelta delta:
                if (_windows.Accept(delta)) _activeUsers[delta.Node] = delta.Final ? 0 : delta.ActiveUsers;
                Sender.Tell(new MetricsAck(delta.RunId, delta.Node, delta.Seq));
                break;
            case PublishTick:
                var closed = _windows.CloseSettledWindows();
                foreach (var window in closed) _monitor.Tell(new AlertMonitor.Window(window, _windows.DroppedIterations));
                var elapsed = Stopwatch.GetElapsedTime(_startTimestamp);
                if (elapsed < TimeSpan.Zero) return;
                _listener.Tell(new RunProgress(_runId, _scenario.Name, elapsed, _scenario.LoadTime,
                    _activeUsers.Values.Sum(), closed.Count > 0 ? closed[^1] : null, _windows.Totals(null, elapsed))
                {
                    DroppedIterations = _windows.DroppedIterations,
                });
                break;
            case NodeLost lost:
                var last = _windows.LastFrom(lost.Node);
                _activeUsers.Remove(lost.Node);
                Sender.Tell(new NodeLossEstimate(lost.Node, last?.Seq ?? 0, last?.Second ?? -1, last?.Requests ?? 0));
                break;
            case FinishAggregation finish:
                Timers.CancelAll();
                // The alert monitor adds what it saw and answers the coordinator itself.
                _monitor.Tell(new AlertMonitor.Finish(_windows.Finish(finish.StartedAt, finish.MeasuredDuration, finish.PeakUsers, _scenario.WarmUp)), Sender);
                break;
            default:
                Unhandled(message);
                break;
        }
    }
}
