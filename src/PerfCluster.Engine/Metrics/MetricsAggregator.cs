using System.Diagnostics;
using Akka.Actor;
using PerfCluster.Core.Metrics;
using PerfCluster.Core.Scenarios;
using PerfCluster.Engine.Alerts;
using PerfCluster.Engine.History;
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
    /// <summary>Writes each closed window to the database; null on a node without persistence.</summary>
    private IActorRef? _timeline;

    public MetricsAggregator(string runId, ScenarioDefinition scenario, IActorRef listener, DateTimeOffset startAt, int lateness)
    {
        _runId = runId;
        _scenario = scenario;
        _listener = listener;
        _windows = new WindowAggregator(scenario.Name, scenario.Endpoints.Select(e => e.Name), lateness);
        _startTimestamp = Stopwatch.GetTimestamp() + (long)((startAt - DateTimeOffset.UtcNow).TotalSeconds * Stopwatch.Frequency);
        _monitor = Context.ActorOf(AlertMonitor.Props(runId, scenario, listener, Context.Parent, startAt), "alerts");
        if (RunTimeline.IsAvailable(Context.System))
        {
            _timeline = Context.ActorOf(RunTimeline.Props(runId, scenario.Name), "timeline");
            Context.Watch(_timeline);
        }
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(string runId, ScenarioDefinition scenario, IActorRef listener, DateTimeOffset startAt, int lateness) =>
        Akka.Actor.Props.Create(() => new MetricsAggregator(runId, scenario, listener, startAt, lateness)).WithDispatcher(ActorNames.ControlDispatcher);

    /// <summary>The final statistics and who asked for them, held until the timeline's last writes are done.</summary>
    private (ScenarioStatistics Statistics, IActorRef ReplyTo)? _finishing;

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
                foreach (var window in closed)
                {
                    _monitor.Tell(new AlertMonitor.Window(window, _windows.DroppedIterations));
                    _timeline?.Tell(new RunTimelineProtocol.RecordWindow(window));
                }
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
                var stats = _windows.Finish(finish.StartedAt, finish.MeasuredDuration, finish.PeakUsers, _scenario.WarmUp);
                _finishing = (stats, Sender);
                if (_timeline is null)
                {
                    FinishMonitoring();
                    return;
                }
                // The run's actors stop once it is answered: the stored timeline must be complete before that.
                foreach (var window in stats.Timeline) _timeline.Tell(new RunTimelineProtocol.RecordWindow(window));
                _timeline.Tell(RunTimelineProtocol.Complete.Instance);
                break;
            case RunTimelineProtocol.Completed:
                FinishMonitoring();
                break;
            case Terminated t when t.ActorRef.Equals(_timeline):
                _timeline = null;   // a failed write stops it; the run still finishes
                FinishMonitoring();
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    /// <summary>The alert monitor adds what it saw and answers the coordinator itself.</summary>
    private void FinishMonitoring()
    {
        if (_finishing is not { } f) return;
        _finishing = null;
        _monitor.Tell(new AlertMonitor.Finish(f.Statistics), f.ReplyTo);
    }
}
