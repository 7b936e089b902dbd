using System.Net;
using System.Net.Sockets;
using PerfCluster.Cli;
using PerfCluster.Core.Scenarios;
using PerfCluster.Engine.Coordination;
using static PerfCluster.Engine.Protocol.RunProtocol;

namespace PerfCluster.Tests.Api;

/// <summary>The client side of <c>run --coordinator</c> when the run cannot happen: the errors the embedded node gives.</summary>
[Collection(CoordinatorOnlyCollection.Name)]
public class RemoteCoordinatorSpecs(CoordinatorOnlyFixture fixture)
{
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(30);

    private static ScenarioDefinition Scenario(string extra = "") => ScenarioLoader.LoadText($"""
        name = "remote"
        target = "http://127.0.0.1:9"
        concurrent-users = 2
        duration = 2s
        {extra}
        """, "remote.conf").Scenarios[0];

    [Fact]
    public async Task Should_fail_the_scenario_when_no_worker_joins()
    {
        var events = new List<object>();

        var error = await Assert.ThrowsAsync<RunFailedException>(() => RemoteCoordinator.RunScenarioAsync(
            [fixture.Coordinator.Api], null, $"benchmark_{Guid.NewGuid():N}-1", Scenario(), events.Add, CancellationToken.None).WaitAsync(Budget));

        Assert.Contains("only 0 of the 1 workers", error.Message);
        Assert.IsType<RunFailed>(Assert.Single(events));
    }

    [Fact]
    public async Task Should_fail_the_scenario_when_interrupted_before_it_started()
    {
        using var interrupt = new CancellationTokenSource();
        var run = RemoteCoordinator.RunScenarioAsync(
            [fixture.Coordinator.Api], null, $"benchmark_{Guid.NewGuid():N}-1", Scenario(), _ => { }, interrupt.Token);
        await Task.Delay(500);
        interrupt.Cancel();

        var error = await Assert.ThrowsAsync<RunFailedException>(() => run.WaitAsync(Budget));

        Assert.Contains("stopped before start", error.Message);
    }

    [Fact]
    public async Task Should_run_under_another_id_when_the_asked_one_is_taken()
    {
        var runId = $"benchmark_{Guid.NewGuid():N}-1";
        await fixture.Coordinator.CreateRunAsync("name = x\ntarget = \"http://127.0.0.1:9\"\nconcurrent-users = 1\nduration = 1s", runId);

        var error = await Assert.ThrowsAsync<RunFailedException>(() => RemoteCoordinator.RunScenarioAsync(
            [fixture.Coordinator.Api], null, runId, Scenario(), _ => { }, CancellationToken.None).WaitAsync(Budget));

        Assert.Contains("workers", error.Message);
        var (_, runs, _) = await fixture.Coordinator.GetAsync("api/runs");
        Assert.Contains(runs.EnumerateArray(), r => r.GetProperty("id").GetString()!.StartsWith(runId + "-") &&
                                                     r.GetProperty("scenarios")[0].GetString() == "remote");
    }

    [Fact]
    public async Task Should_report_a_scenario_the_coordinator_refuses_as_bad_input()
    {
        var error = await Assert.ThrowsAsync<UsageException>(() => RemoteCoordinator.RunScenarioAsync(
            [fixture.Coordinator.Api], null, "benchmark_1-1", Scenario("thresholds = [ \"p95x < 1s\" ]"), _ => { }, CancellationToken.None));

        Assert.Contains("the coordinator refused the scenario", error.Message);
        Assert.Contains("p95x", error.Message);
    }

    [Fact]
    public async Task Should_report_an_unreachable_coordinator_as_bad_input()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();

        var error = await Assert.ThrowsAsync<UsageException>(() => RemoteCoordinator.RunScenarioAsync(
            [new Uri($"http://127.0.0.1:{port}")], null, "benchmark_1-1", Scenario(), _ => { }, CancellationToken.None));

        Assert.Equal($"cannot reach coordinator at http://127.0.0.1:{port}: connection refused", error.Message);
    }
}
