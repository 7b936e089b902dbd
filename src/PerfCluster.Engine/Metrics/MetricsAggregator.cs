using System.Diagnostics;
using Akka.Actor;
using Akka.Event;
using PerfCluster.Core.Metrics;
using PerfCluster.Core.Scenarios;
using PerfCluster.Engine.Alerts;
using PerfCluster.Engine.History;
using static PerfCluster.Engine.Protocol.RunProtocol;
using PerfCluster.Core.Results;
using PerfCluster.Engine.Recovery;

namespace PerfCluster.Engine.Metrics;

/// <summary>
/// One per run, on the coordinator: acknowledges and merges every worker's deltas (duplicates are
/// acknowledged but merged once), closes settled 1-second windows and streams progress to the run's
/// listener once a second. The merging itself is <see cref="WindowAggregator"/>; every closed window
/// also goes to the run's <see cref="RunMonitorActor"/>, which adds its findings to the final statistics.
/// With a <see cref="RunCheckpoints"/> (a coordinator that another one can replace), the deltas merged in each second
/// are checkpointed together and acknowledged only once stored: a worker keeps every delta a takeover would lose
/// and resends it to the next coordinator, whose aggregator starts from the replayed checkpoints.
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
    /// <summary>Stores the merged deltas once a second; null when nothing is stored (acknowledgements go out at once).</summary>
    private IActorRef? _journal;
    private readonly IReadOnlyList<IReadOnlyList<MetricsDelta>> _replay;
    /// <summary>Deltas merged since the last checkpoint, and the acknowledgements waiting for it.</summary>
    private readonly List<MetricsDelta> _batch = new();
    private List<(IActorRef To, MetricsAck Ack)> _batchAcks = new();
    /// <summary>Checkpoints being written: the deltas' keys and the acknowledgements to send once written.</summary>
    private readonly Dictionary<long, (List<(string, long)> Keys, List<(IActorRef To, MetricsAck Ack)> Acks)> _writing = new();
    /// <summary>(node, seq) merged but not yet stored: a resend of one is acknowledged only with its checkpoint.</summary>
    private readonly HashSet<(string, long)> _unstored = new();
    private long _checkpoints;
    /// <summary>The run's OTLP export (<c>outputs.otlp</c>); null when it has none.</summary>
    private OtlpExport? _otlp;

    public MetricsAggregator(string runId, ScenarioDefinition scenario, IActorRef listener, DateTimeOffset startAt, int lateness,
        IActorRef? journal = null, IReadOnlyList<IReadOnlyList<MetricsDelta>>? replay = null)
    {
        _journal = journal;
        _replay = replay ?? [];
        _runId = runId;
        _scenario = scenario;
        _listener = listener;
        _windows = scenario.Journey is { } journey
            ? new WindowAggregator(scenario.Name, scenario.Endpoints.Select(e => e.Name), journey.Flows.Select(f => f.Name),
                journey.Groups.Select(g => g.Name), journey.Checks.Select(c => c.Name), lateness)
            : new WindowAggregator(scenario.Name, scenario.Endpoints.Select(e => e.Name), lateness);
        _startTimestamp = Stopwatch.GetTimestamp() + (long)((startAt - DateTimeOffset.UtcNow).TotalSeconds * Stopwatch.Frequency);
        _monitor = Context.ActorOf(RunMonitorActor.Props(runId, scenario, listener, Context.Parent, startAt), "alerts");
        if (scenario.Outputs.Otlp is { } otlp) _otlp = new OtlpExport(runId, scenario, otlp);
        if (RunTimeline.IsAvailable(Context.System))
        {
            _timeline = Context.ActorOf(RunTimeline.Props(runId, scenario.Name), "timeline");
            Context.Watch(_timeline);
        }
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(string runId, ScenarioDefinition scenario, IActorRef listener, DateTimeOffset startAt, int lateness,
        IActorRef? journal = null, IReadOnlyList<IReadOnlyList<MetricsDelta>>? replay = null) =>
        Akka.Actor.Props.Create(() => new MetricsAggregator(runId, scenario, listener, startAt, lateness, journal, replay))
            .WithDispatcher(ActorNames.ControlDispatcher);

    /// <summary>The final statistics and who asked for them, held until the timeline's last writes are done.</summary>
    private (ScenarioStatistics Statistics, IActorRef ReplyTo)? _finishing;

    protected override void PreStart()
    {
        // A run taken over: the checkpoints are merged in the batches they were stored in, closing windows as the
        // previous aggregator did, so the windows, the totals and the duplicate filter are what it had stored.
        foreach (var batch in _replay)
        {
            foreach (var delta in batch)
                if (_windows.Accept(delta)) _activeUsers[delta.Node] = delta.Final ? 0 : delta.ActiveUsers;
            CloseWindows();
        }
        if (_journal is not null) Context.Watch(_journal);
        Timers.StartPeriodicTimer(PublishTick.Instance, PublishTick.Instance, TimeSpan.FromSeconds(1));
    }

    private IReadOnlyList<WindowStatistics> CloseWindows()
    {
        var closed = _windows.CloseSettledWindows();
        foreach (var window in closed)
        {
            _monitor.Tell(new RunMonitorActor.Window(window, _windows.DroppedIterations));
            _timeline?.Tell(new RunTimelineProtocol.RecordWindow(window));
        }
        return closed;
    }

    private void Checkpoint()
    {
        if (_journal is null || _batch.Count == 0) return;
        var id = ++_checkpoints;
        _writing[id] = (_batch.Select(d => (d.Node, d.Seq)).ToList(), _batchAcks);
        _journal.Tell(new RunCheckpointsProtocol.Checkpoint(id, _batch.ToList()));
        _batch.Clear();
        _batchAcks = new();
    }

    /// <summary>Storing failed (the journal stopped): from now on deltas are acknowledged as they come.</summary>
    private void StopCheckpointing()
    {
        _journal = null;
        foreach (var (_, (_, acks)) in _writing) foreach (var (to, ack) in acks) to.Tell(ack);
        foreach (var (to, ack) in _batchAcks) to.Tell(ack);
        _writing.Clear();
        _batch.Clear();
        _batchAcks = new();
        _unstored.Clear();
    }

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case MetricsDelta delta:
                var ack = new MetricsAck(delta.RunId, delta.Node, delta.Seq);
                var merged = _windows.Accept(delta);
                if (merged) _activeUsers[delta.Node] = delta.Final ? 0 : delta.ActiveUsers;
                if (merged) _otlp?.Add(delta);
                if (_journal is null) Sender.Tell(ack);
                else if (merged)
                {
                    _batch.Add(delta);
                    _unstored.Add((delta.Node, delta.Seq));
                    _batchAcks.Add((Sender, ack));
                }
                else if (_unstored.Contains((delta.Node, delta.Seq))) _batchAcks.Add((Sender, ack));
                else Sender.Tell(ack);
                break;
            case RunCheckpointsProtocol.Checkpointed done:
                if (!_writing.Remove(done.Id, out var written)) return;
                foreach (var key in written.Keys) _unstored.Remove(key);
                foreach (var (to, a) in written.Acks) to.Tell(a);
                break;
            case Terminated t when t.ActorRef.Equals(_journal):
                Context.GetLogger().Warning("Run {RunId}: its recovery state can no longer be stored; another coordinator could not take it over", _runId);
                StopCheckpointing();
                break;
            case PublishTick:
                Checkpoint();
                var closed = CloseWindows();
                var elapsed = Stopwatch.GetElapsedTime(_startTimestamp);
                if (elapsed < TimeSpan.Zero) return;
                var (flows, _, checks) = _scenario.Journey is null ? ([], [], []) : _windows.JourneyTotals();
                _listener.Tell(new RunProgress(_runId, _scenario.Name, elapsed, _scenario.LoadTime,
                    _activeUsers.Values.Sum(), closed.Count > 0 ? closed[^1] : null, _windows.Totals(null, elapsed))
                {
                    DroppedIterations = _windows.DroppedIterations,
                    Flows = flows,
                    Checks = checks,
                });
                break;
            case NodeLost lost:
                var last = _windows.LastFrom(lost.Node);
                _activeUsers.Remove(lost.Node);
                Sender.Tell(new NodeLossEstimate(lost.Node, last?.Seq ?? 0, last?.Second ?? -1, last?.Requests ?? 0));
                break;
            case FinishAggregation finish:
                Timers.CancelAll();
                StopCheckpointing();   // every share has completed: nothing is left to take over
                var stats = _windows.Finish(finish.StartedAt, finish.MeasuredDuration, finish.PeakUsers, _scenario.WarmUp);
                FinishExport();
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

    /// <summary>The last of the OTLP export goes out before the run is answered (a collector that does not answer costs at most 5 s).</summary>
    private void FinishExport()
    {
        if (_otlp is not { } otlp) return;
        _otlp = null;
        if (!otlp.Flush(TimeSpan.FromSeconds(5)))
            Context.GetLogger().Warning("Run {RunId}: the OTLP collector at {Endpoint} did not take the last metrics within 5 s", _runId, _scenario.Outputs.Otlp!.Endpoint);
        otlp.Dispose();
    }

    protected override void PostStop()
    {
        _otlp?.Dispose();
        base.PostStop();
    }

    /// <summary>The alert monitor adds what it saw and answers the coordinator itself.</summary>
    private void FinishMonitoring()
    {
        if (_finishing is not { } f) return;
        _finishing = null;
        _monitor.Tell(new RunMonitorActor.Finish(f.Statistics), f.ReplyTo);
    }
}
