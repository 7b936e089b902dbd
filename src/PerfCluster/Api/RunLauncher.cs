using Akka.Actor;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using PerfCluster.Core.Runs;
using PerfCluster.Dashboard;
using PerfCluster.Engine.Coordination;

namespace PerfCluster.Api;

/// <summary>
/// Runs an API run's scenarios in order on this coordinator's run manager, in the background, through
/// <see cref="TestRunner"/>; its <see cref="RunRecord"/> follows along. A stop (DELETE, shutdown) interrupts the
/// scenario going and skips the rest.
/// </summary>
public sealed class RunLauncher(
    ActorSystem system, ActorRegistry actors, RunRegistry registry, CoordinatorMetrics metrics, DashboardRuns dashboard, ILogger<RunLauncher> log)
{
    /// <summary>Registers the run and starts it; false when the id is taken.</summary>
    public bool TryStart(RunRecord run)
    {
        if (!registry.TryAdd(run)) return false;
        _ = Task.Run(() => ExecuteAsync(run));
        return true;
    }

    private Task ExecuteAsync(RunRecord record) => DriveAsync(record, async (scenarioRunId, scenario, onEvent, stop) =>
    {
        var manager = await actors.GetAsync<RunManager>(stop);
        return await RunClient.RunAsync(system, manager, scenarioRunId, scenario,
            e => { onEvent(e); metrics.Observe(e); dashboard.Observe(record.Id, e); }, stop);
    }, log);

    /// <summary>Runs <paramref name="record"/>'s plan through <paramref name="execute"/> to its end; the record follows along.</summary>
    public static async Task DriveAsync(RunRecord record, ScenarioExecutor execute, ILogger log)
    {
        TestRun run;
        try
        {
            run = await TestRunner.RunAsync(record.Run, execute, record.Control, record);
        }
        catch (Exception e)
        {
            log.LogError(e, "Run {RunId} failed", record.Id);
            run = record.Run.Fail(null, $"the coordinator could not run it: {e.Message}");
        }
        record.Finish(run);
    }
}

/// <summary>
/// On shutdown (SIGTERM): when another coordinator node is up in the cluster, this one leaves with its runs going
/// and the run manager singleton hands them over to it (the same takeover as after a crash, without the wait for
/// the failure detector). Otherwise it stops every run still going and gives them a bounded time to finish with
/// partial results.
/// </summary>
public sealed class RunShutdown(RunRegistry registry, IServiceProvider services, ILogger<RunShutdown> log) : IHostedService
{
    public static readonly TimeSpan Grace = TimeSpan.FromSeconds(10);

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        var active = registry.Active();
        if (active.Count == 0) return;
        if (OtherCoordinator() is { } successor)
        {
            log.LogWarning("Leaving the cluster with {Count} run(s) going: coordinator {Successor} takes them over", active.Count, successor);
            return;
        }
        foreach (var run in active) run.RequestStop();
        var all = Task.WhenAll(active.Select(r => r.Finished));
        var finished = await Task.WhenAny(all, Task.Delay(Grace, cancellationToken));
        if (finished != all) log.LogWarning("{Count} run(s) did not finish within {Grace} of the shutdown", active.Count(r => !r.Finished.IsCompleted), Grace);
    }

    /// <summary>Another reachable coordinator that is up, when this node's runs can be taken over (it stores them).</summary>
    private Akka.Actor.Address? OtherCoordinator() =>
        services.GetService<ActorSystem>() is { } system && PerfCluster.Engine.History.RunTimeline.IsAvailable(system)
            ? CoordinatorNodes.Successor(Akka.Cluster.Cluster.Get(system))
            : null;
}
