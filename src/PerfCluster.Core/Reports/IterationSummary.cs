using PerfCluster.Core.Metrics;
using PerfCluster.Core.Results;

namespace PerfCluster.Core.Reports;

/// <summary>The mean and 95% confidence interval, over repeated runs, of throughput and each percentile.</summary>
public static class IterationSummary
{
    public static readonly (string Name, Func<ScenarioStatistics, double> Value)[] Metrics =
    [
        ("throughput", s => s.Overall.Throughput),
        ("error_rate", s => s.Overall.ErrorRate),
        ("p50", s => s.Overall.Latency.P50),
        ("p90", s => s.Overall.Latency.P90),
        ("p95", s => s.Overall.Latency.P95),
        ("p99", s => s.Overall.Latency.P99),
        ("p99_9", s => s.Overall.Latency.P999),
    ];

    public static IReadOnlyList<(string Metric, SampleSummary Summary)> Of(IReadOnlyList<IterationResult> iterations) =>
        Metrics.Select(m => (m.Name, SampleSummary.Of(iterations.Select(i => m.Value(i.Statistics)).ToList()))).ToList();
}
