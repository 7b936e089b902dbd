using System.Globalization;
using PerfCluster.Core.Metrics;

namespace PerfCluster.Core.Monitoring;

/// <summary>What one window showed, as far as recommendations care. Optional figures were not measured.</summary>
public sealed record WindowEvidence(
    long Second, double Rps, double? P95Ms, double? ErrorRate, int ActiveUsers,
    double? GeneratorCpuPercent = null, double? TargetCpuPercent = null)
{
    public static WindowEvidence From(MonitorSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        return new WindowEvidence(
            snapshot.Second,
            snapshot.Get(MonitoredMetrics.Throughput) ?? 0,
            snapshot.Get(MonitoredMetrics.P95),
            snapshot.Get(MonitoredMetrics.ErrorRate),
            (int)(snapshot.Get(MonitoredMetrics.ActiveUsers) ?? 0),
            snapshot.Get(MonitoredMetrics.GeneratorCpuPercent),
            snapshot.Get(MonitoredMetrics.TargetCpuPercent));
    }
}

public enum RecommendationKind
{
    /// <summary>Errors set in once the user count passed a level: the target's capacity.</summary>
    CapacityKnee,
    /// <summary>Latency climbed while the target's CPU stayed low: it waits on I/O, a lock or a pool.</summary>
    WaitingOnIoOrPool,
    /// <summary>The load generator ran out of CPU: its figures understate what the target could do.</summary>
    GeneratorSaturated,
}

/// <summary>A recommendation and the figures that triggered it (names in snake_case, for report.json).</summary>
public sealed record Recommendation(RecommendationKind Kind, string Message, long Second, IReadOnlyDictionary<string, double> Evidence);

/// <summary>The trigger levels; each recommendation names the ones it crossed.</summary>
/// <param name="ErrorRate">Error rate that counts as failing (1%).</param>
/// <param name="SustainWindows">Windows a condition must last, so one bad second triggers nothing.</param>
/// <param name="LatencyRiseFactor">How many times its early level p95 must reach late in the run.</param>
/// <param name="MinLatencyRiseMs">Smallest rise worth a remark, so 2 ms → 5 ms is not "latency rose".</param>
/// <param name="LowTargetCpuPercent">Target CPU (percent of all cores) at or below which the target is not CPU-bound.</param>
/// <param name="GeneratorCpuPercent">Generator CPU (percent of all cores) from which the generator is the bottleneck.</param>
public sealed record RecommendationOptions(
    double ErrorRate = 0.01,
    int SustainWindows = 3,
    double LatencyRiseFactor = 2,
    double MinLatencyRiseMs = 50,
    double LowTargetCpuPercent = 50,
    double GeneratorCpuPercent = 85);

/// <summary>
/// Turns a run's per-window evidence into recommendations. Every recommendation comes from a trigger in the
/// figures and quotes them; a run where nothing crossed a trigger gets none, never generic advice.
/// </summary>
public static class RecommendationEngine
{
    public static IReadOnlyList<Recommendation> Recommend(IReadOnlyList<WindowEvidence> windows, RecommendationOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(windows);
        options ??= new RecommendationOptions();
        var ordered = windows.OrderBy(w => w.Second).ToList();
        var result = new List<Recommendation>();
        if (CapacityKnee(ordered, options) is { } knee) result.Add(knee);
        if (WaitingOnIoOrPool(ordered, options) is { } waiting) result.Add(waiting);
        if (GeneratorSaturated(ordered, options) is { } generator) result.Add(generator);
        return result;
    }

    private static readonly CultureInfo C = CultureInfo.InvariantCulture;

    /// <summary>
    /// The first run of <c>SustainWindows</c> windows at or above the error rate, after at least as many clean
    /// windows, at more users than the fewest the clean windows had: errors arrived as load grew.
    /// </summary>
    private static Recommendation? CapacityKnee(List<WindowEvidence> windows, RecommendationOptions o)
    {
        var measured = windows.Where(w => w.ErrorRate is not null).ToList();
        var sustain = Math.Max(1, o.SustainWindows);
        for (var i = 0; i + sustain <= measured.Count; i++)
        {
            if (!measured.Skip(i).Take(sustain).All(w => w.ErrorRate >= o.ErrorRate)) continue;
            var clean = measured.Take(i).Where(w => w.ErrorRate < o.ErrorRate).ToList();
            if (clean.Count < sustain) return null;
            var knee = measured[i];
            if (knee.ActiveUsers <= clean.Min(w => w.ActiveUsers)) return null;
            var cleanUsers = clean.Max(w => w.ActiveUsers);
            var cleanRate = clean.Max(w => w.ErrorRate!.Value);
            var worst = measured.Skip(i).Take(sustain).Max(w => w.ErrorRate!.Value);
            return new Recommendation(
                RecommendationKind.CapacityKnee,
                $"capacity knee at {knee.ActiveUsers} users: from second {knee.Second} the error rate stayed at or above " +
                $"{Percent(o.ErrorRate)} for {sustain} windows (up to {Percent(worst)}), while up to {cleanUsers} users it was at most " +
                $"{Percent(cleanRate)}; size for fewer than {knee.ActiveUsers} users per target or find what fails first at that load",
                knee.Second,
                new Dictionary<string, double>
                {
                    ["knee_users"] = knee.ActiveUsers,
                    ["knee_error_rate"] = knee.ErrorRate!.Value,
                    ["clean_max_users"] = cleanUsers,
                    ["clean_max_error_rate"] = cleanRate,
                    ["error_rate_trigger"] = o.ErrorRate,
                });
        }
        return null;
    }

    /// <summary>p95 of the last quarter of the run against its first quarter (medians), with the target's CPU late in the run.</summary>
    private static Recommendation? WaitingOnIoOrPool(List<WindowEvidence> windows, RecommendationOptions o)
    {
        var withLatency = windows.Where(w => w.P95Ms is not null).ToList();
        var quarter = withLatency.Count / 4;
        if (quarter < Math.Max(1, o.SustainWindows)) return null;
        var early = Median(withLatency.Take(quarter).Select(w => w.P95Ms!.Value));
        var lateWindows = withLatency.Skip(withLatency.Count - quarter).ToList();
        var late = Median(lateWindows.Select(w => w.P95Ms!.Value));
        if (late < early * o.LatencyRiseFactor || late - early < o.MinLatencyRiseMs) return null;

        var cpu = lateWindows.Where(w => w.TargetCpuPercent is not null).Select(w => w.TargetCpuPercent!.Value).ToList();
        if (cpu.Count * 2 < lateWindows.Count) return null;   // the target's CPU was not watched well enough to say
        var maxCpu = cpu.Max();
        if (maxCpu > o.LowTargetCpuPercent) return null;
        return new Recommendation(
            RecommendationKind.WaitingOnIoOrPool,
            $"p95 rose from {Ms(early)} to {Ms(late)} (median of the first and last quarter of the run) while target CPU stayed at " +
            $"or below {maxCpu.ToString("0.#", C)}%: the target is waiting rather than computing; look at I/O, locks and pools " +
            "(database connections, thread pool, outgoing HTTP connections)",
            lateWindows[0].Second,
            new Dictionary<string, double>
            {
                ["early_p95_ms"] = early,
                ["late_p95_ms"] = late,
                ["late_target_cpu_max_percent"] = maxCpu,
                ["target_cpu_trigger_percent"] = o.LowTargetCpuPercent,
            });
    }

    private static Recommendation? GeneratorSaturated(List<WindowEvidence> windows, RecommendationOptions o)
    {
        var measured = windows.Where(w => w.GeneratorCpuPercent is not null).ToList();
        var hot = measured.Where(w => w.GeneratorCpuPercent >= o.GeneratorCpuPercent).ToList();
        if (hot.Count < Math.Max(1, o.SustainWindows)) return null;
        var peak = hot.Max(w => w.GeneratorCpuPercent!.Value);
        return new Recommendation(
            RecommendationKind.GeneratorSaturated,
            $"generator CPU was at or above {o.GeneratorCpuPercent.ToString("0.#", C)}% of its cores in {hot.Count} of " +
            $"{measured.Count} windows (peak {peak.ToString("0.#", C)}%, first at second {hot[0].Second}): the generator may be " +
            "the bottleneck; add workers (--workers or more worker nodes) and run again",
            hot[0].Second,
            new Dictionary<string, double>
            {
                ["hot_windows"] = hot.Count,
                ["measured_windows"] = measured.Count,
                ["peak_generator_cpu_percent"] = peak,
                ["generator_cpu_trigger_percent"] = o.GeneratorCpuPercent,
            });
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        var mid = sorted.Count / 2;
        return sorted.Count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    private static string Percent(double fraction) => (fraction * 100).ToString("0.##", C) + "%";

    private static string Ms(double ms) => ms.ToString("0.#", C) + "ms";
}
