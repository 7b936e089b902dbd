using System.Globalization;

namespace PerfCluster.Core.Scenarios;

/// <summary>
/// How much worse than its baseline a metric may get, in percent of the baseline value: below
/// <see cref="Warning"/> it passes, from <see cref="Warning"/> it warns, from <see cref="Failure"/> it fails
/// (when the shift is also statistically significant, see <see cref="RegressionComparer"/>).
/// </summary>
public sealed record RegressionLimit(double Warning, double Failure)
{
    /// <summary>A failure level with the warning at <paramref name="warningRatio"/> of it (the guide gives only the failure level).</summary>
    public static RegressionLimit Of(double failure, double warningRatio = RegressionThresholds.DefaultWarningRatio) =>
        new(failure * warningRatio, failure);

    public override string ToString() =>
        $"warning {Warning.ToString("0.##", CultureInfo.InvariantCulture)}%, failure {Failure.ToString("0.##", CultureInfo.InvariantCulture)}%";
}

/// <summary>
/// The regression gate of a scenario (<c>regression-thresholds</c>): the guide's percentages, which latency
/// percentiles count, and how sure the comparison must be before it calls a change a regression.
/// </summary>
public sealed record RegressionThresholds
{
    public const double DefaultWarningRatio = 0.5;

    /// <summary>Percentiles a baseline keeps, by their canonical names (as in report.json); p99_9 may also be written p99.9 or p999.</summary>
    public static readonly IReadOnlyList<string> KnownPercentiles = ["p50", "p90", "p95", "p99", "p99_9", "mean", "max"];

    /// <summary>The guide's defaults: 10 / 20 / 50 / 15 / 25 percent, warnings at half, p50/p95/p99, 5% significance.</summary>
    public static readonly RegressionThresholds Default = new();

    /// <summary>Drop in throughput (lower is worse).</summary>
    public RegressionLimit ThroughputDegradation { get; init; } = RegressionLimit.Of(10);

    /// <summary>Rise of each percentile in <see cref="LatencyPercentiles"/>.</summary>
    public RegressionLimit LatencyIncrease { get; init; } = RegressionLimit.Of(20);

    /// <summary>Relative rise of the error rate; rises below <see cref="ErrorRateFloor"/> never count.</summary>
    public RegressionLimit ErrorRateIncrease { get; init; } = RegressionLimit.Of(50);

    /// <summary>Rise of memory; compared on the generator's peak working set until the target is monitored.</summary>
    public RegressionLimit MemoryIncrease { get; init; } = RegressionLimit.Of(15);

    /// <summary>Rise of CPU; compared on the generator's CPU until the target is monitored.</summary>
    public RegressionLimit CpuIncrease { get; init; } = RegressionLimit.Of(25);

    public IReadOnlyList<string> LatencyPercentiles { get; init; } = ["p50", "p95", "p99"];

    /// <summary>A change beyond its failure level fails only when the samples' shift is significant at this level.</summary>
    public double Significance { get; init; } = 0.05;

    /// <summary>Stop a <c>perfcluster test</c> run early once <see cref="LiveRegression"/> is certain it fails.</summary>
    public bool AbortOnFail { get; init; }

    /// <summary>
    /// An error rate that rose by less than this (a fraction: 0.001 is 0.1 percentage point) passes whatever the
    /// relative change, so 0 → 0.02% is not an "infinite" regression.
    /// </summary>
    public double ErrorRateFloor { get; init; } = 0.001;

    /// <summary>Samples needed on each side for the statistical test; with fewer, values are compared as points.</summary>
    public int MinimumSamples { get; init; } = 5;

    /// <summary>The canonical name ("p99_9") of a percentile as written (p999, P99_9, "p99.9"); null when unknown.</summary>
    public static string? CanonicalPercentile(string text) => text.Trim().ToLowerInvariant() switch
    {
        "p50" or "median" => "p50",
        "p90" => "p90",
        "p95" => "p95",
        "p99" => "p99",
        "p99.9" or "p999" or "p99_9" => "p99_9",
        "mean" or "avg" => "mean",
        "max" => "max",
        _ => null,
    };

    public bool Equals(RegressionThresholds? other) =>
        other is not null && ThroughputDegradation == other.ThroughputDegradation && LatencyIncrease == other.LatencyIncrease &&
        ErrorRateIncrease == other.ErrorRateIncrease && MemoryIncrease == other.MemoryIncrease && CpuIncrease == other.CpuIncrease &&
        LatencyPercentiles.SequenceEqual(other.LatencyPercentiles) && Significance.Equals(other.Significance) &&
        AbortOnFail == other.AbortOnFail && ErrorRateFloor.Equals(other.ErrorRateFloor) && MinimumSamples == other.MinimumSamples;

    public override int GetHashCode() =>
        HashCode.Combine(ThroughputDegradation, LatencyIncrease, ErrorRateIncrease, MemoryIncrease, CpuIncrease,
            LatencyPercentiles.Count, Significance, AbortOnFail);
}
