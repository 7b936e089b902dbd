using System.CommandLine;
using PerfCluster.Core.Regression;

namespace PerfCluster.Cli;

/// <summary>
/// <c>perfcluster test</c>: run a scenario (by default the baseline's own) and compare it with the baseline.
/// Exit 0 passed, 1 a regression (with --strict also a warning) or a failed threshold, 2 bad input, 130 interrupted.
/// </summary>
public static class TestCommand
{
    public static Command Create()
    {
        var scenario = new Argument<FileInfo?>("scenario")
        {
            Description = "Scenario file to run (default: the scenario the baseline was recorded from).",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var baseline = new Option<string>("--baseline", "-b")
        {
            Description = "Baseline file (baseline.json) or the name of a stored baseline (NAME or NAME@VERSION).",
            Required = true,
        };
        var strict = new Option<bool>("--strict") { Description = "Fail on warnings too." };
        var args = new RunCommand.RunArguments();
        var command = new Command("test", "Run a scenario and compare it with a baseline: exit 1 on a regression.") { scenario, baseline, strict };
        args.AddTo(command);
        command.SetAction(async (parse, _) =>
        {
            args.ConfigureLogging(parse);
            var settings = args.Persistence(parse);
            var reference = await ResolveAsync(parse.GetValue(baseline)!, settings);
            var plan = parse.GetValue(scenario) is { } file
                ? args.LoadPlan(parse, file.FullName)
                : args.LoadPlanText(parse, reference.ScenarioSource
                    ?? throw new UsageException($"baseline '{reference.Name}' does not hold its scenario; name the scenario file"),
                    $"baseline '{reference.Name}' v{reference.Version}");
            Console.Out.WriteLine($"Comparing with baseline '{reference.Name}' version {reference.Version} (run {reference.RunId}, " +
                                  $"{reference.Overall.Throughput:0.0} req/s, p95 {reference.Overall.LatencyMs?.P95:0.00} ms)");
            return await args.ExecuteAsync(parse, plan, new RegressionReview(settings, reference, parse.GetValue(strict)));
        });
        return command;
    }

    /// <summary>An existing file (or a name ending in .json) is a baseline file; anything else a stored baseline.</summary>
    private static async Task<Baseline> ResolveAsync(string reference, Engine.Persistence.PersistenceSettings settings)
    {
        if (File.Exists(reference) || reference.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
            return BaselineCommand.ReadFile(reference);
        var name = reference;
        int? version = null;
        var at = reference.LastIndexOf('@');
        if (at > 0)
        {
            if (!int.TryParse(reference[(at + 1)..], out var v) || v < 1)
                throw new UsageException($"--baseline '{reference}': the version after '@' must be a whole number of 1 or more");
            name = reference[..at];
            version = v;
        }
        await using var store = await CommandStore.OpenAsync(settings);
        return await BaselineCommand.LoadAsync(store, name, version);
    }
}
