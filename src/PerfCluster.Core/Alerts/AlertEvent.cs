using PerfCluster.Core.Monitoring;
using PerfCluster.Core.Scenarios;
using PerfCluster.Core.Metrics;

namespace PerfCluster.Core.Alerts;

public enum AlertKind
{
    /// <summary>From <c>sla-thresholds</c>: fires on the first breached window.</summary>
    Sla,
    /// <summary>From <c>alert-rules</c>: fires after its duration.</summary>
    Rule,
}

/// <summary>
/// An SLA threshold or alert rule as the evaluator watches it, both reduced to one firing condition:
/// the alert fires while <c>value <see cref="Operator"/> <see cref="Limit"/></c> is true.
/// </summary>
public sealed record WatchedRule(
    string Name,
    AlertKind Kind,
    string Metric,
    string? Endpoint,
    string Operator,
    double Limit,
    int Windows,
    AlertSeverity Severity,
    AlertAction Action)
{
    public Uri? Url { get; init; }

    /// <summary>The SLA's or rule's own description, when it has one.</summary>
    public string? Description { get; init; }

    /// <summary>The firing condition as people read it, e.g. "p95 &gt; 1000ms" or "checkout: throughput &lt; 5/s".</summary>
    public string Condition =>
        $"{(Endpoint is null ? "" : Endpoint + ": ")}{Metric} {Operator} {MonitoredMetrics.Get(Metric).Format(Limit)}";

    internal bool Holds(double value) => Operator switch
    {
        ">" => value > Limit,
        ">=" => value >= Limit,
        "<" => value < Limit,
        "<=" => value <= Limit,
        "==" => Same(value, Limit),
        _ => !Same(value, Limit),
    };

    /// <summary>The worse of two values in the firing direction: the figure an alert's peak reports.</summary>
    internal double Worse(double a, double b) => Operator switch
    {
        ">" or ">=" => Math.Max(a, b),
        "<" or "<=" => Math.Min(a, b),
        "==" => a,
        _ => Math.Abs(a - Limit) >= Math.Abs(b - Limit) ? a : b,
    };

    /// <summary>Equality with a relative tolerance, so 0.1 + 0.2 equals 0.3 in an eq rule.</summary>
    private static bool Same(double a, double b) => Math.Abs(a - b) <= 1e-9 * Math.Max(1, Math.Max(Math.Abs(a), Math.Abs(b)));

    /// <summary>An SLA fires when it stops holding: lt → value ≥ limit, gt → value ≤ limit, eq → value ≠ limit.</summary>
    public static WatchedRule From(SlaThreshold sla)
    {
        ArgumentNullException.ThrowIfNull(sla);
        var metric = MonitoredMetrics.Get(sla.Metric);
        var holds = sla.Comparison switch { Comparison.Lt => "<", Comparison.Gt => ">", _ => "==" };
        var breach = sla.Comparison switch { Comparison.Lt => ">=", Comparison.Gt => "<=", _ => "!=" };
        return new WatchedRule(
            $"sla: {metric.Name} {holds} {metric.Format(sla.Value)}", AlertKind.Sla, metric.Name, null, breach, sla.Value, 1,
            sla.Severity, AlertAction.Log)
        {
            Description = sla.Description,
        };
    }

    public static WatchedRule From(AlertRule rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        var metric = MonitoredMetrics.Get(rule.Metric);
        var op = rule.Comparison switch { Comparison.Lt => "<", Comparison.Gt => ">", _ => "==" };
        return new WatchedRule(rule.Name, AlertKind.Rule, metric.Name, rule.Endpoint, op, rule.Threshold, rule.Windows,
            rule.Severity, rule.Action)
        {
            Url = rule.Url,
        };
    }
}

/// <summary>What the evaluator reports after a window: an alert started or ended.</summary>
public abstract record AlertEvent(WatchedRule Rule, long Second);

/// <summary>
/// <paramref name="Rule"/> fired at window <paramref name="Second"/>: its condition has held since
/// <paramref name="ConditionSince"/>; <paramref name="Value"/> is this window's figure, <paramref name="Peak"/> the worst
/// since the condition began, <paramref name="Evidence"/> says so in a sentence with the last values.
/// </summary>
public sealed record AlertFired(
    WatchedRule Rule, long Second, double Value, double Peak, long ConditionSince, string Evidence) : AlertEvent(Rule, Second);

/// <summary>
/// <paramref name="Rule"/> stopped firing at window <paramref name="Second"/> (the first window where its condition
/// was false); it fired at <paramref name="FiredAt"/> and so lasted <paramref name="Duration"/>.
/// </summary>
public sealed record AlertResolved(
    WatchedRule Rule, long Second, long FiredAt, TimeSpan Duration, double Peak) : AlertEvent(Rule, Second);

/// <summary>
/// One alert of a run, for report.json. <see cref="End"/> is null when it was still firing at the end of the run;
/// it is then closed at the run's last window (<see cref="ClosedAt"/>) and <see cref="FiringAtEnd"/> is set.
/// </summary>
public sealed record AlertRecord(
    string Name,
    AlertKind Kind,
    AlertSeverity Severity,
    string Condition,
    string Metric,
    string? Endpoint,
    long ConditionSince,
    long Start,
    long? End,
    long ClosedAt,
    bool FiringAtEnd,
    double Peak,
    string PeakText,
    string Evidence)
{
    /// <summary>Seconds the alert was firing: up to the resolving window, or through the last window if still firing.</summary>
    public double DurationSeconds => FiringAtEnd ? ClosedAt - Start + 1 : ClosedAt - Start;
}

/// <summary>Every alert of a run, in the order they fired.</summary>
public sealed record AlertSummary(IReadOnlyList<AlertRecord> Alerts, long? LastSecond)
{
    public static readonly AlertSummary Empty = new([], null);

    public int Critical => Alerts.Count(a => a.Severity == AlertSeverity.Critical);

    public bool AnyFiringAtEnd => Alerts.Any(a => a.FiringAtEnd);
}
