using PerfCluster.Core.Scenarios;

namespace PerfCluster.Core.Profiles;

/// <summary>
/// Piecewise-linear profiles: each stage moves linearly from the previous target to its own over its
/// duration (a zero-duration stage jumps); after the last stage its target holds.
/// </summary>
public static class StageProfile
{
    public static double ValueAt(IReadOnlyList<Stage> stages, double start, TimeSpan at)
    {
        var from = start;
        var t = at;
        foreach (var stage in stages)
        {
            if (t < stage.Duration)
                return from + (stage.Target - from) * (t.Ticks / (double)stage.Duration.Ticks);
            t -= stage.Duration;
            from = stage.Target;
        }
        return from;
    }

    /// <summary>∫ value dt from 0 to <paramref name="at"/> (value per second × seconds).</summary>
    public static double AreaUntil(IReadOnlyList<Stage> stages, double start, TimeSpan at)
    {
        var area = 0.0;
        var from = start;
        var t = at.TotalSeconds;
        foreach (var stage in stages)
        {
            var d = stage.Duration.TotalSeconds;
            if (t <= d)
            {
                var v = d > 0 ? from + (stage.Target - from) * (t / d) : stage.Target;
                return area + (from + v) / 2 * t;
            }
            area += (from + stage.Target) / 2 * d;
            t -= d;
            from = stage.Target;
        }
        return area + from * t;
    }

    /// <summary>
    /// The earliest time at which <see cref="AreaUntil"/> reaches <paramref name="area"/>, or null when
    /// the profile never gets there (the rate stays at zero from some point on).
    /// </summary>
    public static TimeSpan? TimeOfArea(IReadOnlyList<Stage> stages, double start, double area)
    {
        if (area <= 0) return TimeSpan.Zero;
        var elapsed = 0.0;
        var from = start;
        foreach (var stage in stages)
        {
            var d = stage.Duration.TotalSeconds;
            var stageArea = (from + stage.Target) / 2 * d;
            if (d > 0 && area <= stageArea)
                return TimeSpan.FromSeconds(elapsed + SolveWithin(from, stage.Target, d, area));
            area -= stageArea;
            elapsed += d;
            from = stage.Target;
        }
        return from > 0 ? TimeSpan.FromSeconds(elapsed + area / from) : null;
    }

    /// <summary>x in [0, d] with r0·x + (r1 - r0)/(2d)·x² = a.</summary>
    private static double SolveWithin(double r0, double r1, double d, double a)
    {
        var k = (r1 - r0) / (2 * d);
        if (Math.Abs(k) < 1e-12) return a / r0;
        var disc = r0 * r0 + 4 * k * a;
        var x = (-r0 + Math.Sqrt(Math.Max(0, disc))) / (2 * k);
        return Math.Clamp(x, 0, d);
    }
}
