using PerfCluster.Core.Regression;

namespace PerfCluster.Core.Reports;

/// <summary>How the figures of a baseline comparison read in the summary and in JUnit messages.</summary>
internal static class RegressionFormat
{
    /// <summary>A value in the unit of its metric: req/s, ms, percent of requests, MiB, percent of the machine.</summary>
    public static string Value(MetricComparison m, double value)
    {
        if (!double.IsFinite(value)) return "n/a";
        var metric = m.Metric;
        if (metric.StartsWith("throughput", StringComparison.Ordinal)) return ReportFormat.Rate(value);
        if (metric.StartsWith("latency_", StringComparison.Ordinal)) return ReportFormat.Number(value, "#,0.0") + " ms";
        if (metric.StartsWith("error_rate", StringComparison.Ordinal)) return ReportFormat.Percent(value);
        if (metric.StartsWith("generator_memory", StringComparison.Ordinal)) return ReportFormat.Number(value / (1024.0 * 1024.0), "#,0.0") + " MiB";
        if (metric.StartsWith("generator_cpu", StringComparison.Ordinal)) return ReportFormat.Number(value, "0.#") + "%";
        return ReportFormat.Number(value, "#,0.###");
    }

    /// <summary>"+12.3%", "-4%", "+∞%" (a rise from zero), "n/a".</summary>
    public static string Change(double percent) =>
        double.IsPositiveInfinity(percent) ? "+∞%" : double.IsFinite(percent) ? ReportFormat.Number(percent, "+0.#;-0.#;0") + "%" : "n/a";

    /// <summary>"warn 10% / fail 20%" of worsening.</summary>
    public static string Limits(MetricComparison m) =>
        double.IsFinite(m.FailureThreshold)
            ? $"warn {ReportFormat.Number(m.WarningThreshold, "0.##")}% / fail {ReportFormat.Number(m.FailureThreshold, "0.##")}%"
            : "";

    /// <summary>"mann-whitney-u p=0.003 (60 windows)", "point", "none".</summary>
    public static string Test(MetricComparison m) => m.Test switch
    {
        RegressionTests.MannWhitneyU =>
            $"{m.Test} p={(m.PValue is { } p ? P(p) : "n/a")} ({m.BaselineSamples}/{m.CurrentSamples} {m.SampleSource})",
        _ => m.Test,
    };

    public static string P(double p) => p < 0.0001 ? "<0.0001" : ReportFormat.Number(p, "0.####");

    /// <summary>"latency_p95 +35% (120.0 ms → 162.0 ms), fail level 20%", the one-line account of a metric.</summary>
    public static string Describe(MetricComparison m)
    {
        var text = $"{m.Metric} {Change(m.ChangePercent)} ({Value(m, m.Baseline)} → {Value(m, m.Current)})";
        if (double.IsFinite(m.FailureThreshold)) text += $", {Limits(m)}";
        if (m.Test == RegressionTests.MannWhitneyU) text += $", {Test(m)}";
        if (m.Note is not null) text += $"; {m.Note}";
        return text;
    }

    /// <summary>"baseline 'nightly' v3 (run benchmark_1764168000)".</summary>
    public static string Baseline(RegressionVerdict v) => $"baseline '{v.BaselineName}' v{v.BaselineVersion} (run {v.BaselineRunId})";
}
