using System.CommandLine;
using System.Globalization;
using PerfCluster.Api.Client;
using PerfCluster.Core.Scenarios;
using PerfCluster.Core.Schedules;
using PerfCluster.Core.Thresholds;
using PerfCluster.Engine.Drivers;
using PerfCluster.Engine.Persistence;
using PerfCluster.Engine.Stores;

namespace PerfCluster.Cli;

/// <summary>
/// <c>perfcluster schedule add|list|remove|enable|disable|next|run-now</c>: the scheduled runs kept in the store (the same
/// database as baselines and run history). A coordinator on that database starts them when they are due.
/// </summary>
public static class ScheduleCommand
{
    public const int MaxCount = 1000;

    public static Command Create() => new("schedule", "Run a scenario on a cron schedule on the coordinator; list, remove, enable, disable schedules.")
    {
        Add(), List(), Remove(), Enable(true), Enable(false), Next(), RunNow(),
    };

    private static Command Add()
    {
        var scenario = new Argument<FileInfo>("scenario") { Description = "Scenario file to run; its text is stored with the schedule." };
        var cron = new Option<string>("--cron")
        {
            Description = "When to run: 5 cron fields, minute hour day-of-month month day-of-week (\"0 2 * * *\": daily at 02:00).",
            Required = true,
        };
        var timeZone = new Option<string?>("--timezone") { Description = "IANA time zone the cron fields are read in (default: UTC), e.g. Europe/Berlin." };
        var name = new Option<string?>("--name") { Description = "Schedule name (default: the scenario file's name without extension)." };
        var baseline = new Option<string?>("--baseline", "-b") { Description = "Compare each run with the latest version of this stored baseline." };
        var strict = new Option<bool>("--strict") { Description = "With --baseline: a regression warning fails the run too." };
        var webhook = new Option<string?>("--webhook")
        {
            Description = "POST a JSON alert here when a run of the schedule fails (thresholds, regression gate, error, abandoned); retried with back-off.",
        };
        var dataDir = RunCommand.DataDirOption();
        var command = new Command("add", "Add a schedule: the coordinator runs the scenario at every cron occurrence.")
        {
            scenario, cron, timeZone, name, baseline, strict, webhook, dataDir,
        };
        command.SetAction(async (parse, _) =>
        {
            var file = parse.GetValue(scenario)!;
            Checked(() => ScheduleDefinition.ParseCron(parse.GetValue(cron)));
            Checked(() => ScheduleDefinition.FindTimeZone(parse.GetValue(timeZone)));
            var plan = ScenarioLoader.LoadFile(file.FullName);
            ThresholdEvaluator.ValidatePlan(plan);
            if (RequestDrivers.EngineProblem(plan) is { } problem) throw new UsageException(problem);
            var schedule = Checked(() => ScheduleDefinition.Create(
                parse.GetValue(name) ?? Path.GetFileNameWithoutExtension(file.Name), parse.GetValue(cron)!, parse.GetValue(timeZone),
                file.Name, plan.SourceText, parse.GetValue(baseline), parse.GetValue(strict), DateTimeOffset.UtcNow, parse.GetValue(webhook)));

            await using var store = await CommandStore.OpenAsync(CommandStore.Settings(null, parse.GetValue(dataDir)?.FullName));
            var entry = await Write(() => store.AddScheduleAsync(schedule));
            if (schedule.Baseline is { } b && await store.GetBaselineAsync(b) is null)
                Console.Error.WriteLine($"warning: there is no baseline named '{b}' in {store.Description} yet; its runs fail to start until one is stored");
            var s = entry.Definition;
            Console.Out.WriteLine($"Schedule '{s.Name}' added: \"{s.Cron}\" in {s.TimeZone}, scenario {s.ScenarioFileName} " +
                                  $"({string.Join(", ", plan.Scenarios.Select(x => x.Name))})" +
                                  (s.Baseline is null ? "" : $", compared with baseline '{s.Baseline}'{(s.Strict ? " (strict)" : "")}") +
                                  (s.Webhook is null ? "" : $", failures posted to {s.Webhook}") + ".");
            Console.Out.WriteLine(ScheduleClock.NextRun(s, null) is { } next ? $"Next run: {Both(next)}" : "It has no future occurrence.");
            Console.Out.WriteLine($"Stored in {store.Description}; a coordinator on this store starts it when it is due.");
            return ExitCodes.Passed;
        });
        return command;
    }

    private static Command List()
    {
        var dataDir = RunCommand.DataDirOption();
        var command = new Command("list", "List the schedules: cron, time zone, next run (local and UTC), last run and its outcome.") { dataDir };
        command.SetAction(async (parse, _) =>
        {
            await using var store = await CommandStore.OpenAsync(CommandStore.Settings(null, parse.GetValue(dataDir)?.FullName));
            var all = await store.ListSchedulesAsync();
            if (all.Count == 0)
            {
                Console.Out.WriteLine($"No schedules in {store.Description}.");
                return ExitCodes.Passed;
            }
            var now = DateTimeOffset.UtcNow;
            TextTable.Write(["name", "cron", "zone", "enabled", "next run (local)", "next run (UTC)", "last run (UTC)", "outcome", "baseline"],
                all.Select(e =>
                {
                    var next = ScheduleClock.NextRun(e.Definition, e.LastRun?.StartedAt);
                    var due = next is { } n && n <= now;
                    return (IReadOnlyList<string>)
                    [
                        e.Name, e.Definition.Cron, e.Definition.TimeZone, e.Definition.Enabled ? "yes" : "no",
                        e.RunRequestedAt is not null ? "run-now requested" : next is null ? "-" : (due ? "due now" : Local(next.Value)),
                        e.RunRequestedAt is not null ? "run-now requested" : next is null ? "-" : (due ? "due now" : Utc(next.Value)),
                        e.LastRun is { } r ? $"{Utc(r.StartedAt)} {r.RunId}" : "-",
                        e.LastRun?.Outcome ?? "-",
                        e.Definition.Baseline is { } b ? b + (e.Definition.Strict ? " (strict)" : "") : "-",
                    ];
                }).ToList());
            var problems = all.Where(e => e.LastRun is { } r && ScheduledRunOutcomes.IsFailure(r.Outcome)).ToList();
            if (problems.Count > 0)
            {
                Console.Out.WriteLine();
                foreach (var e in problems)
                    Console.Out.WriteLine($"{e.Name}: last run {e.LastRun!.RunId} {e.LastRun.Outcome}" + (e.LastRun.Detail is { } d ? $": {d}" : ""));
            }
            return ExitCodes.Passed;
        });
        return command;
    }

    private static Command Remove()
    {
        var name = new Argument<string>("name") { Description = "Schedule name." };
        var dataDir = RunCommand.DataDirOption();
        var command = new Command("remove", "Remove a schedule (a run it started goes on).") { name, dataDir };
        command.SetAction(async (parse, _) =>
        {
            var n = parse.GetValue(name)!;
            await using var store = await CommandStore.OpenAsync(CommandStore.Settings(null, parse.GetValue(dataDir)?.FullName));
            if (!await Write(() => store.RemoveScheduleAsync(n))) throw NotFound(n, store);
            Console.Out.WriteLine($"Removed schedule '{n}'.");
            return ExitCodes.Passed;
        });
        return command;
    }

    private static Command Enable(bool enable)
    {
        var name = new Argument<string>("name") { Description = "Schedule name." };
        var dataDir = RunCommand.DataDirOption();
        var command = new Command(enable ? "enable" : "disable", enable
            ? "Enable a schedule again: it runs from its next occurrence on (occurrences while it was disabled are not caught up)."
            : "Disable a schedule: the coordinator does not start it until it is enabled again.")
        {
            name, dataDir,
        };
        command.SetAction(async (parse, _) =>
        {
            var n = parse.GetValue(name)!;
            await using var store = await CommandStore.OpenAsync(CommandStore.Settings(null, parse.GetValue(dataDir)?.FullName));
            var entry = await Write(() => store.SetScheduleEnabledAsync(n, enable, DateTimeOffset.UtcNow)) ?? throw NotFound(n, store);
            var next = ScheduleClock.NextRun(entry.Definition, entry.LastRun?.StartedAt);
            Console.Out.WriteLine(enable
                ? $"Schedule '{n}' enabled; " + (next is { } t ? $"next run {Both(t)}." : "it has no future occurrence.")
                : $"Schedule '{n}' disabled.");
            return ExitCodes.Passed;
        });
        return command;
    }

    private static Command Next()
    {
        var name = new Argument<string>("name") { Description = "Schedule name." };
        var count = new Option<int>("--count", "-n") { Description = "How many occurrences.", DefaultValueFactory = _ => 5 };
        var dataDir = RunCommand.DataDirOption();
        var command = new Command("next", "The next occurrences of a schedule, in its time zone and in UTC.") { name, count, dataDir };
        command.SetAction(async (parse, _) =>
        {
            var n = parse.GetValue(name)!;
            var max = parse.GetValue(count);
            if (max is < 1 or > MaxCount) throw new UsageException($"--count must be between 1 and {MaxCount} (got {max})");
            await using var store = await CommandStore.OpenAsync(CommandStore.Settings(null, parse.GetValue(dataDir)?.FullName));
            var entry = await store.GetScheduleAsync(n) ?? throw NotFound(n, store);
            var s = entry.Definition;
            var occurrences = ScheduleClock.Occurrences(s, DateTimeOffset.UtcNow, max);
            Console.Out.WriteLine($"Next {occurrences.Count} occurrence(s) of '{s.Name}' (\"{s.Cron}\" in {s.TimeZone})" +
                                  (s.Enabled ? ":" : "; disabled, so none of them runs until 'perfcluster schedule enable' :"));
            foreach (var o in occurrences) Console.Out.WriteLine($"  {Both(o)}");
            return ExitCodes.Passed;
        });
        return command;
    }

    private static Command RunNow()
    {
        var name = new Argument<string>("name") { Description = "Schedule name." };
        var dataDir = RunCommand.DataDirOption();
        var command = new Command("run-now", "Run a schedule once now, outside its cron (also when disabled): the coordinator on this store " +
                                             "starts it at its next check, records it as the schedule's last run and gates it like a cron run.")
        {
            name, dataDir,
        };
        command.SetAction(async (parse, _) =>
        {
            var n = parse.GetValue(name)!;
            await using var store = await CommandStore.OpenAsync(CommandStore.Settings(null, parse.GetValue(dataDir)?.FullName));
            var entry = await Write(() => store.RequestScheduleRunAsync(n, DateTimeOffset.UtcNow)) ?? throw NotFound(n, store);
            Console.Out.WriteLine($"Run of schedule '{n}' requested at {Utc(entry.RunRequestedAt ?? DateTimeOffset.UtcNow)}; a coordinator on " +
                                  $"{store.Description} starts it at its next check (perfcluster.schedules.check-interval) and " +
                                  "'perfcluster schedule list' shows it as the last run.");
            return ExitCodes.Passed;
        });
        return command;
    }

    private static T Checked<T>(Func<T> check)
    {
        try
        {
            return check();
        }
        catch (ScheduleException e)
        {
            throw new UsageException(e.Message);
        }
    }

    /// <summary>A store write the store refused (a taken name, say) is a usage error: exit 2 with its message.</summary>
    private static async Task<T> Write<T>(Func<Task<T>> write)
    {
        try
        {
            return await write();
        }
        catch (StoreException e)
        {
            throw new UsageException(e.Message);
        }
    }

    private static UsageException NotFound(string name, PerfClusterStore store) =>
        new($"no schedule named '{name}' in {store.Description} (see 'perfcluster schedule list')");

    private static string Local(DateTimeOffset t) => t.ToString("yyyy-MM-dd HH:mm zzz", CultureInfo.InvariantCulture);

    private static string Utc(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd HH:mm'Z'", CultureInfo.InvariantCulture);

    private static string Both(DateTimeOffset t) => $"{Local(t)} ({Utc(t)})";
}
