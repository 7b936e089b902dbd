using System.CommandLine;
using PerfCluster.Core.Regression;
using PerfCluster.Engine.Persistence;
using PerfCluster.Engine.Stores;

namespace PerfCluster.Cli;

/// <summary>
/// <c>perfcluster baseline</c>: run a scenario and keep its result as a named, versioned baseline (in the
/// library, and as a file with --output); and the library's management: list, show, delete, export, import.
/// </summary>
public static class BaselineCommand
{
    public static Command Create()
    {
        var scenario = new Argument<FileInfo>("scenario") { Description = "Scenario file to run and keep as the baseline." };
        var output = new Option<FileInfo?>("--output") { Description = "Also write the baseline to this file (baseline.json)." };
        var name = new Option<string?>("--name") { Description = "Baseline name in the library (default: the scenario's name)." };
        var args = new RunCommand.RunArguments();
        var command = new Command("baseline", "Run a scenario and store its result as a baseline; or manage stored baselines.")
        {
            scenario, output, name,
            List(), Show(), Delete(), Export(), Import(),
        };
        args.AddTo(command);
        command.SetAction(async (parse, _) =>
        {
            args.ConfigureLogging(parse);
            var plan = args.LoadPlan(parse, parse.GetValue(scenario)!.FullName);
            var baselineName = parse.GetValue(name);
            if (baselineName is not null) CheckName(baselineName);
            var settings = args.Persistence(parse);
            return await args.ExecuteAsync(parse, plan, new BaselineReview(settings, baselineName, parse.GetValue(output)?.FullName));
        });
        return command;
    }

    private static Command List()
    {
        var dataDir = RunCommand.DataDirOption();
        var command = new Command("list", "List the stored baselines (latest version of each).") { dataDir };
        command.SetAction(async (parse, _) =>
        {
            await using var store = await CommandStore.OpenAsync(CommandStore.Settings(null, parse.GetValue(dataDir)?.FullName));
            var all = await store.ListBaselinesAsync();
            if (all.Count == 0)
            {
                Console.Out.WriteLine($"No baselines in {store.Description}.");
                return ExitCodes.Passed;
            }
            Console.Out.WriteLine($"{"NAME",-28} {"VERSION",7} {"VERSIONS",8}  {"SCENARIO",-24} RECORDED (UTC)");
            foreach (var b in all)
                Console.Out.WriteLine($"{b.Name,-28} {b.LatestVersion,7} {b.VersionCount,8}  {b.Scenario,-24} {b.RecordedAt.UtcDateTime:yyyy-MM-dd HH:mm:ss}");
            return ExitCodes.Passed;
        });
        return command;
    }

    private static Command Show()
    {
        var name = new Argument<string>("name") { Description = "Baseline name." };
        var version = new Option<int?>("--version") { Description = "A stored version (default: the latest)." };
        var dataDir = RunCommand.DataDirOption();
        var command = new Command("show", "Show a stored baseline's figures and environment.") { name, version, dataDir };
        command.SetAction(async (parse, _) =>
        {
            await using var store = await CommandStore.OpenAsync(CommandStore.Settings(null, parse.GetValue(dataDir)?.FullName));
            var baseline = await LoadAsync(store, parse.GetValue(name)!, parse.GetValue(version));
            var o = baseline.Overall;
            Console.Out.WriteLine($"Baseline '{baseline.Name}' version {baseline.Version}: scenario '{baseline.Scenario}', run {baseline.RunId}, " +
                                  $"recorded {baseline.CreatedAt.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC");
            var env = baseline.Environment;
            Console.Out.WriteLine($"  Environment: perfcluster {env.ToolVersion} on {env.MachineName} ({env.OsDescription}, {env.ProcessorCount} cores), {env.WorkerCount} worker(s)");
            Console.Out.WriteLine($"  Requests:    {o.Requests:N0}, throughput {o.Throughput:0.0} req/s, error rate {o.ErrorRate:P2}");
            if (o.LatencyMs is { } l)
                Console.Out.WriteLine($"  Latency:     p50 {l.P50:0.00} ms, p95 {l.P95:0.00} ms, p99 {l.P99:0.00} ms, max {l.Max:0.00} ms");
            Console.Out.WriteLine($"  Samples:     {o.Windows.Count} windows, {o.Iterations.Count} iterations");
            foreach (var e in baseline.Endpoints)
                Console.Out.WriteLine($"  {e.Name}: {e.Requests:N0} requests, p95 {e.LatencyMs?.P95:0.00} ms, error rate {e.ErrorRate:P2}");
            return ExitCodes.Passed;
        });
        return command;
    }

    private static Command Delete()
    {
        var name = new Argument<string>("name") { Description = "Baseline name." };
        var dataDir = RunCommand.DataDirOption();
        var command = new Command("delete", "Delete every version of a stored baseline.") { name, dataDir };
        command.SetAction(async (parse, _) =>
        {
            await using var store = await CommandStore.OpenAsync(CommandStore.Settings(null, parse.GetValue(dataDir)?.FullName));
            var removed = await store.DeleteBaselineAsync(parse.GetValue(name)!);
            if (removed == 0) throw new UsageException($"no baseline named '{parse.GetValue(name)}' in {store.Description}");
            Console.Out.WriteLine($"Deleted baseline '{parse.GetValue(name)}' ({removed} version(s)).");
            return ExitCodes.Passed;
        });
        return command;
    }

    private static Command Export()
    {
        var name = new Argument<string>("name") { Description = "Baseline name." };
        var version = new Option<int?>("--version") { Description = "A stored version (default: the latest)." };
        var output = new Option<FileInfo>("--output") { Description = "File to write.", Required = true };
        var dataDir = RunCommand.DataDirOption();
        var command = new Command("export", "Write a stored baseline to a file.") { name, version, output, dataDir };
        command.SetAction(async (parse, _) =>
        {
            await using var store = await CommandStore.OpenAsync(CommandStore.Settings(null, parse.GetValue(dataDir)?.FullName));
            var baseline = await LoadAsync(store, parse.GetValue(name)!, parse.GetValue(version));
            BaselineFile.Write(parse.GetValue(output)!.FullName, baseline);
            Console.Out.WriteLine($"Baseline '{baseline.Name}' version {baseline.Version} written to {parse.GetValue(output)!.FullName}");
            return ExitCodes.Passed;
        });
        return command;
    }

    private static Command Import()
    {
        var file = new Argument<FileInfo>("file") { Description = "Baseline file (written by --output or export)." };
        var name = new Option<string?>("--name") { Description = "Store it under this name (default: the name in the file)." };
        var dataDir = RunCommand.DataDirOption();
        var command = new Command("import", "Store a baseline file in the library as a new version.") { file, name, dataDir };
        command.SetAction(async (parse, _) =>
        {
            var baseline = ReadFile(parse.GetValue(file)!.FullName);
            if (parse.GetValue(name) is { } n)
            {
                CheckName(n);
                baseline = baseline with { Name = n };
            }
            await using var store = await CommandStore.OpenAsync(CommandStore.Settings(null, parse.GetValue(dataDir)?.FullName));
            var entry = await store.ImportBaselineAsync(baseline.Name, BaselineFile.ToJson(baseline with { Version = 0 }), baseline.Scenario,
                baseline.RunId, baseline.CreatedAt);
            Console.Out.WriteLine($"Imported baseline '{entry.Name}' as version {entry.Version}.");
            return ExitCodes.Passed;
        });
        return command;
    }

    /// <summary>A baseline from the library by name (latest or given version), with the version the library gave it.</summary>
    public static async Task<Baseline> LoadAsync(PerfClusterStore store, string name, int? version)
    {
        var entry = await store.GetBaselineAsync(name, version)
            ?? throw new UsageException(version is null
                ? $"no baseline named '{name}' in {store.Description} (see 'perfcluster baseline list')"
                : $"baseline '{name}' has no version {version} in {store.Description}");
        try
        {
            return BaselineFile.FromJson(entry.DocumentJson, $"baseline '{name}' version {entry.Version}") with { Version = entry.Version };
        }
        catch (BaselineFormatException e)
        {
            throw new UsageException(e.Message);
        }
    }

    public static Baseline ReadFile(string path)
    {
        try
        {
            return BaselineFile.Read(path);
        }
        catch (BaselineFormatException e)
        {
            throw new UsageException(e.Message);
        }
    }

    private static void CheckName(string name)
    {
        if (string.IsNullOrWhiteSpace(name) || name.Length > 100 || name.Any(char.IsControl))
            throw new UsageException($"--name must be 1 to 100 printable characters (got '{name}')");
    }
}
