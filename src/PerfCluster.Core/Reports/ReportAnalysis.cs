using PerfCluster.Core.Metrics;
using PerfCluster.Core.Thresholds;

namespace PerfCluster.Core.Reports;

public enum AlertSeverity { Info, Warning, Critical }

public static class AlertSeverities
{
    public static string ToJsonName(this AlertSeverity severity) => severity switch
    {
        AlertSeverity.Critical => "critical",
        AlertSeverity.Warning => "warning",
        _ => "info",
    };
}

/// <summary>The <c>type</c> values of <see cref="ReportAlert"/>.</summary>
public static class AlertTypes
{
    public const string HighLatency = "high_latency";
    public const string HighErrorRate = "high_error_rate";
    public const string LowThroughput = "low_throughput";
    public const string ThresholdFailed = "threshold_failed";
    public const string GeneratorSaturated = "generator_saturated";
    public const string TargetUnreachable = "target_unreachable";
    public const string AbandonedRequests = "abandoned_requests";
    public const string NoRequests = "no_requests";
    public const string Interrupted = "interrupted";
}

/// <summary>Something in the figures that needs attention; <see cref="Endpoint"/> is null for the whole scenario.</summary>
public sealed record ReportAlert(string Type, AlertSeverity Severity, string Message, string Scenario, string? Endpoint = null);

/// <summary>
/// Alerts and recommendations derived from a run's figures by fixed rules. Every line is triggered by a measured
/// figure and quotes it; figures that are fine produce nothing.
/// </summary>
public sealed record ReportAnalysis(IReadOnlyList<ReportAlert> Alerts, IReadOnlyList<string> Recommendations)
{
    /// <summary>Generator CPU, in percent of the whole machine, above which the generator may be the bottleneck.</summary>
    public const double GeneratorSaturationPercent = 85;

    /// <summary>p99 above this many times p50 is called out as a tail-latency problem.</summary>
    public const double TailLatencyFactor = 5;

    public static readonly ReportAnalysis Empty = new([], []);

    /// <summary>All scenarios of a run; recommendations name their scenario when the run has more than one.</summary>
    public static ReportAnalysis Analyze(RunReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var alerts = new List<ReportAlert>();
        var recommendations = new List<string>();
        foreach (var scenario in report.Scenarios)
        {
            var analysis = Analyze(scenario);
            alerts.AddRange(analysis.Alerts);
            recommendations.AddRange(report.Scenarios.Count > 1
                ? analysis.Recommendations.Select(r => $"{scenario.Name}: {r}")
                : analysis.Recommendations);
        }
        return new ReportAnalysis(SortBySeverity(alerts), recommendations);
    }

    public static ReportAnalysis Analyze(ScenarioReport scenario)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        var alerts = new List<ReportAlert>();
        var recommendations = new List<string>();
        var name = scenario.Name;
        var stats = scenario.Statistics;
        var overall = stats.Overall;

        if (overall.Requests <= 0)
        {
            alerts.Add(new ReportAlert(AlertTypes.NoRequests, AlertSeverity.Critical,
                $"no requests completed in {ReportFormat.Duration(stats.MeasuredDuration)} with " +
                $"{scenario.Definition.Load.Users} users; this scenario's figures say nothing about the target", name));
        }

        if (scenario.Interrupted)
        {
            alerts.Add(new ReportAlert(AlertTypes.Interrupted, AlertSeverity.Warning,
                $"interrupted after {ReportFormat.Duration(stats.MeasuredDuration)} of the planned " +
                $"{ReportFormat.Duration(scenario.Definition.Load.Duration)}; the figures cover only the part that ran", name));
        }

        foreach (var failed in scenario.FailedThresholds) alerts.Add(ThresholdAlert(failed, name));

        AnalyzeGenerator(scenario, alerts, recommendations);
        AnalyzeErrors(scenario, alerts, recommendations);
        AnalyzeTailLatency(stats, recommendations);

        if (stats.AbandonedInFlight > 0)
        {
            alerts.Add(new ReportAlert(AlertTypes.AbandonedRequests, AlertSeverity.Warning,
                $"{ReportFormat.Count(stats.AbandonedInFlight)} requests were still in flight when the " +
                $"{ReportFormat.Duration(scenario.Definition.Load.GracefulStop)} graceful stop ran out; they were abandoned " +
                "and are not counted in these figures", name));
        }

        return new ReportAnalysis(SortBySeverity(alerts), recommendations);
    }

    private static ReportAlert ThresholdAlert(ThresholdResult result, string scenario)
    {
        var measured = !double.IsNaN(result.Actual);
        var type = result.Kind switch
        {
            ThresholdMetricKind.Latency when measured && result.Operator.IsUpperBound() => AlertTypes.HighLatency,
            ThresholdMetricKind.ErrorRate when measured && result.Operator.IsUpperBound() => AlertTypes.HighErrorRate,
            ThresholdMetricKind.Throughput when result.Operator.IsLowerBound() => AlertTypes.LowThroughput,
            _ => AlertTypes.ThresholdFailed,
        };
        var severity = result.Kind == ThresholdMetricKind.ErrorRate ? AlertSeverity.Critical : AlertSeverity.Warning;
        var scope = result.IsOverall ? "" : result.Scope + ": ";
        var actual = measured ? $"actual {result.FormatActual()}" : "no value measured";
        var note = result.Note is null ? "" : $" ({result.Note})";
        return new ReportAlert(type, severity,
            $"{scope}threshold {result.Expression} failed: {actual}{note}, limit {result.FormatLimit()}",
            scenario, result.IsOverall ? null : result.Scope);
    }

    private static void AnalyzeGenerator(ScenarioReport scenario, List<ReportAlert> alerts, List<string> recommendations)
    {
        var generator = scenario.Statistics.Generator;
        if (!(generator.CpuPercentOfMachine > GeneratorSaturationPercent)) return;
        var cpu = $"CPU {ReportFormat.Number(generator.CpuPercentOfMachine, "0")}% of {ReportFormat.Cores(generator.ProcessorCount)}";
        alerts.Add(new ReportAlert(AlertTypes.GeneratorSaturated, AlertSeverity.Warning,
            $"the load generator, not the target, may be the bottleneck: {cpu}", scenario.Name));
        recommendations.Add(
            $"add workers: the generator ran at {cpu} while driving {scenario.Statistics.PeakUsers} users, so the measured " +
            "latency and throughput may include time spent queued inside the generator; spread the users over more worker nodes");
    }

    private static void AnalyzeErrors(ScenarioReport scenario, List<ReportAlert> alerts, List<string> recommendations)
    {
        var stats = scenario.Statistics;
        var total = stats.Overall.Requests;
        if (total <= 0) return;
        var target = scenario.Definition.Target;
        string Share(long count) => $"{ReportFormat.Count(count)} of {ReportFormat.Count(total)} requests ({ReportFormat.Percent((double)count / total)})";

        var refused = CountOf(stats.Overall, ErrorKind.Refused);
        if (refused > 0)
        {
            var hostPort = $"{target.Host}:{target.Port}";
            if (refused >= total)
            {
                alerts.Add(new ReportAlert(AlertTypes.TargetUnreachable, AlertSeverity.Critical,
                    $"all {ReportFormat.Count(total)} requests were refused: nothing accepted connections at {hostPort}", scenario.Name));
            }
            recommendations.Add(
                $"{Share(refused)} were refused{MostOn(stats, ErrorKind.Refused)}: nothing accepted connections at {hostPort}; " +
                $"check that the target is up and listening on port {target.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)}");
        }

        var timeouts = CountOf(stats.Overall, ErrorKind.Timeout);
        if (timeouts > 0)
        {
            recommendations.Add(
                $"{Share(timeouts)} timed out{MostOn(stats, ErrorKind.Timeout)} after the " +
                $"{ReportFormat.Duration(scenario.Definition.Http.Timeout)} per-request timeout (overall p99 " +
                $"{ReportFormat.Latency(stats.Overall.Latency.P99)}); the target stalls under {stats.PeakUsers} users — " +
                "look for exhausted worker, connection or database pools on its side");
        }

        var serverErrors = CountOf(stats.Overall, ErrorKind.Http5xx);
        if (serverErrors > 0)
        {
            recommendations.Add(
                $"{Share(serverErrors)} failed with HTTP 5xx{MostOn(stats, ErrorKind.Http5xx)}: these are server-side failures; " +
                "check the target's logs for this run's time window");
        }

        var clientErrors = CountOf(stats.Overall, ErrorKind.Http4xx);
        if (clientErrors > 0)
        {
            recommendations.Add(
                $"{Share(clientErrors)} got an unexpected HTTP 4xx{MostOn(stats, ErrorKind.Http4xx)}: check the endpoints' paths, " +
                "headers and credentials, or add the status to the endpoint's expected statuses if it is a valid answer");
        }

        var resets = CountOf(stats.Overall, ErrorKind.Reset);
        if (resets > 0)
        {
            recommendations.Add(
                $"{Share(resets)} had their connection reset mid-request{MostOn(stats, ErrorKind.Reset)}: check the target's (or a " +
                $"proxy's) connection limits and keep-alive timeouts at {stats.PeakUsers} users");
        }
    }

    private static void AnalyzeTailLatency(ScenarioStatistics stats, List<string> recommendations)
    {
        // Several endpoints are judged one by one: mixing a fast and a slow endpoint alone widens the overall spread.
        var candidates = stats.Endpoints.Count > 1 ? stats.Endpoints : [stats.Overall];
        foreach (var e in candidates)
        {
            var latency = e.Latency;
            if (e.Requests <= 0 || !(latency.P50 > 0) || !(latency.P99 > TailLatencyFactor * latency.P50)) continue;
            var scope = stats.Endpoints.Count > 1 ? $"endpoint '{e.Name}': " : "";
            recommendations.Add(
                $"{scope}tail latency: p99 {ReportFormat.Latency(latency.P99)} is {ReportFormat.Number(latency.P99 / latency.P50, "0.0")}× " +
                $"p50 {ReportFormat.Latency(latency.P50)}; one request in a hundred is far slower than the typical one — " +
                "trace the slowest requests (pauses, lock contention, cold caches, slow dependencies)");
        }
    }

    private static long CountOf(EndpointStatistics stats, ErrorKind kind) =>
        stats.ErrorsByKind.TryGetValue(kind.Key(), out var count) ? count : 0;

    /// <summary>", most on 'checkout' (120)" when the errors of a kind come from several endpoints; "" otherwise.</summary>
    private static string MostOn(ScenarioStatistics stats, ErrorKind kind)
    {
        var withErrors = stats.Endpoints.Select(e => (e.Name, Count: CountOf(e, kind))).Where(e => e.Count > 0).ToList();
        if (withErrors.Count == 0 || stats.Endpoints.Count < 2) return "";
        var worst = withErrors.MaxBy(e => e.Count);
        return withErrors.Count == 1
            ? $", all on '{worst.Name}'"
            : $", most on '{worst.Name}' ({ReportFormat.Count(worst.Count)})";
    }

    private static List<ReportAlert> SortBySeverity(List<ReportAlert> alerts) =>
        alerts.OrderByDescending(a => a.Severity).ToList();
}
