using System.Globalization;
using PerfCluster.Core.Scenarios;

namespace PerfCluster.Core.Monitoring;

/// <summary>One resident-memory reading of a watched process, at run-relative time <see cref="At"/>.</summary>
public readonly record struct MemorySample(TimeSpan At, double MemoryMb);

/// <summary>How <see cref="LeakDetector"/> judges growth.</summary>
/// <param name="Window">How far back samples are kept (the guide's analysis window).</param>
/// <param name="GrowthThresholdMb">Trend growth over the observed span that counts as a leak (the guide's <c>memory_growth_threshold_mb</c>).</param>
/// <param name="MinRSquared">
/// How much of the variation the straight line must explain. A GC sawtooth moves memory a lot but not along a line,
/// so its R² stays low even when a partial cycle tilts the fitted slope.
/// </param>
/// <param name="MinSamples">Fewer samples than this give no verdict.</param>
/// <param name="MinCoverage">
/// Share of <see cref="Window"/> the samples must span before a verdict: a process's first minute of warm-up
/// growth is not a leak, and a short span makes a slope say little.
/// </param>
public sealed record LeakDetectorOptions(
    TimeSpan Window, double GrowthThresholdMb, double MinRSquared, int MinSamples, double MinCoverage)
{
    public static readonly TimeSpan MinWindow = MonitorDefinition.MinLeakWindow;

    public static readonly LeakDetectorOptions Default = new(
        MonitorDefinition.DefaultLeakWindow, MonitorDefinition.DefaultMemoryGrowthThresholdMb, 0.5, 10, 0.5);

    /// <summary>The options the scenario's <c>monitor</c> section asks for.</summary>
    public static LeakDetectorOptions For(MonitorDefinition monitor) =>
        Default with { Window = monitor.LeakWindow, GrowthThresholdMb = monitor.MemoryGrowthThresholdMb };
}

/// <summary>
/// The detector's reading of its window: an ordinary least squares line through (time, MB), its fit and the 95%
/// confidence interval of its slope. Slopes are in MB per minute; <see cref="GrowthMb"/> is slope × observed span.
/// </summary>
public sealed record LeakAssessment(
    int Samples,
    TimeSpan Span,
    double SlopeMbPerMinute,
    double InterceptMb,
    double RSquared,
    double SlopeStdErrorMbPerMinute,
    double SlopeCiLowMbPerMinute,
    double SlopeCiHighMbPerMinute,
    double GrowthMb,
    double GrowthThresholdMb,
    bool Suspected,
    string Reason)
{
    internal static LeakAssessment NoVerdict(int samples, TimeSpan span, double threshold, string reason) =>
        new(samples, span, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, threshold, false, reason);
}

/// <summary>
/// Detects a memory leak from a sliding window of samples. A leak is suspected only when all three hold:
/// the fitted trend grows more than the threshold over the observed span, the slope's 95% confidence interval lies
/// above zero (the growth is not noise), and R² reaches the minimum (the growth is steady, not a GC sawtooth whose
/// window happens to end on a peak). Samples must arrive in time order; an older or repeated one is ignored.
/// </summary>
/// <remarks>
/// The interval assumes independent residuals. Around a sawtooth they are not, so the interval comes out too narrow
/// and alone would call a tilted sawtooth a leak; the growth and R² gates are what keep it quiet.
/// </remarks>
public sealed class LeakDetector(LeakDetectorOptions options)
{
    private readonly Queue<MemorySample> _samples = new();
    private TimeSpan? _lastAt;

    public LeakDetector() : this(LeakDetectorOptions.Default)
    {
    }

    public LeakDetectorOptions Options { get; } = options ?? throw new ArgumentNullException(nameof(options));

    public int Count => _samples.Count;

    /// <summary>Adds a sample and drops those older than the window; returns false when it was out of order or not finite.</summary>
    public bool Add(MemorySample sample)
    {
        if (!double.IsFinite(sample.MemoryMb)) return false;
        if (sample.At <= _lastAt) return false;
        _lastAt = sample.At;
        _samples.Enqueue(sample);
        while (_samples.Peek().At < sample.At - Options.Window) _samples.Dequeue();
        return true;
    }

    public bool Add(TimeSpan at, double memoryMb) => Add(new MemorySample(at, memoryMb));

    public LeakAssessment Assess() => Assess(_samples.ToList(), Options);

    /// <summary>The same judgement over any series (all of it, whatever its span), for reports and tests.</summary>
    public static LeakAssessment Assess(IReadOnlyList<MemorySample> samples, LeakDetectorOptions options)
    {
        ArgumentNullException.ThrowIfNull(samples);
        ArgumentNullException.ThrowIfNull(options);
        var c = CultureInfo.InvariantCulture;
        var n = samples.Count;
        var span = n == 0 ? TimeSpan.Zero : samples[^1].At - samples[0].At;
        var threshold = options.GrowthThresholdMb;
        if (n < Math.Max(3, options.MinSamples))
            return LeakAssessment.NoVerdict(n, span, threshold, $"{n} samples; a verdict needs {Math.Max(3, options.MinSamples)}");
        var needed = options.Window * options.MinCoverage;
        if (span < needed)
            return LeakAssessment.NoVerdict(n, span, threshold,
                $"samples span {span.TotalSeconds.ToString("0", c)}s; a verdict needs {needed.TotalSeconds.ToString("0", c)}s");

        // Times in minutes from the first sample keep the sums small and the slope in MB/min directly.
        var origin = samples[0].At;
        double tMean = 0, yMean = 0;
        foreach (var s in samples)
        {
            tMean += (s.At - origin).TotalMinutes;
            yMean += s.MemoryMb;
        }
        tMean /= n;
        yMean /= n;
        double sxx = 0, sxy = 0, syy = 0;
        foreach (var s in samples)
        {
            var dt = (s.At - origin).TotalMinutes - tMean;
            var dy = s.MemoryMb - yMean;
            sxx += dt * dt;
            sxy += dt * dy;
            syy += dy * dy;
        }

        var slope = sxy / sxx;
        var intercept = yMean - slope * tMean;
        var rSquared = syy > 0 ? sxy * sxy / (sxx * syy) : 0;
        var residual = Math.Max(0, syy - slope * sxy);
        var stdError = Math.Sqrt(residual / (n - 2) / sxx);
        var t = StudentT975(n - 2);
        var low = slope - t * stdError;
        var high = slope + t * stdError;
        var growth = slope * span.TotalMinutes;

        var failed = new List<string>();
        if (growth <= threshold)
            failed.Add($"growth {growth.ToString("0.#", c)}MB is not above {threshold.ToString("0.#", c)}MB");
        if (low <= 0)
            failed.Add($"the slope's 95% interval reaches {low.ToString("0.##", c)}MB/min (not above 0)");
        if (rSquared < options.MinRSquared)
            failed.Add($"R² {rSquared.ToString("0.##", c)} is below {options.MinRSquared.ToString("0.##", c)} (not a steady trend)");
        var suspected = failed.Count == 0;
        var reason = suspected
            ? $"memory grew {growth.ToString("0.#", c)}MB over {span.TotalMinutes.ToString("0.#", c)}min " +
              $"({slope.ToString("0.##", c)}MB/min, 95% CI {low.ToString("0.##", c)}–{high.ToString("0.##", c)}, R² {rSquared.ToString("0.##", c)})"
            : string.Join("; ", failed);
        return new LeakAssessment(n, span, slope, intercept, rSquared, stdError, low, high, growth, threshold, suspected, reason);
    }

    /// <summary>Two-sided 95% critical value of Student's t with <paramref name="df"/> degrees of freedom.</summary>
    internal static double StudentT975(int df)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(df, 1);
        if (df <= Table.Length) return Table[df - 1];
        // Cornish–Fisher expansion around the normal quantile; within 1e-4 of the exact value from 30 df up.
        const double z = 1.959963984540054;
        double v = df, z3 = z * z * z, z5 = z3 * z * z, z7 = z5 * z * z;
        return z + (z3 + z) / (4 * v) + (5 * z5 + 16 * z3 + 3 * z) / (96 * v * v) + (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / (384 * v * v * v);
    }

    private static readonly double[] Table =
    [
        12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
        2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
        2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
    ];
}
