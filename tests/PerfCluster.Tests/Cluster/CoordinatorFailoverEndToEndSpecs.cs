using System.Diagnostics;
using System.Text.Json;
using Npgsql;
using PerfCluster.Target;
using PerfCluster.Tests.Api;
using PerfCluster.Tests.Cli;
using Xunit.Abstractions;

namespace PerfCluster.Tests.Cluster;

/// <summary>
/// Coordinator fail-over with real processes on loopback: two coordinators sharing a PostgreSQL store, two workers and
/// the demo target. The coordinator running a run is killed with SIGKILL in the middle of it; the other one takes the
/// run over, finishes it, reports the gap, and the total still equals what the target served.
/// </summary>
public class CoordinatorFailoverEndToEndSpecs(ITestOutputHelper output)
{
    private const int Users = 6;

    /// <summary>Fast failure detection and downing (tests only; PLATFORM.md's measured settings), so the takeover comes within seconds.</summary>
    private const string FastCluster = """
        akka.cluster {
          gossip-interval = 200ms
          leader-actions-interval = 200ms
          failure-detector { heartbeat-interval = 200ms, acceptable-heartbeat-pause = 1s }
          split-brain-resolver.stable-after = 2s
          singleton.hand-over-retry-interval = 200ms
          singleton-proxy.singleton-identification-interval = 200ms
        }
        akka.remote.retry-gate-closed-for = 500ms
        perfcluster.run.worker-wait-timeout = 30s
        """;

    private static string Scenario(Uri target, string name) => $$"""
        name = "{{name}}"
        target = "{{target}}"
        concurrent-users = {{Users}}
        duration = 20s
        think-time = 20ms
        endpoints = [ "/api/v1/projects", "/api/v1/tasks" ]
        """;

    [PostgresFact]
    public Task Should_finish_a_run_on_the_other_coordinator_when_its_coordinator_is_killed_and_count_exactly() =>
        KillTheRunManagersCoordinatorAsync(submitToSurvivor: false);

    /// <summary>The run is submitted through the coordinator that survives: its API keeps following the run throughout.</summary>
    [PostgresFact]
    public Task Should_keep_following_a_run_submitted_through_the_coordinator_that_survives() =>
        KillTheRunManagersCoordinatorAsync(submitToSurvivor: true);

    /// <summary>A graceful stop (a rolling upgrade's SIGTERM) hands the run over instead of stopping it.</summary>
    [PostgresFact]
    public Task Should_hand_a_run_over_when_its_coordinator_is_stopped_with_SIGTERM() =>
        KillTheRunManagersCoordinatorAsync(submitToSurvivor: true, signal: "TERM");

    /// <summary>
    /// <c>perfcluster run --coordinator FIRST,SECOND</c>: the client loses the coordinator it submitted to, finds the
    /// run on the other one, follows it to the end and writes a report whose total equals what the target served.
    /// </summary>
    [PostgresFact]
    public async Task Should_let_a_run_client_follow_its_run_to_the_coordinator_that_takes_it_over()
    {
        await using var cluster = await TwoCoordinators.StartAsync();
        var scenario = cluster.Dir.File("failover.conf", Scenario(cluster.Target.BaseUrl, "failover"));
        var outDir = cluster.Dir.Sub("client-report");
        using var client = CliProcess.Start("run", scenario, "--coordinator", $"{cluster.First.ApiText},{cluster.Second.ApiText}", "--out", outDir);
        await client.WaitForOutputAsync("started on ", TimeSpan.FromSeconds(60));
        await Task.Delay(TimeSpan.FromSeconds(6));
        var servedBeforeKill = cluster.Target.TotalServed;
        cluster.First.Process.Signal("KILL");

        var code = await client.WaitAsync(TimeSpan.FromSeconds(180));
        output.WriteLine(client.Stdout);
        output.WriteLine(client.Stderr);

        Assert.True(code == 0, $"exit {code}\nstdout:\n{client.Stdout}\nstderr:\n{client.Stderr}");
        Assert.Contains($"Following run", client.Stderr);
        Assert.Contains(cluster.Second.ApiText, client.Stderr);
        var report = ReportFiles.Read(outDir);
        var test = report.GetProperty("load_tests").GetProperty("failover");
        Assert.Equal(cluster.Target.TotalServed, test.GetProperty("requests").GetInt64());
        Assert.True(cluster.Target.TotalServed > servedBeforeKill, "the load went on after the kill");
        var notes = report.GetProperty("notes").EnumerateArray().Select(n => n.GetString()!).ToList();
        output.WriteLine(string.Join("\n", notes));
        Assert.Single(notes, n => n.Contains("coordinator fail-over"));
        Assert.Single(notes, n => n.Contains("this client lost its coordinator mid-run") && n.Contains(cluster.Second.ApiText));
    }

    /// <summary>
    /// A scheduled run started by the coordinator that is killed is taken over by the other one, whose scheduler
    /// follows it to its end and records its outcome and history instead of calling it abandoned. Both coordinators
    /// and the CLI write the same journals, so each reads what the others wrote.
    /// </summary>
    [PostgresFact]
    public async Task Should_record_the_outcome_of_a_scheduled_run_that_the_other_coordinator_took_over()
    {
        await using var cluster = await TwoCoordinators.StartAsync("perfcluster.schedules { enabled = on, check-interval = 1s }");
        var file = cluster.Dir.File("nightly.conf", Scenario(cluster.Target.BaseUrl, "nightly"));
        var add = await CliProcess.RunAsync(TimeSpan.FromSeconds(60), cluster.Env, "schedule", "add", "--cron", "0 3 1 1 *", file, "--name", "nightly");
        var runNow = await CliProcess.RunAsync(TimeSpan.FromSeconds(60), cluster.Env, "schedule", "run-now", "nightly");
        Assert.True(add.ExitCode == 0 && runNow.ExitCode == 0, add.Stderr + runNow.Stderr);

        // Added and asked for through the CLI while both coordinators run: the one holding the run manager starts it.
        var id = await WaitForScheduledRunAsync(cluster.First, "sched-nightly-", TimeSpan.FromSeconds(60));
        await WaitForStateAsync(cluster.First, id, "running", TimeSpan.FromSeconds(60));
        await Task.Delay(TimeSpan.FromSeconds(6));
        cluster.First.Process.Signal("KILL");
        var killed = Stopwatch.StartNew();

        var outcome = await WaitForScheduleOutcomeAsync(cluster.Env, "nightly", TimeSpan.FromSeconds(120));
        output.WriteLine($"schedule outcome '{outcome}' {killed.Elapsed.TotalSeconds:0.0} s after the kill");
        if (outcome != "passed") output.WriteLine(cluster.Second.Process.Stderr);
        Assert.Equal("passed", outcome);
        var (status, report, _) = await cluster.Second.GetAsync($"api/runs/{id}/report");
        Assert.True(status == 200, $"report: {status} {report}");
        Assert.Equal(cluster.Target.TotalServed, report.GetProperty("load_tests").GetProperty("nightly").GetProperty("requests").GetInt64());
        var history = await CliProcess.RunAsync(TimeSpan.FromSeconds(60), cluster.Env, "runs", "history", "--scenario", "nightly");
        Assert.True(history.ExitCode == 0, history.Stderr);
        Assert.Contains(cluster.Target.TotalServed.ToString("N0", System.Globalization.CultureInfo.InvariantCulture), history.Stdout);
    }

    private async Task KillTheRunManagersCoordinatorAsync(bool submitToSurvivor, string signal = "KILL")
    {
        await using var cluster = await TwoCoordinators.StartAsync();
        var (first, second, target) = (cluster.First, cluster.Second, cluster.Target);

        var api = submitToSurvivor ? second : first;
        var id = await api.CreateRunAsync(Scenario(target.BaseUrl, "failover"));
        await WaitForStateAsync(api, id, "running", TimeSpan.FromSeconds(60));
        await Task.Delay(TimeSpan.FromSeconds(6));
        var servedBeforeKill = target.TotalServed;
        first.Process.Signal(signal);
        var killed = Stopwatch.StartNew();

        var known = await WaitForRunAsync(second, id, TimeSpan.FromSeconds(90));
        output.WriteLine($"run known to the second coordinator {killed.Elapsed.TotalSeconds:0.0} s after the kill; served before the kill: {servedBeforeKill}");
        Assert.True(known, "the second coordinator never showed the run");
        var run = await second.WaitForRunAsync(id, TimeSpan.FromSeconds(120));
        output.WriteLine($"run ended {killed.Elapsed.TotalSeconds:0.0} s after the kill");

        Assert.True(run.GetProperty("state").GetString() == "completed", run.ToString());
        var (status, report, _) = await second.GetAsync($"api/runs/{id}/report");
        Assert.True(status == 200, $"report: {status} {report}");
        var test = report.GetProperty("load_tests").GetProperty("failover");
        var notes = report.GetProperty("notes").EnumerateArray().Select(n => n.GetString()!).ToList();
        output.WriteLine(string.Join("\n", notes));
        Assert.Equal(target.TotalServed, test.GetProperty("requests").GetInt64());
        Assert.True(target.TotalServed > servedBeforeKill, "the load went on after the kill");
        var gap = Assert.Single(notes, n => n.Contains("coordinator fail-over"));
        Assert.Matches(@"\d+\.\d s without a coordinator \(gap\)", gap);
        // Both workers kept their shares and finished the run under the new coordinator.
        var workers = test.GetProperty("workers").EnumerateArray().ToList();
        Assert.Equal(2, workers.Count);
        Assert.Equal(test.GetProperty("requests").GetInt64(), workers.Sum(w => w.GetProperty("requests").GetInt64()));
        // The scenario text stays with the API that was given it; a run taken over carries the scenario's written form.
        Assert.Equal(submitToSurvivor ? "test.conf" : "(taken over from a lost coordinator)", run.GetProperty("file_name").GetString());
        var source = report.GetProperty("source").GetProperty("text").GetString()!;
        Assert.Equal("failover", Assert.Single(PerfCluster.Core.Scenarios.ScenarioLoader.LoadText(source, "source.text").Scenarios).Name);
        ReportFiles.Parse(report.GetRawText(), $"GET api/runs/{id}/report");
    }

    /// <summary>
    /// Two coordinators on one PostgreSQL schema (the first, the oldest, holds the run manager), two workers that know
    /// both as seeds, and the demo target; all four nodes up.
    /// </summary>
    private sealed class TwoCoordinators : IAsyncDisposable
    {
        private readonly List<IAsyncDisposable> _owned = [];

        public TempDirectory Dir { get; } = new();
        public DemoTarget Target { get; private set; } = null!;
        public CoordinatorProcess First { get; private set; } = null!;
        public CoordinatorProcess Second { get; private set; } = null!;

        /// <summary>PostgreSQL settings for every process of this cluster, the CLI's included.</summary>
        public Dictionary<string, string?> Env { get; } = [];

        /// <param name="config">HOCON after the fast cluster settings; by default no schedules.</param>
        public static async Task<TwoCoordinators> StartAsync(string config = "perfcluster.schedules.enabled = off")
        {
            var cluster = new TwoCoordinators();
            try
            {
                await cluster.StartNodesAsync(config);
                return cluster;
            }
            catch
            {
                await cluster.DisposeAsync();
                throw;
            }
        }

        private async Task StartNodesAsync(string extra)
        {
            var schema = Own(await PostgresSchema.CreateAsync());
            Env["PERFCLUSTER_DB_PROVIDER"] = "postgresql";
            Env["PERFCLUSTER_DB_CONNECTION"] = schema.ConnectionString;
            var env = Env;
            var config = Dir.File("node.conf", FastCluster + "\n" + extra);
            Target = Own(await DemoTarget.StartAsync(new DemoTargetOptions(0, TimeSpan.FromMilliseconds(5), TimeSpan.Zero)));
            First = Own(await CoordinatorProcess.StartAsync(config, null, env, []));
            Second = Own(await CoordinatorProcess.StartAsync(config, null, env, [First.Seed]));
            var workers = Enumerable.Range(0, 2)
                .Select(_ => CliProcess.Start("worker", "--seed", First.Seed, "--seed", Second.Seed, "--config", config)).ToList();
            foreach (var worker in workers) _owned.Add(new Disposer(worker.Dispose));
            foreach (var worker in workers) await worker.WaitForOutputAsync("Worker ready", TimeSpan.FromSeconds(60));
            await WaitForMembersAsync(Second, 4);
        }

        private T Own<T>(T resource) where T : IAsyncDisposable
        {
            _owned.Add(resource);
            return resource;
        }

        public async ValueTask DisposeAsync()
        {
            for (var i = _owned.Count - 1; i >= 0; i--) await _owned[i].DisposeAsync();
            Dir.Dispose();
        }

        private sealed class Disposer(Action dispose) : IAsyncDisposable
        {
            public ValueTask DisposeAsync()
            {
                dispose();
                return ValueTask.CompletedTask;
            }
        }
    }

    private static async Task WaitForMembersAsync(CoordinatorProcess coordinator, int count)
    {
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            var (_, members, _) = await coordinator.GetAsync("api/cluster/members");
            var up = members.ValueKind == JsonValueKind.Array
                ? members.EnumerateArray().Count(m => m.GetProperty("status").GetString() is "up" or "Up")
                : 0;
            if (up >= count) return;
            if (DateTime.UtcNow > until) throw new TimeoutException($"only {up} of {count} members up: {members}");
            await Task.Delay(200);
        }
    }

    private static async Task WaitForStateAsync(CoordinatorProcess coordinator, string id, string state, TimeSpan timeout)
    {
        var until = DateTime.UtcNow + timeout;
        while (true)
        {
            var (_, run, _) = await coordinator.GetAsync($"api/runs/{id}");
            if (run.GetProperty("state").GetString() == state) return;
            if (DateTime.UtcNow > until) throw new TimeoutException($"run {id} not {state} after {timeout}: {run}");
            await Task.Delay(100);
        }
    }

    private static async Task<string> WaitForScheduledRunAsync(CoordinatorProcess coordinator, string prefix, TimeSpan timeout)
    {
        var until = DateTime.UtcNow + timeout;
        while (true)
        {
            var (_, runs, _) = await coordinator.GetAsync("api/runs");
            if (runs.ValueKind == JsonValueKind.Array &&
                runs.EnumerateArray().Select(r => r.GetProperty("id").GetString()!).FirstOrDefault(i => i.StartsWith(prefix, StringComparison.Ordinal)) is { } id)
                return id;
            if (DateTime.UtcNow > until)
                throw new TimeoutException($"no run {prefix}* after {timeout}: {runs}\n{coordinator.Process.Stdout}\n{coordinator.Process.Stderr}");
            await Task.Delay(200);
        }
    }

    /// <summary>The outcome <c>schedule list</c> shows for the schedule's last run once it is no longer "running".</summary>
    private static async Task<string> WaitForScheduleOutcomeAsync(IReadOnlyDictionary<string, string?> env, string schedule, TimeSpan timeout)
    {
        var until = DateTime.UtcNow + timeout;
        var last = "";
        while (DateTime.UtcNow < until)
        {
            var list = await CliProcess.RunAsync(TimeSpan.FromSeconds(60), env, "schedule", "list");
            last = list.Stdout;
            var row = list.Stdout.Split('\n').FirstOrDefault(l => l.StartsWith(schedule + " ", StringComparison.Ordinal));
            var outcome = row is null ? null : System.Text.RegularExpressions.Regex.Match(row, @"\b(running|passed|failed|regressed|interrupted|error|abandoned)\b").Value;
            if (outcome is { Length: > 0 } and not "running") return outcome;
            await Task.Delay(1000);
        }
        throw new TimeoutException($"schedule {schedule} still running after {timeout}:\n{last}");
    }

    /// <summary>Until the coordinator's API knows the run (it took it over); false after the timeout.</summary>
    private static async Task<bool> WaitForRunAsync(CoordinatorProcess coordinator, string id, TimeSpan timeout)
    {
        var until = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < until)
        {
            var (status, _, _) = await coordinator.GetAsync($"api/runs/{id}");
            if (status == 200) return true;
            await Task.Delay(200);
        }
        return false;
    }
}

/// <summary>A schema of its own in the PERFCLUSTER_TEST_POSTGRES database (the connection's search path), dropped afterwards.</summary>
public sealed class PostgresSchema : IAsyncDisposable
{
    private readonly string _name = "pc_e2e_" + Guid.NewGuid().ToString("N")[..16];

    private PostgresSchema() =>
        ConnectionString = new NpgsqlConnectionStringBuilder(PostgresFactAttribute.ConnectionString) { SearchPath = _name }.ConnectionString;

    public string ConnectionString { get; }

    public static async Task<PostgresSchema> CreateAsync()
    {
        var schema = new PostgresSchema();
        await schema.ExecuteAsync($"CREATE SCHEMA {schema._name}");
        return schema;
    }

    private async Task ExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(PostgresFactAttribute.ConnectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await ExecuteAsync($"DROP SCHEMA IF EXISTS {_name} CASCADE");
    }
}
