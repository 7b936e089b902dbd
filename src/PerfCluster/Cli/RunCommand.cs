using System.CommandLine;
using PerfCluster.Core.Reports;
using PerfCluster.Core.Runs;
using PerfCluster.Core.Scenarios;
using PerfCluster.Core.Thresholds;
using PerfCluster.Engine;
using PerfCluster.Engine.Coordination;
using PerfCluster.Engine.Persistence;
using PerfCluster.Reports;
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
        var optimization = new Option<bool>("--optimization")
        {
            Description = "After the run, tune the system with the file's optimize block (as 'perfcluster optimize'); the guide's enable_optimization: true does the same.",
        };
        var args = new RunArguments();
        var command = new Command("run", "Run a load test on this machine and write report.json, report.html, summary.txt and junit.xml.") { scenario, optimization };
        args.AddTo(command);
        command.SetAction(async (parse, _) =>
        {
            args.ConfigureLogging(parse);
            var plan = args.LoadPlan(parse, parse.GetValue(scenario)!.FullName);
            // The study is read (and its problems reported) before any load.
            var study = parse.GetValue(optimization) || Core.Optimisation.StudyReader.EnablesOptimization(plan.SourceText, plan.SourceFile)
                ? OptimizeCommand.LoadStudy(plan, optional: false, enabledByOption: true)
                : null;
            var local = study is null ? null : args.LocalOptions(parse, "run --optimization");
            var exit = await args.ExecuteAsync(parse, plan, new HistoryReview(args.Persistence(parse)));
            if (study is null || exit is ExitCodes.Interrupted or ExitCodes.BadInput) return exit;
            Console.Out.WriteLine();
            Console.Out.WriteLine("The benchmark is done; now the optimisation.");
            var review = new StudyStore(args.Persistence(parse));
            var output = local!.OutputDirectory is { } o ? Path.Combine(o, "optimisation") : null;
            var tuned = await WithExecutorAsync(plan, local with { Review = review }, execute => OptimizeCommand.RunStudyAsync(plan, study, execute, review, output, resume: false));
            return exit != ExitCodes.Passed ? exit : tuned;
        });
        return command;
    }

    /// <summary>
    /// The options every load-running command shares (<c>run</c>, <c>baseline</c>, <c>test</c>): overrides of
    /// the scenario, where the report goes, where the load comes from, and where history is kept.
    /// </summary>
    public sealed class RunArguments
    {
        private readonly Option<string?> _target = new("--target") { Description = "Base URL of the system under test (overrides the file)." };
        private readonly Option<int?> _users = new("--users", "-u") { Description = "Concurrent virtual users (overrides the file)." };
        private readonly Option<string?> _duration = new("--duration", "-d") { Description = "How long the load lasts, e.g. 30s, 5m." };
        private readonly Option<string?> _rampUp = new("--ramp-up") { Description = "Time over which users start linearly, e.g. 5s." };
        private readonly Option<string?> _think = new("--think-time") { Description = "Pause between a user's requests, e.g. 1s, 200ms." };
        private readonly Option<string?> _only = new("--scenario") { Description = "Run only the scenario with this name from a multi-scenario file." };
        private readonly Option<DirectoryInfo?> _output = new("--out", "-o") { Description = "Report directory (default: results/<run-id>/)." };
        private readonly Option<FileInfo?> _config = new("--config") { Description = "Node settings (HOCON) layered over the built-in defaults." };
        private readonly Option<int?> _workers = new("--workers", "-w") { Description = "Spread the load over N local worker processes that this run starts and stops." };
        private readonly Option<int> _iterations = new("--iterations", "-n")
        {
            Description = "Run each scenario N times; the report gives every run and the mean with a 95% confidence interval.",
            DefaultValueFactory = _ => 1,
        };
        private readonly Option<DirectoryInfo?> _dataDir = DataDirOption();
        private readonly Option<string?> _coordinator = RemoteCoordinator.CoordinatorOption();
        private readonly Option<string?> _token = RemoteCoordinator.TokenOption();
        private readonly Option<bool> _verbose = PerfClusterCli.Verbose();
        private readonly Option<string> _logFormat = PerfClusterCli.LogFormat();

        public void AddTo(Command command)
        {
            foreach (var option in new Option[]
                     {
                         _target, _users, _duration, _rampUp, _think, _only, _output, _config, _workers, _iterations, _dataDir,
                         _coordinator, _token, _verbose, _logFormat,
                     })
                command.Options.Add(option);
        }

        public void ConfigureLogging(ParseResult parse) => Logging.Configure(parse.GetValue(_verbose), parse.GetValue(_logFormat)!);

        /// <summary>Where baselines and run history live: --data-dir, else the node configuration and the environment.</summary>
        public PersistenceSettings Persistence(ParseResult parse) =>
            CommandStore.Settings(parse.GetValue(_config)?.FullName, parse.GetValue(_dataDir)?.FullName);

        public TestPlan LoadPlan(ParseResult parse, string file)
        {
            var plan = Pick(parse, ScenarioLoader.LoadFile(file, Overrides(parse)));
            ApplyBenchmarkSettings(parse, plan.Benchmark);
            return plan;
        }

        /// <summary>The file's log_level / debug_mode (unless --verbose asks for more), and its warnings on stderr.</summary>
        private void ApplyBenchmarkSettings(ParseResult parse, BenchmarkSettings settings)
        {
            if (settings.LogLevel is { } level && !parse.GetValue(_verbose))
                Logging.Configure(level switch
                {
                    RunLogLevel.Debug => Serilog.Events.LogEventLevel.Debug,
                    RunLogLevel.Information => Serilog.Events.LogEventLevel.Information,
                    RunLogLevel.Error => Serilog.Events.LogEventLevel.Error,
                    _ => Serilog.Events.LogEventLevel.Warning,
                }, parse.GetValue(_logFormat)!);
            foreach (var warning in settings.Warnings) Console.Error.WriteLine($"warning: {warning}");
        }

        /// <summary>A plan from text (a baseline's own scenario), with the same overrides and --scenario as a file.</summary>
        public TestPlan LoadPlanText(ParseResult parse, string text, string sourceName) =>
            Pick(parse, ScenarioLoader.LoadText(text, sourceName, Overrides(parse)));

        private ScenarioOverrides Overrides(ParseResult parse) => new(
            Target: ParseTarget(parse.GetValue(_target)),
            Users: parse.GetValue(_users) is { } u ? (u >= 1 ? u : throw new UsageException($"--users must be at least 1 (got {u})")) : null,
            Duration: Duration(parse.GetValue(_duration), "--duration"),
            RampUp: Duration(parse.GetValue(_rampUp), "--ramp-up"),
            ThinkTime: Duration(parse.GetValue(_think), "--think-time"));

        private TestPlan Pick(ParseResult parse, TestPlan plan)
        {
            if (parse.GetValue(_only) is not { } name) return plan;
            var picked = plan.Scenarios.Where(s => string.Equals(s.Name, name, StringComparison.OrdinalIgnoreCase)).ToList();
            if (picked.Count == 0)
                throw new UsageException($"no scenario named '{name}' in {plan.SourceFile}; it has: {string.Join(", ", plan.Scenarios.Select(s => s.Name))}");
            return plan with { Scenarios = picked };
        }

        /// <summary>The options of a run on this machine (embedded, or --workers N); --coordinator is refused by the commands that need it so.</summary>
        public RunOptions LocalOptions(ParseResult parse, string command)
        {
            if (parse.GetValue(_coordinator) is not null) throw new UsageException($"{command} runs on this machine (optionally with --workers N), not through --coordinator");
            if (parse.GetValue(_iterations) != 1) throw new UsageException($"{command} runs each of its scenarios once; --iterations does not apply");
            return new RunOptions(
                OutputDirectory: parse.GetValue(_output)?.FullName,
                ConfigFile: parse.GetValue(_config)?.FullName,
                Verbose: parse.GetValue(_verbose),
                Workers: parse.GetValue(_workers) is { } w ? (w is >= 1 and <= 256 ? w : throw new UsageException($"--workers must be between 1 and 256 (got {w})")) : null)
            {
                DataDir = parse.GetValue(_dataDir)?.FullName,
            };
        }

        /// <summary>Runs the plan where the options say (embedded node, local workers, a remote coordinator) and returns the exit code.</summary>
        public async Task<int> ExecuteAsync(ParseResult parse, TestPlan plan, IRunReview review)
        {
            var repeat = parse.GetValue(_iterations);
            if (repeat is < 1 or > 1000) throw new UsageException($"--iterations must be between 1 and 1000 (got {repeat})");
            if (parse.GetValue(_coordinator) is { } url)
            {
                // A running cluster: the coordinator's workers send the load, the report is written here.
                if (parse.GetValue(_workers) is not null) throw new UsageException("--workers and --coordinator exclude each other");
                ThresholdEvaluator.ValidatePlan(plan);
                var coordinators = RemoteCoordinator.ResolveCoordinators(url);
                var apiToken = CoordinatorCommand.ResolveToken(parse.GetValue(_token));
                return await RunPlanAsync(plan, parse.GetValue(_output)?.FullName,
                    (id, s, onEvent, interrupt) => RemoteCoordinator.RunScenarioAsync(coordinators, apiToken, id, s, onEvent, interrupt), repeat, review);
            }
            return await RunCommand.ExecuteAsync(plan, new RunOptions(
                OutputDirectory: parse.GetValue(_output)?.FullName,
                ConfigFile: parse.GetValue(_config)?.FullName,
                Verbose: parse.GetValue(_verbose),
                Workers: parse.GetValue(_workers) is { } w ? (w is >= 1 and <= 256 ? w : throw new UsageException($"--workers must be between 1 and 256 (got {w})")) : null,
                Iterations: repeat) { Review = review, DataDir = parse.GetValue(_dataDir)?.FullName });
        }
    }

    /// <summary>--data-dir: where the embedded SQLite database keeps baselines and run history.</summary>
    public static Option<DirectoryInfo?> DataDirOption() => new("--data-dir")
    {
        Description = "Directory of the embedded database (baselines, run history); default: the user's data directory or PERFCLUSTER_DATA_DIR.",
    };

    private static TimeSpan? Duration(string? text, string option) =>
        text is null ? null : PerfClusterCli.ParseDuration(text, option);

    private static Uri? ParseTarget(string? text)
    {
        if (text is null) return null;
        if (Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https") return uri;
        throw new UsageException($"--target must be an absolute http(s) URL (got '{text}')");
    }

    public sealed record RunOptions(string? OutputDirectory, string? ConfigFile, bool Verbose, int? Workers = null, int Iterations = 1)
    {
        /// <summary>--data-dir: where this node's embedded database lives.</summary>
        public string? DataDir { get; init; }

        /// <summary>What the command adds around the run (history, baseline, regression gate); null for none.</summary>
        public IRunReview? Review { get; init; }
    }

    /// <summary>Runs a loaded plan on the embedded node and returns the exit code. Shared by <c>run</c> and <c>demo</c>.</summary>
    public static Task<int> ExecuteAsync(TestPlan plan, RunOptions options) =>
        WithExecutorAsync(plan, options, execute => RunPlanAsync(plan, options.OutputDirectory, execute, options.Iterations, options.Review));

    /// <summary>
    /// Checks the plan and everything it sends to, starts the embedded node (or it and --workers N local worker processes), and
    /// hands <paramref name="body"/> the executor that runs scenarios on them. The load commands of <c>db</c> and <c>cache</c> use it too.
    /// </summary>
    public static async Task<int> WithExecutorAsync(TestPlan plan, RunOptions options, Func<ScenarioExecutor, Task<int>> body)
    {
        ThresholdEvaluator.ValidatePlan(plan);
        await Preflight.CheckAsync(plan);
        // The command's own workers send load where its scenarios say (perfcluster.worker.allowed-targets adds to that).
        var hosts = TargetAllowList.HostsOf(plan);
        if (options.Workers is not { } count)
        {
            // The command runs the modules of the file it is given: its own node compiles and runs them (Preflight compiled them already).
            await using var node = await LocalNode.StartAsync(options.ConfigFile, options.Verbose, dataDir: options.DataDir, allowedTargets: hosts, allowModules: true);
            options.Review?.Attach(node.System);
            return await body((runId, scenario, onEvent, interrupt) => RunClient.RunAsync(node.System, node.RunManager, runId, scenario, onEvent, interrupt));
        }

        // --workers N: this process coordinates, N child processes generate the load.
        await using var coordinator = await LocalNode.StartAsync(options.ConfigFile, options.Verbose, [ClusterRoles.Coordinator], options.DataDir);
        options.Review?.Attach(coordinator.System);
        await using var workers = LocalWorkers.Start(count, coordinator.SeedAddress, options.ConfigFile, options.Verbose, hosts,
            allowModules: plan.Scenarios.Any(s => s.Journey is { Modules.Count: > 0 }));
        Console.Out.WriteLine($"Coordinating {count} local worker process(es) through {coordinator.SeedAddress}");
        return await body((runId, scenario, onEvent, interrupt) =>
            RunClient.RunAsync(coordinator.System, coordinator.RunManager, runId, scenario, onEvent, interrupt, minWorkers: count));
    }

    /// <summary>
    /// Runs every scenario of the plan in order through <paramref name="execute"/> with live progress,
    /// stops at the first interrupt, then writes the report and returns the exit code.
    /// </summary>
    public static async Task<int> RunPlanAsync(TestPlan plan, string? outputDirectoryOption, ScenarioExecutor execute, int iterations = 1,
        IRunReview? review = null)
    {
        var (run, report) = await RunScenariosAsync(plan, execute, iterations, review);
        return await WriteReportAsync(run, report, outputDirectoryOption ?? Path.Combine("results", run.Id.Value), review);
    }

    /// <summary>Runs every scenario of the plan in order with live progress, stopping at the first interrupt; returns the run and its report.</summary>
    public static async Task<(TestRun Run, RunReport Report)> RunScenariosAsync(TestPlan plan, ScenarioExecutor execute, int iterations = 1,
        IRunReview? review = null)
    {
        var startedAt = DateTimeOffset.UtcNow;
        var id = TestRunId.ForCli(startedAt);
        if (review is not null) id = await review.ClaimRunIdAsync(id);
        var run = TestRun.Start(id, plan, startedAt, iterations);
        using var control = new TestRunControl();
        using var interrupt = new InterruptSignal();
        await using var onSignal = interrupt.Token.Register(() => control.Interrupt(interrupt.SignalName));
        // Stopped by the review (abort-on-fail), not by the user: a verdict, not an interruption.
        await using var onAbort = (review?.Abort ?? CancellationToken.None).Register(() => control.StopEarly(review!.AbortReason ?? "stopped by the review"));

        run = await TestRunner.RunAsync(run, execute, control, new ConsoleProgress(iterations, review));

        var report = run.ToReport(DateTimeOffset.UtcNow);
        if (review is not null) report = review.Review(report);
        return (run, report);
    }

    /// <summary>One report of the runs of several phases (a sweep's sizes, a comparison's strategies): every scenario, in order.</summary>
    public static RunReport Combine(IReadOnlyList<RunReport> reports)
    {
        var all = reports.SelectMany(r => r.Scenarios).ToList();
        return reports[0] with
        {
            Scenarios = all,
            FinishedAt = reports[^1].FinishedAt,
            Status = reports.Any(r => r.Status == RunStatus.Error) ? RunStatus.Error : RunReport.StatusOf(all),
            Notes = [.. reports.SelectMany(r => r.Notes).Distinct()],
        };
    }

    /// <summary>Writes report.json, report.html, summary.txt and junit.xml, prints the summary and returns the exit code.</summary>
    public static async Task<int> WriteReportAsync(TestRun run, RunReport report, string outputDirectory, IRunReview? review = null)
    {
        var paths = ReportWriter.WriteAll(report, outputDirectory).ToList();
        if (WriteHtml(report, outputDirectory) is { } html) paths.Add(html);
        Console.Out.WriteLine();
        Console.Out.Write(SummaryReportWriter.Render(report));
        Console.Out.WriteLine();
        Console.Out.WriteLine($"Report written to {Path.GetFullPath(outputDirectory)}{Path.DirectorySeparatorChar}");
        foreach (var p in paths) Console.Out.WriteLine($"  {Path.GetFileName(p)}");
        Log.CloseAndFlush();

        if (review is not null) await review.AfterWriteAsync(report, outputDirectory);
        if (run.Failure is { } failure)
        {
            Console.Error.WriteLine($"error: {failure}");
            return run.InterruptedBy is not null ? ExitCodes.Interrupted : ExitCodes.BadInput;
        }
        return report.ExitCode;
    }

    /// <summary>The live view of each scenario run on the console, and the review's eye on its events.</summary>
    private sealed class ConsoleProgress(int iterations, IRunReview? review) : ITestRunObserver
    {
        private ProgressView? _view;

        public void Starting(TestRun run, TestRunStep step) =>
            _view = ProgressView.Create(iterations > 1 ? step.Definition with { Name = $"{step.Definition.Name} (iteration {step.Iteration} of {iterations})" } : step.Definition);

        public void OnEvent(TestRunStep step, object e)
        {
            review?.OnEvent(step.Definition, e);
            _view?.OnEvent(e);
        }

        public void Ended(TestRun run, TestRunStep step, ScenarioOutcome? outcome, string? error)
        {
            if (outcome is not null) _view?.Complete(outcome);
            else _view?.Fail(error ?? "failed");
        }
    }

    /// <summary>
    /// report.html beside report.json. The figures are already safe in report.json, so a page that cannot be written
    /// is a warning (it can be rendered later with 'perfcluster report'), never the end of the run.
    /// </summary>
    private static string? WriteHtml(RunReport report, string outputDirectory)
    {
        try
        {
            return HtmlReportWriter.Write(report, outputDirectory);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            Console.Error.WriteLine($"warning: {HtmlReportWriter.FileName} not written ({e.GetType().Name}: {e.Message}); " +
                                    $"'perfcluster report {Path.Combine(outputDirectory, ReportDocuments.FileName)}' renders it from the JSON");
            return null;
        }
    }
}
