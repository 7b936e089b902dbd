using System.CommandLine;
using PerfCluster.Core.Databases;
using PerfCluster.Core.Reports;
using PerfCluster.Core.Runs;
using PerfCluster.Core.Scenarios;
using PerfCluster.Core.Steps;
using PerfCluster.Engine.Coordination;
using PerfCluster.Engine.Steps;

namespace PerfCluster.Cli;

/// <summary>
/// <c>perfcluster db patterns</c>: creates tables of its own (a unique prefix), seeds them, runs each query pattern as a
/// scenario of SQL steps, reports them side by side, and drops the tables, also when the run fails or is interrupted.
/// </summary>
public static class QueryPatternsCommand
{
    public static Command Create()
    {
        var provider = new Option<string>("--provider") { Description = "postgresql, mysql (mariadb) or sqlite.", Required = true };
        var connection = new Option<string?>("--database") { Description = "The connection string (default: PERFCLUSTER_TARGET_DB)." };
        var rows = new Option<long>("--rows") { Description = "Customers, documents and accounts to seed (orders: five per customer; default 10000).", DefaultValueFactory = _ => 10_000 };
        var patterns = new Option<string>("--patterns") { Description = "Which to run (default: all): " + string.Join(", ", QueryPatterns.All.Select(p => p.Name)), DefaultValueFactory = _ => string.Join(',', QueryPatterns.All.Select(p => p.Name)) };
        var users = new Option<int>("--users", "-u") { Description = "Concurrent users per pattern (default 8).", DefaultValueFactory = _ => 8 };
        var pool = new Option<int?>("--pool-size") { Description = "Connections (default: one per user)." };
        var duration = new Option<string>("--duration", "-d") { Description = "How long each pattern runs (default 10s).", DefaultValueFactory = _ => "10s" };
        var keep = new Option<bool>("--keep") { Description = "Leave the tables in place after the run (they are dropped by default)." };
        var output = new Option<DirectoryInfo?>("--out", "-o") { Description = "Report directory (default: results/<run-id>/)." };
        var config = new Option<FileInfo?>("--config") { Description = "Node settings (HOCON) layered over the built-in defaults." };
        var dataDir = RunCommand.DataDirOption();
        var verbose = PerfClusterCli.Verbose();
        var logFormat = PerfClusterCli.LogFormat();
        var command = new Command("patterns", "Seed tables of its own and benchmark simple SELECT, JOIN, aggregation, full-text search and a TPC-B-like transaction.")
        {
            provider, connection, rows, patterns, users, pool, duration, keep, output, config, dataDir, verbose, logFormat,
        };
        command.SetAction(async (parse, _) =>
        {
            Logging.Configure(parse.GetValue(verbose), parse.GetValue(logFormat)!);
            if (!DatabaseDefinition.Providers.TryGetValue(parse.GetValue(provider)!, out var kind) || kind is DatabaseProvider.Redis or DatabaseProvider.Memory)
                throw new UsageException($"--provider takes postgresql, mysql, mariadb or sqlite (got '{parse.GetValue(provider)}')");
            var text = parse.GetValue(connection) ?? Environment.GetEnvironmentVariable("PERFCLUSTER_TARGET_DB")
                ?? throw new UsageException("db patterns needs --database CONNECTION (or PERFCLUSTER_TARGET_DB)");
            if (string.IsNullOrWhiteSpace(text)) throw new UsageException("--database (or PERFCLUSTER_TARGET_DB) is empty: give the connection string of the database to benchmark");
            var picked = parse.GetValue(patterns)!.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Distinct().ToList();
            if (picked.Count == 0 || picked.Any(p => QueryPatterns.All.All(a => a.Name != p)))
                throw new UsageException($"--patterns takes {string.Join(", ", QueryPatterns.All.Select(p => p.Name))} (got '{parse.GetValue(patterns)}')");
            var seed = parse.GetValue(rows);
            if (seed is < 300 or > 100_000_000) throw new UsageException($"--rows must be between 300 and 100000000 (got {seed})");
            var (u, size) = (parse.GetValue(users), parse.GetValue(pool));
            if (u is < 1 or > 10_000) throw new UsageException($"--users must be between 1 and 10000 (got {u})");
            if (size is < 1 or > 10_000) throw new UsageException($"--pool-size must be between 1 and 10000 (got {size})");
            var database = new DatabaseDefinition("main", kind, text) { PoolSize = size ?? 0 };
            var prefix = QueryPatterns.NewPrefix();
            var length = PerfClusterCli.ParseDuration(parse.GetValue(duration)!, "--duration");
            var plan = new TestPlan("query patterns", "", picked.Select(p =>
                ScenarioLoader.LoadText(QueryPatterns.ScenarioText(p, database, prefix, seed, u, length), $"pattern {p}").Scenarios.Single()).ToList());
            var options = new RunCommand.RunOptions(parse.GetValue(output)?.FullName, parse.GetValue(config)?.FullName, parse.GetValue(verbose))
            {
                DataDir = parse.GetValue(dataDir)?.FullName,
            };
            // The tables exist before the preflight prepares the statements against them, and go whatever happens after.
            var schema = new QueryPatternSchema(database, prefix);
            try
            {
                await schema.CreateAsync(seed, Console.Out.WriteLine, CancellationToken.None);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                await DropQuietly(schema);
                throw new UsageException(Secrets.Mask($"could not create the pattern tables on {database.ProviderKey} ({database.MaskedConnection}): {DatabaseErrors.Describe(e)}", [database]));
            }
            var keepTables = parse.GetValue(keep);
            try
            {
                return await RunCommand.WithExecutorAsync(plan, options, execute => RunAsync(plan, picked, database, prefix, seed, !keepTables, execute, options.OutputDirectory));
            }
            finally
            {
                if (!keepTables) await DropQuietly(schema);
            }
        });
        return command;
    }

    private static async Task DropQuietly(QueryPatternSchema schema)
    {
        try
        {
            await schema.DropAsync();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            Console.Error.WriteLine($"warning: could not drop the tables {schema.Prefix}*: {DatabaseErrors.Describe(e)}");
        }
    }

    private static async Task<int> RunAsync(TestPlan plan, IReadOnlyList<string> patterns, DatabaseDefinition database, string prefix, long rows, bool drop,
        ScenarioExecutor execute, string? output)
    {
        var (run, report) = await RunCommand.RunScenariosAsync(plan, execute);
        var points = report.Scenarios.Select((s, i) => QueryPatterns.Point(patterns[i], s.Definition.Name, s.Statistics)).ToList();
        report = report with
        {
            SourceFile = null,
            SourceText = string.Join("\n", plan.Scenarios.Select(s => ScenarioJson.Write(s))),
            QueryPatterns = new QueryPatternsResult(database.ProviderKey, prefix, rows, points, drop),
        };
        return await RunCommand.WriteReportAsync(run, report, output ?? Path.Combine("results", report.RunId));
    }
}
