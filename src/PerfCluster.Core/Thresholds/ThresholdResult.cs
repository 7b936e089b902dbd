using PerfCluster.Core.Scenarios;

namespace PerfCluster.Core.Thresholds;

/// <summary>
/// The outcome of one threshold. <see cref="Limit"/> and <see cref="Actual"/> are in the metric's canonical unit
/// (seconds, fraction, per second, count); <see cref="Actual"/> is NaN when nothing was measured, which always fails.
/// </summary>
public sealed record ThresholdResult(
    ThresholdDefinition Definition,
    string Metric,
    ThresholdOperator Operator,
    double Limit,
    double Actual,
    bool Passed,
    string Scope)
{
    public const string OverallScope = "overall";

    /// <summary>Why <see cref="Actual"/> has no measured value (e.g. "endpoint 'checkout' received no requests").</summary>
    public string? Note { get; init; }

    public ThresholdMetricKind Kind => ThresholdMetric.KindOf(Metric);

    public bool IsOverall => Definition.Scope is null;

    /// <summary>The expression as written, trimmed.</summary>
    public string Expression => Definition.Expression.Trim();

    public string FormatActual() => ThresholdFormat.Value(Kind, Actual);

    public string FormatLimit() => $"{Operator.Symbol()} {ThresholdFormat.Value(Kind, Limit)}";

    /// <summary>E.g. "p95 &lt; 2s — actual 0.143s — passed", prefixed "checkout: " when endpoint-scoped.</summary>
    public string Describe()
    {
        var scope = IsOverall ? "" : Scope + ": ";
        var actual = Note is null ? FormatActual() : $"{FormatActual()} ({Note})";
        return $"{scope}{Expression} — actual {actual} — {(Passed ? "passed" : "failed")}";
    }
}
