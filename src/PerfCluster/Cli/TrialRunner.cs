using Akka.Actor;
using PerfCluster.Core.Metrics;
using PerfCluster.Core.Optimisation;
using PerfCluster.Core.Reports;
using PerfCluster.Core.Runs;
using PerfCluster.Core.Scenarios;
using PerfCluster.Core.Thresholds;
using PerfCluster.Engine.Coordination;
using PerfCluster.Engine.Protocol;

namespace PerfCluster.Cli;

/// <summary>
/// One trial of a study on the command's node: apply the configuration (a failure is a failed trial), run the scored scenario
/// as "NAME · trial N" with live progress (its warm-up kept out as in any run), and take from its statistics every figure the
/// objectives and constraints name, plus throughput, p95 and error rate for the trade-off chart.
/// </summary>
public sealed class TrialRunner(TestPlan plan, ScenarioDefinition scenario, StudyDefinition study, ScenarioExecutor execute, ConfigurationApplier applier)
    : ITrialRunner
{
    private static readonly StudyMetric[] Always = new[] { "throughput", "p95", "error_rate" }.Select(n => { StudyMetric.TryResolve(n, null, out var m); return m; }).ToArray();

    private readonly List<RunReport> _reports = new();

    /// <summary>Every trial's report, in order (the study's report combines them).</summary>
    public IReadOnlyList<RunReport> Reports => _reports;

    public TestRun? LastRun { get; private set; }

    public Task<string?> ApplyAsync(IReadOnlyDictionary<string, object> configuration, CancellationToken cancellationToken) =>
        applier.ApplyAsync(configuration, cancellationToken);

    public async Task<TrialOutcome> RunAsync(int number, IReadOnlyDictionary<string, object> configuration, TrialRecord? baseline, CancellationToken cancellationToken)
    {
        if (await applier.ApplyAsync(configuration, cancellationToken) is { } problem)
            return cancellationToken.IsCancellationRequested ? TrialOutcome.Failed(problem) with { Interrupted = true } : TrialOutcome.Failed($"apply: {problem}");
        if (cancellationToken.IsCancellationRequested) return TrialOutcome.Failed("interrupted") with { Interrupted = true };

        var trial = scenario with { Name = $"{scenario.Name} · trial {number}" };
        var review = new EarlyStop(study, baseline);
        var (run, report) = await RunCommand.RunScenariosAsync(plan with { Scenarios = [trial] }, execute, review: review);
        LastRun = run;
        if (run.InterruptedBy is not null || report.Interrupted && review.Reason is null)
            return TrialOutcome.Failed("interrupted") with { Interrupted = true };
        _reports.Add(report);
        if (run.Failure is { } failure || report.Scenarios.Count == 0)
            return TrialOutcome.Failed(run.Failure ?? "the run produced no result", run.Id.Value);
        var statistics = report.Scenarios[0].Statistics;
        if (statistics.Overall.Requests == 0) return TrialOutcome.Failed("the trial completed no requests", run.Id.Value);
        var metrics = study.Objectives.Select(o => o.Metric).Concat(study.Constraints.Select(c => c.Metric)).Concat(Always)
            .DistinctBy(m => m.Key)
            .ToDictionary(m => m.Key, m => m.ValueOf(statistics) is var v && double.IsFinite(v) ? v : (double?)null);
        return review.Reason is { } reason
            ? new TrialOutcome(metrics, TrialStatuses.StoppedEarly, reason, run.Id.Value)
            : new TrialOutcome(metrics, TrialStatuses.Completed, null, run.Id.Value);
    }

    /// <summary>
    /// Stops a trial whose first measured windows already break a constraint on latency or errors of the whole scenario, and by
    /// more than twice the baseline's figure: no need to spend its whole duration on a configuration that cannot count.
    /// </summary>
    private sealed class EarlyStop(StudyDefinition study, TrialRecord? baseline) : IRunReview
    {
        private const int Windows = 3;
        private readonly CancellationTokenSource _abort = new();
        private readonly List<WindowStatistics> _windows = new();

        public string? Reason { get; private set; }

        public CancellationToken Abort => _abort.Token;

        public string? AbortReason => Reason;

        public void Attach(ActorSystem node) { }

        public void OnEvent(ScenarioDefinition scenario, object e)
        {
            if (!study.EarlyStop || baseline is null || Reason is not null || e is not RunProtocol.RunProgress { Window: { Requests: > 0 } window }) return;
            _windows.Add(window);
            if (_windows.Count < Windows) return;
            foreach (var constraint in study.Constraints.Where(c => c.Metric.Step is null && (c.Metric.IsLatency || c.Metric.IsRate)))
            {
                var value = Median(_windows.Select(w => Figure(constraint.Metric, w)));
                var before = baseline.MetricOf(constraint.Metric);
                var far = constraint.Metric.IsRate ? value > 2 * Math.Max(before, StudyScoring.RateFloor) : value > 2 * before;
                if (!double.IsFinite(value) || constraint.Holds(value) || !far) continue;
                Reason = $"stopped early after {_windows.Count} s: {constraint.Metric.Name} {constraint.Metric.Format(value)} breaks \"{constraint.Text}\" " +
                         $"and is over twice the baseline's {constraint.Metric.Format(before)}";
                Console.Out.WriteLine($"  {Reason}");
                _abort.Cancel();
                return;
            }
        }

        private static double Figure(StudyMetric metric, WindowStatistics window) => metric.Name switch
        {
            "error_rate" => (double)window.Errors / window.Requests,
            "p50" => window.Latency.P50,
            "p90" => window.Latency.P90,
            "p95" => window.Latency.P95,
            "p99" => window.Latency.P99,
            "max" => window.Latency.Max,
            "mean" => window.Latency.Mean,
            _ => double.NaN,
        };

        private static double Median(IEnumerable<double> values)
        {
            var sorted = values.Where(double.IsFinite).Order().ToList();
            return sorted.Count == 0 ? double.NaN : sorted[sorted.Count / 2];
        }

        public RunReport Review(RunReport report) => report;

        public Task AfterWriteAsync(RunReport report, string outputDirectory) => Task.CompletedTask;

        public Task<TestRunId> ClaimRunIdAsync(TestRunId wanted) => Task.FromResult(wanted);
    }
}
