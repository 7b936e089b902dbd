using Akka.Actor;
using PerfCluster.Core.Runs;
using PerfCluster.Core.Scenarios;
using PerfCluster.Dashboard;
using PerfCluster.Engine.Coordination;
using static PerfCluster.Engine.Protocol.RunProtocol;

namespace PerfCluster.Api;

/// <summary>
/// Follows the runs this coordinator took over when the node that ran them (and followed them for its API) was lost:
/// each becomes a run of this node's API (state, events, report), as if it had been submitted here, and a DELETE
/// stops it like any other. Registered as <see cref="RecoveredRunsKey"/>.
/// </summary>
public sealed class RecoveredRuns(RunRegistry registry, CoordinatorMetrics metrics, DashboardRuns dashboard) : UntypedActor
{
    /// <summary>The source file name of a run taken over: the file stayed with the lost coordinator.</summary>
    public const string TakenOverSource = "(taken over from a lost coordinator)";

    private readonly Dictionary<string, (RunRecord Run, ScenarioDefinition Scenario, CancellationTokenRegistration Stop)> _runs = new(StringComparer.Ordinal);

    public static Props Props(RunRegistry registry, CoordinatorMetrics metrics, DashboardRuns dashboard) =>
        Akka.Actor.Props.Create(() => new RecoveredRuns(registry, metrics, dashboard));

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case RunTakenOver taken:
                if (_runs.ContainsKey(taken.RunId)) return;
                var run = registry.Find(taken.RunId);
                if (run is null || run.State.IsFinal())
                {
                    // The file's own text stayed with the lost coordinator; the scenario's written form runs the same.
                    run = new RunRecord(taken.RunId, new TestPlan(TakenOverSource, ScenarioJson.Write(taken.Scenario), [taken.Scenario]),
                        DateTimeOffset.UtcNow);
                    registry.TryAdd(run);
                }
                run.Starting(run.Run, StepOf(run));
                var manager = Akka.Hosting.ActorRegistry.For(Context.System).Get<RunManager>();
                var runId = taken.RunId;
                var stop = run.StopToken.Register(() => manager.Tell(new StopRun(runId, "interrupted")));
                _runs[taken.RunId] = (run, taken.Scenario, stop);
                break;
            case RunStarted or RunProgress or SharesAssigned or AlertRaised or RunCompleted or RunFailed:
                if (!_runs.TryGetValue(RunIdOf(message), out var followed)) return;
                var record = followed.Run;
                var step = StepOf(record);
                record.OnEvent(step, message);
                metrics.Observe(message);
                dashboard.Observe(record.Id, message);
                if (message is RunCompleted done)
                {
                    var outcome = new ScenarioOutcome(followed.Scenario, done.Statistics, done.Interrupted, done.Reason) { Notes = done.Notes };
                    var ended = record.Run.Record(step, new ScenarioRunResult(done.Statistics, done.Interrupted, done.Reason, done.Notes));
                    record.Ended(ended, step, outcome, null);
                    record.Finish(ended);
                    Forget(done.RunId);
                }
                else if (message is RunFailed failed)
                {
                    var ended = record.Run.Fail(step, failed.Error);
                    record.Ended(ended, step, null, failed.Error);
                    record.Finish(ended);
                    Forget(failed.RunId);
                }
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    /// <summary>The one scenario run of a taken-over run: its run id is the scenario run's own.</summary>
    private static TestRunStep StepOf(RunRecord record) =>
        record.Run.Next ?? new TestRunStep(0, 1, record.Id, record.Plan.Scenarios[0]);

    private void Forget(string runId)
    {
        if (_runs.Remove(runId, out var followed)) followed.Stop.Dispose();
    }

    private static string RunIdOf(object message) => message switch
    {
        RunStarted m => m.RunId,
        RunProgress m => m.RunId,
        SharesAssigned m => m.RunId,
        AlertRaised m => m.RunId,
        RunCompleted m => m.RunId,
        RunFailed m => m.RunId,
        _ => "",
    };

    protected override void PostStop()
    {
        foreach (var (_, followed) in _runs) followed.Stop.Dispose();
    }
}
