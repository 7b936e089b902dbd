using System.Text.Json;
using System.Text.Json.Serialization;
using PerfCluster.Core.Monitoring;
using PerfCluster.Core.Metrics;
using PerfCluster.Core.Scenarios;

namespace PerfCluster.Core.Alerts;

/// <summary>
/// The JSON body POSTed to an alert rule's webhook, once when it fires and once when it resolves. Field names are
/// snake_case like the guide's JSON; figures are in the metric's <see cref="Unit"/>, with human text beside them
/// so a chat hook can show the message as is.
/// </summary>
public sealed record WebhookPayload(
    string Status,
    string RunId,
    string Scenario,
    string Alert,
    string Kind,
    string Severity,
    string Metric,
    string? Endpoint,
    string Condition,
    double Threshold,
    string Unit,
    double? Value,
    double Peak,
    long Second,
    long FiredAtSecond,
    double? DurationSeconds,
    DateTimeOffset Timestamp,
    string Message)
{
    public const string Firing = "firing";
    public const string Resolved = "resolved";

    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>
    /// The payload for <paramref name="alert"/>; <paramref name="runStart"/> turns the window's run-relative second
    /// into the wall-clock <see cref="Timestamp"/>.
    /// </summary>
    public static WebhookPayload From(AlertEvent alert, string runId, string scenario, DateTimeOffset runStart)
    {
        ArgumentNullException.ThrowIfNull(alert);
        var rule = alert.Rule;
        var metric = MonitoredMetrics.Get(rule.Metric);
        var at = runStart + TimeSpan.FromSeconds(alert.Second);
        return alert switch
        {
            AlertFired f => new WebhookPayload(
                Firing, runId, scenario, rule.Name, KindKey(rule), rule.Severity.Key(), rule.Metric, rule.Endpoint, rule.Condition,
                rule.Limit, UnitKey(metric.Unit), f.Value, f.Peak, f.Second, f.Second, null, at,
                $"[{rule.Severity.Key()}] {rule.Name} firing: {f.Evidence}"),
            AlertResolved r => new WebhookPayload(
                Resolved, runId, scenario, rule.Name, KindKey(rule), rule.Severity.Key(), rule.Metric, rule.Endpoint, rule.Condition,
                rule.Limit, UnitKey(metric.Unit), null, r.Peak, r.Second, r.FiredAt, r.Duration.TotalSeconds, at,
                $"[{rule.Severity.Key()}] {rule.Name} resolved after {r.Duration.TotalSeconds:0}s; peak {metric.Format(r.Peak)}"),
            _ => throw new ArgumentException($"unknown alert event {alert.GetType().Name}", nameof(alert)),
        };
    }

    public string ToJson() => JsonSerializer.Serialize(this, Options);

    private static string KindKey(WatchedRule rule) => rule.Kind == AlertKind.Sla ? "sla" : "rule";

    private static string UnitKey(MetricUnit unit) => unit switch
    {
        MetricUnit.Milliseconds => "ms",
        MetricUnit.Fraction => "fraction",
        MetricUnit.PerSecond => "per_second",
        MetricUnit.Percent => "percent",
        MetricUnit.Megabytes => "mb",
        _ => "count",
    };
}

/// <summary>
/// Exponential back-off for webhook delivery: attempt 1 goes at once; after failed attempt n the next waits
/// <c>InitialDelay × Multiplier^(n-1)</c>, capped at <see cref="MaxDelay"/>, until <see cref="MaxAttempts"/> were made.
/// The defaults (0.5 s, 1 s, 2 s, 4 s; 5 attempts) give up after 7.5 s, well inside a run, so a dead hook cannot
/// pile up deliveries.
/// </summary>
public sealed record RetryPolicy(int MaxAttempts, TimeSpan InitialDelay, double Multiplier, TimeSpan MaxDelay)
{
    public static readonly RetryPolicy Default = new(5, TimeSpan.FromMilliseconds(500), 2, TimeSpan.FromSeconds(30));

    /// <summary>How long to wait after failed attempt <paramref name="attempt"/> (1-based); null when no attempt is left.</summary>
    public TimeSpan? DelayAfter(int attempt)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(attempt, 1);
        if (attempt >= MaxAttempts) return null;
        var ticks = InitialDelay.Ticks * Math.Pow(Multiplier, attempt - 1);
        return ticks >= MaxDelay.Ticks ? MaxDelay : TimeSpan.FromTicks((long)ticks);
    }

    /// <summary>Every wait between attempts, in order (MaxAttempts − 1 of them).</summary>
    public IReadOnlyList<TimeSpan> Delays() =>
        Enumerable.Range(1, Math.Max(0, MaxAttempts - 1)).Select(a => DelayAfter(a)!.Value).ToList();

    /// <summary>
    /// Whether a failure is worth retrying: no response at all (null: connection refused, timeout), 408, 425, 429
    /// and 5xx. Any other status is the receiver refusing the payload, which resending will not change.
    /// </summary>
    public static bool IsRetryable(int? statusCode) =>
        statusCode is null or 408 or 425 or 429 or (>= 500 and <= 599);
}
