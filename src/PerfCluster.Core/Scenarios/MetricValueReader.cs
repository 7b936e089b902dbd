using System.Globalization;
using System.Text.RegularExpressions;
using PerfCluster.Core.Monitoring;
using PerfCluster.Core.Scenarios;
using PerfCluster.Core.Hocon;
using PerfCluster.Core.Metrics;
using PerfCluster.Core.Input;

namespace PerfCluster.Core.Scenarios;

/// <summary>
/// Reads an SLA value or rule threshold into its metric's unit. Units follow <c>thresholds</c>: latency takes
/// us, ms, s or m and a bare number means SECONDS (the guide's <c>response_time.p95 2.0</c>); error_rate takes a
/// fraction or a percentage; CPU takes a percentage with or without '%'; memory takes MB (or GB); rates and
/// counts take plain numbers.
/// </summary>
internal static partial class MetricValueReader
{
    /// <summary>
    /// Above this a bare latency number is almost surely meant as milliseconds; reading it as seconds would make the
    /// rule silently never fire, so it is refused and the unit asked for.
    /// </summary>
    public const double MaxBareLatencySeconds = 60;

    [GeneratedRegex(@"^(?<number>[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)\s*(?<unit>\S*)$", RegexOptions.CultureInvariant)]
    private static partial Regex NumberWithUnit();

    public static double Read(MonitoredMetric metric, HoconField field)
    {
        var node = field.Value;
        var text = node.AsString(field.Key).Trim();
        ScenarioException Fail(string message) => new(message, node.Position);

        var match = NumberWithUnit().Match(text);
        if (!match.Success || !double.TryParse(match.Groups["number"].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number)
            || !double.IsFinite(number))
            throw Fail($"expected {Hint(metric)} for '{field.Key}' but found {node.Describe()}");
        if (number < 0)
            throw Fail($"'{field.Key}' must be 0 or more but is {text}");

        var unit = match.Groups["unit"].Value;
        var lower = unit.ToLowerInvariant();
        var n = number.ToString(CultureInfo.InvariantCulture);
        switch (metric.Unit)
        {
            case MetricUnit.Milliseconds:
                return lower switch
                {
                    "" when number > MaxBareLatencySeconds => throw Fail(
                        $"'{field.Key}' = {n} for {metric.Name} would mean {n} seconds (a bare latency is in seconds); " +
                        $"write the unit: {n}ms or {n}s"),
                    "" or "s" => number * 1_000,
                    "ms" => number,
                    "us" or "µs" or "μs" => number / 1_000,
                    "m" => number * 60_000,
                    _ => throw Fail($"unknown unit '{unit}' for {metric.Name} in '{field.Key}'; expected one of: us, ms, s, m " +
                                    "(a bare number means seconds)"),
                };

            case MetricUnit.Fraction:
                if (lower == "%")
                    return number <= 100 ? number / 100 : throw Fail($"'{field.Key}' = {text} is above 100%");
                if (lower.Length != 0)
                    throw Fail($"unknown unit '{unit}' for {metric.Name} in '{field.Key}'; expected a fraction (e.g. 0.05) or a percentage (e.g. \"5%\")");
                return number <= 1
                    ? number
                    : throw Fail($"'{field.Key}' = {n} for {metric.Name} is above 1; expected a fraction from 0 to 1 or a percentage: " +
                                 $"write \"{n}%\" or {(number / 100).ToString(CultureInfo.InvariantCulture)}");

            case MetricUnit.Percent:
                if (lower is not ("" or "%"))
                    throw Fail($"unknown unit '{unit}' for {metric.Name} in '{field.Key}'; expected a percentage, e.g. 85 or \"85%\"");
                return number <= 100
                    ? number
                    : throw Fail($"'{field.Key}' = {text} for {metric.Name} is above 100; it is a percentage of all cores (0 to 100)");

            case MetricUnit.Megabytes:
                return lower switch
                {
                    "" or "mb" or "mib" => number,
                    "gb" or "gib" => number * 1024,
                    _ => throw Fail($"unknown unit '{unit}' for {metric.Name} in '{field.Key}'; expected MB (the default) or GB"),
                };

            case MetricUnit.PerSecond:
                return lower is "" or "/s"
                    ? number
                    : throw Fail($"unit '{unit}' not allowed for {metric.Name} in '{field.Key}'; expected requests per second, e.g. 100");

            default:
                return lower.Length == 0
                    ? number
                    : throw Fail($"unit '{unit}' not allowed for {metric.Name} in '{field.Key}'; expected a plain count, e.g. 0");
        }
    }

    private static string Hint(MonitoredMetric metric) => metric.Unit switch
    {
        MetricUnit.Milliseconds => "a latency such as 2s or 300ms",
        MetricUnit.Fraction => "a fraction or percentage such as 0.05 or \"5%\"",
        MetricUnit.Percent => "a percentage such as 85",
        MetricUnit.Megabytes => "a size in MB such as 512",
        MetricUnit.PerSecond => "a number of requests per second such as 100",
        _ => "a count such as 0",
    };
}
