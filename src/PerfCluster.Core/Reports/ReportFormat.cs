using System.Globalization;

namespace PerfCluster.Core.Reports;

/// <summary>Figures as people read them in summaries, alerts and recommendations (invariant culture).</summary>
internal static class ReportFormat
{
    private static readonly CultureInfo C = CultureInfo.InvariantCulture;

    /// <summary>Seconds shown as "45.2 ms", or "12.35 s" from ten seconds up; "n/a" for NaN.</summary>
    public static string Latency(double seconds)
    {
        if (!double.IsFinite(seconds)) return "n/a";
        return seconds >= 10 ? seconds.ToString("0.##", C) + " s" : (seconds * 1000).ToString("0.#", C) + " ms";
    }

    /// <summary>A fraction shown as "2.35%"; "&lt;0.01%" for tiny non-zero values; "n/a" for NaN.</summary>
    public static string Percent(double fraction)
    {
        if (!double.IsFinite(fraction)) return "n/a";
        if (fraction > 0 && fraction < 0.0001) return "<0.01%";
        return (fraction * 100).ToString("0.##", C) + "%";
    }

    /// <summary>"12.3 s", "4 min 05 s", "2 h 03 min".</summary>
    public static string Duration(TimeSpan duration)
    {
        if (duration < TimeSpan.Zero) duration = TimeSpan.Zero;
        if (duration.TotalSeconds < 60) return duration.TotalSeconds.ToString("0.0", C) + " s";
        if (duration.TotalHours < 1) return $"{(int)duration.TotalMinutes} min {duration.Seconds:00} s";
        return $"{(int)duration.TotalHours} h {duration.Minutes:00} min";
    }

    public static string Count(long value) => value.ToString("#,0", C);

    public static string Rate(double perSecond) =>
        double.IsFinite(perSecond) ? perSecond.ToString("#,0.0", C) + " req/s" : "n/a";

    public static string Number(double value, string format) =>
        double.IsFinite(value) ? value.ToString(format, C) : "n/a";

    public static string Cores(int count) => count == 1 ? "1 core" : $"{count} cores";

    public static string Timestamp(DateTimeOffset at) =>
        at.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss 'UTC'", C);
}
