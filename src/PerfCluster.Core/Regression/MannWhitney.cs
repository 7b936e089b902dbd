namespace PerfCluster.Core.Regression;

/// <summary>The outcome of a two-sided Mann-Whitney U test of sample <c>x</c> (baseline) against <c>y</c> (current).</summary>
/// <param name="U">U of <c>x</c>: how many (x, y) pairs have x above y, ties counting half.</param>
/// <param name="Z">Standardised U with tie and continuity correction; positive when <c>x</c> tends to be larger.</param>
/// <param name="PValue">Two-sided p-value from the normal approximation.</param>
public sealed record MannWhitneyResult(double U, double Z, double PValue, int CountX, int CountY);

/// <summary>
/// Hodges-Lehmann estimate of how far <c>y</c> sits above <c>x</c> (the median of all pairwise differences y - x)
/// and its distribution-free 95% confidence interval.
/// </summary>
public sealed record ShiftEstimate(double Shift, double Ci95Low, double Ci95High);

/// <summary>
/// The rank-sum test the regression gate uses. Latency and throughput samples are skewed and carry outliers, so a
/// test on ranks is used rather than Student's t; the normal approximation (with tie correction, so windows with
/// identical figures do not inflate significance, and continuity correction) is accurate from about five samples a
/// side, which is the minimum the comparer asks for. It matches scipy's
/// <c>mannwhitneyu(x, y, use_continuity=True, alternative="two-sided", method="asymptotic")</c>.
/// </summary>
public static class MannWhitney
{
    /// <summary>The 97.5% quantile of the standard normal distribution.</summary>
    public const double Z975 = 1.959963984540054;

    /// <summary>Pairwise differences kept for the shift estimate; longer samples are thinned evenly to stay within it.</summary>
    public const int MaxPairs = 1_000_000;

    public static MannWhitneyResult Test(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        int n1 = x.Count, n2 = y.Count;
        if (n1 == 0 || n2 == 0) return new MannWhitneyResult(double.NaN, double.NaN, double.NaN, n1, n2);

        // Rank the pooled samples, giving tied values the mean of the ranks they span.
        var pooled = new (double Value, bool FromX)[n1 + n2];
        for (var i = 0; i < n1; i++) pooled[i] = (x[i], true);
        for (var j = 0; j < n2; j++) pooled[n1 + j] = (y[j], false);
        Array.Sort(pooled, (a, b) => a.Value.CompareTo(b.Value));

        double rankSumX = 0, tieTerm = 0;
        for (var start = 0; start < pooled.Length;)
        {
            var end = start;
            while (end + 1 < pooled.Length && pooled[end + 1].Value.Equals(pooled[start].Value)) end++;
            var rank = (start + end + 2) / 2.0;   // mean of the 1-based ranks start+1 .. end+1
            for (var k = start; k <= end; k++)
            {
                if (pooled[k].FromX) rankSumX += rank;
            }
            double t = end - start + 1;
            tieTerm += t * t * t - t;
            start = end + 1;
        }

        var u = rankSumX - n1 * (n1 + 1) / 2.0;
        var n = (double)(n1 + n2);
        var mean = n1 * (double)n2 / 2.0;
        var variance = n1 * (double)n2 / 12.0 * (n + 1 - tieTerm / (n * (n - 1)));
        if (variance <= 0) return new MannWhitneyResult(u, 0, 1, n1, n2);   // every value equal: no evidence of a shift

        var distance = Math.Max(0, Math.Abs(u - mean) - 0.5);
        var z = Math.Sign(u - mean) * distance / Math.Sqrt(variance);
        var p = Math.Min(1, 2 * NormalUpperTail(Math.Abs(z)));
        return new MannWhitneyResult(u, z, p, n1, n2);
    }

    /// <summary>
    /// Median of y - x over all pairs, with the interval between the order statistics that the normal approximation of
    /// U puts at 2.5% and 97.5% (Moses' interval).
    /// </summary>
    public static ShiftEstimate HodgesLehmann(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        if (x.Count == 0 || y.Count == 0) return new ShiftEstimate(double.NaN, double.NaN, double.NaN);
        var (a, b) = Thin(x, y);
        var differences = new double[a.Count * b.Count];
        var i = 0;
        foreach (var xv in a)
        {
            foreach (var yv in b) differences[i++] = yv - xv;
        }
        Array.Sort(differences);

        var m = differences.Length;
        var shift = m % 2 == 1 ? differences[m / 2] : (differences[m / 2 - 1] + differences[m / 2]) / 2;
        double n1 = a.Count, n2 = b.Count;
        var k = (int)Math.Floor(n1 * n2 / 2 - Z975 * Math.Sqrt(n1 * n2 * (n1 + n2 + 1) / 12));
        k = Math.Clamp(k, 1, m);   // 1-based; tiny samples give the full range
        return new ShiftEstimate(shift, differences[k - 1], differences[m - k]);
    }

    /// <summary>P(Z &gt; z) for a standard normal Z.</summary>
    public static double NormalUpperTail(double z) => 0.5 * Erfc(z / Math.Sqrt(2));

    /// <summary>
    /// The complementary error function to about 1e-10 relative or better: a series of positive terms below 3,
    /// the Laplace continued fraction from 3 on, where the series would need too many terms.
    /// </summary>
    public static double Erfc(double x)
    {
        if (double.IsNaN(x)) return double.NaN;
        if (x < 0) return 2 - Erfc(-x);
        if (x < 3)
        {
            // erf(x) = 2/sqrt(pi) e^(-x²) Σ 2^n x^(2n+1) / (1·3·…·(2n+1))
            double term = x, sum = x;
            for (var n = 1; n < 200 && term > sum * 1e-17; n++)
            {
                term *= 2 * x * x / (2 * n + 1);
                sum += term;
            }
            return 1 - 2 / Math.Sqrt(Math.PI) * Math.Exp(-x * x) * sum;
        }
        if (x > 27) return 0;
        // erfc(x) = e^(-x²)/sqrt(pi) · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + …))))), evaluated from the tail.
        var fraction = x;
        for (var n = 80; n >= 1; n--) fraction = x + n / 2.0 / fraction;
        return Math.Exp(-x * x) / Math.Sqrt(Math.PI) / fraction;
    }

    private static (IReadOnlyList<double> X, IReadOnlyList<double> Y) Thin(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        if ((long)x.Count * y.Count <= MaxPairs) return (x, y);
        var factor = Math.Sqrt((double)x.Count * y.Count / MaxPairs);
        return (Every(x, factor), Every(y, factor));
    }

    private static List<double> Every(IReadOnlyList<double> values, double factor)
    {
        var count = Math.Max(1, (int)(values.Count / factor));
        return Enumerable.Range(0, count).Select(i => values[(int)(i * (double)values.Count / count)]).ToList();
    }
}
