using System.CommandLine;
using PerfCluster.Core.Reports;
using PerfCluster.Core.Scenarios;
using PerfCluster.Core.Thresholds;
using PerfCluster.Engine;
using PerfCluster.Engine.Coordination;
using Serilog;

namespace PerfCluster.Cli;

/// <summary>
/// <c>perfcluster run</c>: load the scenario file, check it and the target before any load is sent,
/// run every scenario on the embedded one-node cluster, write the report, exit with the verdict.
/// </summary>
public static class RunCommand
{
    public static Command Create()
    {
        var scenario = new Argument<FileInfo>("scenario") { Description = "Scenario file: HOCON (.conf) or the guide's JSON." };
        var target = new Option<string?>("--target") { Description = "Base URL of the system under test (overrides the file)." };
        var users = new Option<int?>("--users", "-u") { Description = "Concurrent virtual users (overrides the file)." };
        var duration = new Option<string?>("--duration", "-d") { Description = "How long the load lasts, e.g. 30s, 5m." };
        var rampUp = new Option<string?>("--ramp-up") { Description = "Time over which users start linearly, e.g. 5s." };
        var think = new Option<string?>("--think-time") { Description = "Pause between a user's requests, e.g. 1s, 200ms." };
        var only = new Option<string?>("--scenario") { Description = "Run only the scenario with this name from a multi-scenario file." };
        var output = new Option<DirectoryInfo?>("--out", "-o") { Description = "Report directory (default: results/<run-id>/)." };
        var config = new Option<FileInfo?>("--config") { Description = "Node settings (HOCON) layered over the built-in defaults." };
        var workers = new Option<int?>("--workers", "-w") { Description = "Spread the load over N local worker processes that this run starts and stops." };
        var iterations = new Option<int>("--iterations", "-n")
        {
            Description = "Run each scenario N times; the report gives every run and the mean with a 95% confidence interval.",
            DefaultValueFactory = _ => 1,
        };
        var coordinator = RemoteCoordinator.CoordinatorOption();
        var token = RemoteCoordinator.TokenOption();
        var verbose = PerfClusterCli.Verbose();
        var logFormat = PerfClusterCli.LogFormat();

        var command = new Command("run", "Run a load test on this machine and write report.json, summary.txt and junit.xml.")
        {
            scenario, target, users, duration, rampUp, think, only, output, config, workers, iterations, coordinator, token, verbose, logFormat,
        };
        command.SetAction(async (parse, _) =>
        {
            Logging.Configure(parse.GetValue(verbose), parse.GetValue(logFormat)!);
            var overrides = new ScenarioOverrides(
                Target: ParseTarget(parse.GetValue(target)),
                Users: parse.GetValue(users) is { } u ? (u >= 1 ? u : throw new UsageException($"--users must be at least 1 (got {u})")) : null,
                Duration: Duration(parse.GetValue(duration), "--duration"),
                RampUp: Duration(parse.GetValue(rampUp), "--ramp-up"),
                ThinkTime: Duration(parse.GetValue(think), "--think-time"));
            var plan = ScenarioLoader.LoadFile(parse.GetValue(scenario)!.FullName, overrides);
            if (parse.GetValue(only) is { } name)
            {
                var picked = plan.Scenarios.Where(s => string.Equals(s.Name, name, StringComparison.OrdinalIgnoreCase)).ToList();
                if (picked.Count == 0)
                    throw new UsageException($"no scenario named '{name}' in {plan.SourceFile}; it has: {string.Join(", ", plan.Scenarios.Select(s => s.Name))}");
                plan = plan with { Scenarios = picked };
            }
            var repeat = parse.GetValue(iterations);
            if (repeat is < 1 or > 1000) throw new UsageException($"--iterations must be between 1 and 1000 (got {repeat})");
            if (parse.GetValue(coordinator) is { } url)
            {
                // A running cluster: the coordinator's workers send the load, the report is written here.
                if (parse.GetValue(workers) is not null) throw new UsageException("--workers and --coordinator exclude each other");
                ThresholdEvaluator.ValidatePlan(plan);
                var uri = RemoteCoordinator.ResolveCoordinator(url);
                var apiToken = CoordinatorCommand.ResolveToken(parse.GetValue(token));
                return await RunPlanAsync(plan, parse.GetValue(output)?.FullName,
                    (id, s, onEvent, interrupt) => RemoteCoordinator.RunScenarioAsync(uri, apiToken, id, s, onEvent, interrupt), repeat);
            }
            return await ExecuteAsync(plan, new RunOptions(
                OutputDirectory: parse.GetValue(output)?.FullName,
                ConfigFile: parse.GetValue(config)?.FullName,
                Verbose: parse.GetValue(verbose),
                Workers: parse.GetValue(workers) is { } w ? (w is >= 1 and <= 256 ? w : throw new UsageException($"--workers must be between 1 and 256 (got {w})")) : null,
                Iterations: repeat));
        });
        return command;
    }

    private static TimeSpan? Duration(string? text, string option) =>
        text is null ? null : PerfClusterCli.ParseDuration(text, option);

    private static Uri? ParseTarget(string? text)
    {
        if (text is null) return null;
        if (Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https") return uri;
        throw new UsageException($"--target must be an absolute http(s) URL (got '{text}')");
    }

    public sealed record RunOptions(string? OutputDirectory, string? ConfigFile, bool Verbose, int? Workers = null, int Iterations = 1);

    /// <summary>Runs one scenario somewhere (the embedded node, a remote coordinator) and returns its outcome.</summary>
    public delegate Task<ScenarioOutcome> ScenarioExecutor(
        string runId, ScenarioDefinition scenario, Action<object> onEvent, CancellationToken interrupt);

    /// <summary>Runs a loaded plan on the embedded node and returns the exit code. Shared by <c>run</c> and <c>demo</c>.</summary>
    public static async Task<int> ExecuteAsync(TestPlan plan, RunOptions options)
    {
        ThresholdEvaluator.ValidatePlan(plan);
        await Preflight.CheckAsync(plan);
        if (options.Workers is not { } count)
        {
            await using var node = await LocalNode.StartAsync(options.ConfigFile, options.Verbose);
            return await RunPlanAsync(plan, options.OutputDirectory,
                (runId, scenario, onEvent, interrupt) => RunClient.RunAsync(node.System, node.RunManager, runId, scenario, onEvent, interrupt), options.Iterations);
        }

        // --workers N: this process coordinates, N child processes generate the load.
        await using var coordinator = await LocalNode.StartAsync(options.ConfigFile, options.Verbose, [ClusterRoles.Coordinator]);
        await using var workers = LocalWorkers.Start(count, coordinator.SeedAddress, options.ConfigFile, options.Verbose);
        Console.Out.WriteLine($"Coordinating {count} local worker process(es) through {coordinator.SeedAddress}");
        return await RunPlanAsync(plan, options.OutputDirectory,
            (runId, scenario, onEvent, interrupt) => RunClient.RunAsync(coordinator.System, coordinator.RunManager, runId, scenario, onEvent, interrupt, minWorkers: count),
            options.Iterations);
    }

    /// <summary>
    /// Runs every scenario of the plan in order through <paramref name="execute"/> with live progress,
    /// stops at the first interrupt, then writes the report and returns the exit code.
    /// </summary>
    public static async Task<int> RunPlanAsync(TestPlan plan, string? outputDirectoryOption, ScenarioExecutor execute, int iterations = 1)
    {
        var startedAt = DateTimeOffset.UtcNow;
        var runId = RunReport.NewRunId(startedAt);
        var outputDirectory = outputDirectoryOption ?? Path.Combine("results", runId);
        using var interrupt = new InterruptSignal();
        var outcomes = new List<ScenarioOutcome>();
        // --iterations: every run of each scenario, in order; the report keeps them all.
        var runsOf = new Dictionary<ScenarioOutcome, List<ScenarioOutcome>>();
        var notes = new List<string>();
        string? error = null;

        for (var i = 0; i < plan.Scenarios.Count && !interrupt.Token.IsCancellationRequested && error is null; i++)
        {
            var scenario = plan.Scenarios[i];
            var runs = new List<ScenarioOutcome>();
            for (var n = 1; n <= iterations && !interrupt.Token.IsCancellationRequested; n++)
            {
                var view = ProgressView.Create(iterations > 1 ? scenario with { Name = $"{scenario.Name} (iteration {n} of {iterations})" } : scenario);
                try
                {
                    var outcome = await execute(iterations > 1 ? $"{runId}-{i + 1}-{n}" : $"{runId}-{i + 1}", scenario, view.OnEvent, interrupt.Token);
                    view.Complete(outcome);
                    runs.Add(outcome with { Scenario = scenario });
                    notes.AddRange(outcome.Notes.Select(note => iterations > 1 ? $"iteration {n}: {note}" : note));
                }
                catch (RunFailedException e)
                {
                    view.Fail(e.Message);
                    error = $"scenario '{scenario.Name}' failed to run: {e.Message}";
                    break;
                }
            }
            if (runs.Count == 0) continue;
            outcomes.Add(runs[^1]);
            runsOf[runs[^1]] = runs;
        }

        if (interrupt.Token.IsCancellationRequested)
        {
            var elapsed = DateTimeOffset.UtcNow - startedAt;
            notes.Add($"interrupted by {interrupt.SignalName} after {elapsed.TotalSeconds:0.0} s: results cover the load sent until then; " +
                      "requests in flight were given the interrupt grace period, and at most the last unflushed second of metrics may be missing");
            var skipped = plan.Scenarios.Skip(outcomes.Count).Select(s => s.Name).ToList();
            if (skipped.Count > 0) notes.Add($"not run: {string.Join(", ", skipped)}");
        }
        foreach (var o in outcomes.Where(o => o.Statistics.AbandonedInFlight > 0))
            notes.Add($"{o.Scenario.Name}: {o.Statistics.AbandonedInFlight} requests were still in flight when the graceful-stop period ended and are not counted");
        if (error is not null) notes.Add(error);

        var scenarios = outcomes.Select(o => new ScenarioReport(
            o.Scenario, o.Statistics, ThresholdEvaluator.Evaluate(o.Scenario, o.Statistics), o.Interrupted)
        {
            Iterations = runsOf[o].Count > 1
                ? runsOf[o].Select(r => new IterationResult(r.Statistics, ThresholdEvaluator.Evaluate(r.Scenario, r.Statistics))).ToList()
                : [],
        }).ToList();
        var report = new RunReport
        {
            RunId = runId,
            Status = error is not null ? RunStatus.Error
                : interrupt.Token.IsCancellationRequested ? RunStatus.Interrupted
                : RunReport.StatusOf(scenarios),
            StartedAt = startedAt,
            FinishedAt = DateTimeOffset.UtcNow,
            SourceFile = plan.SourceFile,
            SourceText = plan.SourceText,
            Scenarios = scenarios,
            Notes = notes,
        };
        var paths = ReportWriter.WriteAll(report, outputDirectory);
        Console.Out.WriteLine();
        Console.Out.Write(SummaryReportWriter.Render(report));
        Console.Out.WriteLine();
        Console.Out.WriteLine($"Report written to {Path.GetFullPath(outputDirectory)}{Path.DirectorySeparatorChar}");
        foreach (var p in paths) Console.Out.WriteLine($"  {Path.GetFileName(p)}");
        Log.CloseAndFlush();

        if (error is not null)
        {
            Console.Error.WriteLine($"error: {error}");
            return interrupt.Token.IsCancellationRequested ? ExitCodes.Interrupted : ExitCodes.BadInput;
        }
        return report.ExitCode;
    }
}
