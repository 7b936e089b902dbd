using PerfCluster.Core.Regression;
using static PerfCluster.Core.Tests.Thresholds.StatisticsFixtures;

namespace PerfCluster.Core.Tests.Regression;

/// <summary>Baselines with known samples: one window per given value, summary figures taken from the samples.</summary>
internal static class BaselineFixtures
{
    public static EnvironmentFingerprint Environment(int workers = 2, string tool = "0.1.0", string machine = "load-01", int processors = 8) =>
        new(tool, machine, "Ubuntu 24.04", processors, workers);

    public static Baseline Of(BaselineMetrics overall, params BaselineMetrics[] endpoints) => new()
    {
        Name = "nightly",
        Version = 3,
        CreatedAt = Start,
        Scenario = "checkout-flow",
        RunId = "benchmark_1764168000",
        Environment = Environment(),
        Overall = overall,
        Endpoints = endpoints,
    };

    /// <summary>
    /// Windows with these throughputs and p95s (p50 at half, p99 at 1.5 times the p95) and error rates (0 if not
    /// given); the summary is the mean throughput and the median of each percentile, as a run of steady windows gives.
    /// </summary>
    public static BaselineMetrics Windows(
        IReadOnlyList<double> throughput, IReadOnlyList<double> p95Ms, IReadOnlyList<double>? errorRates = null, string name = "overall")
    {
        var windows = throughput.Select((t, i) =>
        {
            var p95 = p95Ms[i % p95Ms.Count];
            return new BaselineWindow(i, (long)Math.Round(t), t, errorRates?[i % errorRates.Count] ?? 0, p95 / 2, p95, p95 * 1.5);
        }).ToList();
        var median = Median(p95Ms);
        var requests = windows.Sum(w => w.Requests);
        return new BaselineMetrics
        {
            Name = name,
            Requests = requests,
            Throughput = throughput.Average(),
            ErrorRate = errorRates is null ? 0 : windows.Sum(w => w.ErrorRate!.Value * w.Requests) / Math.Max(1, requests),
            LatencyMs = new BaselineLatency(median / 2, median * 0.9, median, median * 1.5, median * 2, median * 0.6, median * 3),
            GeneratorPeakWorkingSetBytes = 200L * 1024 * 1024,
            GeneratorCpuPercent = 20,
            Windows = windows,
        };
    }

    /// <summary>n windows with no noise at all.</summary>
    public static BaselineMetrics Steady(int n = 30, double throughput = 100, double p95Ms = 120, double errorRate = 0) =>
        Windows(Enumerable.Repeat(throughput, n).ToList(), [p95Ms], [errorRate]);

    /// <summary>n draws of a normal distribution (Box-Muller on a seeded Random, so every run sees the same numbers).</summary>
    public static List<double> Normal(Random random, int n, double mean, double sd) =>
        Enumerable.Range(0, n).Select(_ =>
        {
            var u1 = 1.0 - random.NextDouble();
            var u2 = random.NextDouble();
            return mean + sd * Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
        }).ToList();

    /// <summary>n draws of a log-normal distribution with this median and log-scale spread: latency-shaped, skewed right.</summary>
    public static List<double> LogNormal(Random random, int n, double median, double sigma) =>
        Normal(random, n, 0, sigma).Select(z => median * Math.Exp(z)).ToList();

    public static double Median(IReadOnlyList<double> values)
    {
        var sorted = values.OrderBy(v => v).ToList();
        var n = sorted.Count;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }
}
