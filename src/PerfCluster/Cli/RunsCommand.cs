using System.CommandLine;
using System.Globalization;
using PerfCluster.Api;
using PerfCluster.Api.Client;
using static PerfCluster.Engine.Protocol.RunProtocol;

namespace PerfCluster.Cli;

/// <summary>
/// <c>perfcluster runs list|show|stop</c>: the runs a coordinator holds, through its API; <c>runs history</c>:
/// the trend of finished runs kept in the local run history.
/// </summary>
public static class RunsCommand
{
    public static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(500);

    public static Command Create() => new("runs", "List, inspect and stop the runs of a coordinator; show the history of finished runs.")
    {
        List(), Show(), Stop(), History(), Timeline(),
    };

    private static Command Timeline()
    {
        var run = new Argument<string>("run-id") { Description = "A run id from 'runs history' (benchmark_...), or one scenario's run id (benchmark_...~2)." };
        var format = new Option<string>("--format") { Description = "table or json.", DefaultValueFactory = _ => "table" }.AcceptOnlyFromAmong("table", "json");
        var dataDir = RunCommand.DataDirOption();
        var command = new Command("timeline", "The stored 1-second windows of a finished run: throughput, latency, errors and users per second.")
        {
            run, format, dataDir,
        };
        command.SetAction(async (parse, _) =>
        {
            var id = parse.GetValue(run)!;
            await using var store = await CommandStore.OpenAsync(CommandStore.Settings(null, parse.GetValue(dataDir)?.FullName));
            // A run of one scenario is stored under its own id; a run of several as RUN~1, RUN~2, ..., and with
            // --iterations as RUN~1.1, RUN~1.2, ... (TestRunId). An exact id names one of them.
            var timelines = new List<Engine.History.RunTimelineProtocol.Timeline>();
            var exact = await store.GetTimelineAsync(id);
            if (exact.Windows.Count > 0) timelines.Add(exact);
            for (var scenarioNo = 1; exact.Windows.Count == 0 && scenarioNo <= 100; scenarioNo++)
            {
                var found = 0;
                var single = await store.GetTimelineAsync($"{id}{Core.Runs.TestRunId.ScenarioSeparator}{scenarioNo}");
                if (single.Windows.Count > 0)
                {
                    timelines.Add(single);
                    found++;
                }
                for (var iteration = 1; found == 0 || iteration > 1 && iteration <= 1000; iteration++)
                {
                    var t = await store.GetTimelineAsync($"{id}{Core.Runs.TestRunId.ScenarioSeparator}{scenarioNo}.{iteration}");
                    if (t.Windows.Count == 0) break;
                    timelines.Add(t);
                    found++;
                }
                if (found == 0) break;
            }
            if (timelines.Count == 0) throw new UsageException($"no stored timeline for run '{id}' in {store.Description} (see 'perfcluster runs history')");
            if (parse.GetValue(format) == "json")
            {
                Console.Out.WriteLine(Api.ApiJson.Serialize(timelines));
                return ExitCodes.Passed;
            }
            var c = CultureInfo.InvariantCulture;
            foreach (var t in timelines)
            {
                Console.Out.WriteLine($"{t.RunId} ({t.Scenario}): {t.Windows.Count} windows");
                Console.Out.WriteLine($"{"SECOND",6} {"REQUESTS",9} {"RPS",9} {"ERRORS",7} {"USERS",6} {"P50 MS",8} {"P95 MS",8} {"P99 MS",8}");
                foreach (var w in t.Windows)
                    Console.Out.WriteLine(string.Format(c, "{0,6} {1,9} {2,9:0.0} {3,7} {4,6} {5,8:0.00} {6,8:0.00} {7,8:0.00}",
                        w.Second, w.Requests, w.Throughput, w.Errors, w.ActiveUsers, w.Latency.P50 * 1000, w.Latency.P95 * 1000, w.Latency.P99 * 1000));
            }
            return ExitCodes.Passed;
        });
        return command;
    }

    private static Command History()
    {
        var scenario = new Option<string?>("--scenario") { Description = "Only this scenario's runs." };
        var limit = new Option<int>("--limit") { Description = "At most this many runs, newest first.", DefaultValueFactory = _ => 20 };
        var dataDir = RunCommand.DataDirOption();
        var command = new Command("history", "The trend of finished runs: throughput, latency and verdict of each, newest first.") { scenario, limit, dataDir };
        command.SetAction(async (parse, _) =>
        {
            var max = parse.GetValue(limit);
            if (max is < 1 or > 10_000) throw new UsageException($"--limit must be between 1 and 10000 (got {max})");
            await using var store = await CommandStore.OpenAsync(CommandStore.Settings(null, parse.GetValue(dataDir)?.FullName));
            var runs = await store.GetHistoryAsync(parse.GetValue(scenario), max);
            if (runs.Count == 0)
            {
                Console.Out.WriteLine($"No finished runs in {store.Description}.");
                return ExitCodes.Passed;
            }
            Console.Out.WriteLine($"{"STARTED (UTC)",-19}  {"SCENARIO",-20} {"STATUS",-11} {"REQUESTS",10} {"RPS",9} {"ERRORS",7} {"P50 MS",8} {"P95 MS",8} {"P99 MS",8}  VERDICT");
            var c = CultureInfo.InvariantCulture;
            foreach (var r in runs)
                Console.Out.WriteLine(string.Format(c, "{0,-19}  {1,-20} {2,-11} {3,10:N0} {4,9:0.0} {5,7:0.00%} {6,8:0.00} {7,8:0.00} {8,8:0.00}  {9}",
                    r.StartedAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", c), Trim(r.Scenario, 20), r.Status, r.Requests, r.Throughput,
                    r.ErrorRate, r.P50Ms, r.P95Ms, r.P99Ms, r.RegressionOutcome is null ? "-" : $"{r.RegressionOutcome} vs {r.BaselineName}"));
            return ExitCodes.Passed;
        });
        return command;
    }

    private static string Trim(string text, int width) => text.Length <= width ? text : text[..(width - 1)] + "…";

    private static Command List()
    {
        var (coordinator, token) = (RemoteCoordinator.CoordinatorOption(), RemoteCoordinator.TokenOption());
        var command = new Command("list", "List the coordinator's runs, oldest first.") { coordinator, token };
        command.SetAction(async (parse, _) =>
        {
            using var client = RemoteCoordinator.Connect(parse, coordinator, token);
            var runs = await RemoteCoordinator.CallAsync(client, c => c.GetAsync<List<RunSummary>>("api/runs"));
            if (runs.Count == 0)
            {
                Console.Out.WriteLine("No runs.");
                return ExitCodes.Passed;
            }
            TextTable.Write(["id", "state", "scenarios", "created", "progress"], runs.Select(r => (IReadOnlyList<string>)
            [
                r.Id,
                State(r.State),
                string.Join(", ", r.Scenarios),
                Time(r.CreatedAt),
                r.Error ?? (r.Progress is { } p && !r.State.IsFinal() ? Progress(p) : "-"),
            ]).ToList());
            return ExitCodes.Passed;
        });
        return command;
    }

    private static Command Show()
    {
        var id = new Argument<string>("id") { Description = "Run id (see 'perfcluster runs list')." };
        var (coordinator, token) = (RemoteCoordinator.CoordinatorOption(), RemoteCoordinator.TokenOption());
        var command = new Command("show", "Show one run: its state, the current share of each worker, progress and per-scenario results.")
        {
            id, coordinator, token,
        };
        command.SetAction(async (parse, _) =>
        {
            using var client = RemoteCoordinator.Connect(parse, coordinator, token);
            var run = await RemoteCoordinator.CallAsync(client, c => c.GetAsync<RunDetail>(RunPath(parse.GetValue(id)!)));
            Print(run);
            return ExitCodes.Passed;
        });
        return command;
    }

    private static Command Stop()
    {
        var id = new Argument<string>("id") { Description = "Run id (see 'perfcluster runs list')." };
        var wait = new Option<string>("--wait")
        {
            Description = "How long to wait for the stopped run to finish (0: do not wait).",
            DefaultValueFactory = _ => "60s",
        };
        var (coordinator, token) = (RemoteCoordinator.CoordinatorOption(), RemoteCoordinator.TokenOption());
        var command = new Command("stop", "Stop a run: in-flight requests get the interrupt grace period, and the run completes as interrupted with what it measured.")
        {
            id, wait, coordinator, token,
        };
        command.SetAction(async (parse, _) =>
        {
            var limit = PerfClusterCli.ParseDuration(parse.GetValue(wait)!, "--wait");
            var path = RunPath(parse.GetValue(id)!);
            using var client = RemoteCoordinator.Connect(parse, coordinator, token);
            var run = await RemoteCoordinator.CallAsync(client, c => c.SendAsync<RunDetail>(HttpMethod.Delete, path, null));
            Console.Out.WriteLine($"Stopping run {run.Id}...");
            var until = DateTime.UtcNow + limit;
            while (!run.State.IsFinal() && DateTime.UtcNow < until)
            {
                await Task.Delay(PollInterval);
                run = await RemoteCoordinator.CallAsync(client, c => c.GetAsync<RunDetail>(path));
            }
            if (!run.State.IsFinal())
            {
                if (limit > TimeSpan.Zero) Console.Out.WriteLine($"Run {run.Id} is still {State(run.State)} after {limit.TotalSeconds:0.#} s.");
                return limit > TimeSpan.Zero ? ExitCodes.Failed : ExitCodes.Passed;
            }
            var requests = run.Results.Sum(r => r.Statistics.Overall.Requests);
            Console.Out.WriteLine($"Run {run.Id}: {State(run.State)} ({requests} requests measured)" + (run.Error is null ? "" : $"; {run.Error}"));
            return ExitCodes.Passed;
        });
        return command;
    }

    private static string RunPath(string id) => $"api/runs/{Uri.EscapeDataString(id)}";

    private static void Print(RunDetail run)
    {
        var lines = new List<(string, string)>
        {
            ("Run", run.Id),
            ("State", State(run.State) + (run.StopRequested && !run.State.IsFinal() ? " (stopping)" : "")),
            ("File", run.FileName),
            ("Scenarios", string.Join(", ", run.Scenarios) + (run.CurrentScenario is null ? "" : $" (now: {run.CurrentScenario})")),
            ("Created", Time(run.CreatedAt)),
        };
        if (run.StartedAt is { } started) lines.Add(("Started", Time(started)));
        if (run.FinishedAt is { } finished) lines.Add(("Finished", Time(finished)));
        if (run.Started is { } s) lines.Add(("Workers", $"{s.Workers} (start at {Time(s.StartAt)})"));
        if (run.Progress is { } p && !run.State.IsFinal()) lines.Add(("Progress", Progress(p)));
        if (run.Error is not null) lines.Add(("Error", run.Error));
        var width = lines.Max(l => l.Item1.Length) + 1;
        foreach (var (key, value) in lines) Console.Out.WriteLine($"{(key + ":").PadRight(width)} {value}");

        if (run.Shares is { Shares.Count: > 0 } shares)
        {
            Console.Out.WriteLine();
            Console.Out.WriteLine($"Shares ({shares.Reason}, {Time(shares.At)}):");
            TextTable.Write(["worker", "users", "range", "capacity"], shares.Shares.Select(w => (IReadOnlyList<string>)
            [
                w.Node, w.Share.Count.ToString(CultureInfo.InvariantCulture), $"[{w.Share.From}..{w.Share.To})",
                w.Capacity.ToString("0.##", CultureInfo.InvariantCulture),
            ]).ToList());
        }
        if (run.Results.Count > 0)
        {
            Console.Out.WriteLine();
            Console.Out.WriteLine("Results:");
            TextTable.Write(["scenario", "requests", "errors", "rps", "p50", "p95", "p99", "status"], run.Results.Select(r =>
            {
                var o = r.Statistics.Overall;
                return (IReadOnlyList<string>)
                [
                    r.Scenario, o.Requests.ToString(CultureInfo.InvariantCulture),
                    $"{o.Errors} ({(o.ErrorRate * 100).ToString("0.00", CultureInfo.InvariantCulture)}%)",
                    o.Throughput.ToString("0.0", CultureInfo.InvariantCulture),
                    Ms(o.Latency.P50), Ms(o.Latency.P95), Ms(o.Latency.P99),
                    r.Interrupted ? "interrupted" : "completed",
                ];
            }).ToList());
        }
        var notes = run.Results.SelectMany(r => r.Notes.Select(n => $"{r.Scenario}: {n}")).Concat(run.Notes).ToList();
        if (notes.Count > 0)
        {
            Console.Out.WriteLine();
            Console.Out.WriteLine("Notes:");
            foreach (var n in notes) Console.Out.WriteLine($"  - {n}");
        }
    }

    private static string State(RunState state) => state.ToString().ToLowerInvariant();

    private static string Time(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static string Ms(double seconds) => (seconds * 1000).ToString("0.00", CultureInfo.InvariantCulture) + "ms";

    private static string Progress(RunProgress p)
    {
        var elapsed = p.Elapsed < p.Duration ? p.Elapsed : p.Duration;
        return $"{elapsed.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)}s/{p.Duration.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture)}s, " +
               $"{p.ActiveUsers} users, {p.Totals.Requests} requests, p95 {Ms(p.Totals.Latency.P95)}, {p.Totals.Errors} errors";
    }
}
