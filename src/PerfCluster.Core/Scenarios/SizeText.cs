using System.Globalization;

namespace PerfCluster.Core.Scenarios;

/// <summary>Sizes as configuration writes them: a byte count, or a number with B, KB, MB or GB (powers of 1024; KiB, MiB and GiB too).</summary>
public static class SizeText
{
    private static readonly (string Suffix, long Factor)[] Units =
    [
        ("gib", 1L << 30), ("mib", 1L << 20), ("kib", 1L << 10), ("gb", 1L << 30), ("mb", 1L << 20), ("kb", 1L << 10), ("b", 1),
    ];

    /// <summary>The number of bytes, or null when <paramref name="text"/> is not a size (or is negative).</summary>
    public static long? TryParse(string text)
    {
        var t = text.Trim().ToLowerInvariant().Replace(" ", "", StringComparison.Ordinal);
        foreach (var (suffix, factor) in Units)
            if (t.EndsWith(suffix, StringComparison.Ordinal))
                return double.TryParse(t[..^suffix.Length], NumberStyles.Float, CultureInfo.InvariantCulture, out var n) && n >= 0 && n * factor <= long.MaxValue
                    ? (long)(n * factor)
                    : null;
        return long.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out var bytes) ? bytes : null;
    }

    /// <summary>"64MB", "512KB", "1000": the shortest exact form.</summary>
    public static string Format(long bytes)
    {
        foreach (var (suffix, factor) in new[] { ("GB", 1L << 30), ("MB", 1L << 20), ("KB", 1L << 10) })
            if (bytes > 0 && bytes % factor == 0) return (bytes / factor).ToString(CultureInfo.InvariantCulture) + suffix;
        return bytes.ToString(CultureInfo.InvariantCulture);
    }
}
