using System.Collections.Concurrent;
using System.Text.Json;
using PerfCluster.Cli;
using PerfCluster.Core.Scenarios;
using PerfCluster.Engine.Coordination;
using PerfCluster.Target;
using static PerfCluster.Engine.Protocol.RunProtocol;

namespace PerfCluster.Tests.Api;

/// <summary>
/// Real load through the API: a coordinator process and a worker process against the demo target in this
/// process. Report totals must equal what the target served, whichever way the run was followed.
/// </summary>
[Collection(ClusterCollection.Name)]
public class ClusterRunSpecs(ClusterFixture fixture)
{
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(60);
    private CoordinatorProcess Coordinator => fixture.Coordinator;

    private static string Scenario(DemoTarget target, string duration, int users = 4) => $"""
        name = "cluster-run"
        target = "{target.BaseUrl}"
        concurrent-users = {users}
        duration = {duration}
        ramp-up = 500ms
        think-time = 5ms
        graceful-stop = 5s
        endpoints = [ "/api/v1/projects", "/api/v1/tasks" ]
        thresholds = [ "p95 < 2s" ]
        """;

    private static Task<DemoTarget> StartTargetAsync() =>
        DemoTarget.StartAsync(new DemoTargetOptions(0, TimeSpan.FromMilliseconds(5), TimeSpan.Zero));

    private static JsonElement Data(System.Net.ServerSentEvents.SseItem<string> item) => JsonDocument.Parse(item.Data).RootElement;

    [Fact]
    public async Task Should_serve_the_finished_runs_report_as_json_and_html()
    {
        await using var target = await StartTargetAsync();
        var id = await Coordinator.CreateRunAsync(Scenario(target, "2s"));
        await Coordinator.WaitForRunAsync(id, Budget);

        var json = ReportFiles.Parse(await Coordinator.Http.GetStringAsync($"api/runs/{id}/report"), $"GET api/runs/{id}/report");
        var html = await Coordinator.Http.GetStringAsync($"api/runs/{id}/report?format=html");

        var requests = json.GetProperty("load_tests").GetProperty("cluster-run").GetProperty("requests").GetInt64();
        Assert.Equal(target.TotalServed, requests);
        Assert.Equal(id, json.GetProperty("benchmark_run_id").GetString());
        Assert.Contains("<svg", html);
        Assert.Contains(requests.ToString("N0", System.Globalization.CultureInfo.InvariantCulture), html);
    }

    [Fact]
    public async Task Should_export_the_runs_figures_and_the_workers_resources_at_metrics()
    {
        await using var target = await StartTargetAsync();
        var id = await Coordinator.CreateRunAsync(Scenario(target, "3s"));
        await Coordinator.WaitForRunAsync(id, Budget);

        var text = await Coordinator.Http.GetStringAsync("metrics");

        var lines = text.Split('\n');
        double Value(string prefix) => double.Parse((lines.FirstOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal)) ?? throw new Xunit.Sdk.XunitException($"no {prefix} in:\n{text}")).Split(' ')[^1],
            System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(Value("perfcluster_requests_total{scenario=\"cluster-run\"}") > 50, text);
        Assert.True(Value("perfcluster_runs_started_total") >= 1);
        Assert.Equal(0, Value("perfcluster_runs_active"));
        Assert.True(Value("perfcluster_latency_seconds{scenario=\"cluster-run\",quantile=\"0.95\"}") >= 0.005);
        Assert.Contains(lines, l => l.StartsWith($"perfcluster_node_working_set_bytes{{node=\"{fixture.Worker.Address}\"}}", StringComparison.Ordinal));
        Assert.Contains("# TYPE perfcluster_alert_firing gauge", text);
    }

    [Fact]
    public async Task Should_run_a_scenario_on_the_worker_and_stream_its_progress_and_completion()
    {
        await using var target = await StartTargetAsync();
        var id = await Coordinator.CreateRunAsync(Scenario(target, "3s"));

        var events = await Coordinator.ReadEventsAsync($"api/runs/{id}/events", Budget);

        var names = events.Select(e => e.EventType).ToList();
        Assert.Equal("run", names[0]);
        Assert.Contains("started", names);
        Assert.Contains(events, e => e.EventType == "progress" && Data(e).GetProperty("totals").GetProperty("requests").GetInt64() > 0);
        var shares = Data(events.First(e => e.EventType == "shares")).GetProperty("shares");
        var share = Assert.Single(shares.EnumerateArray());
        Assert.Equal(fixture.Worker.Address, share.GetProperty("node").GetString());
        Assert.Equal(4, share.GetProperty("share").GetProperty("count").GetInt32());
        var completed = Data(Assert.Single(events, e => e.EventType == "scenario-completed"));
        Assert.False(completed.GetProperty("interrupted").GetBoolean());
        var requests = completed.GetProperty("statistics").GetProperty("overall").GetProperty("requests").GetInt64();
        Assert.True(requests > 50, $"only {requests} requests");
        Assert.Equal(target.TotalServed, requests);
        Assert.Equal("run-completed", names[^1]);
        Assert.Equal("completed", Data(events[^1]).GetProperty("state").GetString());

        var (_, detail, _) = await Coordinator.GetAsync($"api/runs/{id}");
        Assert.Equal("completed", detail.GetProperty("state").GetString());
        Assert.Equal(requests, detail.GetProperty("results")[0].GetProperty("statistics").GetProperty("overall").GetProperty("requests").GetInt64());
        var (code, stdout, _) = await Coordinator.CliAsync("runs", "show", id);
        Assert.Equal(0, code);
        Assert.Matches($@"cluster-run\s+{requests}\s+0 \(0\.00%\)", stdout);
    }

    [Fact]
    public async Task Should_show_the_share_each_worker_holds_while_a_run_goes()
    {
        await using var target = await StartTargetAsync();
        var id = await Coordinator.CreateRunAsync(Scenario(target, "30s", users: 5));
        try
        {
            await Coordinator.ReadEventsAsync($"api/runs/{id}/events", Budget, e => e.EventType == "started");

            var (_, workers, _) = await Coordinator.GetAsync("api/cluster/members?role=worker");
            var (showCode, show, _) = await Coordinator.CliAsync("cluster", "show");
            var (runCode, run, _) = await Coordinator.CliAsync("runs", "show", id);

            var worker = Assert.Single(workers.EnumerateArray(), m => m.GetProperty("address").GetString() == fixture.Worker.Address);
            var share = Assert.Single(worker.GetProperty("shares").EnumerateArray());
            Assert.Equal(id, share.GetProperty("run_id").GetString());
            Assert.Equal(5, share.GetProperty("users").GetInt32());
            Assert.Equal(0, showCode);
            Assert.Contains($"5 users [0..5) in {id}", show);
            Assert.Equal(0, runCode);
            Assert.Contains("State:     running", run);
            Assert.Contains("Shares (start", run);
            Assert.Matches($@"{fixture.Worker.Address.Replace(".", @"\.")}\s+5\s+\[0\.\.5\)\s+1", run);
        }
        finally
        {
            await Coordinator.SendAsync(HttpMethod.Delete, $"api/runs/{id}");
            await Coordinator.WaitForRunAsync(id, Budget);
        }
    }

    [Fact]
    public async Task Should_stop_a_running_run_and_keep_what_it_measured()
    {
        await using var target = await StartTargetAsync();
        var id = await Coordinator.CreateRunAsync(Scenario(target, "60s"));
        await Coordinator.ReadEventsAsync($"api/runs/{id}/events", Budget,
            e => e.EventType == "progress" && Data(e).GetProperty("totals").GetProperty("requests").GetInt64() > 0);

        var stoppedAt = DateTime.UtcNow;
        var (code, stdout, stderr) = await Coordinator.CliAsync("runs", "stop", id);
        var events = await Coordinator.ReadEventsAsync($"api/runs/{id}/events", Budget);

        Assert.True(code == 0, stdout + stderr);
        Assert.Contains($"Run {id}: interrupted", stdout);
        Assert.True(DateTime.UtcNow - stoppedAt < TimeSpan.FromSeconds(30), "the stop took too long");
        var completed = Data(Assert.Single(events, e => e.EventType == "scenario-completed"));
        Assert.True(completed.GetProperty("interrupted").GetBoolean());
        var requests = completed.GetProperty("statistics").GetProperty("overall").GetProperty("requests").GetInt64();
        Assert.InRange(requests, 1, target.TotalServed);
        Assert.Equal("interrupted", Data(events[^1]).GetProperty("state").GetString());
    }

    private static ScenarioDefinition Definition(DemoTarget target, string duration) =>
        ScenarioLoader.LoadText(Scenario(target, duration), "remote.conf").Scenarios[0];

    [Fact]
    public async Task Should_run_a_scenario_through_the_remote_client_with_the_records_of_the_embedded_node()
    {
        await using var target = await StartTargetAsync();
        var events = new ConcurrentQueue<object>();
        var runId = $"benchmark_{Guid.NewGuid():N}-1";

        var outcome = await RemoteCoordinator.RunScenarioAsync([Coordinator.Api], null, runId, Definition(target, "3s"), events.Enqueue, CancellationToken.None)
            .WaitAsync(Budget);

        Assert.False(outcome.Interrupted);
        Assert.Equal("cluster-run", outcome.Scenario.Name);
        Assert.True(outcome.Statistics.Overall.Requests > 50);
        Assert.Equal(target.TotalServed, outcome.Statistics.Overall.Requests);
        Assert.Equal(outcome.Statistics.Overall.Requests, outcome.Statistics.Endpoints.Sum(e => e.Requests));
        Assert.Contains(events, e => e is RunStarted { Workers: 1 } s && s.RunId == runId);
        Assert.Contains(events, e => e is SharesAssigned s && s.Shares.Single().Node == fixture.Worker.Address);
        Assert.Contains(events, e => e is RunProgress { Totals.Requests: > 0 });
        var done = Assert.IsType<RunCompleted>(events.Last());
        Assert.Equal(outcome.Statistics.Overall.Requests, done.Statistics.Overall.Requests);
        var (_, detail, _) = await Coordinator.GetAsync($"api/runs/{runId}");
        Assert.Equal("completed", detail.GetProperty("state").GetString());
    }

    [Fact]
    public async Task Should_stop_a_remote_run_on_interrupt_and_return_its_partial_outcome()
    {
        await using var target = await StartTargetAsync();
        using var interrupt = new CancellationTokenSource();
        void OnEvent(object e)
        {
            if (e is RunProgress { Totals.Requests: > 0 }) interrupt.Cancel();
        }

        var outcome = await RemoteCoordinator.RunScenarioAsync(
            [Coordinator.Api], null, $"benchmark_{Guid.NewGuid():N}-1", Definition(target, "60s"), OnEvent, interrupt.Token).WaitAsync(Budget);

        Assert.True(outcome.Interrupted);
        Assert.Equal("interrupted", outcome.Reason);
        Assert.InRange(outcome.Statistics.Overall.Requests, 1, target.TotalServed);
    }

    [Fact]
    public async Task Should_let_a_worker_leave_the_cluster_on_request()
    {
        await using var extra = await WorkerProcess.StartAsync(Coordinator);

        var (code, stdout, stderr) = await Coordinator.CliAsync("cluster", "leave", extra.Address);

        Assert.True(code == 0, stderr);
        Assert.Contains($"Asked {extra.Address} to leave the cluster.", stdout);
        await WorkerProcess.WaitUntilAsync(async () =>
        {
            var (_, members, _) = await Coordinator.GetAsync("api/cluster/members");
            return members.EnumerateArray().All(m => m.GetProperty("address").GetString() != extra.Address);
        }, Budget, $"{extra.Address} is still a member");
    }

    [Fact]
    public async Task Should_down_a_worker_that_became_unreachable()
    {
        await using var extra = await WorkerProcess.StartAsync(Coordinator);

        extra.Process.Signal("STOP");
        await WorkerProcess.WaitUntilAsync(async () =>
        {
            var (_, members, _) = await Coordinator.GetAsync("api/cluster/members");
            return members.EnumerateArray().Any(m => m.GetProperty("address").GetString() == extra.Address && !m.GetProperty("reachable").GetBoolean());
        }, Budget, $"{extra.Address} never became unreachable");
        var (show, table, _) = await Coordinator.CliAsync("cluster", "show", "-r", "worker");
        var (code, stdout, stderr) = await Coordinator.CliAsync("cluster", "down-unreachable");

        Assert.Equal(0, show);
        Assert.Matches($@"{extra.Address.Replace(".", @"\.")}\s+capacity-1,worker\s+\S+\s+NO", table);
        Assert.True(code == 0, stderr);
        Assert.Contains(extra.Address, stdout);
        await WorkerProcess.WaitUntilAsync(async () =>
        {
            var (_, members, _) = await Coordinator.GetAsync("api/cluster/members");
            return members.EnumerateArray().All(m => m.GetProperty("address").GetString() != extra.Address);
        }, Budget, $"{extra.Address} was not removed");
    }

    [Fact]
    public async Task Should_run_a_scenario_file_through_the_coordinator_from_the_command_line()
    {
        await using var target = await StartTargetAsync();
        using var dir = new TempDirectory();
        var file = dir.File("remote.conf", Scenario(target, "3s"));

        var (code, stdout, stderr) = await CliProcess.RunAsync(Budget, "run", file, "--coordinator", Coordinator.Api.ToString(), "--out", dir.Sub("out"));

        Assert.True(code == 0, $"exit {code}\n{stdout}\n{stderr}");
        var report = ReportFiles.Read(dir.Sub("out"));
        var test = report.GetProperty("load_tests").GetProperty("cluster-run");
        Assert.Equal(target.TotalServed, test.GetProperty("requests").GetInt64());
        Assert.Equal(fixture.Worker.Address, Assert.Single(test.GetProperty("workers").EnumerateArray()).GetProperty("node").GetString());
    }
}
