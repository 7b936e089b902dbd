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
}
