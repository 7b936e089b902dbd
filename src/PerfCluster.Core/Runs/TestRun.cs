using System.Collections.Immutable;
using PerfCluster.Core.Metrics;
using PerfCluster.Core.Reports;
using PerfCluster.Core.Scenarios;
using PerfCluster.Core.Thresholds;
using PerfCluster.Core.Results;

namespace PerfCluster.Core.Runs;

/// <summary>What one scenario run measured, as its runner saw it end.</summary>
public sealed record ScenarioRunResult(ScenarioStatistics Statistics, bool Interrupted, string? Reason, IReadOnlyList<string> Notes)
{
    /// <summary>Why a review (abort-on-fail) stopped it early: a verdict, not an interruption. Null when it was not.</summary>
    public string? StoppedEarlyBy { get; init; }
}

/// <summary>The next scenario run of a test run: which scenario, which iteration of it, and its id.</summary>
public sealed record TestRunStep(int Scenario, int Iteration, string ScenarioRunId, ScenarioDefinition Definition);

/// <summary>
/// One test run from plan to finished report: the plan, the scenario runs done so far and how the run ended. It is
/// immutable; each transition returns the next state. The CLI (<c>run</c>, <c>test</c>, <c>baseline</c>,
/// <c>--coordinator</c>), the API and the scheduler all drive their runs through it, so a run's report is assembled
/// in one place (<see cref="ToReport"/>), whoever asked for it.
/// </summary>
public sealed record TestRun
{
    private TestRun(TestRunId id, TestPlan plan, int iterations, DateTimeOffset startedAt)
    {
        Id = id;
        Plan = plan;
        Iterations = iterations;
        StartedAt = startedAt;
        Results = [.. plan.Scenarios.Select(_ => ImmutableList<ScenarioRunResult>.Empty)];
    }

    public TestRunId Id { get; }
    public TestPlan Plan { get; }
    /// <summary>How often each scenario runs (<c>--iterations</c>).</summary>
    public int Iterations { get; }
    /// <summary>When the run began: when it was started, or when its first scenario run began (<see cref="BeganAt"/>).</summary>
    public DateTimeOffset StartedAt { get; private init; }

    /// <summary>Per scenario of the plan, in order: the runs of it done so far.</summary>
    public ImmutableArray<ImmutableList<ScenarioRunResult>> Results { get; private init; }

    /// <summary>Who stopped the run (a signal, a stop request) and when; null while nobody did.</summary>
    public string? InterruptedBy { get; private init; }
    public DateTimeOffset? InterruptedAt { get; private init; }

    /// <summary>Why a scenario could not be run, as its runner said it; the run ends there.</summary>
    public string? Error { get; private init; }

    /// <summary>The scenario that could not be run; null when <see cref="Error"/> is not about one scenario.</summary>
    public string? FailedScenario { get; private init; }

    public static TestRun Start(TestRunId id, TestPlan plan, DateTimeOffset startedAt, int iterations = 1)
    {
        ArgumentNullException.ThrowIfNull(id);
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentOutOfRangeException.ThrowIfLessThan(iterations, 1);
        return new TestRun(id, plan, iterations, startedAt);
    }

    /// <summary>
    /// The run ended before its plan did: stopped by someone, failed, or a scenario run ended interrupted or was
    /// stopped early by a review. Nothing more is run.
    /// </summary>
    public bool Halted => InterruptedBy is not null || Error is not null ||
                          Results.Any(runs => runs.Any(r => r.Interrupted || r.StoppedEarlyBy is not null));

    /// <summary>The scenario run to do next; null once the run is over.</summary>
    public TestRunStep? Next
    {
        get
        {
            if (Halted) return null;
            for (var i = 0; i < Results.Length; i++)
            {
                if (Results[i].Count >= Iterations) continue;
                var iteration = Results[i].Count + 1;
                return new TestRunStep(i, iteration, Id.ScenarioRun(i, iteration, Plan.Scenarios.Count, Iterations), Plan.Scenarios[i]);
            }
            return null;
        }
    }

    /// <summary>"not run: b, c": the scenarios a run that ended early never started; null when there are none.</summary>
    public string? NotRunNote
    {
        get
        {
            if (!Halted) return null;
            var skipped = Plan.Scenarios.Where((_, i) => Results[i].Count == 0).Select(s => s.Name).ToList();
            return skipped.Count > 0 ? $"not run: {string.Join(", ", skipped)}" : null;
        }
    }

    /// <summary>The error as the report and the CLI say it: "scenario 'checkout' failed to run: ...".</summary>
    public string? Failure => Error is null ? null : FailedScenario is null ? Error : $"scenario '{FailedScenario}' failed to run: {Error}";

    /// <summary>Every scenario ran every iteration to its end.</summary>
    public bool RanToEnd => !Halted && Results.All(runs => runs.Count == Iterations);

    /// <summary>The scenario run <paramref name="step"/> ended with <paramref name="result"/>.</summary>
    public TestRun Record(TestRunStep step, ScenarioRunResult result)
    {
        ArgumentNullException.ThrowIfNull(step);
        ArgumentNullException.ThrowIfNull(result);
        if (Next is not { } expected || expected.ScenarioRunId != step.ScenarioRunId)
            throw new InvalidOperationException($"scenario run {step.ScenarioRunId} is not the one run {Id} is waiting for");
        // A run a review stopped early is judged, not interrupted.
        var recorded = result.StoppedEarlyBy is null ? result : result with { Interrupted = false };
        return this with { Results = Results.SetItem(step.Scenario, Results[step.Scenario].Add(recorded)) };
    }

    /// <summary>The run began at <paramref name="at"/>: a run that waited in a queue is timed from its start, not its creation.</summary>
    public TestRun BeganAt(DateTimeOffset at) => this with { StartedAt = at };

    /// <summary>Someone stopped the run (<paramref name="by"/>: "SIGINT", "a stop request"); the first stop counts.</summary>
    public TestRun Interrupt(string by, DateTimeOffset at) =>
        InterruptedBy is not null ? this : this with { InterruptedBy = by, InterruptedAt = at };

    /// <summary>Scenario run <paramref name="step"/> (null: the run as a whole) could not be done; the first error counts.</summary>
    public TestRun Fail(TestRunStep? step, string error) =>
        Error is not null ? this : this with { Error = error, FailedScenario = step?.Definition.Name };

    /// <summary>The report of the run as far as it got: every scenario run so far, judged by its thresholds, with the run's notes.</summary>
    public RunReport ToReport(DateTimeOffset finishedAt)
    {
        var scenarios = new List<ScenarioReport>();
        for (var i = 0; i < Results.Length; i++)
        {
            if (Results[i].Count == 0) continue;
            var definition = Plan.Scenarios[i];
            var last = Results[i][^1];
            scenarios.Add(new ScenarioReport(definition, last.Statistics, ThresholdEvaluator.Evaluate(definition, last.Statistics), last.Interrupted)
            {
                Iterations = Results[i].Count > 1
                    ? [.. Results[i].Select(r => new IterationResult(r.Statistics, ThresholdEvaluator.Evaluate(definition, r.Statistics)))]
                    : [],
            });
        }
        return new RunReport
        {
            RunId = Id.Value,
            // Stopped by someone wins: a scenario that failed because of the stop was not the run's fault.
            Status = InterruptedBy is not null ? RunStatus.Interrupted
                : Error is not null ? RunStatus.Error
                : RunReport.StatusOf(scenarios),
            StartedAt = StartedAt,
            FinishedAt = finishedAt,
            SourceFile = Plan.SourceFile,
            // The file as written, with any password in it masked (a remote run's text carries its connection strings).
            SourceText = Steps.Secrets.Mask(Plan.SourceText),
            Scenarios = scenarios,
            Notes = Notes(scenarios),
        };
    }

    /// <summary>
    /// What each scenario run noted (labelled with its scenario when the plan has several, and its iteration), then
    /// the run's own: who stopped it, what was not run, requests abandoned in flight, the error.
    /// </summary>
    private List<string> Notes(IReadOnlyList<ScenarioReport> scenarios)
    {
        var notes = new List<string>();
        for (var i = 0; i < Results.Length; i++)
        {
            var name = Plan.Scenarios[i].Name;
            for (var n = 0; n < Results[i].Count; n++)
            {
                var run = Results[i][n];
                if (run.StoppedEarlyBy is { } reason) notes.Add($"{name}: stopped early: {reason}");
                var label = (Plan.Scenarios.Count > 1 ? $"{name}: " : "") + (Iterations > 1 ? $"iteration {n + 1}: " : "");
                notes.AddRange(run.Notes.Select(note => label + note));
            }
        }
        if (InterruptedBy is not null)
        {
            var elapsed = (InterruptedAt ?? StartedAt) - StartedAt;
            notes.Add($"interrupted by {InterruptedBy} after {elapsed.TotalSeconds:0.0} s: results cover the load sent until then; " +
                      "requests in flight were given the interrupt grace period, and at most the last unflushed second of metrics may be missing");
        }
        if (NotRunNote is { } notRun) notes.Add(notRun);
        foreach (var s in scenarios.Where(s => s.Statistics.AbandonedInFlight > 0))
            notes.Add($"{s.Name}: {s.Statistics.AbandonedInFlight} requests were still in flight when the graceful-stop period ended and are not counted");
        if (Failure is { } failure) notes.Add(failure);
        return notes;
    }
}
