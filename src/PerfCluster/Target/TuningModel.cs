using System.Globalization;
using System.Text.Json;

namespace PerfCluster.Target;

/// <summary>
/// The demo target's tunable system: the guide's six parameters and how its latency, errors and CPU answer to them.
/// Deterministic figures with per-request noise, and one known optimum, so an optimiser can be checked against the truth.
/// <list type="bullet">
/// <item>latency = 10 ms × f(db_pool_size; 40, 0.2) × f(worker_threads; 16, 0.15) × f(cache_size_mb; 256, 0.05) × f(batch_size; 50, 0.03)
/// × (1 + 0.004 × request_timeout) × (0.92 with compression), each request uniform within ±10 % of it, where
/// f(x; best, a) = 1 + a·ln(x/best)² (the pool and the threads matter most, as in most services);</item>
/// <item>a request fails (HTTP 503, "timed out inside") with probability 0.3·exp(−request_timeout / 0.8 s);</item>
/// <item>CPU (the gauge <c>demo_cpu_usage_percent</c>) = 20 % × √f(worker_threads) × f(batch_size) × (1.05 with compression), ±3 % per scrape.</item>
/// </list>
/// The current settings (<see cref="Defaults"/>) are its "as deployed" values.
/// </summary>
public sealed record TuningModel(long DbPoolSize, long CacheSizeMb, long WorkerThreads, double RequestTimeout, long BatchSize, bool CompressionEnabled)
{
    public static readonly TimeSpan BaseLatency = TimeSpan.FromMilliseconds(10);

    public static readonly TuningModel Defaults = new(10, 64, 4, 30, 100, false);

    /// <summary>The parameters' names as <c>POST /__config</c> takes them, with their valid ranges.</summary>
    public static readonly IReadOnlyList<(string Name, double Min, double Max)> Ranges =
    [
        ("db_pool_size", 1, 100), ("cache_size_mb", 16, 1024), ("worker_threads", 1, 64), ("request_timeout", 0.5, 30), ("batch_size", 1, 500),
        ("compression_enabled", 0, 1),
    ];

    private static double F(double x, double best, double a) => 1 + a * Math.Pow(Math.Log(x / best), 2);

    /// <summary>The latency before noise.</summary>
    public TimeSpan Latency => TimeSpan.FromTicks((long)(BaseLatency.Ticks * F(DbPoolSize, 40, 0.2) * F(WorkerThreads, 16, 0.15) * F(CacheSizeMb, 256, 0.05) *
                                                         F(BatchSize, 50, 0.03) * (1 + 0.004 * RequestTimeout) * (CompressionEnabled ? 0.92 : 1)));

    public double ErrorRate => 0.3 * Math.Exp(-RequestTimeout / 0.8);

    public double CpuPercent => 20 * Math.Sqrt(F(WorkerThreads, 16, 0.15)) * F(BatchSize, 50, 0.03) * (CompressionEnabled ? 1.05 : 1);

    /// <summary>
    /// The study score of this configuration against <paramref name="baseline"/> under the guide's weights, as a closed loop of
    /// <paramref name="users"/> users without think time would measure it: throughput = users / latency, p95 = 1.09 × latency
    /// (uniform ±10 %), the error rate above 0.1 %, the CPU gauge.
    /// </summary>
    public double ExpectedScore(TuningModel baseline)
    {
        static double Floor(double r) => Math.Max(r, 0.001);
        var latency = baseline.Latency.TotalSeconds / Latency.TotalSeconds;
        return 0.4 * Math.Log(latency) + 0.3 * Math.Log(latency) + 0.2 * Math.Log(Floor(baseline.ErrorRate) / Floor(ErrorRate)) +
               0.1 * Math.Log(baseline.CpuPercent / CpuPercent);
    }

    /// <summary>The best configuration of the model (a search over every integer value and a fine grid of timeouts; compression both ways).</summary>
    public static (TuningModel Best, double Score) Optimum(TuningModel baseline)
    {
        // The factors are separable: each parameter's best value does not depend on the others.
        static long BestOf(long min, long max, Func<long, double> factor) => Enumerable.Range((int)min, (int)(max - min + 1)).Select(v => (long)v).MinBy(factor);
        var pool = BestOf(1, 100, v => F(v, 40, 0.2));
        var cache = Enumerable.Range(1, 64).Select(k => k * 16L).MinBy(v => F(v, 256, 0.05));
        var threads = BestOf(1, 64, v => F(v, 16, 0.15));
        var batch = BestOf(1, 500, v => F(v, 50, 0.03));
        var candidates = Enumerable.Range(0, 2951).Select(i => 0.5 + i * 0.01)
            .SelectMany(t => new[] { false, true }.Select(c => new TuningModel(pool, cache, threads, t, batch, c)));
        var best = candidates.MaxBy(m => m.ExpectedScore(baseline))!;
        return (best, best.ExpectedScore(baseline));
    }

    /// <summary>This configuration with the fields of a <c>POST /__config</c> body; an error names the field that is unknown or out of range.</summary>
    public TuningModel With(JsonElement body, out string? error)
    {
        error = null;
        if (body.ValueKind != JsonValueKind.Object) { error = "expected a JSON object of parameters"; return this; }
        var model = this;
        foreach (var property in body.EnumerateObject())
        {
            var range = Ranges.FirstOrDefault(r => r.Name == property.Name);
            if (range.Name is null)
            {
                error = $"unknown parameter '{property.Name}'; expected: {string.Join(", ", Ranges.Select(r => r.Name))}";
                return this;
            }
            if (property.Name == "compression_enabled")
            {
                if (property.Value.ValueKind is not (JsonValueKind.True or JsonValueKind.False)) { error = "compression_enabled must be true or false"; return this; }
                model = model with { CompressionEnabled = property.Value.GetBoolean() };
                continue;
            }
            if (property.Value.ValueKind != JsonValueKind.Number || !property.Value.TryGetDouble(out var v) || v < range.Min || v > range.Max)
            {
                error = $"{property.Name} must be a number from {range.Min.ToString(CultureInfo.InvariantCulture)} to {range.Max.ToString(CultureInfo.InvariantCulture)}";
                return this;
            }
            var whole = (long)Math.Round(v);
            model = property.Name switch
            {
                "db_pool_size" => model with { DbPoolSize = whole },
                "cache_size_mb" => model with { CacheSizeMb = whole },
                "worker_threads" => model with { WorkerThreads = whole },
                "request_timeout" => model with { RequestTimeout = v },
                _ => model with { BatchSize = whole },
            };
        }
        return model;
    }

    public object ToJson() => new
    {
        db_pool_size = DbPoolSize, cache_size_mb = CacheSizeMb, worker_threads = WorkerThreads, request_timeout = RequestTimeout, batch_size = BatchSize,
        compression_enabled = CompressionEnabled,
        model = new { latency_ms = Latency.TotalMilliseconds, error_rate = ErrorRate, cpu_percent = CpuPercent },
    };
}
