using System.Globalization;

namespace PerfCluster.Core.Monitoring;

/// <summary>The fields of <c>/proc/&lt;pid&gt;/stat</c> that monitoring uses; ticks are in USER_HZ (usually 100 per second).</summary>
public sealed record ProcStat(int Pid, string Command, char State, long UserTicks, long SystemTicks, int Threads, long RssPages, long StartTicks)
{
    public long CpuTicks => UserTicks + SystemTicks;
}

/// <summary>The fields of <c>/proc/&lt;pid&gt;/status</c> that monitoring uses; any may be missing (kernel threads have no Vm lines).</summary>
public sealed record ProcStatus(string? Name, long? VmRssKb, long? VmHwmKb, int? Threads)
{
    public double? RssMb => VmRssKb / 1024.0;
}

/// <summary>
/// Parses the text of Linux <c>/proc/&lt;pid&gt;/stat</c> and <c>/proc/&lt;pid&gt;/status</c>. Pure: the caller reads the
/// files, so the parsing is tested on literal text and the sampler stays a thin loop. Malformed text throws
/// <see cref="FormatException"/> saying which field was wrong.
/// </summary>
public static class ProcStatParser
{
    /// <summary>
    /// Parses one stat line. The command sits in parentheses and may itself hold spaces and ')', so the fields
    /// after it are found from the LAST ')' (as the kernel documents).
    /// </summary>
    public static ProcStat ParseStat(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var open = text.IndexOf('(');
        var close = text.LastIndexOf(')');
        if (open < 0 || close < open) throw new FormatException("expected 'pid (command) state ...' in /proc/<pid>/stat");
        var pid = Int(text[..open].Trim(), "pid");
        var command = text[(open + 1)..close];
        var rest = text[(close + 1)..].Split((char[])[' ', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries);
        // rest[0] is field 3 (state); field k of proc(5) is rest[k - 3].
        const int rssField = 24;
        if (rest.Length < rssField - 2)
            throw new FormatException($"/proc/<pid>/stat has {rest.Length + 2} fields; expected at least {rssField}");
        string Field(int k) => rest[k - 3];
        if (Field(3).Length != 1) throw new FormatException($"expected a one-letter state in /proc/<pid>/stat but found '{Field(3)}'");
        return new ProcStat(
            pid, command, Field(3)[0],
            UserTicks: Long(Field(14), "utime"),
            SystemTicks: Long(Field(15), "stime"),
            Threads: Int(Field(20), "num_threads"),
            RssPages: Long(Field(24), "rss"),
            StartTicks: Long(Field(22), "starttime"));
    }

    /// <summary>Parses status lines of the form <c>Key:\tvalue [kB]</c>; unknown keys are skipped.</summary>
    public static ProcStatus ParseStatus(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string? name = null;
        long? rss = null, hwm = null;
        int? threads = null;
        foreach (var line in text.Split('\n'))
        {
            var colon = line.IndexOf(':');
            if (colon <= 0) continue;
            var key = line[..colon];
            var value = line[(colon + 1)..].Trim();
            switch (key)
            {
                case "Name": name = value; break;
                case "VmRSS": rss = Kb(value, key); break;
                case "VmHWM": hwm = Kb(value, key); break;
                case "Threads": threads = Int(value, key); break;
            }
        }
        return new ProcStatus(name, rss, hwm, threads);
    }

    /// <summary>
    /// CPU used between two samples of the same process, as a percentage of ALL <paramref name="processorCount"/>
    /// cores (0–100), the unit of target_cpu_percent. A process that restarted (start time changed) or a
    /// non-positive interval gives null rather than a nonsense figure.
    /// </summary>
    public static double? CpuPercent(ProcStat before, ProcStat after, TimeSpan elapsed, int processorCount, long clockTicksPerSecond = 100)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        ArgumentOutOfRangeException.ThrowIfLessThan(processorCount, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(clockTicksPerSecond, 1);
        if (elapsed <= TimeSpan.Zero || before.Pid != after.Pid || before.StartTicks != after.StartTicks) return null;
        var ticks = after.CpuTicks - before.CpuTicks;
        if (ticks < 0) return null;
        var cpuSeconds = (double)ticks / clockTicksPerSecond;
        return Math.Min(100, cpuSeconds / (elapsed.TotalSeconds * processorCount) * 100);
    }

    private static long Kb(string value, string key)
    {
        var parts = value.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length is < 1 or > 2 || (parts.Length == 2 && !parts[1].Equals("kB", StringComparison.OrdinalIgnoreCase)))
            throw new FormatException($"expected '<number> kB' for {key} in /proc/<pid>/status but found '{value}'");
        return Long(parts[0], key);
    }

    private static long Long(string text, string field) =>
        long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v)
            ? v
            : throw new FormatException($"expected an integer for {field} but found '{text}'");

    private static int Int(string text, string field) =>
        int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v)
            ? v
            : throw new FormatException($"expected an integer for {field} but found '{text}'");
}
