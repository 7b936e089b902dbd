using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using PerfCluster.Core.Metrics;
using PerfCluster.Core.Monitoring;
using PerfCluster.Core.Regression;
using PerfCluster.Core.Scenarios;
using PerfCluster.Core.Thresholds;

namespace PerfCluster.Core.Reports;

/// <summary>
/// <c>report.json</c>: the guide's structure (<c>benchmark_run_id</c>, <c>status</c>, <c>load_tests.&lt;name&gt;</c>
/// with <c>throughput</c>, <c>latency</c> in seconds and <c>error_rate</c>, <c>alerts</c>, <c>recommendations</c>)
/// plus everything needed to understand and reproduce the run: the workload model (<c>model</c>, closed or open, with
/// its stages or arrival rate), the generator-health figures (<c>dropped_iterations</c>, <c>connection_waits</c>,
/// <c>scheduling_lag</c>), <c>service_time</c> next to <c>latency</c> in the open model, the <c>warm_up</c> figures
/// kept out of all others, and a <c>latency_note</c> on what the latency means. Keys are snake_case; a NaN or infinite
/// figure is written as null, as are latencies of anything that completed no requests.
/// </summary>
public static class JsonReportWriter
{
    public const string FileName = "report.json";

    private static readonly JsonWriterOptions Options = new()
    {
        Indented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static string Render(RunReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var analysis = ReportAnalysis.Analyze(report);
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, Options))
        {
            json.WriteStartObject();
            json.WriteString("benchmark_run_id", report.RunId);
            json.WriteString("status", report.Status.ToJsonName());
            json.WriteBoolean("passed", report.Passed);
            json.WriteNumber("exit_code", report.ExitCode);
            json.WriteString("started_at", report.StartedAt);
            json.WriteString("finished_at", report.FinishedAt);
            Number(json, "duration_seconds", Math.Round(report.Duration.TotalSeconds, 3));
            json.WriteStartObject("tool");
            json.WriteString("name", RunReport.ToolName);
            json.WriteString("version", report.ToolVersion);
            json.WriteEndObject();
            json.WriteString("host", report.Host);

            json.WriteStartObject("load_tests");
            var names = new UniqueKeys();
            foreach (var scenario in report.Scenarios)
            {
                json.WritePropertyName(names.Next(scenario.Name));
                WriteLoadTest(json, scenario);
            }
            json.WriteEndObject();

            json.WriteStartArray("alerts");
            foreach (var alert in analysis.Alerts)
            {
                json.WriteStartObject();
                json.WriteString("type", alert.Type);
                json.WriteString("severity", alert.Severity.ToJsonName());
                json.WriteString("message", alert.Message);
                json.WriteString("scenario", alert.Scenario);
                if (alert.Endpoint is not null) json.WriteString("endpoint", alert.Endpoint);
                if (alert.Live is { } live)
                {
                    json.WriteString("rule", live.Name);
                    json.WriteString("condition", live.Condition);
                    json.WriteNumber("start_second", live.Start);
                    if (live.End is { } end) json.WriteNumber("end_second", end);
                    else json.WriteNull("end_second");
                    json.WriteBoolean("firing_at_end", live.FiringAtEnd);
                    Number(json, "peak", live.Peak);
                    json.WriteString("peak_text", live.PeakText);
                    json.WriteString("evidence", live.Evidence);
                }
                json.WriteEndObject();
            }
            json.WriteEndArray();
            Strings(json, "recommendations", analysis.Recommendations);
            Strings(json, "notes", report.Notes);

            json.WriteStartObject("source");
            json.WriteString("file", report.SourceFile);
            json.WriteString("text", report.SourceText);
            json.WriteEndObject();
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }

    public static void Write(RunReport report, string directory) => ReportWriter.WriteFile(directory, FileName, Render(report));

    private static void WriteLoadTest(Utf8JsonWriter json, ScenarioReport scenario)
    {
        var stats = scenario.Statistics;
        json.WriteStartObject();
        WriteFigures(json, stats.Overall);
        json.WriteString("model", scenario.Definition.IsOpen ? "open" : "closed");
        if (LatencyNotes.For(scenario.Definition) is { } note) json.WriteString("latency_note", note);
        json.WriteBoolean("passed", scenario.Passed);
        json.WriteBoolean("interrupted", scenario.Interrupted);
        json.WriteString("started_at", stats.StartedAt);
        Number(json, "measured_duration_seconds", Math.Round(stats.MeasuredDuration.TotalSeconds, 3));
        json.WriteNumber("peak_users", stats.PeakUsers);
        if (scenario.Iterations.Count > 0) WriteIterations(json, scenario.Iterations);
        json.WriteNumber("abandoned_in_flight", stats.AbandonedInFlight);
        json.WriteNumber("dropped_iterations", stats.DroppedIterations);
        json.WriteNumber("connection_waits", stats.ConnectionWaits);
        if (stats.SchedulingLag is { } lag)
        {
            json.WriteStartObject("scheduling_lag");
            Number(json, "p50", lag.P50);
            Number(json, "p95", lag.P95);
            Number(json, "p99", lag.P99);
            Number(json, "max", lag.Max);
            json.WriteEndObject();
        }
        if (stats.WarmUp is { } warmUp)
        {
            json.WriteStartObject("warm_up");
            WriteFigures(json, warmUp);
            json.WriteEndObject();
        }

        json.WriteStartObject("endpoints");
        var names = new UniqueKeys();
        foreach (var endpoint in stats.Endpoints)
        {
            json.WriteStartObject(names.Next(endpoint.Name));
            WriteFigures(json, endpoint);
            json.WriteEndObject();
        }
        json.WriteEndObject();

        json.WriteStartArray("thresholds");
        foreach (var t in scenario.Thresholds)
        {
            json.WriteStartObject();
            json.WriteString("scope", t.Scope);
            json.WriteString("endpoint", t.Definition.Endpoint);
            json.WriteString("expression", t.Expression);
            json.WriteString("metric", t.Metric);
            json.WriteString("operator", t.Operator.Symbol());
            Number(json, "limit", t.Limit);
            Number(json, "actual", t.Actual);
            json.WriteBoolean("passed", t.Passed);
            json.WriteString("description", t.Describe());
            if (t.Note is not null) json.WriteString("note", t.Note);
            json.WriteEndObject();
        }
        json.WriteEndArray();

        if (scenario.Regression is { } regression) WriteRegression(json, regression);

        var g = stats.Generator;
        json.WriteStartObject("generator");
        Number(json, "cpu_seconds", g.CpuSeconds);
        Number(json, "cpu_percent_of_one_core", g.CpuPercentOfOneCore);
        Number(json, "cpu_percent_of_machine", g.CpuPercentOfMachine);
        json.WriteNumber("processor_count", g.ProcessorCount);
        json.WriteNumber("peak_working_set_bytes", g.PeakWorkingSetBytes);
        json.WriteNumber("peak_gc_heap_bytes", g.PeakGcHeapBytes);
        Number(json, "gc_pause_seconds", g.GcPauseSeconds);
        json.WriteNumber("gen2_collections", g.Gen2Collections);
        json.WriteNumber("peak_thread_pool_threads", g.PeakThreadPoolThreads);
        json.WriteNumber("peak_thread_pool_queue", g.PeakThreadPoolQueueLength);
        json.WriteNumber("peak_open_sockets", g.PeakOpenSockets);
        json.WriteNumber("network_received_bytes", g.NetworkReceivedBytes);
        json.WriteNumber("network_sent_bytes", g.NetworkSentBytes);
        json.WriteEndObject();

        WriteMonitoring(json, stats.Monitoring);

        json.WriteStartArray("workers");
        foreach (var w in stats.Workers)
        {
            json.WriteStartObject();
            json.WriteString("node", w.Node);
            json.WriteNumber("requests", w.Requests);
            json.WriteNumber("errors", w.Errors);
            Number(json, "cpu_seconds", w.CpuSeconds);
            json.WriteNumber("deltas", w.Deltas);
            json.WriteNumber("last_second", w.LastSecond);
            json.WriteEndObject();
        }
        json.WriteEndArray();

        json.WriteStartArray("timeline");
        foreach (var w in stats.Timeline)
        {
            json.WriteStartObject();
            json.WriteNumber("second", w.Second);
            json.WriteNumber("requests", w.Requests);
            json.WriteNumber("errors", w.Errors);
            Number(json, "throughput", w.Throughput);
            json.WriteNumber("active_users", w.ActiveUsers);
            json.WriteStartObject("latency");
            var measured = w.Requests > 0;
            Latency(json, "p50", w.Latency.P50, measured);
            Latency(json, "p95", w.Latency.P95, measured);
            Latency(json, "p99", w.Latency.P99, measured);
            Latency(json, "max", w.Latency.Max, measured);
            json.WriteEndObject();
            json.WriteStartObject("requests_by_endpoint");
            foreach (var (name, count) in w.RequestsByEndpoint) json.WriteNumber(name, count);
            json.WriteEndObject();
            WriteNodes(json, w.Nodes);
            json.WriteEndObject();
        }
        json.WriteEndArray();

        WriteDefinition(json, scenario.Definition);
        json.WriteEndObject();
    }

    /// <summary>
    /// "monitoring": what watching the run found: the alerts that fired (SLA thresholds, alert rules, leak verdicts) with
    /// the second they started and ended, their peak and evidence, the leak assessments of the target and the generator,
    /// the recommendations drawn from the windows with their evidence, the target's samples, and the rule that aborted
    /// the run (null when none did).
    /// </summary>
    private static void WriteMonitoring(Utf8JsonWriter json, MonitoringResult monitoring)
    {
        json.WriteStartObject("monitoring");
        json.WriteString("aborted_by", monitoring.AbortedBy);
        Leak(json, "target_leak", monitoring.TargetLeak);
        Leak(json, "generator_leak", monitoring.GeneratorLeak);
        json.WriteStartArray("alerts");
        foreach (var a in monitoring.AllAlerts)
        {
            json.WriteStartObject();
            json.WriteString("name", a.Name);
            json.WriteString("kind", SnakeCase(a.Kind.ToString()));
            json.WriteString("severity", a.Severity.ToJsonName());
            json.WriteString("condition", a.Condition);
            json.WriteString("metric", a.Metric);
            json.WriteString("endpoint", a.Endpoint);
            json.WriteNumber("start_second", a.Start);
            if (a.End is { } end) json.WriteNumber("end_second", end);
            else json.WriteNull("end_second");
            json.WriteBoolean("firing_at_end", a.FiringAtEnd);
            Number(json, "duration_seconds", a.DurationSeconds);
            Number(json, "peak", a.Peak);
            json.WriteString("peak_text", a.PeakText);
            json.WriteString("evidence", a.Evidence);
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteStartArray("recommendations");
        foreach (var r in monitoring.Recommendations)
        {
            json.WriteStartObject();
            json.WriteString("kind", SnakeCase(r.Kind.ToString()));
            json.WriteString("message", r.Message);
            json.WriteNumber("second", r.Second);
            json.WriteStartObject("evidence");
            foreach (var (name, value) in r.Evidence) Number(json, name, value);
            json.WriteEndObject();
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteStartArray("target");
        foreach (var t in monitoring.Target)
        {
            json.WriteStartObject();
            json.WriteNumber("second", t.Second);
            if (t.CpuPercent is { } cpu) Number(json, "cpu_percent", cpu);
            if (t.MemoryMb is { } mb) Number(json, "memory_mb", mb);
            if (t.Threads is { } threads) json.WriteNumber("threads", threads);
            if (t.Series.Count > 0)
            {
                json.WriteStartObject("series");
                foreach (var (name, value) in t.Series) Number(json, name, value);
                json.WriteEndObject();
            }
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteEndObject();
    }

    private static void Leak(Utf8JsonWriter json, string name, LeakAssessment? leak)
    {
        if (leak is null)
        {
            json.WriteNull(name);
            return;
        }
        json.WriteStartObject(name);
        json.WriteBoolean("suspected", leak.Suspected);
        json.WriteString("reason", leak.Reason);
        json.WriteNumber("samples", leak.Samples);
        Number(json, "span_seconds", leak.Span.TotalSeconds);
        Number(json, "slope_mb_per_minute", leak.SlopeMbPerMinute);
        Number(json, "slope_ci95_low", leak.SlopeCiLowMbPerMinute);
        Number(json, "slope_ci95_high", leak.SlopeCiHighMbPerMinute);
        Number(json, "r_squared", leak.RSquared);
        Number(json, "growth_mb", leak.GrowthMb);
        Number(json, "threshold_mb", leak.GrowthThresholdMb);
        json.WriteEndObject();
    }

    /// <summary>"CapacityKnee" → "capacity_knee".</summary>
    private static string SnakeCase(string name)
    {
        var text = new StringBuilder(name.Length + 4);
        for (var i = 0; i < name.Length; i++)
        {
            if (char.IsUpper(name[i]) && i > 0) text.Append('_');
            text.Append(char.ToLowerInvariant(name[i]));
        }
        return text.ToString();
    }

    /// <summary>Each generating node's cost in one window of the timeline.</summary>
    private static void WriteNodes(Utf8JsonWriter json, IReadOnlyList<NodeWindow> nodes)
    {
        json.WriteStartArray("nodes");
        foreach (var n in nodes)
        {
            json.WriteStartObject();
            json.WriteString("node", n.Node);
            Number(json, "cpu_percent_of_one_core", n.CpuPercentOfOneCore);
            json.WriteNumber("working_set_bytes", n.WorkingSetBytes);
            if (n.Resources is { } r)
            {
                json.WriteNumber("gc_heap_bytes", r.GcHeapBytes);
                json.WriteNumber("gen0_collections", r.Gen0Collections);
                json.WriteNumber("gen1_collections", r.Gen1Collections);
                json.WriteNumber("gen2_collections", r.Gen2Collections);
                Number(json, "gc_pause_ms", r.GcPauseSeconds * 1000);
                json.WriteNumber("thread_pool_threads", r.ThreadPoolThreads);
                json.WriteNumber("thread_pool_queue", r.ThreadPoolQueueLength);
                json.WriteNumber("network_received_bytes", r.NetworkReceivedBytes);
                json.WriteNumber("network_sent_bytes", r.NetworkSentBytes);
                json.WriteNumber("open_sockets", r.OpenSockets);
            }
            json.WriteEndObject();
        }
        json.WriteEndArray();
    }

    /// <summary>The figures shared by a load test and each of its endpoints.</summary>
    private static void WriteFigures(Utf8JsonWriter json, EndpointStatistics stats)
    {
        var measured = stats.Requests > 0;
        Number(json, "throughput", stats.Throughput);
        LatencyFigures(json, "latency", stats.Latency, measured);
        if (stats.ServiceTime is { } serviceTime) LatencyFigures(json, "service_time", serviceTime, measured);
        Number(json, "error_rate", stats.ErrorRate);
        json.WriteNumber("requests", stats.Requests);
        json.WriteNumber("errors", stats.Errors);
        json.WriteStartObject("errors_by_kind");
        foreach (var kind in ErrorKinds.All)
            json.WriteNumber(kind.Key(), stats.ErrorsByKind.TryGetValue(kind.Key(), out var count) ? count : 0);
        foreach (var (key, count) in stats.ErrorsByKind)
        {
            if (!ErrorKinds.All.Any(k => k.Key() == key)) json.WriteNumber(key, count);
        }
        json.WriteEndObject();
    }

    private static void LatencyFigures(Utf8JsonWriter json, string name, LatencySummary latency, bool measured)
    {
        json.WriteStartObject(name);
        Latency(json, "min", latency.Min, measured);
        Latency(json, "mean", latency.Mean, measured);
        Latency(json, "stddev", latency.StdDev, measured);
        Latency(json, "p50", latency.P50, measured);
        Latency(json, "p90", latency.P90, measured);
        Latency(json, "p95", latency.P95, measured);
        Latency(json, "p99", latency.P99, measured);
        Latency(json, "p99_9", latency.P999, measured);
        Latency(json, "max", latency.Max, measured);
        json.WriteEndObject();
    }

    private static void WriteDefinition(Utf8JsonWriter json, ScenarioDefinition d)
    {
        json.WriteStartObject("scenario");
        json.WriteString("name", d.Name);
        json.WriteString("description", d.Description);
        json.WriteString("target", d.Target.ToString());
        json.WriteNumber("users", d.Load.Users);
        Number(json, "duration_seconds", d.Load.Duration.TotalSeconds);
        Number(json, "ramp_up_seconds", d.Load.RampUp.TotalSeconds);
        json.WriteStartObject("think_time");
        Number(json, "mean_seconds", d.Load.Think.Mean.TotalSeconds);
        Number(json, "jitter_seconds", d.Load.Think.Jitter.TotalSeconds);
        json.WriteEndObject();
        Number(json, "graceful_stop_seconds", d.Load.GracefulStop.TotalSeconds);
        Number(json, "warm_up_seconds", d.WarmUp.TotalSeconds);
        if (d.Open is { } open)
        {
            json.WriteStartObject("arrival_rate");
            Number(json, "rate", open.Rate);
            Number(json, "start", open.StartRate);
            Stages(json, open.Stages);
            json.WriteNumber("pre_allocated_users", open.PreAllocatedUsers);
            json.WriteNumber("max_users", open.MaxUsers);
            json.WriteEndObject();
        }
        else
        {
            Stages(json, d.Load.Stages);
        }
        json.WriteString("distribution", d.Distribution switch
        {
            SelectionMode.Uniform => "uniform",
            SelectionMode.RoundRobin => "round_robin",
            _ => "weighted",
        });
        json.WriteStartObject("http");
        Number(json, "timeout_seconds", d.Http.Timeout.TotalSeconds);
        json.WriteNumber("max_connections", d.Http.MaxConnections);
        json.WriteEndObject();

        json.WriteStartArray("endpoints");
        foreach (var e in d.Endpoints)
        {
            json.WriteStartObject();
            json.WriteString("name", e.Name);
            json.WriteString("method", e.Method);
            json.WriteString("path", e.Path);
            Number(json, "weight", e.Weight);
            json.WriteStartArray("expected_status");
            foreach (var status in e.ExpectedStatus) json.WriteNumberValue(status);
            json.WriteEndArray();
            json.WriteStartObject("headers");
            foreach (var (name, value) in e.Headers) json.WriteString(name, value);
            json.WriteEndObject();
            json.WriteString("body", e.Body);
            json.WriteEndObject();
        }
        json.WriteEndArray();

        json.WriteStartArray("thresholds");
        foreach (var t in d.Thresholds)
        {
            json.WriteStartObject();
            json.WriteString("expression", t.Expression);
            json.WriteString("endpoint", t.Endpoint);
            json.WriteEndObject();
        }
        json.WriteEndArray();

        json.WriteStartArray("required_services");
        foreach (var s in d.RequiredServices)
        {
            json.WriteStartObject();
            json.WriteString("name", s.Name);
            json.WriteString("host", s.Host);
            json.WriteNumber("port", s.Port);
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteEndObject();
    }

    /// <summary>
    /// "regression": the comparison with the baseline: which baseline, the verdict, environment warnings, and per
    /// metric the two values, the change, the levels, the outcome and the statistics behind it.
    /// </summary>
    private static void WriteRegression(Utf8JsonWriter json, RegressionVerdict v)
    {
        json.WriteStartObject("regression");
        json.WriteStartObject("baseline");
        json.WriteString("name", v.BaselineName);
        json.WriteNumber("version", v.BaselineVersion);
        json.WriteString("run_id", v.BaselineRunId);
        json.WriteEndObject();
        json.WriteString("outcome", v.Outcome.ToJsonName());
        json.WriteBoolean("strict", v.Strict);
        json.WriteBoolean("passed", v.Passed);
        json.WriteNumber("exit_code", v.ExitCode);
        Strings(json, "environment_warnings", v.EnvironmentWarnings);
        json.WriteStartArray("metrics");
        foreach (var m in v.Metrics)
        {
            json.WriteStartObject();
            json.WriteString("metric", m.Metric);
            json.WriteString("endpoint", m.Endpoint);
            json.WriteString("direction", m.Direction.ToJsonName());
            Number(json, "baseline", m.Baseline);
            Number(json, "current", m.Current);
            Number(json, "change_percent", m.ChangePercent);
            Number(json, "warning_threshold", m.WarningThreshold);
            Number(json, "failure_threshold", m.FailureThreshold);
            json.WriteString("outcome", m.Outcome.ToJsonName());
            json.WriteString("test", m.Test);
            if (m.PValue is { } p) Number(json, "p_value", p);
            else json.WriteNull("p_value");
            Number(json, "effect", m.Effect);
            if (m.EffectCi95Low is { } low && m.EffectCi95High is { } high)
            {
                json.WriteStartArray("effect_ci95");
                if (double.IsFinite(low)) json.WriteNumberValue(low); else json.WriteNullValue();
                if (double.IsFinite(high)) json.WriteNumberValue(high); else json.WriteNullValue();
                json.WriteEndArray();
            }
            else
            {
                json.WriteNull("effect_ci95");
            }
            json.WriteStartObject("samples");
            json.WriteString("source", m.SampleSource);
            json.WriteNumber("baseline", m.BaselineSamples);
            json.WriteNumber("current", m.CurrentSamples);
            json.WriteEndObject();
            json.WriteString("note", m.Note);
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteEndObject();
    }

    /// <summary>"stages": [{ "duration_seconds": 10, "target": 50 }, ...]; targets are users or iterations/s.</summary>
    private static void Stages(Utf8JsonWriter json, IReadOnlyList<Stage> stages)
    {
        json.WriteStartArray("stages");
        foreach (var stage in stages)
        {
            json.WriteStartObject();
            Number(json, "duration_seconds", stage.Duration.TotalSeconds);
            Number(json, "target", stage.Target);
            json.WriteEndObject();
        }
        json.WriteEndArray();
    }

    /// <summary>--iterations: each run's figures, then mean and 95% confidence interval of each.</summary>
    private static void WriteIterations(Utf8JsonWriter json, IReadOnlyList<IterationResult> iterations)
    {
        json.WriteStartObject("iterations");
        json.WriteNumber("count", iterations.Count);
        json.WriteStartArray("runs");
        foreach (var run in iterations)
        {
            json.WriteStartObject();
            json.WriteNumber("requests", run.Statistics.Overall.Requests);
            foreach (var (name, value) in IterationSummary.Metrics) Number(json, name, value(run.Statistics));
            json.WriteBoolean("thresholds_passed", run.Thresholds.All(t => t.Passed));
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteStartObject("summary");
        foreach (var (metric, summary) in IterationSummary.Of(iterations))
        {
            json.WriteStartObject(metric);
            Number(json, "mean", summary.Mean);
            Number(json, "stddev", summary.StdDev);
            Number(json, "ci95_low", summary.Ci95Low);
            Number(json, "ci95_high", summary.Ci95High);
            json.WriteEndObject();
        }
        json.WriteEndObject();
        json.WriteEndObject();
    }

    private static void Number(Utf8JsonWriter json, string name, double value)
    {
        if (double.IsFinite(value)) json.WriteNumber(name, value);
        else json.WriteNull(name);
    }

    private static void Latency(Utf8JsonWriter json, string name, double seconds, bool measured)
    {
        if (measured) Number(json, name, seconds);
        else json.WriteNull(name);
    }

    private static void Strings(Utf8JsonWriter json, string name, IEnumerable<string> values)
    {
        json.WriteStartArray(name);
        foreach (var value in values) json.WriteStringValue(value);
        json.WriteEndArray();
    }

    /// <summary>Object keys from names that may repeat: the second "checkout" becomes "checkout (2)".</summary>
    private sealed class UniqueKeys
    {
        private readonly HashSet<string> _used = new(StringComparer.Ordinal);

        public string Next(string name)
        {
            var key = name;
            for (var n = 2; !_used.Add(key); n++) key = $"{name} ({n})";
            return key;
        }
    }
}
