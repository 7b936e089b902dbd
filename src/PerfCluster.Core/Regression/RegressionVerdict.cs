namespace PerfCluster.Core.Regression;

/// <summary>How one metric (or the whole comparison) came out against its baseline.</summary>
public enum RegressionOutcome
{
    Pass,
    /// <summary>Worse by more than the warning level, or beyond the failure level without a significant shift.</summary>
    Warning,
    /// <summary>Worse by more than the failure level, and significant when there were samples enough to tell.</summary>
    Fail,
    /// <summary>One side has nothing to compare (no requests, an endpoint on one side only, a zero baseline).</summary>
    NotCompared,
}

/// <summary>Which way a metric gets worse.</summary>
public enum MetricDirection { HigherIsWorse, LowerIsWorse }

public static class RegressionNames
{
    /// <summary>"pass", "warning", "fail", "not-compared": the spelling of reports.</summary>
    public static string ToJsonName(this RegressionOutcome outcome) => outcome switch
    {
        RegressionOutcome.Pass => "pass",
        RegressionOutcome.Warning => "warning",
        RegressionOutcome.Fail => "fail",
        _ => "not-compared",
    };

    public static string ToJsonName(this MetricDirection direction) =>
        direction == MetricDirection.HigherIsWorse ? "higher-is-worse" : "lower-is-worse";
}

/// <summary>The statistical test behind a comparison, in report spelling.</summary>
public static class RegressionTests
{
    /// <summary>Mann-Whitney U on per-window or per-iteration samples (see <see cref="MetricComparison.SampleSource"/>).</summary>
    public const string MannWhitneyU = "mann-whitney-u";
    /// <summary>Too few samples on a side: the two summary values alone decide.</summary>
    public const string Point = "point";
    /// <summary>Not compared at all.</summary>
    public const string None = "none";
}

/// <summary>One metric of the current run against the baseline.</summary>
public sealed record MetricComparison
{
    /// <summary>"throughput", "latency_p95", "error_rate", "generator_memory", "generator_cpu", or "latency_p95[checkout]" for an endpoint.</summary>
    public required string Metric { get; init; }
    /// <summary>The endpoint for a per-endpoint metric; null for the whole scenario.</summary>
    public string? Endpoint { get; init; }
    public required MetricDirection Direction { get; init; }
    /// <summary>Requests/s, milliseconds, a fraction (error rate), bytes or percent, as the metric goes; NaN when absent.</summary>
    public required double Baseline { get; init; }
    public required double Current { get; init; }
    /// <summary>(current - baseline) / baseline in percent, signed; +∞ for a rise from a zero baseline, NaN when not compared.</summary>
    public required double ChangePercent { get; init; }
    /// <summary>Worsening, in percent of the baseline, beyond which the metric warns.</summary>
    public required double WarningThreshold { get; init; }
    public required double FailureThreshold { get; init; }
    public required RegressionOutcome Outcome { get; init; }
    /// <summary>One of <see cref="RegressionTests"/>.</summary>
    public required string Test { get; init; }
    /// <summary>"windows" or "iterations" for the Mann-Whitney test; null otherwise.</summary>
    public string? SampleSource { get; init; }
    public double? PValue { get; init; }
    /// <summary>The test's standardised statistic: positive when the baseline's samples tend to be larger.</summary>
    public double? Z { get; init; }
    /// <summary>The Hodges-Lehmann shift (current - baseline) of the samples, or the change itself for a point comparison.</summary>
    public double Effect { get; init; } = double.NaN;
    public double? EffectCi95Low { get; init; }
    public double? EffectCi95High { get; init; }
    public int BaselineSamples { get; init; }
    public int CurrentSamples { get; init; }
    /// <summary>Why the outcome is what it is when the figures alone do not say (not significant, below the error floor…).</summary>
    public string? Note { get; init; }

    /// <summary>How much worse, in percent of the baseline (negative when better).</summary>
    public double WorseningPercent => Direction == MetricDirection.HigherIsWorse ? ChangePercent : -ChangePercent;
}

/// <summary>
/// A run against its baseline: every metric compared, anything about the set-ups that makes the comparison
/// doubtful, and the verdict. Environment warnings are reported but do not change the outcome: a new tool version or
/// another machine is worth knowing, not a regression.
/// </summary>
public sealed record RegressionVerdict
{
    public required string BaselineName { get; init; }
    public int BaselineVersion { get; init; }
    public required string BaselineRunId { get; init; }
    public required IReadOnlyList<MetricComparison> Metrics { get; init; }
    public IReadOnlyList<string> EnvironmentWarnings { get; init; } = [];
    /// <summary>--strict: warnings fail the run too.</summary>
    public bool Strict { get; init; }

    /// <summary>Fail if any metric failed, Warning if any warned, otherwise Pass.</summary>
    public RegressionOutcome Outcome =>
        Metrics.Any(m => m.Outcome == RegressionOutcome.Fail) ? RegressionOutcome.Fail
        : Metrics.Any(m => m.Outcome == RegressionOutcome.Warning) ? RegressionOutcome.Warning
        : RegressionOutcome.Pass;

    /// <summary>1 when a metric failed, or warned under --strict; 0 otherwise.</summary>
    public int ExitCode => Outcome == RegressionOutcome.Fail || (Strict && Outcome == RegressionOutcome.Warning) ? 1 : 0;

    public bool Passed => ExitCode == 0;

    public IEnumerable<MetricComparison> Failures => Metrics.Where(m => m.Outcome == RegressionOutcome.Fail);

    public IEnumerable<MetricComparison> Warnings => Metrics.Where(m => m.Outcome == RegressionOutcome.Warning);
}
