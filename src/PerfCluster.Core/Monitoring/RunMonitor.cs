using PerfCluster.Core.Alerts;
using PerfCluster.Core.Metrics;
using PerfCluster.Core.Scenarios;

namespace PerfCluster.Core.Monitoring;

/// <summary>One second of the system under test, as the coordinator sampled it (/proc or its Prometheus endpoint).</summary>
public sealed record TargetSample(long Second, double? CpuPercent, double? MemoryMb, int? Threads)
{
    /// <summary>The user's <c>monitor.series</c> from the Prometheus endpoint, by series name.</summary>
    public IReadOnlyDictionary<string, double> Series { get; init; } = new Dictionary<string, double>();
}

/// <summary>What watching a run produced, for the report: alerts, leak verdicts, recommendations, the target's samples.</summary>
public sealed record MonitoringResult
{
    public static readonly MonitoringResult Empty = new();

    public AlertSummary Alerts { get; init; } = AlertSummary.Empty;
    /// <summary>Suspected leaks (of the target or of the generator), as alerts that fired and stayed.</summary>
    public IReadOnlyList<AlertRecord> LeakAlerts { get; init; } = [];
    public LeakAssessment? TargetLeak { get; init; }
    public LeakAssessment? GeneratorLeak { get; init; }
    public IReadOnlyList<Recommendation> Recommendations { get; init; } = [];
    public IReadOnlyList<TargetSample> Target { get; init; } = [];
    /// <summary>The alert rule whose <c>abort-run</c> action stopped the run; null when none did.</summary>
    public string? AbortedBy { get; init; }

    public IEnumerable<AlertRecord> AllAlerts => Alerts.Alerts.Concat(LeakAlerts);
}

/// <summary>
/// Watches one run window by window: evaluates the SLA thresholds and alert rules on each closed window
/// (with the generator's and the target's resources of that second), follows memory trends of the
/// target and of the generator for leaks, and at the end derives recommendations from the evidence.
/// Pure: the actor around it samples the target and carries out the alerts' actions.
/// </summary>
public sealed class RunMonitor
{
    private readonly ScenarioDefinition _scenario;
    private readonly AlertEvaluator _alerts;
    private readonly LeakDetector? _targetLeak;
    private LeakDetector _generatorLeak = NewGeneratorDetector();
    private int _steadyUsers = -1;
    private readonly List<WindowEvidence> _evidence = new();
    private readonly List<TargetSample> _target = new();
    private readonly List<AlertRecord> _leakAlerts = new();
    private long _lastSecond = long.MinValue;
    private string? _abortedBy;

    public RunMonitor(ScenarioDefinition scenario)
    {
        _scenario = scenario;
        _alerts = AlertEvaluator.For(scenario);
        _targetLeak = scenario.Monitor is { } monitor ? new LeakDetector(LeakDetectorOptions.For(monitor)) : null;
    }

    /// <summary>
    /// The generator's own leak watch: a higher threshold than the target's default (its heap follows the
    /// user count and the request rate), and only over a span of steady load (see <see cref="Observe"/>).
    /// </summary>
    private static LeakDetector NewGeneratorDetector() => new(LeakDetectorOptions.Default with
    {
        GrowthThresholdMb = MonitorDefinition.DefaultMemoryGrowthThresholdMb * 4,
    });

    /// <summary>The generator's figures of one window: CPU of its busiest node (percent of that node's cores) and its largest working set.</summary>
    public static ResourceSample Resources(WindowStatistics window, TargetSample? target, long droppedIterations = 0)
    {
        double? cpu = window.Nodes.Count == 0 ? null : window.Nodes.Max(n => n.CpuPercentOfOneCore / Math.Max(1, n.ProcessorCount));
        double? memory = window.Nodes.Count == 0 ? null : window.Nodes.Max(n => n.WorkingSetBytes) / (1024.0 * 1024.0);
        return new ResourceSample
        {
            GeneratorCpuPercent = cpu,
            GeneratorMemoryMb = memory,
            TargetCpuPercent = target?.CpuPercent,
            TargetMemoryMb = target?.MemoryMb,
            DroppedIterations = droppedIterations,
        };
    }

    /// <summary>
    /// Takes the next closed window (older or repeated ones are ignored) and returns the alerts that
    /// fired or resolved in it, leak suspicions included.
    /// </summary>
    public IReadOnlyList<AlertEvent> Observe(WindowStatistics window, TargetSample? target, long droppedIterations = 0)
    {
        if (window.Second <= _lastSecond) return [];
        _lastSecond = window.Second;
        if (target is not null) _target.Add(target with { Second = window.Second });
        var resources = Resources(window, target, droppedIterations);
        var snapshot = MonitorSnapshot.From(window, resources);
        _evidence.Add(WindowEvidence.From(snapshot));
        var events = new List<AlertEvent>(_alerts.Evaluate(snapshot));

        var at = TimeSpan.FromSeconds(window.Second);
        if (_targetLeak is not null && resources.TargetMemoryMb is { } targetMb && _targetLeak.Add(at, targetMb))
            CheckLeak(_targetLeak, "target", MonitoredMetrics.TargetMemoryMb, window.Second, events);
        // More users legitimately need more memory: the generator's trend restarts whenever the load level moves.
        if (_steadyUsers < 0 || Math.Abs(window.ActiveUsers - _steadyUsers) > Math.Max(1, _steadyUsers * 0.05))
        {
            _steadyUsers = window.ActiveUsers;
            _generatorLeak = NewGeneratorDetector();
        }
        if (resources.GeneratorMemoryMb is { } generatorMb && _generatorLeak.Add(at, generatorMb))
            CheckLeak(_generatorLeak, "generator", MonitoredMetrics.GeneratorMemoryMb, window.Second, events);
        return events;
    }

    /// <summary>Remembers the first alert whose action stopped the run.</summary>
    public void NoteAbort(WatchedRule rule) => _abortedBy ??= rule.Name;

    private void CheckLeak(LeakDetector detector, string who, string metric, long second, List<AlertEvent> events)
    {
        if (_leakAlerts.Any(a => a.Metric == metric)) return;   // one suspicion per series: a leak does not heal mid-run
        var verdict = detector.Assess();
        if (!verdict.Suspected) return;
        var evidence = $"{who} memory grows {verdict.SlopeMbPerMinute:0.0} MB/min (95% CI {verdict.SlopeCiLowMbPerMinute:0.0}..{verdict.SlopeCiHighMbPerMinute:0.0}), " +
                       $"{verdict.GrowthMb:0} MB over {verdict.Span.TotalSeconds:0} s, R² {verdict.RSquared:0.00} (threshold {verdict.GrowthThresholdMb:0} MB)";
        var rule = new WatchedRule($"suspected memory leak ({who})", AlertKind.Rule, metric, null, ">", verdict.GrowthThresholdMb, 1,
            AlertSeverity.Critical, AlertAction.Log);
        var since = second - (long)verdict.Span.TotalSeconds;
        _leakAlerts.Add(new AlertRecord(rule.Name, AlertKind.Rule, AlertSeverity.Critical, $"{metric} growth > {verdict.GrowthThresholdMb:0} MB",
            metric, null, since, second, null, second, true, verdict.GrowthMb, $"{verdict.GrowthMb:0} MB", evidence));
        events.Add(new AlertFired(rule, second, verdict.GrowthMb, verdict.GrowthMb, since, evidence));
    }

    /// <summary>Observes the windows of the final timeline not seen live, then sums the run up.</summary>
    public MonitoringResult Finish(IReadOnlyList<WindowStatistics> timeline)
    {
        foreach (var w in timeline.Where(w => w.Second > _lastSecond).OrderBy(w => w.Second)) Observe(w, null);
        var last = _lastSecond == long.MinValue ? (long?)null : _lastSecond;
        return new MonitoringResult
        {
            Alerts = _alerts.Summary(),
            LeakAlerts = _leakAlerts.Select(a => a with { ClosedAt = last ?? a.ClosedAt }).ToList(),
            TargetLeak = _targetLeak?.Assess(),
            GeneratorLeak = _generatorLeak.Count > 0 ? _generatorLeak.Assess() : null,
            Recommendations = RecommendationEngine.Recommend(_evidence),
            Target = _target.ToList(),
            AbortedBy = _abortedBy,
        };
    }

    public ScenarioDefinition Scenario => _scenario;
}
