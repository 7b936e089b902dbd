using System.Globalization;
using System.Text;
using PerfCluster.Core.Metrics;
using PerfCluster.Core.Results;
using PerfCluster.Core.Scenarios;

namespace PerfCluster.Core.Databases;

/// <summary>How the key stream of a cache comparison is drawn over keys 1..N.</summary>
public enum KeyDistribution { Uniform, Zipf, Scan }

/// <summary>What happens on a miss before the value is set: a pause standing for the backend, or a SQL statement.</summary>
public sealed record CacheBackend(TimeSpan Latency, string? SqlProvider = null, string? SqlConnection = null, string? SqlQuery = null)
{
    public bool IsSql => SqlQuery is not null;
}

/// <summary>The workload every strategy of a comparison gets: the same users, duration, key stream, sizes and backend.</summary>
public sealed record CacheWorkload(
    int Users, TimeSpan Duration, KeyDistribution Distribution, long Keys, double Skew, int ValueSize, long MaxMemory, TimeSpan Ttl, CacheBackend Backend)
{
    public string DescribeKeys() => Distribution switch
    {
        KeyDistribution.Zipf => $"Zipf(s = {Skew.ToString("0.###", CultureInfo.InvariantCulture)}) over {Keys:N0} keys",
        KeyDistribution.Scan => $"sequential scans over {Keys:N0} keys",
        _ => $"uniform over {Keys:N0} keys",
    };
}

/// <summary>One strategy's figures: PerfCluster's own count of GETs and hits, and for Redis the server's own (INFO stats).</summary>
public sealed record CacheStrategyPoint(
    string Strategy, string Scenario, long Gets, long Hits, double GetThroughput, LatencySummary GetLatency, LatencySummary Iteration, long Errors,
    long? ServerHits, long? ServerMisses, long? Evictions, long? MemoryBytes)
{
    public double HitRate => Gets == 0 ? 0 : (double)Hits / Gets;

    public double? ServerHitRate => ServerHits is { } h && ServerMisses is { } m && h + m > 0 ? (double)h / (h + m) : null;
}

public sealed record CacheStrategiesResult(CacheWorkload Workload, IReadOnlyList<CacheStrategyPoint> Points)
{
    /// <summary>The highest hit rate wins; within 0.1 percentage point of it, the lowest iteration p95.</summary>
    public string? Winner => Points.Count == 0 ? null
        : Points.Where(p => p.HitRate >= Points.Max(x => x.HitRate) - 0.001).OrderBy(p => p.Iteration.P95).First().Strategy;

    public const string Rule = "the highest hit rate wins; within 0.1 percentage point of it, the lowest p95 of the whole lookup (a miss includes the backend)";
}

/// <summary>
/// The guide's caching comparison: Redis with allkeys-lru, Redis with allkeys-lfu and an in-process TTL cache, each given
/// the same cache-aside flow (GET; on a miss, the backend, then SET with the TTL) over the same key stream.
/// </summary>
public static class CacheStrategies
{
    public static readonly IReadOnlyList<string> All = ["redis-lru", "redis-lfu", "memory-ttl"];

    public static bool IsRedis(string strategy) => strategy.StartsWith("redis-", StringComparison.Ordinal);

    /// <summary>Redis's maxmemory-policy for a Redis strategy.</summary>
    public static string PolicyOf(string strategy) => strategy switch
    {
        "redis-lru" => "allkeys-lru",
        "redis-lfu" => "allkeys-lfu",
        _ => throw new ArgumentOutOfRangeException(nameof(strategy)),
    };

    /// <summary>The scenario a strategy runs, as HOCON the loader reads like any file.</summary>
    public static string ScenarioText(string strategy, CacheWorkload w, string? redisConnection)
    {
        static string Q(string text) => "\"" + text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
        var c = CultureInfo.InvariantCulture;
        var key = w.Distribution switch
        {
            KeyDistribution.Zipf => $"{{{{zipf({w.Keys}, {w.Skew.ToString("0.######", c)})}}}}",
            KeyDistribution.Scan => $"{{{{sequence({w.Keys})}}}}",
            _ => $"{{{{random_int(1, {w.Keys})}}}}",
        };
        var text = new StringBuilder();
        text.Append("name = ").Append(Q($"cache {strategy}")).Append('\n');
        text.Append("concurrent-users = ").Append(w.Users).Append('\n');
        text.Append("duration = ").Append((long)w.Duration.TotalMilliseconds).Append("ms\nramp-up = 0s\nthink-time = 0s\n");
        text.Append("databases {\n");
        text.Append("  cache { ").Append(IsRedis(strategy)
            ? $"provider = redis, connection = {Q(redisConnection!)}, timeout = 5s"
            : $"provider = memory, max-memory = {w.MaxMemory}").Append(" }\n");
        if (w.Backend.IsSql) text.Append("  backend { provider = ").Append(w.Backend.SqlProvider).Append(", connection = ").Append(Q(w.Backend.SqlConnection!)).Append(" }\n");
        text.Append("}\n");
        var padding = new string('x', Math.Max(0, w.ValueSize - 16));
        var ttl = $"{(long)w.Ttl.TotalMilliseconds}ms";
        text.Append("flow = [\n");
        text.Append("  { set { key = ").Append(Q(key)).Append(" } }\n");
        text.Append("  { redis { name = get, database = cache, command = get, key = \"item:{{key}}\", extract = value, on-failure = continue } }\n");
        text.Append("  { if { condition = \"value is not set\", then = [\n");
        if (w.Backend.IsSql)
        {
            text.Append("      { sql { name = backend, database = backend, query = ").Append(Q(w.Backend.SqlQuery!))
                .Append(", params { key = \"{{key}}\" }, extract { loaded = value } } }\n");
            text.Append("      { redis { name = set, database = cache, command = set, key = \"item:{{key}}\", value = \"{{loaded}}\", ttl = ").Append(ttl).Append(" } }\n");
        }
        else
        {
            if (w.Backend.Latency > TimeSpan.Zero) text.Append("      { pause = ").Append(w.Backend.Latency.TotalMilliseconds.ToString("0.###", c)).Append("ms }\n");
            text.Append("      { redis { name = set, database = cache, command = set, key = \"item:{{key}}\", value = \"v{{key}}-").Append(padding)
                .Append("\", ttl = ").Append(ttl).Append(" } }\n");
        }
        text.Append("  ] } }\n]\n");
        return text.ToString();
    }

    /// <summary>A strategy's figures from its scenario's statistics (and Redis's own counters, when it ran on Redis).</summary>
    public static CacheStrategyPoint Point(string strategy, string scenario, ScenarioStatistics stats, (long Hits, long Misses, long Evicted, long UsedMemory)? server)
    {
        var get = stats.Endpoints.FirstOrDefault(e => e.Name == "get");
        var pool = stats.Pools.FirstOrDefault(p => p.Database == "cache");
        var flow = stats.Flows.FirstOrDefault();
        return new CacheStrategyPoint(strategy, scenario, get?.Requests ?? 0, get?.RowsRead ?? 0, get?.Throughput ?? 0, get?.Latency ?? LatencySummary.Empty,
            flow?.Duration ?? LatencySummary.Empty, stats.Overall.Errors,
            server?.Hits, server?.Misses, server?.Evicted ?? pool?.Evictions, server?.UsedMemory ?? pool?.Bytes);
    }
}
