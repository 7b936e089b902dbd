using PerfCluster.Core.Monitoring;
using PerfCluster.Core.Scenarios;
using PerfCluster.Core.Hocon;
using PerfCluster.Core.Input;
using PerfCluster.Core.Metrics;

namespace PerfCluster.Core.Scenarios;

/// <summary>
/// Reads <c>sla-thresholds</c> (the guide's <c>sla_thresholds</c>): a list of
/// <c>{ metric, value, comparison = lt | gt | eq, severity = info | warning | critical, description }</c>.
/// Without the key a scenario gets <see cref="SlaThreshold.Defaults"/>; an empty list means no SLA at all.
/// </summary>
internal static class SlaThresholdReader
{
    public const AlertSeverity DefaultSeverity = AlertSeverity.Warning;

    public static IReadOnlyList<SlaThreshold> Read(Scope scenario)
    {
        if (scenario.Get("sla-thresholds") is not { } field) return SlaThreshold.Defaults;
        return AlertSections.Items(field, "SLA thresholds").Select(item => Threshold(field.Key, item)).ToList();
    }

    private static SlaThreshold Threshold(string listKey, HoconNode item)
    {
        if (item is not HoconObject obj)
            throw new ScenarioException(
                $"expected an SLA threshold {{ metric, value, comparison }} in '{listKey}' but found {item.Describe()}", item.Position);
        var section = ScenarioKeys.Read(obj, ScenarioKeys.SlaThreshold);

        var metric = AlertSections.Metric(section, obj, "an SLA threshold", "metric = p95");
        var valueField = section.Field("value")
            ?? throw new ScenarioException($"an SLA threshold needs 'value' (e.g. value = {Example(metric)})", obj.Position);
        var value = MetricValueReader.Read(metric, valueField);
        var comparisonField = section.Field("comparison")
            ?? throw new ScenarioException(
                "an SLA threshold needs 'comparison': lt, gt or eq, the relation that must hold (e.g. comparison = lt for \"p95 below value\")",
                obj.Position);
        var comparison = AlertSections.ReadComparison(comparisonField);
        var severity = section.Field("severity") is { } s ? AlertSections.ReadSeverity(s) : DefaultSeverity;
        var description = section.Field("description") is { } d ? d.Value.AsString(d.Key) : null;
        return new SlaThreshold(metric.Name, value, comparison, severity, description) { Position = obj.Position };
    }

    private static string Example(MonitoredMetric metric) => metric.Unit switch
    {
        MetricUnit.Milliseconds => "2s",
        MetricUnit.Fraction => "0.05",
        MetricUnit.Percent => "80",
        _ => "100",
    };
}

/// <summary>What <see cref="SlaThresholdReader"/> and <see cref="AlertRuleReader"/> read the same way.</summary>
internal static class AlertSections
{
    public static IReadOnlyList<HoconNode> Items(HoconField field, string what) => field.Value switch
    {
        HoconArray array => array.Items,
        HoconObject single => [single],
        _ => throw new ScenarioException($"expected an array of {what} for '{field.Key}' but found {field.Value.Describe()}",
            field.Value.Position),
    };

    public static MonitoredMetric Metric(Section section, HoconObject obj, string what, string example)
    {
        var field = section.Field("metric")
            ?? throw new ScenarioException($"{what} needs 'metric' (e.g. {example}); metrics: {string.Join(", ", MonitoredMetrics.Names)}",
                obj.Position);
        return MonitoredMetrics.Resolve(field.Value.AsString(field.Key), field.Value.Position);
    }

    public static Comparison ReadComparison(HoconField field)
    {
        var text = field.Value.AsString(field.Key);
        return AlertWords.TryParseComparison(text, out var comparison)
            ? comparison
            : throw Unknown(field, text, "comparison", AlertWords.Comparisons);
    }

    public static AlertSeverity ReadSeverity(HoconField field)
    {
        var text = field.Value.AsString(field.Key);
        return AlertWords.TryParseSeverity(text, out var severity)
            ? severity
            : throw Unknown(field, text, "severity", AlertWords.Severities);
    }

    public static ScenarioException Unknown(HoconField field, string text, string what, IReadOnlyList<string> words)
    {
        var normalized = text.Trim().Replace('_', '-').ToLowerInvariant();
        var close = words.FirstOrDefault(w => Spelling.EditDistance(normalized, w) <= 2);
        var message = close is null
            ? $"unknown {what} '{text}' for '{field.Key}'; expected one of: {string.Join(", ", words)}"
            : $"unknown {what} '{text}' for '{field.Key}'; did you mean '{close}'?";
        return new ScenarioException(message, field.Value.Position);
    }
}
