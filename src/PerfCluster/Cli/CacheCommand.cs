using System.CommandLine;
using System.Globalization;
using PerfCluster.Core.Databases;
using PerfCluster.Core.Reports;
using PerfCluster.Core.Runs;
using PerfCluster.Core.Scenarios;
using PerfCluster.Core.Steps;
using PerfCluster.Engine.Coordination;
using PerfCluster.Engine.Steps;

namespace PerfCluster.Cli;

/// <summary>
/// <c>perfcluster cache strategies</c>: the same cache-aside flow and key stream against Redis with allkeys-lru, Redis
/// with allkeys-lfu and an in-process TTL cache, one after the other, with hit rates counted by PerfCluster and read
/// from Redis's INFO, evictions, memory and latency per strategy, and the winner for this key distribution.
/// </summary>
public static class CacheCommand
{
    public static Command Create()
    {
        var cache = new Command("cache", "Cache benchmarks: compare caching strategies on one key stream.");
        cache.Subcommands.Add(StrategiesCommand());
        return cache;
    }

    private static Command StrategiesCommand()
    {
        var redis = new Option<string?>("--redis") { Description = "A Redis kept for the purpose, e.g. 127.0.0.1:6379 (its maxmemory is set and its keys flushed)." };
        var force = new Option<bool>("--force") { Description = "Use the Redis even though it holds keys (they are flushed)." };
        var strategies = new Option<string>("--strategies") { Description = "Which to run: redis-lru, redis-lfu, memory-ttl (default: all).", DefaultValueFactory = _ => string.Join(',', CacheStrategies.All) };
        var distribution = new Option<string>("--distribution") { Description = "The key stream: zipf (default), uniform or scan.", DefaultValueFactory = _ => "zipf" };
        distribution.AcceptOnlyFromAmong("zipf", "uniform", "scan");
        var keys = new Option<long>("--keys") { Description = "Keys 1..N the stream draws from (default 100000).", DefaultValueFactory = _ => 100_000 };
        var skew = new Option<double>("--skew") { Description = "Zipf exponent s (default 1.0).", DefaultValueFactory = _ => 1.0 };
        var valueSize = new Option<int>("--value-size") { Description = "Bytes per cached value (default 512).", DefaultValueFactory = _ => 512 };
        var maxMemory = new Option<string>("--max-memory") { Description = "The cache's size for every strategy, e.g. 16MB (default): Redis maxmemory, the in-process cache's limit.", DefaultValueFactory = _ => "16MB" };
        var ttl = new Option<string>("--ttl") { Description = "Expiry of each value set after a miss (default 5m).", DefaultValueFactory = _ => "5m" };
        var backend = new Option<string>("--backend-latency") { Description = "What a miss costs before the SET, simulated (default 2ms).", DefaultValueFactory = _ => "2ms" };
        var sqlProvider = new Option<string?>("--sql-provider") { Description = "Read misses from a real database instead: postgresql, mysql or sqlite." };
        var sqlConnection = new Option<string?>("--sql-connection") { Description = "Its connection string (or PERFCLUSTER_TARGET_DB)." };
        var sqlQuery = new Option<string?>("--sql-query") { Description = "The statement a miss runs, with @key, returning a column 'value'." };
        var users = new Option<int>("--users", "-u") { Description = "Concurrent users per strategy (default 20).", DefaultValueFactory = _ => 20 };
        var duration = new Option<string>("--duration", "-d") { Description = "How long each strategy runs (default 10s).", DefaultValueFactory = _ => "10s" };
        var output = new Option<DirectoryInfo?>("--out", "-o") { Description = "Report directory (default: results/<run-id>/)." };
        var config = new Option<FileInfo?>("--config") { Description = "Node settings (HOCON) layered over the built-in defaults." };
        var dataDir = RunCommand.DataDirOption();
        var verbose = PerfClusterCli.Verbose();
        var logFormat = PerfClusterCli.LogFormat();
        var command = new Command("strategies", "Compare Redis allkeys-lru, Redis allkeys-lfu and an in-process TTL cache on the same cache-aside key stream.")
        {
            redis, force, strategies, distribution, keys, skew, valueSize, maxMemory, ttl, backend, sqlProvider, sqlConnection, sqlQuery, users, duration,
            output, config, dataDir, verbose, logFormat,
        };
        command.SetAction(async (parse, _) =>
        {
            Logging.Configure(parse.GetValue(verbose), parse.GetValue(logFormat)!);
            var picked = parse.GetValue(strategies)!.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Distinct().ToList();
            if (picked.Count == 0 || picked.Any(p => !CacheStrategies.All.Contains(p)))
                throw new UsageException($"--strategies takes {string.Join(", ", CacheStrategies.All)} (got '{parse.GetValue(strategies)}')");
            var redisConnection = parse.GetValue(redis);
            if (picked.Any(CacheStrategies.IsRedis) && redisConnection is null)
                throw new UsageException("the Redis strategies need --redis HOST:PORT (a Redis kept for the purpose), or pass --strategies memory-ttl");
            var size = SizeText.TryParse(parse.GetValue(maxMemory)!) is { } bytes and >= 1 << 20
                ? bytes : throw new UsageException($"--max-memory must be a size of at least 1MB, e.g. 16MB (got '{parse.GetValue(maxMemory)}')");
            var query = parse.GetValue(sqlQuery);
            var (u, k, s, v) = (parse.GetValue(users), parse.GetValue(keys), parse.GetValue(skew), parse.GetValue(valueSize));
            var workload = new CacheWorkload(
                u is >= 1 and <= 10_000 ? u : throw new UsageException($"--users must be between 1 and 10000 (got {u})"),
                PerfClusterCli.ParseDuration(parse.GetValue(duration)!, "--duration"),
                parse.GetValue(distribution) switch { "uniform" => KeyDistribution.Uniform, "scan" => KeyDistribution.Scan, _ => KeyDistribution.Zipf },
                k is >= 1 and <= 100_000_000 ? k : throw new UsageException($"--keys must be between 1 and 100000000 (got {k})"),
                s is > 0 and <= 10 ? s : throw new UsageException($"--skew must be above 0 and at most 10 (got {s})"),
                v is >= 16 and <= 1 << 20 ? v : throw new UsageException($"--value-size must be between 16 and 1048576 bytes (got {v})"),
                size,
                PerfClusterCli.ParseDuration(parse.GetValue(ttl)!, "--ttl"),
                new CacheBackend(PerfClusterCli.ParseDuration(parse.GetValue(backend)!, "--backend-latency"),
                    query is null ? null : parse.GetValue(sqlProvider) ?? throw new UsageException("--sql-query needs --sql-provider"),
                    query is null ? null : parse.GetValue(sqlConnection) ?? Environment.GetEnvironmentVariable("PERFCLUSTER_TARGET_DB")
                        ?? throw new UsageException("--sql-query needs --sql-connection (or PERFCLUSTER_TARGET_DB)"),
                    query));
            var plan = new TestPlan("cache strategies", "", picked.Select(p => Scenario(p, workload, redisConnection)).ToList());
            var options = new RunCommand.RunOptions(parse.GetValue(output)?.FullName, parse.GetValue(config)?.FullName, parse.GetValue(verbose))
            {
                DataDir = parse.GetValue(dataDir)?.FullName,
            };
            await using var admin = redisConnection is null ? null : await OpenAdminAsync(redisConnection, parse.GetValue(force));
            return await RunCommand.WithExecutorAsync(plan, options, execute => CompareAsync(plan, picked, workload, admin, execute, options.OutputDirectory));
        });
        return command;
    }

    private static async Task<RedisAdmin> OpenAdminAsync(string connection, bool force)
    {
        try
        {
            return await RedisAdmin.OpenAsync(connection, force);
        }
        catch (RedisAdminException e)
        {
            throw new UsageException(e.Message);
        }
    }

    private static ScenarioDefinition Scenario(string strategy, CacheWorkload workload, string? redis) =>
        ScenarioLoader.LoadText(CacheStrategies.ScenarioText(strategy, workload, redis), $"cache {strategy}").Scenarios.Single();

    private static async Task<int> CompareAsync(TestPlan plan, IReadOnlyList<string> strategies, CacheWorkload workload, RedisAdmin? admin,
        ScenarioExecutor execute, string? output)
    {
        var points = new List<CacheStrategyPoint>();
        var reports = new List<RunReport>();
        TestRun? last = null;
        for (var i = 0; i < strategies.Count; i++)
        {
            var strategy = strategies[i];
            if (CacheStrategies.IsRedis(strategy))
            {
                try
                {
                    await admin!.PrepareAsync(workload.MaxMemory, CacheStrategies.PolicyOf(strategy));
                }
                catch (RedisAdminException e)
                {
                    throw new UsageException(e.Message);
                }
            }
            var (run, report) = await RunCommand.RunScenariosAsync(plan with { Scenarios = [plan.Scenarios[i]] }, execute);
            last = run;
            reports.Add(report);
            if (report.Scenarios.Count == 0) break;
            var server = CacheStrategies.IsRedis(strategy) ? await admin!.StatsAsync() : ((long, long, long, long)?)null;
            points.Add(CacheStrategies.Point(strategy, report.Scenarios[0].Definition.Name, report.Scenarios[0].Statistics, server));
            if (run.Failure is not null || report.Interrupted) break;
        }
        var combined = RunCommand.Combine(reports) with
        {
            SourceFile = null,
            SourceText = string.Join("\n", plan.Scenarios.Select(s => ScenarioJson.Write(s))),
            CacheStrategies = new CacheStrategiesResult(workload, points),
        };
        return await RunCommand.WriteReportAsync(last!, combined, output ?? Path.Combine("results", combined.RunId));
    }
}
