namespace PerfCluster.Core.Metrics;

/// <summary>
/// Mean, standard deviation and the 95% confidence interval of the mean of a few samples (Student's t,
/// since N is small: the guide's "multiple samples" are repeated runs, not thousands of points).
/// </summary>
public sealed record SampleSummary(int Count, double Mean, double StdDev, double Ci95Low, double Ci95High)
{
    // Two-sided 97.5% quantiles of Student's t for 1..30 degrees of freedom.
    private static readonly double[] T975 =
    [
        12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
        2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
        2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
    ];

    public static double TQuantile975(int degreesOfFreedom) =>
        degreesOfFreedom < 1 ? double.NaN : degreesOfFreedom <= T975.Length ? T975[degreesOfFreedom - 1] : 1.96;

    public static SampleSummary Of(IReadOnlyList<double> samples)
    {
        var n = samples.Count;
        if (n == 0) return new SampleSummary(0, double.NaN, double.NaN, double.NaN, double.NaN);
        var mean = samples.Average();
        if (n == 1) return new SampleSummary(1, mean, double.NaN, double.NaN, double.NaN);
        var variance = samples.Sum(x => (x - mean) * (x - mean)) / (n - 1);
        var sd = Math.Sqrt(variance);
        var half = TQuantile975(n - 1) * sd / Math.Sqrt(n);
        return new SampleSummary(n, mean, sd, mean - half, mean + half);
    }

    /// <summary>Half the interval's width relative to the mean: how precisely the runs pin the figure down.</summary>
    public double RelativeHalfWidth => Mean == 0 ? double.NaN : (Ci95High - Ci95Low) / 2 / Math.Abs(Mean);
}
