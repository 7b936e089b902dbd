using PerfCluster.Core.Reports;

namespace PerfCluster.Core.History;

/// <summary>
/// One scenario run as kept in the run history: the headline figures only, never the time series.
/// Latencies are in milliseconds; <see cref="ErrorRate"/> is a fraction (0.02 = 2 %).
/// </summary>
public sealed record RunSummary(
    string RunId,
    string Scenario,
    DateTimeOffset StartedAt,
    TimeSpan Duration,
    string Status,
    long Requests,
    double Throughput,
    double ErrorRate,
    double P50Ms,
    double P95Ms,
    double P99Ms,
    int Workers,
    string? RegressionOutcome = null,
    string? BaselineName = null)
{
    /// <summary>
    /// The summary of one scenario of a report. <paramref name="workers"/> is the number of worker nodes
    /// that took part (the statistics list only those that reported); the regression outcome and the baseline
    /// name stay null when the run was not compared with a baseline.
    /// </summary>
    public static RunSummary From(RunReport report, ScenarioReport scenario, int workers,
        string? regressionOutcome = null, string? baselineName = null)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(scenario);
        var stats = scenario.Statistics;
        var overall = stats.Overall;
        return new RunSummary(
            RunId: report.RunId,
            Scenario: scenario.Name,
            StartedAt: stats.StartedAt,
            Duration: stats.MeasuredDuration,
            Status: StatusOf(report, scenario).ToJsonName(),
            Requests: overall.Requests,
            Throughput: overall.Throughput,
            ErrorRate: overall.ErrorRate,
            P50Ms: overall.Latency.P50 * 1000.0,
            P95Ms: overall.Latency.P95 * 1000.0,
            P99Ms: overall.Latency.P99 * 1000.0,
            Workers: workers,
            RegressionOutcome: regressionOutcome,
            BaselineName: baselineName);
    }

    /// <summary>The scenario's own outcome: a run with several scenarios can fail in one and pass in another.</summary>
    private static RunStatus StatusOf(RunReport report, ScenarioReport scenario) =>
        report.Status == RunStatus.Error ? RunStatus.Error
        : scenario.Interrupted || report.Status == RunStatus.Interrupted ? RunStatus.Interrupted
        : scenario.Passed ? RunStatus.Completed
        : RunStatus.Failed;
}
