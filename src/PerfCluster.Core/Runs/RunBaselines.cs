using PerfCluster.Core.Regression;
using PerfCluster.Core.Reports;

namespace PerfCluster.Core.Runs;

/// <summary>A finished run's scenarios as baselines, and compared with one: where the report meets the regression gate.</summary>
public static class RunBaselines
{
    /// <summary>The baseline (or the current run, in the same shape) of one scenario of a report.</summary>
    /// <param name="createdAt">When the baseline was made; the report's end when not given, so the result depends on the report only.</param>
    public static Baseline Of(RunReport report, ScenarioReport scenario, string name, int workerCount, DateTimeOffset? createdAt = null)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(scenario);
        return Baseline.From(scenario.Statistics, [.. scenario.Iterations.Select(i => i.Statistics)], scenario.Name,
            new MeasuredRun(report.RunId, report.ToolVersion, report.Host, report.SourceText, report.FinishedAt), name, workerCount, createdAt);
    }

    /// <summary>
    /// The scenario of a finished report against the baseline, with the scenario's own <c>regression-thresholds</c>.
    /// Attach the result with <c>scenario with { Regression = verdict }</c>.
    /// </summary>
    public static RegressionVerdict Compare(Baseline baseline, RunReport report, ScenarioReport scenario, int workerCount, bool strict)
    {
        ArgumentNullException.ThrowIfNull(baseline);
        ArgumentNullException.ThrowIfNull(scenario);
        return RegressionComparer.Compare(baseline, Of(report, scenario, baseline.Name, workerCount), scenario.Definition.Regression, strict);
    }

    /// <summary>
    /// Every scenario that ran to its end with requests, compared with <paramref name="baseline"/>; the status follows
    /// the verdicts unless the run was interrupted or failed.
    /// </summary>
    public static RunReport JudgedAgainst(this RunReport report, Baseline baseline, bool strict)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(baseline);
        var scenarios = report.Scenarios.Select(s => s.Interrupted || s.CompletedNoRequests
            ? s
            : s with { Regression = Compare(baseline, report, s, Math.Max(1, s.Statistics.Workers.Count), strict) }).ToList();
        return report with
        {
            Scenarios = scenarios,
            Status = report.Status is RunStatus.Error or RunStatus.Interrupted ? report.Status : RunReport.StatusOf(scenarios),
        };
    }
}
