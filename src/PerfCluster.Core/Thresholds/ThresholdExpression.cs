using System.Globalization;
using System.Text.RegularExpressions;
using PerfCluster.Core.Metrics;
using PerfCluster.Core.Scenarios;
using PerfCluster.Core.Input;

namespace PerfCluster.Core.Thresholds;

/// <summary>
/// A parsed threshold: <c>&lt;metric&gt; &lt;operator&gt; &lt;limit&gt;</c>, e.g. <c>p95 &lt; 2s</c>,
/// <c>p(99) &lt;= 300ms</c>, <c>error_rate &lt; 5%</c>, <c>throughput &gt; 100</c>, <c>errors.http_5xx == 0</c>.
/// </summary>
/// <remarks>
/// <para>Metrics: p50, p90, p95, p99, p99.9 (also written <c>p(99)</c>, <c>p99_9</c>), min, mean (<c>avg</c>),
/// max, med/median (= p50), optionally prefixed <c>response_time.</c> or <c>latency.</c> as in the guide;
/// error_rate; throughput (<c>rps</c>) in requests per second; requests and errors (counts);
/// errors.&lt;kind&gt; with kind one of refused, timeout, reset, http_4xx, http_5xx, unexpected_status, other.</para>
/// <para>Operators: &lt; &lt;= &gt; &gt;= == !=.</para>
/// <para>Latency limits take a unit: us or µs, ms, s, m. A bare number for a latency metric means SECONDS,
/// the unit of the guide (<c>p95 &lt; 2</c> is two seconds). error_rate takes a fraction (0.05) or a percentage
/// (5%); percent is accepted for error_rate only. Throughput takes a plain number (or <c>/s</c>), counts a plain
/// number.</para>
/// <para><see cref="Limit"/> is always in the canonical unit: seconds, fraction, per second, count.</para>
/// </remarks>
public sealed record ThresholdExpression(
    ThresholdDefinition Definition, ThresholdMetric Metric, ThresholdOperator Operator, double Limit)
{
    private static readonly char[] OperatorChars = ['<', '>', '=', '!'];

    private static readonly Regex NumberWithUnit = new(
        @"^(?<number>[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)\s*(?<unit>\S*)$",
        RegexOptions.CultureInvariant);

    private const string LatencyUnits = "us, µs, ms, s, m";

    /// <summary>"overall" or the endpoint the threshold is scoped to.</summary>
    public string Scope => Definition.Scope ?? ThresholdResult.OverallScope;

    /// <summary>Whether a measured value satisfies the threshold; NaN (nothing measured) never does.</summary>
    public bool IsSatisfiedBy(double actual) => Operator.Holds(actual, Limit);

    /// <summary>Parses an expression without a source position (command-line thresholds, tests).</summary>
    public static ThresholdExpression Parse(string expression) => Parse(new ThresholdDefinition(expression));

    /// <summary>
    /// Parses <paramref name="definition"/>. Any problem is reported as a <see cref="ScenarioException"/>
    /// carrying <see cref="ThresholdDefinition.Position"/> and saying what was expected; no other exception
    /// type escapes for bad input.
    /// </summary>
    public static ThresholdExpression Parse(ThresholdDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        var written = definition.Expression ?? "";
        var text = written.Trim();
        ScenarioException Fail(string message) => new(message, definition.Position);

        if (text.Length == 0)
            throw Fail("empty threshold; expected \"<metric> <operator> <value>\", e.g. \"p95 < 2s\"");

        var opStart = text.IndexOfAny(OperatorChars);
        if (opStart < 0)
            throw Fail($"missing operator in threshold \"{text}\"; expected \"<metric> <operator> <value>\" " +
                       $"with operator one of: {string.Join(", ", ThresholdOperators.Symbols)}");

        var metricText = text[..opStart].Trim();
        if (metricText.Length == 0)
            throw Fail($"missing metric in threshold \"{text}\"; expected one of: {string.Join(", ", ThresholdMetric.CanonicalNames)}");
        if (!ThresholdMetric.TryResolve(metricText, out var metric))
            throw Fail(UnknownMetric(metricText, text));

        var opEnd = opStart;
        while (opEnd < text.Length && Array.IndexOf(OperatorChars, text[opEnd]) >= 0) opEnd++;
        var opText = text[opStart..opEnd];
        if (!ThresholdOperators.TryParse(opText, out var op))
            throw Fail($"unknown operator '{opText}' in threshold \"{text}\"; expected one of: {string.Join(", ", ThresholdOperators.Symbols)}");

        var valueText = text[opEnd..].Trim();
        if (valueText.Length == 0)
            throw Fail($"missing value after '{opText}' in threshold \"{text}\"; expected {ValueHint(metric)}");

        var match = NumberWithUnit.Match(valueText);
        if (!match.Success ||
            !double.TryParse(match.Groups["number"].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
            throw Fail($"invalid value '{valueText}' in threshold \"{text}\"; expected {ValueHint(metric)}");
        if (!double.IsFinite(number))
            throw Fail($"value '{valueText}' in threshold \"{text}\" is out of range; expected {ValueHint(metric)}");
        if (number < 0)
            throw Fail($"negative value '{valueText}' in threshold \"{text}\"; expected zero or more, {ValueHint(metric)}");

        var unit = match.Groups["unit"].Value;
        var limit = ToCanonical(metric, metricText, number, unit, text, Fail);
        return new ThresholdExpression(definition, metric, op, limit);
    }

    private static double ToCanonical(
        ThresholdMetric metric, string metricText, double number, string unit, string text, Func<string, ScenarioException> fail)
    {
        var lower = unit.ToLowerInvariant();
        switch (metric.Kind)
        {
            case ThresholdMetricKind.Latency:
                return lower switch
                {
                    "" or "s" => number,
                    "ms" => number / 1_000,
                    "us" or "µs" or "μs" => number / 1_000_000,
                    "m" => number * 60,
                    "%" => throw fail($"unit '%' not allowed for {metricText} in threshold \"{text}\"; percent applies only " +
                                      $"to error_rate; expected a latency unit, one of: {LatencyUnits} (a bare number means seconds)"),
                    _ => throw fail($"unknown unit '{unit}' for {metricText} in threshold \"{text}\"; expected one of: " +
                                    $"{LatencyUnits} (a bare number means seconds)"),
                };

            case ThresholdMetricKind.ErrorRate or ThresholdMetricKind.Ratio:
                if (lower == "%")
                {
                    if (number > 100)
                        throw fail($"{metric.Name} of {number.ToString(CultureInfo.InvariantCulture)}% in threshold \"{text}\" " +
                                   "is above 100%; expected a percentage from 0% to 100%");
                    return number / 100;
                }
                if (lower.Length != 0)
                    throw fail($"unknown unit '{unit}' for {metric.Name} in threshold \"{text}\"; expected a fraction " +
                               "(e.g. 0.05) or a percentage (e.g. 5%)");
                if (number > 1)
                    throw fail($"{metric.Name} {number.ToString(CultureInfo.InvariantCulture)} in threshold \"{text}\" is above 1; " +
                               $"expected a fraction from 0 to 1 or a percentage: write {number.ToString(CultureInfo.InvariantCulture)}% " +
                               $"or {(number / 100).ToString(CultureInfo.InvariantCulture)}");
                return number;

            case ThresholdMetricKind.Throughput:
                if (lower is "" or "/s") return number;
                throw fail($"unit '{unit}' not allowed for {metricText} in threshold \"{text}\"; expected a plain number " +
                           "of requests per second (e.g. throughput > 100)");

            default:
                if (lower.Length == 0) return number;
                var percentHint = lower == "%" ? "; percent applies only to error_rate" : "";
                throw fail($"unit '{unit}' not allowed for {metricText} in threshold \"{text}\"{percentHint}; " +
                           "expected a plain count (e.g. errors == 0)");
        }
    }

    private static string UnknownMetric(string metricText, string text)
    {
        var lower = metricText.ToLowerInvariant();
        if (lower.StartsWith("errors.", StringComparison.Ordinal))
            return $"unknown metric '{metricText}' in threshold \"{text}\"; expected errors.<kind> with kind one of: " +
                   string.Join(", ", ErrorKinds.All.Select(k => k.Key()));
        return $"unknown metric '{metricText}' in threshold \"{text}\"; expected one of: {string.Join(", ", ThresholdMetric.CanonicalNames)}";
    }

    private static string ValueHint(ThresholdMetric metric) => metric.Kind switch
    {
        ThresholdMetricKind.Latency => $"a number with an optional unit ({LatencyUnits}; a bare number means seconds), e.g. 2s or 300ms",
        ThresholdMetricKind.ErrorRate or ThresholdMetricKind.Ratio => "a fraction or a percentage, e.g. 0.05 or 5%",
        ThresholdMetricKind.Throughput => "a number of requests per second, e.g. 100",
        _ => "a count, e.g. 0 or 1000",
    };
}
