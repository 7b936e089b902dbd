using PerfCluster.Core.Alerts;
using PerfCluster.Core.Metrics;
using PerfCluster.Core.Monitoring;
using PerfCluster.Core.Thresholds;
using PerfCluster.Core.Results;
using PerfCluster.Core.Scenarios;

namespace PerfCluster.Core.Reports;

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
    /// <summary>An <c>sla-thresholds</c> entry was breached during the run.</summary>
    public const string SlaBreach = "sla_breach";
    /// <summary>An <c>alert-rules</c> entry fired during the run.</summary>
    public const string AlertRule = "alert_rule";
    public const string MemoryLeakSuspected = "memory_leak_suspected";
    /// <summary>An alert's abort-run action stopped the run.</summary>
    public const string Aborted = "aborted";
}

/// <summary>Something in the figures that needs attention; <see cref="Endpoint"/> is null for the whole scenario.</summary>
public sealed record ReportAlert(string Type, AlertSeverity Severity, string Message, string Scenario, string? Endpoint = null)
{
    /// <summary>For alerts raised while the run went: when it fired and resolved (null: still firing at the end), and its worst value.</summary>
    public AlertRecord? Live { get; init; }
}

/// <summary>
/// Alerts and recommendations derived from a run's figures by fixed rules. Every line is triggered by a measured
/// figure and quotes it; figures that are fine produce nothing.
/// </summary>
public sealed record ReportAnalysis(IReadOnlyList<ReportAlert> Alerts, IReadOnlyList<string> Recommendations)
{
    /// <summary>Generator CPU, in percent of the whole machine, above which the generator may be the bottleneck.</summary>
    public const double GeneratorSaturationPercent = 85;

    /// <summary>Scheduling lag p99 above this (10 ms) means the generator could not keep to the open model's schedule.</summary>
    public const double SchedulingLagLimitSeconds = 0.010;

    /// <summary>p99 above this many times p50 is called out as a tail-latency problem.</summary>
    public const double TailLatencyFactor = 5;

    /// <summary>A p99 under this (5 ms) is not called a slow tail however it compares with the median: spreads that small are scheduling noise.</summary>
    public const double TailLatencyFloorSeconds = 0.005;

    /// <summary>The tail is judged from this many requests of an endpoint on.</summary>
    public const long TailLatencyMinimumRequests = 100;

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
        AddMonitoring(scenario, alerts, recommendations);

        if (stats.AbandonedInFlight > 0)
        {
            alerts.Add(new ReportAlert(AlertTypes.AbandonedRequests, AlertSeverity.Warning,
                $"{ReportFormat.Count(stats.AbandonedInFlight)} requests were still in flight when the " +
                $"{ReportFormat.Duration(scenario.Definition.Load.GracefulStop)} graceful stop ran out; they were abandoned " +
                "and are not counted in these figures", name));
        }

        return new ReportAnalysis(SortBySeverity(alerts), recommendations);
    }

    /// <summary>
    /// What watching the run found: every alert that fired (with its span, peak and evidence), suspected leaks,
    /// the abort if an alert stopped the run, and the evidence-based recommendations (generator saturation is
    /// already covered above, with more evidence).
    /// </summary>
    private static void AddMonitoring(ScenarioReport scenario, List<ReportAlert> alerts, List<string> recommendations)
    {
        var monitoring = scenario.Statistics.Monitoring;
        foreach (var a in monitoring.AllAlerts)
        {
            var type = a.Metric is MonitoredMetrics.TargetMemoryMb or MonitoredMetrics.GeneratorMemoryMb && a.Name.StartsWith("suspected memory leak", StringComparison.Ordinal)
                ? AlertTypes.MemoryLeakSuspected
                : a.Kind == AlertKind.Sla ? AlertTypes.SlaBreach : AlertTypes.AlertRule;
            var span = a.End is { } end ? $"from {a.Start} s to {end} s" : $"from {a.Start} s to the end";
            alerts.Add(new ReportAlert(type, a.Severity, $"{a.Name} ({a.Condition}) fired {span}, worst {a.PeakText}: {a.Evidence}",
                scenario.Name, a.Endpoint) { Live = a });
        }
        if (monitoring.AbortedBy is { } rule)
            alerts.Add(new ReportAlert(AlertTypes.Aborted, AlertSeverity.Critical,
                $"alert '{rule}' stopped the run early (action abort-run); the figures cover only the part that ran", scenario.Name));
        recommendations.AddRange(monitoring.Recommendations.Where(r => r.Kind != RecommendationKind.GeneratorSaturated).Select(r => r.Message));
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

    /// <summary>
    /// The generator, not the target, may have been the bottleneck. The evidence, each with its remedy: iterations
    /// dropped for want of a free user, iterations dispatched late (scheduling lag p99 above
    /// <see cref="SchedulingLagLimitSeconds"/>), requests that waited for a connection inside the generator, and the
    /// generator's CPU above <see cref="GeneratorSaturationPercent"/>% of the machine. One alert quotes them all
    /// (generator CPU first, as the other evidence often follows from it).
    /// </summary>
    private static void AnalyzeGenerator(ScenarioReport scenario, List<ReportAlert> alerts, List<string> recommendations)
    {
        var stats = scenario.Statistics;
        var definition = scenario.Definition;
        var evidence = new List<string>();

        var generator = stats.Generator;
        // A journey of module steps alone runs the system under test inside the generator: its CPU is the measurement.
        var inProcess = definition.Journey is { Modules.Count: > 0 } j && j.Series.All(s => s is Steps.ModuleStep);
        if (generator.CpuPercentOfMachine > GeneratorSaturationPercent && !inProcess)
        {
            var cpu = $"CPU {ReportFormat.Number(generator.CpuPercentOfMachine, "0")}% of {ReportFormat.Cores(generator.ProcessorCount)}";
            evidence.Add(cpu);
            recommendations.Add(
                $"add workers: the generator ran at {cpu} while driving {stats.PeakUsers} users, so the measured " +
                "latency and throughput may include time spent queued inside the generator; spread the users over more worker nodes");
        }

        if (stats.DroppedIterations > 0)
        {
            var scheduled = ScheduledIterations(stats);
            var dropped = $"{ReportFormat.Count(stats.DroppedIterations)} iterations dropped " +
                          $"({ReportFormat.Percent((double)stats.DroppedIterations / scheduled)} of {ReportFormat.Count(scheduled)} scheduled)";
            evidence.Add(dropped);
            var maxUsers = definition.Open?.MaxUsers ?? definition.Load.Users;
            var needed = "";
            var mean = stats.Overall.Latency.Mean;
            if (definition.Open is { } open && stats.Overall.Requests > 0 && double.IsFinite(mean) && mean > 0)
            {
                needed = $"; at {ReportFormat.Number(open.Rate, "#,0.##")} iterations/s and a mean latency of " +
                         $"{ReportFormat.Latency(mean)} the pool needs about {ReportFormat.Count((long)Math.Ceiling(open.Rate * mean))} busy users";
            }
            recommendations.Add(
                $"raise max-users (now {ReportFormat.Count(maxUsers)}): {dropped} because every user of the pool was busy " +
                $"(peak {ReportFormat.Count(stats.PeakUsers)} users){needed}; if the generator's CPU is the limit, add workers instead");
        }

        // Only the open model schedules iterations; in the closed model the lag is the share's flush
        // timer (reported as a figure: a late timer there delays no request).
        if (scenario.Definition.IsOpen && stats.SchedulingLag is { } lag && lag.P99 > SchedulingLagLimitSeconds)
        {
            var late = $"scheduling lag p99 {ReportFormat.Latency(lag.P99)} (max {ReportFormat.Latency(lag.Max)})";
            evidence.Add(late);
            recommendations.Add(
                $"add workers: iterations were dispatched late ({late}, above {ReportFormat.Latency(SchedulingLagLimitSeconds)}) " +
                "because the generator could not keep to the schedule; spread the rate over more worker nodes");
        }

        if (stats.ConnectionWaits > 0)
        {
            var http2 = definition.Http.Version == HttpProtocol.Http2;
            var waits = $"{ReportFormat.Count(stats.ConnectionWaits)} requests waited for a free connection" + (http2 ? " or stream" : "");
            evidence.Add(waits);
            var maxConnections = definition.Http.MaxConnections;
            recommendations.Add(http2
                ? $"raise http.streams (now {ReportFormat.Count(definition.Http.Streams)}) or http.max-connections (now {ReportFormat.Count(definition.Http.Http2Connections)}): " +
                  $"HTTP/2 carries at most connections × streams requests at once; {waits} inside the generator, and that wait is part of their measured latency"
                : maxConnections > 0
                ? $"raise http.max-connections (now {ReportFormat.Count(maxConnections)}) or set it to 0 (one connection per user): " +
                  $"{waits} inside the generator, and that wait is part of their measured latency"
                : $"add workers: {waits} inside the generator although each user has its own connection, and that wait is part " +
                  "of their measured latency");
        }

        if (evidence.Count == 0) return;
        alerts.Add(new ReportAlert(AlertTypes.GeneratorSaturated, AlertSeverity.Warning,
            $"the load generator, not the target, may be the bottleneck: {string.Join("; ", evidence)}", scenario.Name));
    }

    /// <summary>Iterations the schedule asked for: those completed, those abandoned in flight and those dropped (at least 1).</summary>
    internal static long ScheduledIterations(ScenarioStatistics stats) =>
        Math.Max(1, stats.Overall.Requests + stats.AbandonedInFlight + stats.DroppedIterations);

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
            // Under a hundred requests the p99 is the slowest one: a connection's first handshake, not a tail.
            if (e.Requests < TailLatencyMinimumRequests || !(latency.P50 > 0) || !(latency.P99 > TailLatencyFactor * latency.P50) || latency.P99 < TailLatencyFloorSeconds) continue;
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
