using System.Globalization;
using PerfCluster.Core.Monitoring;
using PerfCluster.Core.Scenarios;
using PerfCluster.Core.Metrics;

namespace PerfCluster.Core.Alerts;

/// <summary>
/// Watches a run's SLA thresholds and alert rules window by window. Feed it one <see cref="MonitorSnapshot"/> per
/// closed window, in order; it returns the alerts that fired or resolved in that window. A window whose second is
/// not after the last one fed is a resend or arrived late and is ignored, so the caller need not de-duplicate.
/// </summary>
/// <remarks>
/// A rule is evaluated only in windows that carry its metric (resource figures may be sampled less often than
/// windows): a missing figure neither breaks nor extends a pending condition, and never resolves a firing alert.
/// "Held continuously for the duration" therefore means every evaluated window from the first true one to the
/// current one was true, and they span the rule's <see cref="AlertRule.Windows"/> seconds.
/// Not thread-safe: one evaluator belongs to one actor.
/// </remarks>
public sealed class AlertEvaluator
{
    /// <summary>How many of the latest values an alert's evidence quotes.</summary>
    public const int EvidenceValues = 5;

    private readonly RuleState[] _states;
    private readonly List<AlertRecord> _history = [];
    private long? _lastSecond;

    public AlertEvaluator(IEnumerable<SlaThreshold> slaThresholds, IEnumerable<AlertRule> rules)
    {
        ArgumentNullException.ThrowIfNull(slaThresholds);
        ArgumentNullException.ThrowIfNull(rules);
        _states = slaThresholds.Select(WatchedRule.From).Concat(rules.Select(WatchedRule.From))
            .Select(r => new RuleState(r)).ToArray();
    }

    /// <summary>The evaluator for one scenario's <see cref="ScenarioDefinition.SlaThresholds"/> and <see cref="ScenarioDefinition.AlertRules"/>.</summary>
    public static AlertEvaluator For(ScenarioDefinition scenario)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        return new AlertEvaluator(scenario.SlaThresholds, scenario.AlertRules);
    }

    public IReadOnlyList<WatchedRule> Rules => _states.Select(s => s.Rule).ToList();

    /// <summary>The second of the last window accepted; null before the first.</summary>
    public long? LastSecond => _lastSecond;

    /// <summary>Rules firing now, for a live view.</summary>
    public IReadOnlyList<WatchedRule> Firing => _states.Where(s => s.FiredAt is not null).Select(s => s.Rule).ToList();

    /// <summary>Evaluates every rule on <paramref name="snapshot"/>; returns what fired or resolved in it (often nothing).</summary>
    public IReadOnlyList<AlertEvent> Evaluate(MonitorSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        if (_lastSecond is { } last && snapshot.Second <= last) return [];
        _lastSecond = snapshot.Second;

        var events = new List<AlertEvent>();
        foreach (var state in _states)
        {
            if (snapshot.Get(state.Rule.Metric, state.Rule.Endpoint) is not { } value) continue;
            if (state.Step(snapshot.Second, value) is { } evt)
            {
                events.Add(evt);
                if (evt is AlertResolved resolved) _history.Add(state.Record(resolved));
            }
        }
        return events;
    }

    /// <summary>
    /// Every alert so far, in the order they fired. Alerts still firing are closed at the last window seen and
    /// marked <see cref="AlertRecord.FiringAtEnd"/>. Does not change the evaluator, so a live view may call it too.
    /// </summary>
    public AlertSummary Summary()
    {
        var open = _states.Where(s => s.FiredAt is not null).Select(s => s.OpenRecord(_lastSecond!.Value));
        var all = _history.Concat(open).OrderBy(a => a.Start).ThenBy(a => a.Name, StringComparer.Ordinal).ToList();
        return new AlertSummary(all, _lastSecond);
    }

    /// <summary>One rule's progress: pending since, firing since, worst value, the latest values.</summary>
    private sealed class RuleState(WatchedRule rule)
    {
        private readonly Queue<(long Second, double Value)> _recent = new();

        public WatchedRule Rule { get; } = rule;
        public long? PendingSince { get; private set; }
        public long? FiredAt { get; private set; }
        public double Peak { get; private set; }
        public string Evidence { get; private set; } = "";

        public AlertEvent? Step(long second, double value)
        {
            if (!Rule.Holds(value))
            {
                AlertEvent? resolved = FiredAt is { } fired
                    ? new AlertResolved(Rule, second, fired, TimeSpan.FromSeconds(second - fired), Peak)
                    : null;
                if (resolved is null) Reset();
                return resolved;
            }

            if (PendingSince is null)
            {
                PendingSince = second;
                Peak = value;
                _recent.Clear();
            }
            else Peak = Rule.Worse(value, Peak);
            _recent.Enqueue((second, value));
            while (_recent.Count > EvidenceValues) _recent.Dequeue();

            if (FiredAt is not null || second - PendingSince.Value + 1 < Rule.Windows) return null;
            FiredAt = second;
            Evidence = Describe(second);
            return new AlertFired(Rule, second, value, Peak, PendingSince.Value, Evidence);
        }

        public AlertRecord Record(AlertResolved resolved)
        {
            var record = Build(resolved.Second, firingAtEnd: false);
            Reset();
            return record;
        }

        public AlertRecord OpenRecord(long lastSecond) => Build(lastSecond, firingAtEnd: true);

        private AlertRecord Build(long closedAt, bool firingAtEnd) => new(
            Rule.Name, Rule.Kind, Rule.Severity, Rule.Condition, Rule.Metric, Rule.Endpoint,
            PendingSince!.Value, FiredAt!.Value, firingAtEnd ? null : closedAt, closedAt, firingAtEnd,
            Peak, MonitoredMetrics.Get(Rule.Metric).Format(Peak), Evidence);

        private void Reset()
        {
            PendingSince = null;
            FiredAt = null;
            Peak = 0;
            Evidence = "";
            _recent.Clear();
        }

        /// <summary>E.g. "p95 &gt; 1000ms held from second 12 to 41 (30s); last values: 1180ms, 1250ms; peak 1310ms".</summary>
        private string Describe(long second)
        {
            var metric = MonitoredMetrics.Get(Rule.Metric);
            var c = CultureInfo.InvariantCulture;
            var since = PendingSince!.Value;
            var span = since == second
                ? $"at second {second.ToString(c)}"
                : $"from second {since.ToString(c)} to {second.ToString(c)} ({(second - since + 1).ToString(c)}s)";
            var values = string.Join(", ", _recent.Select(r => metric.Format(r.Value)));
            var what = Rule.Kind == AlertKind.Sla ? $"SLA breached: {Rule.Condition}" : Rule.Condition;
            return $"{what} held {span}; last values: {values}; peak {metric.Format(Peak)}";
        }
    }
}
