using PerfCluster.Core.Monitoring;
using PerfCluster.Core.Scenarios;
using PerfCluster.Core.Input;
using PerfCluster.Core.Metrics;

namespace PerfCluster.Core.Scenarios;

public enum AlertSeverity { Info, Warning, Critical }

/// <summary>
/// The guide's comparison words. Their sense depends on where they are written: in an SLA threshold they say
/// what must HOLD (<c>p95 lt 2s</c>: p95 must stay below 2 s), in an alert rule what makes the alert FIRE
/// (<c>error_rate gt 0.1</c>: fire above 10%), exactly as the guide's SLAThreshold and AlertRule use them.
/// </summary>
public enum Comparison { Lt, Gt, Eq }

/// <summary>What happens when an alert rule fires; the alert actor carries it out.</summary>
public enum AlertAction
{
    /// <summary>Write the alert to the run log.</summary>
    Log,
    /// <summary>POST a <see cref="WebhookPayload"/> to the rule's url, with <see cref="RetryPolicy"/> back-off.</summary>
    Webhook,
    /// <summary>Stop the run (the report is still written, marked interrupted by the alert).</summary>
    AbortRun,
    /// <summary>Show the alert in the CLI's live progress.</summary>
    NotifyConsole,
}

public static class AlertWords
{
    public static readonly IReadOnlyList<string> Severities = ["info", "warning", "critical"];
    public static readonly IReadOnlyList<string> Comparisons = ["lt", "gt", "eq"];
    public static readonly IReadOnlyList<string> Actions = ["log", "webhook", "abort-run", "notify-console"];

    public static string Key(this AlertSeverity severity) => severity switch
    {
        AlertSeverity.Info => "info",
        AlertSeverity.Warning => "warning",
        _ => "critical",
    };

    public static string Key(this Comparison comparison) => comparison switch
    {
        Comparison.Lt => "lt",
        Comparison.Gt => "gt",
        _ => "eq",
    };

    public static string Key(this AlertAction action) => action switch
    {
        AlertAction.Log => "log",
        AlertAction.Webhook => "webhook",
        AlertAction.AbortRun => "abort-run",
        _ => "notify-console",
    };

    /// <summary>Case-insensitive; '_' reads as '-' so the guide's snake_case spelling is accepted.</summary>
    public static bool TryParseSeverity(string text, out AlertSeverity severity) =>
        TryParse(text, Severities, [AlertSeverity.Info, AlertSeverity.Warning, AlertSeverity.Critical], out severity);

    public static bool TryParseComparison(string text, out Comparison comparison) =>
        TryParse(text, Comparisons, [Comparison.Lt, Comparison.Gt, Comparison.Eq], out comparison);

    public static bool TryParseAction(string text, out AlertAction action) =>
        TryParse(text, Actions, [AlertAction.Log, AlertAction.Webhook, AlertAction.AbortRun, AlertAction.NotifyConsole], out action);

    private static bool TryParse<T>(string text, IReadOnlyList<string> words, T[] values, out T value)
    {
        var normalized = text.Trim().Replace('_', '-').ToLowerInvariant();
        for (var i = 0; i < words.Count; i++)
        {
            if (words[i] != normalized) continue;
            value = values[i];
            return true;
        }
        value = default!;
        return false;
    }
}

/// <summary>
/// An SLA the run should keep in every window: the SLA HOLDS while <c>metric comparison value</c> is true
/// (<c>lt</c>: strictly below, <c>gt</c>: strictly above, <c>eq</c>: equal), and a window where it does not is a
/// breach. A breach raises an alert at once (no duration) which resolves at the first window that holds again.
/// <see cref="Value"/> is in the metric's <see cref="MonitoredMetric.Unit"/> (ms, fraction, /s, count, %, MB).
/// </summary>
public sealed record SlaThreshold(
    string Metric, double Value, Comparison Comparison, AlertSeverity Severity, string? Description = null)
{
    /// <summary>Where the threshold was written; null for the defaults.</summary>
    public SourcePosition? Position { get; init; }

    /// <summary>
    /// The guide's default SLA list, applied when a scenario sets no <c>sla-thresholds</c> (an empty list turns
    /// them off). Mapped to what PerfCluster measures: the guide's <c>cpu.percent &lt; 80</c> watches the system
    /// under test, so it becomes <c>target_cpu_percent</c> (evaluated only when a target is monitored);
    /// <c>response_time.p95 &lt; 2.0</c> (seconds) becomes p95 &lt; 2000 ms; <c>error_rate &lt; 0.05</c> stays.
    /// Left out on purpose: <c>memory.percent &lt; 85</c> (memory is measured in MB, and leaks are judged by
    /// <see cref="Monitoring.LeakDetector"/> instead) and <c>throughput &gt; 100</c> (it would breach in every
    /// window of the guide's own Baseline and Light scenarios, whose few users cannot reach 100 requests/s).
    /// </summary>
    public static readonly IReadOnlyList<SlaThreshold> Defaults =
    [
        new(MonitoredMetrics.TargetCpuPercent, 80, Comparison.Lt, AlertSeverity.Warning, "target CPU below 80%"),
        new(MonitoredMetrics.P95, 2000, Comparison.Lt, AlertSeverity.Warning, "p95 latency below 2 s"),
        new(MonitoredMetrics.ErrorRate, 0.05, Comparison.Lt, AlertSeverity.Critical, "error rate below 5%"),
    ];
}

/// <summary>
/// A named alert: it FIRES when <c>metric comparison threshold</c> has been true in every evaluated window for
/// <see cref="Duration"/> (whole seconds, like Prometheus <c>for:</c>; zero fires on the first such window) and
/// resolves at the first evaluated window where it is false. <see cref="Threshold"/> is in the metric's unit.
/// </summary>
public sealed record AlertRule(
    string Name,
    string Metric,
    double Threshold,
    Comparison Comparison,
    TimeSpan Duration,
    AlertSeverity Severity,
    AlertAction Action)
{
    /// <summary>Where <see cref="Action"/> = webhook POSTs to; null otherwise.</summary>
    public Uri? Url { get; init; }

    /// <summary>Reads the metric of one endpoint instead of the overall figure.</summary>
    public string? Endpoint { get; init; }

    public SourcePosition? Position { get; init; }

    /// <summary>How many consecutive seconds of windows the condition must span before the alert fires (at least 1).</summary>
    public int Windows => Math.Max(1, (int)Math.Ceiling(Duration.TotalSeconds));
}
