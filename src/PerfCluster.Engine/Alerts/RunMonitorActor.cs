using System.Diagnostics;
using Akka.Actor;
using Akka.Event;
using PerfCluster.Core.Alerts;
using PerfCluster.Core.Metrics;
using PerfCluster.Core.Monitoring;
using PerfCluster.Core.Reports;
using PerfCluster.Core.Scenarios;
using PerfCluster.Engine.Monitoring;
using static PerfCluster.Engine.Protocol.RunProtocol;
using PerfCluster.Core.Results;

namespace PerfCluster.Engine.Alerts;

/// <summary>
/// One per run, beside its metric aggregator on the coordinator: follows the closed windows with a
/// <see cref="RunMonitor"/> (SLA thresholds, alert rules, leak watch), samples the system under test
/// every second when the scenario has a <c>monitor</c> section, and carries out each alert's action:
/// <c>log</c>, <c>notify-console</c>, <c>webhook</c> (POST with retries), <c>abort-run</c>. Every alert
/// that fires or resolves also goes to the run's listener (live view, API stream). At the end it adds
/// what it saw to the run's statistics.
/// </summary>
public sealed class RunMonitorActor : UntypedActor, IWithTimers
{
    /// <summary>A window the aggregator closed, with the open model's dropped iterations so far.</summary>
    public sealed record Window(WindowStatistics Statistics, long DroppedIterations);

    /// <summary>The aggregator's final statistics: the reply (to the original sender) carries the monitoring result.</summary>
    public sealed record Finish(ScenarioStatistics Statistics);

    private sealed class SampleTick { public static readonly SampleTick Instance = new(); }

    private static readonly HttpClient Http = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(1) });

    private readonly string _runId;
    private readonly ScenarioDefinition _scenario;
    private readonly IActorRef _listener;
    private readonly IActorRef _coordinator;
    private readonly long _startTimestamp;
    private readonly DateTimeOffset _startAt;
    private readonly RunMonitor _monitor;
    private readonly TargetSampler? _sampler;
    private readonly SortedDictionary<long, TargetSample> _samples = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private bool _sampling;

    public RunMonitorActor(string runId, ScenarioDefinition scenario, IActorRef listener, IActorRef coordinator, DateTimeOffset startAt)
    {
        _runId = runId;
        _scenario = scenario;
        _listener = listener;
        _coordinator = coordinator;
        _startAt = startAt;
        _startTimestamp = Stopwatch.GetTimestamp() + (long)((startAt - DateTimeOffset.UtcNow).TotalSeconds * Stopwatch.Frequency);
        _monitor = new RunMonitor(scenario);
        _sampler = scenario.Monitor is { } m ? new TargetSampler(m, Http) : null;
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(string runId, ScenarioDefinition scenario, IActorRef listener, IActorRef coordinator, DateTimeOffset startAt) =>
        Akka.Actor.Props.Create(() => new RunMonitorActor(runId, scenario, listener, coordinator, startAt)).WithDispatcher(ActorNames.ControlDispatcher);

    protected override void PreStart()
    {
        if (_sampler is not null) Timers.StartPeriodicTimer(SampleTick.Instance, SampleTick.Instance, TimeSpan.FromSeconds(1));
    }

    protected override void PostStop() => _stop.Cancel();

    /// <summary>The measured second that the sample taken now mostly covers (negative during warm-up).</summary>
    private long CurrentSecond => (long)Math.Floor((Stopwatch.GetElapsedTime(_startTimestamp) - _scenario.WarmUp).TotalSeconds) - 1;

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case SampleTick when !_sampling && _sampler is not null:
                _sampling = true;
                _sampler.SampleAsync(CurrentSecond, _stop.Token).PipeTo(Self, failure: e => new Status.Failure(e));
                break;
            case SampleTick:
                break;
            case TargetSample sample:
                _sampling = false;
                _samples[sample.Second] = sample;
                while (_samples.Count > 120) _samples.Remove(_samples.Keys.First());
                break;
            case Status.Failure f:
                _sampling = false;
                _log.Warning("Run {RunId}: sampling the target failed: {Reason}", _runId, f.Cause.Message);
                break;
            case Window w:
                foreach (var e in _monitor.Observe(w.Statistics, SampleFor(w.Statistics.Second), w.DroppedIterations)) Act(e);
                break;
            case Finish finish:
                var result = _monitor.Finish(finish.Statistics.Timeline);
                Sender.Tell(finish.Statistics with { Monitoring = result });
                break;
            case WebhookDelivery { Delivered: false } failed:
                _log.Warning("Run {RunId}: webhook {Url} failed after {Attempts} attempt(s): {Problem}", _runId, failed.Url, failed.Attempts, failed.LastProblem);
                break;
            case WebhookDelivery:
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    private TargetSample? SampleFor(long second)
    {
        if (_samples.TryGetValue(second, out var exact)) return exact;
        // The nearest earlier sample still describes that second if it is at most 2 s older.
        return _samples.LastOrDefault(kv => kv.Key < second && kv.Key >= second - 2).Value;
    }

    private void Act(AlertEvent e)
    {
        var firing = e is AlertFired;
        var value = e switch { AlertFired f => f.Value, AlertResolved r => r.Peak, _ => double.NaN };
        var evidence = e switch
        {
            AlertFired f => f.Evidence,
            AlertResolved r => $"resolved after {r.Duration.TotalSeconds:0} s; worst {MonitoredMetrics.Get(r.Rule.Metric).Format(r.Peak)}",
            _ => "",
        };
        _listener.Tell(new AlertRaised(_runId, _scenario.Name, firing ? WebhookPayload.Firing : WebhookPayload.Resolved, e.Rule.Name,
            e.Rule.Severity.ToJsonName(), e.Rule.Condition, e.Second, value, evidence));
        switch (e.Rule.Action)
        {
            case AlertAction.Log:
                if (firing) _log.Warning("Run {RunId}: alert '{Rule}' fired at {Second} s: {Evidence}", _runId, e.Rule.Name, e.Second, evidence);
                else _log.Info("Run {RunId}: alert '{Rule}' resolved at {Second} s", _runId, e.Rule.Name, e.Second);
                break;
            case AlertAction.NotifyConsole:
                break;   // the listener prints every alert; nothing more to do
            case AlertAction.Webhook when e.Rule.Url is { } url:
                var json = WebhookPayload.From(e, _runId, _scenario.Name, _startAt).ToJson();
                WebhookSender.SendAsync(Http, url, json, RetryPolicy.Default, _stop.Token)
                    .PipeTo(Self, failure: ex => new WebhookDelivery(url, false, 0, ex.Message));
                break;
            case AlertAction.AbortRun when firing:
                _monitor.NoteAbort(e.Rule);
                _log.Warning("Run {RunId}: alert '{Rule}' aborts the run: {Evidence}", _runId, e.Rule.Name, evidence);
                _coordinator.Tell(new AbortRun(_runId, $"alert '{e.Rule.Name}' ({e.Rule.Condition}) fired at {e.Second} s: {evidence}"));
                break;
        }
    }
}
