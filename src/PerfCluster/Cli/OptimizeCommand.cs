using System.CommandLine;
using PerfCluster.Core.Optimisation;
using PerfCluster.Core.Reports;
using PerfCluster.Core.Runs;
using PerfCluster.Core.Scenarios;
using PerfCluster.Engine.Coordination;
using PerfCluster.Engine.Persistence;
using PerfCluster.Engine.Stores;

namespace PerfCluster.Cli;

/// <summary>
/// <c>perfcluster optimize</c>: tunes the system under test in a closed loop. Each trial applies a configuration, runs the
/// file's scenario on this machine (or --workers N), scores it against the baseline trial and is stored at once, so
/// <c>--resume</c> continues a study a crash or a Ctrl+C stopped. At the end the best feasible configuration (or the baseline)
/// is applied again and report.json, report.html, summary.txt and junit.xml say what was found.
/// </summary>
public static class OptimizeCommand
{
    public static Command Create()
    {
        var scenario = new Argument<FileInfo>("scenario") { Description = "Scenario file with an optimize block (or the guide's enable_optimization: true)." };
        var resume = new Option<bool>("--resume") { Description = "Continue the study of this name from the trials stored in the store." };
        var args = new RunCommand.RunArguments();
        var command = new Command("optimize", "Tune the system under test: Bayesian optimisation of the optimize block's parameters against its objectives.") { scenario, resume };
        args.AddTo(command);
        command.SetAction(async (parse, _) =>
        {
            args.ConfigureLogging(parse);
            var file = parse.GetValue(scenario)!.FullName;
            var plan = args.LoadPlan(parse, file);
            var study = LoadStudy(plan, optional: false)!;
            var review = new StudyStore(args.Persistence(parse));
            var options = args.LocalOptions(parse, "optimize") with { Review = review };
            return await RunCommand.WithExecutorAsync(plan, options, execute => RunStudyAsync(plan, study, execute, review, options.OutputDirectory, parse.GetValue(resume)));
        });
        return command;
    }

    /// <summary>
    /// The study of the plan's file: its optimize block; the guide's default study when the file only says
    /// <c>enable_optimization: true</c>; null (with <paramref name="optional"/>) when it has neither.
    /// </summary>
    public static StudyDefinition? LoadStudy(TestPlan plan, bool optional, bool enabledByOption = false)
    {
        var study = StudyReader.Read(plan.SourceText, plan.SourceFile, plan);
        if (study is not null) return study;
        if (enabledByOption || StudyReader.EnablesOptimization(plan.SourceText, plan.SourceFile))
            return StudyReader.GuideDefault(plan, Path.GetFileNameWithoutExtension(plan.SourceFile));
        if (optional) return null;
        throw new UsageException($"{plan.SourceFile} has no optimize block (parameters, objectives, constraints, budget, apply); see docs/optimisation.md");
    }

    /// <summary>Runs the study on the node <paramref name="execute"/> drives, writes the report and returns the study's exit code.</summary>
    public static async Task<int> RunStudyAsync(TestPlan plan, StudyDefinition study, ScenarioExecutor execute, StudyStore studyStore, string? outputDirectory,
        bool resume)
    {
        var scenario = study.Scenario is { } name ? plan.Scenarios.First(s => s.Name == name) : plan.Scenarios[0];
        var directory = Path.GetDirectoryName(Path.GetFullPath(plan.SourceFile)) ?? Environment.CurrentDirectory;
        using var applier = new ConfigurationApplier(study.Apply, directory);

        // The baseline configuration must take before any load: a bad URL, a refused request or a failing command is exit 2 here.
        if (await applier.ApplyAsync(study.Start, CancellationToken.None) is { } problem)
            throw new UsageException($"optimize: applying the baseline configuration ({StudyDefinition.Describe(study.Start)}) failed: {problem}");

        await using var store = await studyStore.OpenAsync();
        var trials = await PrepareAsync(store, study, resume);

        var runner = new TrialRunner(plan, scenario, study, execute, applier);
        var optimiser = new Optimiser(study, runner, t => store.RecordTrialAsync(study.Name, t), line => Console.Out.WriteLine(line));
        Console.Out.WriteLine($"Optimising {study.Space.Parameters.Count} parameter(s) of '{scenario.Name}': at most {study.MaxTrials} trials or " +
                              $"{study.MaxTime.TotalMinutes:0.#} min; objectives {string.Join(", ", study.Objectives.Select(o => o.Describe()))}" +
                              (study.Constraints.Count > 0 ? $"; constraints {string.Join(", ", study.Constraints.Select(c => c.Text))}" : ""));
        foreach (var note in study.Notes) Console.Out.WriteLine($"  note: {note}");

        using var interrupt = new InterruptSignal(quiet: true);
        var result = await optimiser.RunAsync(trials, interrupt.Token) with { Scenario = scenario.Name };
        Console.Out.WriteLine(result.Error is null && result.Applied is not null
            ? $"Applied the {(result.AppliedBest ? "best" : "baseline")} configuration: {StudyDefinition.Describe(result.Applied)}"
            : $"error: {result.Error}");

        var reports = runner.Reports;
        var started = reports.Count > 0 ? reports[0].StartedAt : DateTimeOffset.UtcNow;
        var report = (reports.Count > 0 ? RunCommand.Combine(reports) : new RunReport
        {
            RunId = TestRunId.ForCli(started).Value, Status = RunStatus.Completed, StartedAt = started, FinishedAt = DateTimeOffset.UtcNow,
            SourceFile = plan.SourceFile, SourceText = plan.SourceText,
        }) with
        {
            Optimisation = result,
            RunId = $"optimize_{study.Name}_{started.ToUnixTimeSeconds()}",
            Status = result.Interrupted ? RunStatus.Interrupted : result.ExitCode == 0 ? RunStatus.Completed : RunStatus.Failed,
        };
        var output = outputDirectory ?? Path.Combine("results", report.RunId);
        await RunCommand.WriteReportAsync(runner.LastRun ?? TestRun.Start(new TestRunId(report.RunId), plan, started), report, output, studyStore);
        return result.ExitCode;
    }

    /// <summary>The trials to continue from: with --resume the stored study's (its definition must be unchanged), else none (a fresh start).</summary>
    private static async Task<IReadOnlyList<TrialRecord>> PrepareAsync(PerfClusterStore store, StudyDefinition study, bool resume)
    {
        try
        {
            var stored = await store.GetStudyAsync(study.Name);
            if (resume && stored.DefinitionHash is not null)
            {
                if (stored.DefinitionHash != study.Hash)
                    throw new UsageException($"study '{study.Name}' in the store was started with other parameters, objectives or constraints; " +
                                             "run without --resume to start it afresh, or give the block another 'name'");
                Console.Out.WriteLine($"Resuming study '{study.Name}' after {stored.Trials.Count} stored trial(s)");
                return stored.Trials;
            }
            if (resume) Console.Out.WriteLine($"No stored study '{study.Name}' to resume: starting it");
            else if (stored.Trials.Count > 0)
                Console.Out.WriteLine($"Starting study '{study.Name}' afresh (its {stored.Trials.Count} earlier trial(s) stay in the store's history; --resume would have continued them)");
            await store.BeginStudyAsync(study.Name, study.Hash, DateTimeOffset.UtcNow);
            return [];
        }
        catch (StoreException e)
        {
            throw new UsageException($"the study could not be read from the store: {e.Message}");
        }
    }
}

/// <summary>The store of the node the study runs on (its trials, and every trial's run in the history once the report is written).</summary>
public sealed class StudyStore(PersistenceSettings settings) : HistoryReview(settings)
{
    public async Task<PerfClusterStore> OpenAsync()
    {
        try
        {
            return await OpenStoreAsync();
        }
        catch (StoreException e)
        {
            throw new UsageException($"optimize keeps its trials in the store, which could not be opened: {e.Message}");
        }
    }
}
