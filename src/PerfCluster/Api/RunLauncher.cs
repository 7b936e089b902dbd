using Akka.Actor;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using PerfCluster.Dashboard;
using PerfCluster.Core.Scenarios;
using PerfCluster.Engine.Coordination;

namespace PerfCluster.Api;

/// <summary>
/// Runs an API run's scenarios in order on this coordinator's run manager, in the background, and keeps
/// its <see cref="RunRecord"/> up to date. A stop (DELETE, shutdown) interrupts the scenario going and
/// skips the rest.
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

    /// <summary>The actor-level run id of scenario <paramref name="index"/>: the run id itself when there is only one.</summary>
    public static string ScenarioRunId(RunRecord run, int index) =>
        run.Plan.Scenarios.Count == 1 ? run.Id : $"{run.Id}~{index + 1}";

    private async Task ExecuteAsync(RunRecord run)
    {
        var notes = new List<string>();
        try
        {
            var manager = await actors.GetAsync<RunManager>(run.StopToken);
            for (var i = 0; i < run.Plan.Scenarios.Count; i++)
            {
                var scenario = run.Plan.Scenarios[i];
                if (run.StopRequested)
                {
                    notes.Add($"not run: {string.Join(", ", run.Plan.Scenarios.Skip(i).Select(s => s.Name))}");
                    break;
                }
                run.ScenarioStarting(scenario);
                var outcome = await RunClient.RunAsync(system, manager, ScenarioRunId(run, i), scenario,
                    e => { run.OnRunEvent(e); metrics.Observe(e); dashboard.Observe(run.Id, e); }, run.StopToken);
                run.ScenarioCompleted(outcome);
                if (outcome.Interrupted && i + 1 < run.Plan.Scenarios.Count)
                {
                    notes.Add($"not run: {string.Join(", ", run.Plan.Scenarios.Skip(i + 1).Select(s => s.Name))}");
                    break;
                }
            }
            run.Complete(notes);
        }
        catch (RunFailedException e)
        {
            run.Fail(e.Message, notes);
        }
        catch (OperationCanceledException) when (run.StopRequested)
        {
            run.Fail("stopped before start", notes);
        }
        catch (Exception e)
        {
            log.LogError(e, "Run {RunId} failed", run.Id);
            run.Fail($"the coordinator could not run it: {e.Message}", notes);
        }
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
