using System.Text.Json;
using PerfCluster.Core.Reports;

namespace PerfCluster.Reports;

/// <summary>
/// What report.html shows, read from report.json. A run's <see cref="RunReport"/> goes through
/// <see cref="JsonReportWriter"/> first (<see cref="From(RunReport)"/>), so the HTML written after a run and the one
/// <c>perfcluster report</c> renders again from the stored JSON come from the same figures by the same code.
/// </summary>
public sealed record ReportView
{
    public required string RunId { get; init; }
    public required string Status { get; init; }
    public bool Passed { get; init; }
    public int ExitCode { get; init; }
    public string? StartedAt { get; init; }
    public string? FinishedAt { get; init; }
    public double? DurationSeconds { get; init; }
    public string? ToolVersion { get; init; }
    public string? Host { get; init; }
    public string? SourceFile { get; init; }
    public string? SourceText { get; init; }
    public IReadOnlyList<ScenarioView> Scenarios { get; init; } = [];
    public IReadOnlyList<AlertView> Alerts { get; init; } = [];
    public IReadOnlyList<string> Recommendations { get; init; } = [];
    public IReadOnlyList<string> Notes { get; init; } = [];

    public static ReportView From(RunReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        return Parse(JsonReportWriter.Render(report), JsonReportWriter.FileName);
    }

    /// <summary>Reads the text of a report.json; <paramref name="source"/> names it in the error.</summary>
    /// <exception cref="InvalidDataException">The text is not JSON, or not a report written by PerfCluster.</exception>
    public static ReportView Parse(string json, string source)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
        }
        catch (JsonException e)
        {
            throw NotAReport(source, $"it is not valid JSON ({e.Message})");
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw NotAReport(source, "its top level is not a JSON object");
            if (Str(root, "benchmark_run_id") is not { } runId) throw NotAReport(source, "it has no \"benchmark_run_id\"");
            if (!root.TryGetProperty("load_tests", out var tests) || tests.ValueKind != JsonValueKind.Object)
                throw NotAReport(source, "it has no \"load_tests\" object");
            if (root.TryGetProperty("tool", out var tool) && Str(tool, "name") is { } name && name != RunReport.ToolName)
                throw NotAReport(source, $"it was written by '{name}'");

            var sourceObject = Obj(root, "source");
            return new ReportView
            {
                RunId = runId,
                Status = Str(root, "status") ?? "unknown",
                Passed = Bool(root, "passed"),
                ExitCode = (int)(Long(root, "exit_code") ?? 1),
                StartedAt = Str(root, "started_at"),
                FinishedAt = Str(root, "finished_at"),
                DurationSeconds = Num(root, "duration_seconds"),
                ToolVersion = tool.ValueKind == JsonValueKind.Object ? Str(tool, "version") : null,
                Host = Str(root, "host"),
                SourceFile = sourceObject is { } s1 ? Str(s1, "file") : null,
                SourceText = sourceObject is { } s2 ? Str(s2, "text") : null,
                Scenarios = tests.EnumerateObject().Select(p => ReadScenario(p.Name, p.Value)).ToList(),
                Alerts = Array(root, "alerts").Select(a => new AlertView(
                    Str(a, "type") ?? "", Str(a, "severity") ?? "", Str(a, "message") ?? "", Str(a, "scenario") ?? "", Str(a, "endpoint"))).ToList(),
                Recommendations = Strings(root, "recommendations"),
                Notes = Strings(root, "notes"),
            };
        }
    }

    private static InvalidDataException NotAReport(string source, string why) =>
        new($"{source} is not a PerfCluster report.json: {why}; expected the report.json that 'perfcluster run' writes " +
            "(an object with \"benchmark_run_id\", \"status\" and \"load_tests\")");

    private static ScenarioView ReadScenario(string key, JsonElement t)
    {
        var definition = Obj(t, "scenario");
        return new ScenarioView
        {
            Name = definition is { } d0 && Str(d0, "name") is { } n ? n : key,
            Description = definition is { } d1 ? Str(d1, "description") : null,
            Target = definition is { } d2 ? Str(d2, "target") : null,
            PlannedUsers = definition is { } d3 ? Long(d3, "users") : null,
            PlannedDurationSeconds = definition is { } d4 ? Num(d4, "duration_seconds") : null,
            Model = Str(t, "model"),
            LatencyNote = Str(t, "latency_note"),
            Passed = Bool(t, "passed"),
            Interrupted = Bool(t, "interrupted"),
            StartedAt = Str(t, "started_at"),
            MeasuredDurationSeconds = Num(t, "measured_duration_seconds"),
            PeakUsers = Long(t, "peak_users") ?? 0,
            AbandonedInFlight = Long(t, "abandoned_in_flight") ?? 0,
            DroppedIterations = Long(t, "dropped_iterations") ?? 0,
            ConnectionWaits = Long(t, "connection_waits") ?? 0,
            Overall = ReadFigures("overall", t),
            WarmUp = Obj(t, "warm_up") is { } w ? ReadFigures("warm-up", w) : null,
            Endpoints = Obj(t, "endpoints") is { } e ? e.EnumerateObject().Select(p => ReadFigures(p.Name, p.Value)).ToList() : [],
            Thresholds = Array(t, "thresholds").Select(x => new ThresholdView(
                Str(x, "scope") ?? "", Str(x, "expression") ?? "", Num(x, "limit"), Num(x, "actual"), Bool(x, "passed"),
                Str(x, "description") ?? "", Str(x, "note"))).ToList(),
            Regression = Obj(t, "regression") is { } r ? ReadRegression(r) : null,
            Generator = Obj(t, "generator") is { } g ? ReadGenerator(g) : null,
            Workers = Array(t, "workers").Select(x => new WorkerView(
                Str(x, "node") ?? "", Long(x, "requests") ?? 0, Long(x, "errors") ?? 0, Num(x, "cpu_seconds"))).ToList(),
            Timeline = Array(t, "timeline").Select(ReadWindow).ToList(),
            MonitoringAlerts = Obj(t, "monitoring") is { } m1 ? Array(m1, "alerts").Select(ReadMonitoringAlert).ToList() : [],
            MonitoringRecommendations = Obj(t, "monitoring") is { } m2
                ? Array(m2, "recommendations").Select(x => new MonitoringRecommendationView(
                    Str(x, "kind") ?? "", Str(x, "message") ?? "", Long(x, "second") ?? 0,
                    Obj(x, "evidence") is { } ev ? ev.EnumerateObject().Select(p => (p.Name, Num(p.Value))).ToList() : [])).ToList()
                : [],
            AbortedBy = Obj(t, "monitoring") is { } m3 ? Str(m3, "aborted_by") : null,
        };
    }

    private static FiguresView ReadFigures(string name, JsonElement e) => new(
        name, Long(e, "requests") ?? 0, Long(e, "errors") ?? 0, Num(e, "throughput"), Num(e, "error_rate"),
        Obj(e, "latency") is { } l ? ReadLatency(l) : LatencyView.None,
        Obj(e, "service_time") is { } s ? ReadLatency(s) : null,
        Obj(e, "errors_by_kind") is { } k
            ? k.EnumerateObject().Select(p => (p.Name, Long(p.Value) ?? 0)).Where(p => p.Item2 > 0).ToList()
            : []);

    private static LatencyView ReadLatency(JsonElement l) => new(
        Num(l, "min"), Num(l, "mean"), Num(l, "p50"), Num(l, "p90"), Num(l, "p95"), Num(l, "p99"), Num(l, "p99_9"), Num(l, "max"));

    private static WindowView ReadWindow(JsonElement w)
    {
        var latency = Obj(w, "latency");
        return new WindowView(
            Long(w, "second") ?? 0, Long(w, "requests") ?? 0, Long(w, "errors") ?? 0, Num(w, "throughput"), Long(w, "active_users") ?? 0,
            latency is { } a ? Num(a, "p50") : null, latency is { } b ? Num(b, "p95") : null,
            latency is { } c ? Num(c, "p99") : null, latency is { } d ? Num(d, "max") : null,
            Array(w, "nodes").Select(n => new NodeWindowView(Str(n, "node") ?? "", Num(n, "cpu_percent_of_one_core"), Long(n, "working_set_bytes"))).ToList());
    }

    private static RegressionView ReadRegression(JsonElement r)
    {
        var baseline = Obj(r, "baseline");
        return new RegressionView(
            baseline is { } b1 ? Str(b1, "name") ?? "" : "", baseline is { } b2 ? Long(b2, "version") ?? 0 : 0,
            baseline is { } b3 ? Str(b3, "run_id") : null,
            Str(r, "outcome") ?? "", Bool(r, "strict"), Bool(r, "passed"), Strings(r, "environment_warnings"),
            Array(r, "metrics").Select(m =>
            {
                var samples = Obj(m, "samples");
                return new MetricComparisonView(
                    Str(m, "metric") ?? "", Str(m, "endpoint"), Str(m, "direction") ?? "", Num(m, "baseline"), Num(m, "current"),
                    Num(m, "change_percent"), Num(m, "warning_threshold"), Num(m, "failure_threshold"), Str(m, "outcome") ?? "",
                    Str(m, "test") ?? "", Num(m, "p_value"),
                    samples is { } s1 ? Str(s1, "source") : null, samples is { } s2 ? Long(s2, "baseline") ?? 0 : 0,
                    samples is { } s3 ? Long(s3, "current") ?? 0 : 0, Str(m, "note"));
            }).ToList());
    }

    private static GeneratorView ReadGenerator(JsonElement g) => new(
        Num(g, "cpu_seconds"), Num(g, "cpu_percent_of_one_core"), Num(g, "cpu_percent_of_machine"), Long(g, "processor_count") ?? 0,
        Long(g, "peak_working_set_bytes") ?? 0, Long(g, "peak_gc_heap_bytes") ?? 0, Num(g, "gc_pause_seconds"),
        Long(g, "gen2_collections") ?? 0, Long(g, "peak_thread_pool_threads") ?? 0, Long(g, "peak_open_sockets") ?? 0);

    private static MonitoringAlertView ReadMonitoringAlert(JsonElement a) => new(
        Str(a, "name") ?? "", Str(a, "kind") ?? "", Str(a, "severity") ?? "", Str(a, "condition") ?? "", Str(a, "endpoint"),
        Long(a, "start_second") ?? 0, Long(a, "end_second"), Bool(a, "firing_at_end"), Num(a, "duration_seconds"),
        Str(a, "peak_text") ?? "", Str(a, "evidence") ?? "");

    // Tolerant accessors: a missing or null field reads as null (or empty), never as an exception.

    private static JsonElement? Obj(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Object ? v : null;

    private static IEnumerable<JsonElement> Array(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Array
            ? v.EnumerateArray().ToList()
            : [];

    private static IReadOnlyList<string> Strings(JsonElement e, string name) =>
        Array(e, name).Where(v => v.ValueKind == JsonValueKind.String).Select(v => v.GetString()!).ToList();

    private static string? Str(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static bool Bool(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.True;

    private static double? Num(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) ? Num(v) : null;

    private static double? Num(JsonElement v) => v.ValueKind == JsonValueKind.Number ? v.GetDouble() : null;

    private static long? Long(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) ? Long(v) : null;

    private static long? Long(JsonElement v) =>
        v.ValueKind == JsonValueKind.Number ? v.TryGetInt64(out var l) ? l : (long)v.GetDouble() : null;
}

/// <summary>One load test (scenario) of the run.</summary>
public sealed record ScenarioView
{
    public required string Name { get; init; }
    public string? Description { get; init; }
    public string? Target { get; init; }
    public long? PlannedUsers { get; init; }
    public double? PlannedDurationSeconds { get; init; }
    public string? Model { get; init; }
    public string? LatencyNote { get; init; }
    public bool Passed { get; init; }
    public bool Interrupted { get; init; }
    public string? StartedAt { get; init; }
    public double? MeasuredDurationSeconds { get; init; }
    public long PeakUsers { get; init; }
    public long AbandonedInFlight { get; init; }
    public long DroppedIterations { get; init; }
    public long ConnectionWaits { get; init; }
    public required FiguresView Overall { get; init; }
    public FiguresView? WarmUp { get; init; }
    public IReadOnlyList<FiguresView> Endpoints { get; init; } = [];
    public IReadOnlyList<ThresholdView> Thresholds { get; init; } = [];
    public RegressionView? Regression { get; init; }
    public GeneratorView? Generator { get; init; }
    public IReadOnlyList<WorkerView> Workers { get; init; } = [];
    public IReadOnlyList<WindowView> Timeline { get; init; } = [];
    public IReadOnlyList<MonitoringAlertView> MonitoringAlerts { get; init; } = [];
    public IReadOnlyList<MonitoringRecommendationView> MonitoringRecommendations { get; init; } = [];
    public string? AbortedBy { get; init; }
}

/// <summary>Latencies in seconds; null where nothing was measured.</summary>
public sealed record LatencyView(double? Min, double? Mean, double? P50, double? P90, double? P95, double? P99, double? P999, double? Max)
{
    public static readonly LatencyView None = new(null, null, null, null, null, null, null, null);
}

public sealed record FiguresView(
    string Name, long Requests, long Errors, double? Throughput, double? ErrorRate, LatencyView Latency, LatencyView? ServiceTime,
    IReadOnlyList<(string Kind, long Count)> ErrorsByKind);

public sealed record ThresholdView(string Scope, string Expression, double? Limit, double? Actual, bool Passed, string Description, string? Note);

public sealed record RegressionView(
    string BaselineName, long BaselineVersion, string? BaselineRunId, string Outcome, bool Strict, bool Passed,
    IReadOnlyList<string> EnvironmentWarnings, IReadOnlyList<MetricComparisonView> Metrics);

public sealed record MetricComparisonView(
    string Metric, string? Endpoint, string Direction, double? Baseline, double? Current, double? ChangePercent,
    double? WarningThreshold, double? FailureThreshold, string Outcome, string Test, double? PValue,
    string? SampleSource, long BaselineSamples, long CurrentSamples, string? Note);

public sealed record GeneratorView(
    double? CpuSeconds, double? CpuPercentOfOneCore, double? CpuPercentOfMachine, long ProcessorCount, long PeakWorkingSetBytes,
    long PeakGcHeapBytes, double? GcPauseSeconds, long Gen2Collections, long PeakThreadPoolThreads, long PeakOpenSockets);

public sealed record WorkerView(string Node, long Requests, long Errors, double? CpuSeconds);

/// <summary>One second of the timeline; latencies in seconds, null for a window without requests.</summary>
public sealed record WindowView(
    long Second, long Requests, long Errors, double? Throughput, long ActiveUsers, double? P50, double? P95, double? P99, double? Max,
    IReadOnlyList<NodeWindowView> Nodes);

public sealed record NodeWindowView(string Node, double? CpuPercentOfOneCore, long? WorkingSetBytes);

/// <summary>A report-level alert derived from the figures (report.json "alerts").</summary>
public sealed record AlertView(string Type, string Severity, string Message, string Scenario, string? Endpoint);

/// <summary>An alert that fired while the run was watched (report.json "monitoring.alerts").</summary>
public sealed record MonitoringAlertView(
    string Name, string Kind, string Severity, string Condition, string? Endpoint, long StartSecond, long? EndSecond,
    bool FiringAtEnd, double? DurationSeconds, string PeakText, string Evidence);

public sealed record MonitoringRecommendationView(string Kind, string Message, long Second, IReadOnlyList<(string Name, double? Value)> Evidence);
