using PerfCluster.Core.Runs;
using PerfCluster.Core.Scenarios;

namespace PerfCluster.Engine.Coordination;

/// <summary>Runs one scenario somewhere (the embedded node, a coordinator's run manager, a remote coordinator's API).</summary>
public delegate Task<ScenarioOutcome> ScenarioExecutor(
    string scenarioRunId, ScenarioDefinition scenario, Action<object> onEvent, CancellationToken stop);

/// <summary>What a caller of <see cref="TestRunner"/> sees of its run: each scenario run's start, live events and end.</summary>
public interface ITestRunObserver
{
    void Starting(TestRun run, TestRunStep step) { }

    void OnEvent(TestRunStep step, object e) { }

    /// <summary>A scenario run ended (<paramref name="run"/> has recorded it) or failed (<paramref name="error"/>).</summary>
    void Ended(TestRun run, TestRunStep step, ScenarioOutcome? outcome, string? error) { }
}

/// <summary>
/// How a test run is stopped from outside: <see cref="Interrupt"/> (a signal, a stop request: the run is
/// interrupted) or <see cref="StopEarly"/> (a review that has its verdict: the run is judged on what it measured).
/// </summary>
public sealed class TestRunControl(TimeProvider? clock = null) : IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly object _gate = new();
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;

    public CancellationToken Stopping => _stop.Token;
    public string? InterruptedBy { get; private set; }
    public DateTimeOffset? InterruptedAt { get; private set; }
    public string? StoppedEarlyBy { get; private set; }

    public void Interrupt(string by)
    {
        lock (_gate)
        {
            if (InterruptedBy is not null || StoppedEarlyBy is not null) return;
            InterruptedBy = by;
            InterruptedAt = _clock.GetUtcNow();
        }
        _stop.Cancel();
    }

    public void StopEarly(string reason)
    {
        lock (_gate)
        {
            if (InterruptedBy is not null || StoppedEarlyBy is not null) return;
            StoppedEarlyBy = reason;
        }
        _stop.Cancel();
    }

    public void Dispose() => _stop.Dispose();
}

/// <summary>
/// Drives a <see cref="TestRun"/> to its end: each scenario run it asks for next goes to the executor, and what comes
/// back is recorded. The one loop over scenarios and iterations; the CLI, the API and the scheduler call it.
/// </summary>
public static class TestRunner
{
    public static async Task<TestRun> RunAsync(TestRun run, ScenarioExecutor execute, TestRunControl control, ITestRunObserver? observer = null)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(execute);
        ArgumentNullException.ThrowIfNull(control);
        while ((run = Interrupted(run, control)).Next is { } step)
        {
            observer?.Starting(run, step);
            try
            {
                var outcome = await execute(step.ScenarioRunId, step.Definition, e => observer?.OnEvent(step, e), control.Stopping);
                run = run.Record(step, new ScenarioRunResult(outcome.Statistics, outcome.Interrupted, outcome.Reason, outcome.Notes)
                {
                    StoppedEarlyBy = control.StoppedEarlyBy,
                });
                observer?.Ended(run, step, outcome with { Scenario = step.Definition }, null);
            }
            catch (RunFailedException e)
            {
                run = run.Fail(step, e.Message);
                observer?.Ended(run, step, null, e.Message);
            }
            catch (OperationCanceledException) when (control.Stopping.IsCancellationRequested)
            {
                // Stopped before the scenario run started (waiting for the run manager): nothing was measured.
                run = Interrupted(run, control).Fail(step, "stopped before start");
                observer?.Ended(run, step, null, "stopped before start");
                break;
            }
        }
        return Interrupted(run, control);
    }

    private static TestRun Interrupted(TestRun run, TestRunControl control) =>
        control.InterruptedBy is { } by ? run.Interrupt(by, control.InterruptedAt ?? run.StartedAt) : run;
}
