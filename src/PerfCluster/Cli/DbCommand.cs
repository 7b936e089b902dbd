using System.CommandLine;
using System.Globalization;
using PerfCluster.Core.Databases;
using PerfCluster.Core.Input;
using PerfCluster.Core.Reports;
using PerfCluster.Core.Runs;
using PerfCluster.Core.Scenarios;
using PerfCluster.Engine.Coordination;

namespace PerfCluster.Cli;

/// <summary>
/// <c>perfcluster db</c>: the guide's database benchmarks. <c>pool-sweep</c> runs a scenario's load at several pool sizes
/// of one database and picks the optimal size; <c>patterns</c> (see <see cref="QueryPatternsCommand"/>) benchmarks query
/// patterns on a schema of its own.
/// </summary>
public static class DbCommand
{
    public static Command Create()
    {
        var db = new Command("db", "Database benchmarks: the connection-pool sweep and the query patterns.");
        db.Subcommands.Add(PoolSweepCommand());
        db.Subcommands.Add(QueryPatternsCommand.Create());
        return db;
    }

    private static Command PoolSweepCommand()
    {
        var scenario = new Argument<FileInfo>("scenario") { Description = "A scenario whose flow runs SQL steps (the open model gives the fairest curve)." };
        var sizes = new Option<string>("--sizes") { Description = "Pool sizes to run, e.g. 5,10,20,50,100 (default).", DefaultValueFactory = _ => "5,10,20,50,100" };
        var database = new Option<string?>("--database") { Description = "The database whose pool-size varies (default: the scenario's only SQL database)." };
        var tolerance = new Option<double>("--tolerance") { Description = "Percent of the best throughput a smaller pool may lose and still be picked (default 5).", DefaultValueFactory = _ => 5 };
        var sla = new Option<string?>("--sla-p99") { Description = "The p99 a size must meet to be picked, e.g. 200ms (default: any)." };
        var maxErrors = new Option<double>("--max-error-rate") { Description = "The error rate a size may have and be picked (default 0.01).", DefaultValueFactory = _ => 0.01 };
        var step = new Option<int>("--step") { Description = "The search refines the pick to within this many connections (default 1).", DefaultValueFactory = _ => 1 };
        var exhaustive = new Option<bool>("--exhaustive") { Description = "Run every size from the smallest to the largest of --sizes, --step apart, instead of searching." };
        var args = new RunCommand.RunArguments();
        var command = new Command("pool-sweep", "Run the same load at each pool size, report throughput, latency, pool wait and errors per size, and pick the optimal size.")
        {
            scenario, sizes, database, tolerance, sla, maxErrors, step, exhaustive,
        };
        args.AddTo(command);
        command.SetAction(async (parse, _) =>
        {
            args.ConfigureLogging(parse);
            var plan = args.LoadPlan(parse, parse.GetValue(scenario)!.FullName);
            if (plan.Scenarios.Count != 1)
                throw new UsageException($"a pool sweep runs one scenario; {plan.SourceFile} has {plan.Scenarios.Count} (pick one with --scenario)");
            var given = ParseSizes(parse.GetValue(sizes)!);
            var every = parse.GetValue(step);
            var t = parse.GetValue(tolerance);
            var m = parse.GetValue(maxErrors);
            if (every < 1) throw new UsageException($"--step must be at least 1 (got {every})");
            var settings = new SweepSettings(
                PoolSweep.DatabaseOf(plan.Scenarios[0], parse.GetValue(database)),
                parse.GetValue(exhaustive) ? Enumerable.Range(0, (given.Max() - given.Min()) / every + 1).Select(i => given.Min() + i * every).ToList() : given,
                t is >= 0 and < 100 ? t : throw new UsageException($"--tolerance is a percent from 0 to 100 (got {t})"),
                parse.GetValue(sla) is { } text ? PerfClusterCli.ParseDuration(text, "--sla-p99") : null,
                m is >= 0 and <= 1 ? m : throw new UsageException($"--max-error-rate is a fraction from 0 to 1 (got {m})"),
                every,
                parse.GetValue(exhaustive));
            PoolSweep.WithPool(plan.Scenarios[0], settings.Database, settings.Sizes[0]);   // names the database's problem before any load
            var options = args.LocalOptions(parse, "db pool-sweep");
            return await RunCommand.WithExecutorAsync(plan, options, execute => SweepAsync(plan, settings, execute, options.OutputDirectory));
        });
        return command;
    }

    private sealed record SweepSettings(string Database, IReadOnlyList<int> Sizes, double Tolerance, TimeSpan? SlaP99, double MaxErrorRate, int Step, bool Exhaustive);

    private static List<int> ParseSizes(string text)
    {
        var sizes = new List<int>();
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var size) || size is < 1 or > 10_000)
                throw new UsageException($"--sizes takes pool sizes from 1 to 10000 separated by commas, e.g. 5,10,20,50,100 (got '{part}')");
            sizes.Add(size);
        }
        if (sizes.Count == 0) throw new UsageException("--sizes names no size");
        return sizes.Distinct().Order().ToList();
    }

    private static async Task<int> SweepAsync(TestPlan plan, SweepSettings settings, ScenarioExecutor execute, string? output)
    {
        var scenario = plan.Scenarios[0];
        var points = new List<PoolPoint>();
        var reports = new List<RunReport>();
        TestRun? last = null;
        async Task<bool> RunSizes(IReadOnlyList<int> sizes)
        {
            var phase = plan with { Scenarios = sizes.Select(s => PoolSweep.WithPool(scenario, settings.Database, s)).ToList() };
            var (run, report) = await RunCommand.RunScenariosAsync(phase, execute);
            last = run;
            reports.Add(report);
            foreach (var (s, result) in sizes.Zip(report.Scenarios)) points.Add(PoolSweep.Point(s, result.Definition.Name, result.Statistics, settings.Database));
            return run.Failure is null && !report.Interrupted && report.Scenarios.Count == sizes.Count;
        }

        var going = await RunSizes(settings.Sizes);
        while (going && !settings.Exhaustive &&
               PoolSweep.NextRefinement(points, settings.Tolerance, settings.SlaP99, settings.MaxErrorRate, settings.Step) is { } next)
        {
            Console.Out.WriteLine($"Pool sweep: the pick lies below {PoolSweep.Optimal(points, settings.Tolerance, settings.SlaP99, settings.MaxErrorRate)}; running pool size {next}");
            going = await RunSizes([next]);
        }

        var sweep = new PoolSweepResult(settings.Database, points, PoolSweep.Optimal(points, settings.Tolerance, settings.SlaP99, settings.MaxErrorRate),
            settings.Tolerance, settings.SlaP99, settings.MaxErrorRate, settings.Exhaustive);
        var combined = RunCommand.Combine(reports) with { PoolSweep = sweep };
        return await RunCommand.WriteReportAsync(last!, combined, output ?? Path.Combine("results", combined.RunId));
    }
}
