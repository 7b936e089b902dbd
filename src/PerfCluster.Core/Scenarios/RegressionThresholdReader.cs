using System.Globalization;
using PerfCluster.Core.Regression;
using PerfCluster.Core.Hocon;
using PerfCluster.Core.Input;

namespace PerfCluster.Core.Scenarios;

/// <summary>
/// Reads <c>regression-thresholds</c> (the guide's <c>regression_thresholds</c>). Each percentage is a number (the
/// failure level, warning at <c>warning-ratio</c> of it) or <c>{ warning = 5, failure = 10 }</c>; a bad value is
/// rejected here, with its position, rather than silently weakening the gate.
/// </summary>
internal static class RegressionThresholdReader
{
    public static RegressionThresholds Read(Scope scenario)
    {
        if (scenario.Get("regression-thresholds") is not { } field) return RegressionThresholds.Default;
        if (field.Value is not HoconObject obj)
            throw new ScenarioException($"expected an object for '{field.Key}' but found {field.Value.Describe()}", field.Value.Position);
        var section = ScenarioKeys.Read(obj, ScenarioKeys.RegressionThresholds);
        var defaults = RegressionThresholds.Default;

        var ratio = RegressionThresholds.DefaultWarningRatio;
        if (section.Field("warning-ratio") is { } r)
        {
            ratio = r.Value.AsDouble(r.Key);
            if (ratio is < 0 or > 1)
                throw new ScenarioException($"'{r.Key}' must be between 0 and 1 but is {r.Value.AsString()}", r.Value.Position);
        }

        var significance = defaults.Significance;
        if (section.Field("significance") is { } s)
        {
            significance = s.Value.AsDouble(s.Key);
            if (significance is <= 0 or > 0.5)
                throw new ScenarioException(
                    $"'{s.Key}' must be greater than 0 and at most 0.5 (e.g. 0.05) but is {s.Value.AsString()}", s.Value.Position);
        }

        return new RegressionThresholds
        {
            ThroughputDegradation = Limit(section, "throughput-degradation-percent", defaults.ThroughputDegradation, ratio, max: 100),
            LatencyIncrease = Limit(section, "latency-increase-percent", defaults.LatencyIncrease, ratio),
            ErrorRateIncrease = Limit(section, "error-rate-increase-percent", defaults.ErrorRateIncrease, ratio),
            MemoryIncrease = Limit(section, "memory-increase-percent", defaults.MemoryIncrease, ratio),
            CpuIncrease = Limit(section, "cpu-increase-percent", defaults.CpuIncrease, ratio),
            LatencyPercentiles = section.Field("latency-percentiles") is { } p ? Percentiles(p) : defaults.LatencyPercentiles,
            Significance = significance,
            AbortOnFail = section.Field("abort-on-fail") is { } a ? a.Value.AsBool(a.Key) : defaults.AbortOnFail,
        };
    }

    private static RegressionLimit Limit(Section section, string key, RegressionLimit fallback, double ratio, double? max = null)
    {
        if (section.Field(key) is not { } field) return RegressionLimit.Of(fallback.Failure, ratio);
        switch (field.Value)
        {
            case HoconScalar { IsNull: false } scalar:
                return RegressionLimit.Of(Percent(field.Key, scalar, max), ratio);
            case HoconObject obj:
                var levels = ScenarioKeys.Read(obj, ScenarioKeys.RegressionLimit);
                var failure = levels.Field("failure") is { } f ? Percent($"{field.Key}.{f.Key}", f.Value, max) : fallback.Failure;
                var warning = levels.Field("warning") is { } w ? Percent($"{field.Key}.{w.Key}", w.Value, max) : failure * ratio;
                if (warning > failure)
                    throw new ScenarioException(
                        $"'{field.Key}': the warning level ({Format(warning)}) must not exceed the failure level ({Format(failure)})",
                        (levels.Value("warning") ?? obj).Position);
                return new RegressionLimit(warning, failure);
            default:
                throw new ScenarioException(
                    $"expected a percentage or {{ warning = 5, failure = 10 }} for '{field.Key}' but found {field.Value.Describe()}",
                    field.Value.Position);
        }
    }

    private static double Percent(string key, HoconNode node, double? max)
    {
        var value = node.AsDouble(key);
        if (value < 0)
            throw new ScenarioException($"'{key}' must be 0 or more (a percentage of the baseline) but is {Format(value)}", node.Position);
        if (value > max)
            throw new ScenarioException($"'{key}' must be at most {Format(max.Value)} but is {Format(value)}", node.Position);
        return value;
    }

    private static IReadOnlyList<string> Percentiles(HoconField field)
    {
        var items = field.Value switch
        {
            HoconArray array => array.Items,
            HoconScalar { IsNull: false } single => [single],
            _ => throw new ScenarioException(
                $"expected an array of percentiles (e.g. [p50, p95, p99]) for '{field.Key}' but found {field.Value.Describe()}",
                field.Value.Position),
        };
        var result = new List<string>();
        foreach (var item in items)
        {
            var text = item.AsString(field.Key);
            var canonical = RegressionThresholds.CanonicalPercentile(text)
                ?? throw new ScenarioException(
                    $"unknown percentile '{text}' in '{field.Key}'; known: {string.Join(", ", RegressionThresholds.KnownPercentiles)}",
                    item.Position);
            if (!result.Contains(canonical)) result.Add(canonical);
        }
        return result;
    }

    private static string Format(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);
}
