using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using PerfCluster.Core.Reports;
using PerfCluster.Core.Scenarios;
using PerfCluster.Core.Input;

namespace PerfCluster.Reports;

/// <summary>
/// <c>report.html</c>: one self-contained page per run, readable offline: inline CSS, charts as inline SVG, no script
/// and no external reference. Per scenario: verdict, key figures, thresholds, the baseline comparison, charts over
/// time, the latency percentile spectrum, endpoints, workers, alerts and recommendations; then the run's notes and
/// the scenario file as run. Every value is HTML-encoded.
/// </summary>
public static class HtmlReportWriter
{
    public const string FileName = "report.html";

    private static readonly CultureInfo C = CultureInfo.InvariantCulture;

    /// <summary>Writes report.html into <paramref name="directory"/> (created if needed); returns its path.</summary>
    public static string Write(RunReport report, string directory) =>
        WriteFile(Render(ReportDocuments.From(report)), Path.Combine(directory, FileName));

    /// <summary>Writes <paramref name="html"/> to <paramref name="path"/> (UTF-8, no byte-order mark); returns the path.</summary>
    public static string WriteFile(string html, string path)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(directory)) Directory.CreateDirectory(directory);
        File.WriteAllText(path, html, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
        return path;
    }

    public static string Render(ReportDocument view)
    {
        ArgumentNullException.ThrowIfNull(view);
        var scenarios = view.LoadTests.Select(t => new LoadTest(t.Key, t.Value)).ToList();
        var h = new StringBuilder(64 * 1024);
        h.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
            .Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
            .Append("<title>").Append(E($"PerfCluster report {view.BenchmarkRunId}")).Append("</title>\n")
            .Append("<style>").Append(Css).Append("</style>\n</head>\n<body>\n<main>\n");

        RunHeader(h, view, scenarios);
        if (view.Optimisation is { } study) Optimisation(h, study, scenarios);
        if (view.PoolSweep is { } sweep) PoolSweep(h, sweep, scenarios);
        if (view.CacheStrategies is { } cache) CacheStrategies(h, cache, scenarios);
        if (view.QueryPatterns is { } patterns) QueryPatterns(h, patterns, scenarios);
        for (var i = 0; i < scenarios.Count; i++) Scenario(h, view, scenarios, scenarios[i], $"s{i + 1}");
        RunFooter(h, view);

        h.Append("</main>\n</body>\n</html>\n");
        return h.ToString();
    }

    private static void RunHeader(StringBuilder h, ReportDocument v, IReadOnlyList<LoadTest> scenarios)
    {
        h.Append("<header>\n<h1>PerfCluster load test report</h1>\n");
        h.Append("<p class=\"verdict ").Append(v.Passed ? "pass" : "fail").Append("\"><span class=\"badge\">")
            .Append(v.Passed ? "PASSED" : "FAILED").Append("</span> ")
            .Append(E($"status {v.Status}, exit code {v.ExitCode}: {ExitCodeMeaning(v.ExitCode)}")).Append("</p>\n");
        h.Append("<dl class=\"facts\">\n");
        Fact(h, "Run", v.BenchmarkRunId);
        Fact(h, "Started", Timestamp(v.StartedAt));
        Fact(h, "Finished", Timestamp(v.FinishedAt));
        Fact(h, "Duration", v.DurationSeconds is { } d ? Seconds(d) : null);
        Fact(h, "Scenario file", v.Source.File);
        Fact(h, "Host", v.Host);
        Fact(h, "PerfCluster", v.Tool.Version);
        h.Append("</dl>\n");
        if (scenarios.Count > 1)
        {
            h.Append("<nav><h2>Scenarios</h2>\n<ul>\n");
            for (var i = 0; i < scenarios.Count; i++)
            {
                var s = scenarios[i];
                h.Append("<li><a href=\"#s").Append(i + 1).Append("\">").Append(E(s.Name)).Append("</a> ")
                    .Append(Badge(s.Test.Passed, s.Test.Interrupted)).Append("</li>\n");
            }
            h.Append("</ul>\n</nav>\n");
        }
        h.Append("</header>\n");
    }

    private static void Scenario(StringBuilder h, ReportDocument run, IReadOnlyList<LoadTest> scenarios, LoadTest test, string id)
    {
        var s = test.Test;
        h.Append("<section class=\"scenario\" id=\"").Append(id).Append("\">\n");
        h.Append("<h2>").Append(E(test.Name)).Append(' ').Append(Badge(s.Passed, s.Interrupted)).Append("</h2>\n");
        if (!string.IsNullOrWhiteSpace(test.Description)) h.Append("<p class=\"description\">").Append(E(test.Description)).Append("</p>\n");
        h.Append("<dl class=\"facts\">\n");
        if (test.Definition is not { SendsHttp: false }) Fact(h, "Target", test.Target);
        if (test.Definition?.Journey is { Databases.Count: > 0 } data)
            Fact(h, "Databases", string.Join(", ", data.Databases.Select(db => $"{db.Name}: {db.ProviderKey}, {db.MaskedConnection}{(db.PoolSize > 0 ? $", pool {db.PoolSize}" : "")}")));
        Fact(h, "Workload model", s.Model);
        Fact(h, "Users (planned / peak)", $"{(test.Definition is { } d1 ? Count(d1.Load.Users) : "n/a")} / {Count(s.PeakUsers)}");
        Fact(h, "Measured", s.MeasuredDurationSeconds is { } m ? Seconds(m) : null);
        Fact(h, "Planned duration", test.Definition is { } d2 ? Seconds(d2.Load.Duration.TotalSeconds) : null);
        Fact(h, "Started", Timestamp(s.StartedAt));
        if (s.Monitoring.AbortedBy is not null) Fact(h, "Aborted by alert rule", s.Monitoring.AbortedBy);
        h.Append("</dl>\n");
        if (s.LatencyNote is not null) h.Append("<p class=\"note\">").Append(E(s.LatencyNote)).Append("</p>\n");

        KeyFigures(h, s);
        Thresholds(h, s);
        Modules(h, run, test.Name);
        if (s.Regression is { } regression) Regression(h, regression);

        h.Append("<h3>Charts</h3>\n<div class=\"charts\">\n");
        h.Append(ReportCharts.LatencyOverTime(s.Timeline, $"{id}-latency")).Append('\n');
        h.Append(ReportCharts.ThroughputOverTime(s.Timeline, $"{id}-throughput")).Append('\n');
        h.Append(ReportCharts.UsersOverTime(s.Timeline, $"{id}-users")).Append('\n');
        h.Append(ReportCharts.PercentileSpectrum(s, $"{id}-spectrum")).Append('\n');
        if (ReportCharts.NodeCpuOverTime(s.Timeline, $"{id}-cpu") is { } cpu) h.Append(cpu).Append('\n');
        if (s.Journey is not null) h.Append(ReportCharts.StepLatencies(s.Endpoints, $"{id}-steps")).Append('\n');
        h.Append("</div>\n");

        Endpoints(h, s);
        if (s.Journey is { } journey) Journey(h, journey);
        Workers(h, s);
        Alerts(h, run, scenarios, test);
        h.Append("</section>\n");
    }

    private static void KeyFigures(StringBuilder h, LoadTestDocument s)
    {
        var o = s;
        h.Append("<h3>Key figures</h3>\n<div class=\"figures\">\n");
        Figure(h, "requests", Count(o.Requests));
        Figure(h, "throughput", Rate(o.Throughput));
        Figure(h, "errors", Count(o.Errors));
        Figure(h, "error rate", Percent(o.ErrorRate));
        Figure(h, "p50", Latency(o.Latency.P50));
        Figure(h, "p95", Latency(o.Latency.P95));
        Figure(h, "p99", Latency(o.Latency.P99));
        Figure(h, "max", Latency(o.Latency.Max));
        h.Append("</div>\n");

        h.Append("<table class=\"latency\">\n<thead><tr><th></th><th>min</th><th>mean</th><th>p50</th><th>p90</th><th>p95</th>")
            .Append("<th>p99</th><th>p99.9</th><th>max</th></tr></thead>\n<tbody>\n");
        LatencyRow(h, "latency", o.Latency);
        if (o.ServiceTime is { } service) LatencyRow(h, "service time", service);
        h.Append("</tbody>\n</table>\n");

        var health = new List<string>();
        var kinds = o.ErrorsByKind.Where(k => k.Value > 0).ToList();
        if (kinds.Count > 0) health.Add("errors by kind: " + string.Join(", ", kinds.Select(k => $"{k.Key} {Count(k.Value)}")));
        if (s.DroppedIterations > 0) health.Add($"{Count(s.DroppedIterations)} iterations dropped (no free user)");
        if (s.ConnectionWaits > 0) health.Add($"{Count(s.ConnectionWaits)} requests waited for a connection");
        if (s.AbandonedInFlight > 0) health.Add($"{Count(s.AbandonedInFlight)} requests abandoned in flight");
        if (s.WarmUp is { } w) health.Add($"warm-up (not counted): {Count(w.Requests)} requests, p95 {Latency(w.Latency.P95)}");
        if (health.Count > 0) List(h, health, "facts-list");
    }

    private static void LatencyRow(StringBuilder h, string label, LatencyDocument l)
    {
        h.Append("<tr><th>").Append(E(label)).Append("</th>");
        foreach (var value in new[] { l.Min, l.Mean, l.P50, l.P90, l.P95, l.P99, l.P999, l.Max })
            h.Append("<td>").Append(E(Latency(value))).Append("</td>");
        h.Append("</tr>\n");
    }

    private static void Thresholds(StringBuilder h, LoadTestDocument s)
    {
        h.Append("<h3>Thresholds</h3>\n");
        if (s.Thresholds.Count == 0)
        {
            h.Append("<p class=\"muted\">No thresholds were defined.</p>\n");
            return;
        }
        h.Append("<table>\n<thead><tr><th>scope</th><th>threshold</th><th>result</th><th>outcome</th></tr></thead>\n<tbody>\n");
        foreach (var t in s.Thresholds)
        {
            h.Append("<tr class=\"").Append(t.Passed ? "pass" : "fail").Append("\"><td>").Append(E(t.Scope)).Append("</td><td><code>")
                .Append(E(t.Expression)).Append("</code></td><td>").Append(E(t.Description));
            if (t.Note is not null) h.Append(" <span class=\"muted\">(").Append(E(t.Note)).Append(")</span>");
            h.Append("</td><td>").Append(Outcome(t.Passed ? "pass" : "fail")).Append("</td></tr>\n");
        }
        h.Append("</tbody>\n</table>\n");
    }

    private static void Regression(StringBuilder h, RegressionDocument r)
    {
        h.Append("<h3>Comparison with the baseline</h3>\n<p>")
            .Append(E($"Baseline '{r.Baseline.Name}' v{r.Baseline.Version}" + (r.Baseline.RunId is null ? "" : $" (run {r.Baseline.RunId})")))
            .Append(": ").Append(Outcome(r.Outcome)).Append(r.Strict ? " <span class=\"muted\">(strict: a warning fails)</span>" : "")
            .Append("</p>\n");
        if (r.EnvironmentWarnings.Count > 0) List(h, r.EnvironmentWarnings, "warnings");
        h.Append("<table>\n<thead><tr><th>metric</th><th>baseline</th><th>current</th><th>change</th><th>levels</th>")
            .Append("<th>outcome</th><th>test</th></tr></thead>\n<tbody>\n");
        foreach (var m in r.Metrics)
        {
            var name = m.Endpoint is null ? m.Metric : $"{m.Metric} ({m.Endpoint})";
            var levels = m.FailureThreshold is { } fail && double.IsFinite(fail)
                ? $"warn {Number(m.WarningThreshold, "0.##")}% / fail {Number(fail, "0.##")}%"
                : "";
            var test = m.Test;
            if (m.PValue is { } p) test += $" p={(p < 0.0001 ? "<0.0001" : Number(p, "0.####"))}";
            if (m.Samples.Source is not null && (m.Samples.Baseline > 0 || m.Samples.Current > 0))
                test += $" ({m.Samples.Baseline}/{m.Samples.Current} {m.Samples.Source})";
            h.Append("<tr class=\"").Append(E(m.Outcome)).Append("\"><td>").Append(E(name));
            if (m.Note is not null) h.Append("<br><span class=\"muted\">").Append(E(m.Note)).Append("</span>");
            h.Append("</td><td>").Append(E(MetricValue(m.Metric, m.Baseline))).Append("</td><td>").Append(E(MetricValue(m.Metric, m.Current)))
                .Append("</td><td>").Append(E(Change(m.ChangePercent))).Append("</td><td>").Append(E(levels))
                .Append("</td><td>").Append(Outcome(m.Outcome)).Append("</td><td>").Append(E(test)).Append("</td></tr>\n");
        }
        h.Append("</tbody>\n</table>\n");
    }

    /// <summary>Modules of this load test: ops/s, latency, scalability E with its interval, targets, sub-operations and exceptions.</summary>
    private static void Modules(StringBuilder h, ReportDocument run, string loadTest)
    {
        var modules = (run.ModulePerformance ?? []).Where(m => m.Value.LoadTest == loadTest).ToList();
        if (modules.Count == 0) return;
        h.Append("<h3>Modules</h3>\n<p class=\"muted\">Operations per second are cluster-wide over the measured period; latency targets are on p95; ")
            .Append("E = X(2N) / (2·X(N)) from the two phases' 1-second windows, with its 95% interval.</p>\n")
            .Append("<table>\n<thead><tr><th>module</th><th>operations</th><th>errors</th><th>ops/s</th><th>p50</th><th>p95</th><th>p99</th><th>scalability E</th><th>95% interval</th><th>ops/s at N → 2N</th></tr></thead>\n<tbody>\n");
        foreach (var (name, m) in modules)
        {
            var e = m.Scalability;
            h.Append("<tr class=\"").Append(m.Passed ? "pass" : "fail").Append("\"><td>").Append(E(name)).Append("</td><td>").Append(Count(m.Operations))
                .Append("</td><td>").Append(Count(m.Errors)).Append("</td><td>").Append(E(Ops(m.OpsPerSecond)))
                .Append("</td><td>").Append(E(Latency(m.Latency.P50))).Append("</td><td>").Append(E(Latency(m.Latency.P95))).Append("</td><td>").Append(E(Latency(m.Latency.P99)))
                .Append("</td><td>").Append(E(e?.Efficiency is { } x ? x.ToString("0.000", CultureInfo.InvariantCulture) : "n/a"))
                .Append("</td><td>").Append(E(e is { Ci95Low: { } lo, Ci95High: { } hi } ? $"{lo:0.000} – {hi:0.000}" : "n/a"))
                .Append("</td><td>").Append(E(e is null ? "n/a" : $"{Ops(e.OpsPerSecondAtN)} → {Ops(e.OpsPerSecondAt2N)} ({e.Users} → {2 * e.Users} users)"))
                .Append("</td></tr>\n");
        }
        h.Append("</tbody>\n</table>\n");
        var targets = modules.SelectMany(m => m.Value.Targets.Select(t => (m.Key, t))).ToList();
        if (targets.Count > 0)
        {
            h.Append("<table>\n<thead><tr><th>module</th><th>target</th><th>verdict</th></tr></thead>\n<tbody>\n");
            foreach (var (name, t) in targets)
                h.Append("<tr class=\"").Append(t.Passed ? "pass" : "fail").Append("\"><td>").Append(E(name)).Append("</td><td>").Append(E(t.Target))
                    .Append("</td><td>").Append(t.Passed ? "✓ " : "✗ ").Append(E(t.Description)).Append("</td></tr>\n");
            h.Append("</tbody>\n</table>\n");
        }
        var subs = modules.SelectMany(m => m.Value.SubOperations.Select(o => (m.Key, o.Key, o.Value))).ToList();
        if (subs.Count > 0)
        {
            h.Append("<table>\n<thead><tr><th>module / sub-operation</th><th>count</th><th>failed</th><th>p50</th><th>p95</th><th>p99</th><th>max</th></tr></thead>\n<tbody>\n");
            foreach (var (module, op, o) in subs)
                h.Append("<tr><td>").Append(E($"{module} / {op}")).Append("</td><td>").Append(Count(o.Count)).Append("</td><td>").Append(Count(o.Failed))
                    .Append("</td><td>").Append(E(Latency(o.Duration.P50))).Append("</td><td>").Append(E(Latency(o.Duration.P95)))
                    .Append("</td><td>").Append(E(Latency(o.Duration.P99))).Append("</td><td>").Append(E(Latency(o.Duration.Max))).Append("</td></tr>\n");
            h.Append("</tbody>\n</table>\n");
        }
        var errors = modules.SelectMany(m => m.Value.ErrorsByType.Select(x => (m.Key, x.Key, x.Value))).ToList();
        if (errors.Count > 0)
        {
            h.Append("<table>\n<thead><tr><th>module</th><th>exception</th><th>count</th><th>first</th></tr></thead>\n<tbody>\n");
            foreach (var (module, type, x) in errors)
                h.Append("<tr class=\"fail\"><td>").Append(E(module)).Append("</td><td>").Append(E(type)).Append("</td><td>").Append(Count(x.Count))
                    .Append("</td><td>").Append(E(x.First ?? "")).Append("</td></tr>\n");
            h.Append("</tbody>\n</table>\n");
        }
    }

    /// <summary>Journeys: each flow's and group's iterations and durations, and each named check.</summary>
    private static void Journey(StringBuilder h, JourneyDocument j)
    {
        h.Append("<h3>Flows</h3>\n<table>\n<thead><tr><th>flow / group</th><th>iterations</th><th>failed</th><th>p50</th><th>p95</th><th>p99</th><th>max</th></tr></thead>\n<tbody>\n");
        foreach (var (name, t) in j.Flows.Select(f => ("flow " + f.Key, f.Value)).Concat(j.Groups.Select(g => ("group " + g.Key, g.Value))))
        {
            h.Append("<tr><td>").Append(E(name)).Append("</td><td>").Append(Count(t.Iterations)).Append("</td><td>").Append(Count(t.Failed))
                .Append("</td><td>").Append(E(Latency(t.Duration.P50))).Append("</td><td>").Append(E(Latency(t.Duration.P95)))
                .Append("</td><td>").Append(E(Latency(t.Duration.P99))).Append("</td><td>").Append(E(Latency(t.Duration.Max))).Append("</td></tr>\n");
        }
        h.Append("</tbody>\n</table>\n");
        if (j.Pools is { Count: > 0 } pools)
        {
            h.Append("<h3>Connection pools</h3>\n<p class=\"muted\">Each acquisition's wait for a pooled connection; it counts in its step's latency.</p>\n")
                .Append("<table>\n<thead><tr><th>database</th><th>acquired</th><th>timed out</th><th>wait p50</th><th>wait p95</th><th>wait p99</th><th>max</th></tr></thead>\n<tbody>\n");
            foreach (var (name, p) in pools.Where(p => p.Value.Bytes is null))
                h.Append("<tr><td>").Append(E(name)).Append("</td><td>").Append(Count(p.Acquired)).Append("</td><td>").Append(Count(p.Timeouts))
                    .Append("</td><td>").Append(E(Latency(p.Wait.P50))).Append("</td><td>").Append(E(Latency(p.Wait.P95)))
                    .Append("</td><td>").Append(E(Latency(p.Wait.P99))).Append("</td><td>").Append(E(Latency(p.Wait.Max))).Append("</td></tr>\n");
            h.Append("</tbody>\n</table>\n");
            if (pools.Values.Any(p => p.Bytes is not null))
            {
                h.Append("<h3>In-process caches</h3>\n<table>\n<thead><tr><th>cache</th><th>evictions</th><th>entries</th><th>memory</th></tr></thead>\n<tbody>\n");
                foreach (var (name, p) in pools.Where(p => p.Value.Bytes is not null))
                    h.Append("<tr><td>").Append(E(name)).Append("</td><td>").Append(Count(p.Evictions ?? 0)).Append("</td><td>").Append(Count(p.Entries ?? 0))
                        .Append("</td><td>").Append(E($"{(p.Bytes ?? 0) / 1024.0:#,0.0} KiB")).Append("</td></tr>\n");
                h.Append("</tbody>\n</table>\n");
            }
        }
        if (j.Checks.Count == 0) return;
        h.Append("<h3>Checks</h3>\n<table>\n<thead><tr><th>check</th><th>passed</th><th>failed</th><th>rate</th></tr></thead>\n<tbody>\n");
        foreach (var (name, c) in j.Checks)
            h.Append("<tr class=\"").Append(c.Failures == 0 ? "pass" : "fail").Append("\"><td>").Append(E(name)).Append("</td><td>").Append(Count(c.Passes))
                .Append("</td><td>").Append(Count(c.Failures)).Append("</td><td>").Append(E(Percent(c.Rate))).Append("</td></tr>\n");
        h.Append("</tbody>\n</table>\n");
    }

    private static void Endpoints(StringBuilder h, LoadTestDocument s)
    {
        h.Append(s.Journey is null ? "<h3>Endpoints</h3>\n" : "<h3>Steps</h3>\n");
        if (s.Endpoints.Count == 0)
        {
            h.Append("<p class=\"muted\">No endpoint figures.</p>\n");
            return;
        }
        var data = s.Endpoints.Values.Any(e => e.RowsRead is not null);
        h.Append("<table>\n<thead><tr><th>endpoint</th><th>requests</th><th>errors</th><th>error rate</th><th>throughput</th>")
            .Append("<th>p50</th><th>p95</th><th>p99</th><th>max</th>").Append(data ? "<th>rows read</th><th>rows changed</th>" : "").Append("</tr></thead>\n<tbody>\n");
        foreach (var (name, e) in s.Endpoints)
        {
            var rows = data ? $"</td><td>{Count(e.RowsRead ?? 0)}</td><td>{Count(e.RowsAffected ?? 0)}" : "";
            h.Append("<tr><td>").Append(E(name)).Append("</td><td>").Append(Count(e.Requests)).Append("</td><td>").Append(Count(e.Errors))
                .Append("</td><td>").Append(E(Percent(e.ErrorRate))).Append("</td><td>").Append(E(Rate(e.Throughput)))
                .Append("</td><td>").Append(E(Latency(e.Latency.P50))).Append("</td><td>").Append(E(Latency(e.Latency.P95)))
                .Append("</td><td>").Append(E(Latency(e.Latency.P99))).Append("</td><td>").Append(E(Latency(e.Latency.Max))).Append(rows)
                .Append("</td></tr>\n");
        }
        h.Append("</tbody>\n</table>\n");
    }

    private static void Workers(StringBuilder h, LoadTestDocument s)
    {
        h.Append("<h3>Load generation</h3>\n");
        if (s.Workers.Count > 0)
        {
            h.Append("<table>\n<thead><tr><th>worker</th><th>requests</th><th>errors</th><th>CPU</th></tr></thead>\n<tbody>\n");
            foreach (var w in s.Workers)
            {
                h.Append("<tr><td>").Append(E(w.Node)).Append("</td><td>").Append(Count(w.Requests)).Append("</td><td>").Append(Count(w.Errors))
                    .Append("</td><td>").Append(E(w.CpuSeconds is { } cpu ? Number(cpu, "#,0.##") + " s" : "n/a")).Append("</td></tr>\n");
            }
            h.Append("</tbody>\n</table>\n");
        }
        if (s.Generator is { } g)
        {
            h.Append("<dl class=\"facts\">\n");
            Fact(h, "Generator CPU", $"{Number(g.CpuSeconds, "#,0.##")} s, {Number(g.CpuPercentOfOneCore, "0.#")}% of one core, " +
                                     $"{Number(g.CpuPercentOfMachine, "0.#")}% of {g.ProcessorCount} cores");
            Fact(h, "Peak working set", Bytes(g.PeakWorkingSetBytes));
            Fact(h, "Peak GC heap", Bytes(g.PeakGcHeapBytes));
            Fact(h, "GC pauses", g.GcPauseSeconds is { } pause ? $"{Number(pause * 1000, "#,0.#")} ms, {g.Gen2Collections} gen2" : null);
            Fact(h, "Peak threads / sockets", $"{g.PeakThreadPoolThreads} / {g.PeakOpenSockets}");
            h.Append("</dl>\n");
        }
    }

    private static void Alerts(StringBuilder h, ReportDocument run, IReadOnlyList<LoadTest> scenarios, LoadTest test)
    {
        var s = test.Test;
        // Alerts raised while the run went are in the table below, with their span and peak.
        string[] live = [AlertTypes.SlaBreach, AlertTypes.AlertRule, AlertTypes.MemoryLeakSuspected];
        var alerts = run.Alerts.Where(a => a.Scenario == test.Name && !live.Contains(a.Type)).ToList();
        h.Append("<h3>Alerts</h3>\n");
        if (alerts.Count == 0 && s.Monitoring.Alerts.Count == 0) h.Append("<p class=\"muted\">No alerts.</p>\n");
        if (alerts.Count > 0)
        {
            h.Append("<ul class=\"alerts\">\n");
            foreach (var a in alerts)
            {
                h.Append("<li class=\"").Append(E(a.Severity)).Append("\"><span class=\"sev\">").Append(E(a.Severity)).Append("</span> <code>")
                    .Append(E(a.Type)).Append("</code> ").Append(E(a.Message)).Append("</li>\n");
            }
            h.Append("</ul>\n");
        }
        if (s.Monitoring.Alerts.Count > 0)
        {
            h.Append("<table>\n<thead><tr><th>alert</th><th>severity</th><th>condition</th><th>start</th><th>end</th><th>peak</th>")
                .Append("<th>evidence</th></tr></thead>\n<tbody>\n");
            foreach (var a in s.Monitoring.Alerts)
            {
                var end = a.EndSecond is { } e ? $"{e} s" : "still firing at the end";
                var name = a.Endpoint is null ? $"{a.Name} ({a.Kind})" : $"{a.Name} ({a.Kind}, {a.Endpoint})";
                h.Append("<tr class=\"").Append(E(a.Severity)).Append("\"><td>").Append(E(name)).Append("</td><td>").Append(E(a.Severity))
                    .Append("</td><td><code>").Append(E(a.Condition)).Append("</code></td><td>").Append(E($"{a.StartSecond} s"))
                    .Append("</td><td>").Append(E(end)).Append("</td><td>").Append(E(a.PeakText)).Append("</td><td>").Append(E(a.Evidence))
                    .Append("</td></tr>\n");
            }
            h.Append("</tbody>\n</table>\n");
        }

        var recommendations = s.Monitoring.Recommendations
            .Select(r => r.Evidence.Count == 0
                ? $"{r.Message} (from second {r.Second})"
                : $"{r.Message} (from second {r.Second}; {string.Join(", ", r.Evidence.Select(x => $"{x.Key} {Number(x.Value, "#,0.###")}"))})")
            .ToList();
        var prefix = $"{test.Name}: ";
        var fromMonitoring = s.Monitoring.Recommendations.Select(r => r.Message).ToHashSet();
        recommendations.AddRange((scenarios.Count > 1
            ? run.Recommendations.Where(r => r.StartsWith(prefix, StringComparison.Ordinal)).Select(r => r[prefix.Length..])
            : run.Recommendations).Where(r => !fromMonitoring.Contains(r)));
        if (recommendations.Count > 0)
        {
            h.Append("<h3>Recommendations</h3>\n");
            List(h, recommendations, "recommendations");
        }
    }

    /// <summary>An optimisation study: the verdict and what was applied, the charts, and every trial linked to its scenario's section.</summary>
    private static void Optimisation(StringBuilder h, OptimisationDocument study, IReadOnlyList<LoadTest> scenarios)
    {
        static string Gain(double? g) => g is { } v ? v.ToString("+0.0%;-0.0%;0.0%", C) : "n/a";
        h.Append("<section class=\"scenario\" id=\"optimisation\">\n<h2>Optimisation study ").Append(E(study.Study)).Append("</h2>\n");
        h.Append("<p class=\"verdict ").Append(study.Best is null || study.Error is not null ? "fail" : "pass").Append("\">")
            .Append(E(study.Best is { } best
                ? $"Best: trial {string.Join(" and ", study.BestTrials)}, gain {Gain(study.Gain)}" +
                  (study.GainCi95Low is not null ? $" (95% interval {Gain(study.GainCi95Low)} .. {Gain(study.GainCi95High)})" : "") +
                  $": {Core.Optimisation.StudyDefinition.Describe(best)}"
                : "No feasible configuration beat the baseline")).Append("</p>\n");
        h.Append("<p class=\"note\">").Append(E($"{study.Trials.Count} trials of '{study.Scenario}', stopped: {study.StopReason}. Objectives: " +
            string.Join(", ", study.Objectives.Select(o => $"{o.Metric} {o.Goal} {o.Weight.ToString("0.###", C)}")) +
            (study.Constraints.Count > 0 ? $". Constraints: {string.Join(", ", study.Constraints)}" : "") +
            $". Applied at the end: {(study.Applied is { } a ? (study.AppliedBest ? "the best, " : "the baseline, ") + Core.Optimisation.StudyDefinition.Describe(a) : "nothing")}" +
            (study.Error is { } error ? $". Error: {error}" : "") + ".")).Append("</p>\n");
        foreach (var note in study.Notes) h.Append("<p class=\"note\">").Append(E(note)).Append("</p>\n");
        h.Append("<div class=\"charts\">\n").Append(ReportCharts.OptimisationConvergence(study, "opt-convergence")).Append('\n')
            .Append(ReportCharts.OptimisationImportance(study, "opt-importance")).Append('\n')
            .Append(ReportCharts.OptimisationTradeOff(study, "opt-tradeoff")).Append("\n</div>\n");
        var metrics = study.Trials.SelectMany(t => t.Metrics.Keys).Distinct().ToList();
        h.Append("<table>\n<thead><tr><th>trial</th><th>kind</th>");
        foreach (var p in study.Parameters) h.Append("<th>").Append(E(p.Name)).Append("</th>");
        foreach (var m in metrics) h.Append("<th>").Append(E(m)).Append("</th>");
        h.Append("<th>gain</th><th></th></tr></thead>\n<tbody>\n");
        foreach (var t in study.Trials)
        {
            var index = scenarios.ToList().FindIndex(s => s.Name.EndsWith($" · trial {t.Number}", StringComparison.Ordinal));
            var number = index >= 0 ? $"<a href=\"#s{index + 1}\">{t.Number}</a>" : t.Number.ToString(C);
            var isBest = study.BestTrials.Contains(t.Number);
            h.Append("<tr class=\"").Append(isBest ? "pass" : t.Feasible ? "" : "fail").Append("\"><td>").Append(number).Append("</td><td>").Append(E(t.Kind)).Append("</td>");
            foreach (var p in study.Parameters) h.Append("<td>").Append(E(t.Parameters.GetValueOrDefault(p.Name, ""))).Append("</td>");
            foreach (var m in metrics) h.Append("<td>").Append(E(MetricText(m, t.Metrics.GetValueOrDefault(m)))).Append("</td>");
            h.Append("<td>").Append(E(Gain(t.Gain))).Append("</td><td>")
                .Append(E(isBest ? "best" : t.Status != "completed" ? $"{t.Status}: {t.Reason}" : t.Feasible ? "" : "infeasible: " + string.Join(", ", t.Broken)))
                .Append("</td></tr>\n");
        }
        h.Append("</tbody>\n</table>\n</section>\n");
    }

    /// <summary>A trial's figure by its metric's name: latencies in ms, rates in percent, the rest as numbers.</summary>
    private static string MetricText(string metric, double? value)
    {
        if (value is not { } v) return "n/a";
        var name = metric.Split(' ')[0];
        if (name is "min" or "mean" or "max" || name.Length > 1 && name[0] == 'p' && char.IsAsciiDigit(name[1])) return Latency(v);
        return name == "error_rate" ? Percent(v) : v.ToString("#,0.###", C);
    }

    /// <summary>A pool sweep: the rule, the pick, the curve and each size's figures, linked to its scenario's section.</summary>
    private static void PoolSweep(StringBuilder h, PoolSweepDocument sweep, IReadOnlyList<LoadTest> scenarios)
    {
        h.Append("<section class=\"scenario\" id=\"pool-sweep\">\n<h2>Pool sweep of database ").Append(E(sweep.Database)).Append("</h2>\n");
        h.Append("<p class=\"verdict ").Append(sweep.OptimalPoolSize is null ? "fail" : "pass").Append("\">")
            .Append(E(sweep.OptimalPoolSize is { } o ? $"Optimal pool size: {o}" : "No pool size met the SLA")).Append("</p>\n");
        h.Append("<p class=\"note\">").Append(E($"Rule: {sweep.Rule} ({sweep.Search} search, {sweep.Sizes.Count} sizes run).")).Append("</p>\n");
        h.Append("<div class=\"charts\">\n").Append(ReportCharts.PoolCurve(sweep, "pool-curve")).Append("\n</div>\n");
        h.Append("<table>\n<thead><tr><th>pool size</th><th>throughput</th><th>p50</th><th>p95</th><th>p99</th><th>pool wait p99</th><th>errors</th><th>error rate</th><th></th></tr></thead>\n<tbody>\n");
        foreach (var p in sweep.Sizes)
        {
            var index = scenarios.ToList().FindIndex(s => s.Name == p.LoadTest);
            var size = index >= 0 ? $"<a href=\"#s{index + 1}\">{p.PoolSize}</a>" : p.PoolSize.ToString(C);
            h.Append("<tr class=\"").Append(p.PoolSize == sweep.OptimalPoolSize ? "pass" : p.MeetsSla ? "" : "fail").Append("\"><td>").Append(size)
                .Append("</td><td>").Append(E(Rate(p.Throughput))).Append("</td><td>").Append(E(Latency(p.P50))).Append("</td><td>").Append(E(Latency(p.P95)))
                .Append("</td><td>").Append(E(Latency(p.P99))).Append("</td><td>").Append(E(Latency(p.PoolWaitP99))).Append("</td><td>").Append(Count(p.Errors))
                .Append("</td><td>").Append(E(Percent(p.ErrorRate))).Append("</td><td>")
                .Append(p.PoolSize == sweep.OptimalPoolSize ? "optimal" : p.MeetsSla ? "" : "misses the SLA").Append("</td></tr>\n");
        }
        h.Append("</tbody>\n</table>\n</section>\n");
    }

    /// <summary>A cache comparison: the workload, the winner and each strategy's hit rates (PerfCluster's and Redis's own), evictions, memory and latency.</summary>
    private static void CacheStrategies(StringBuilder h, CacheStrategiesDocument cache, IReadOnlyList<LoadTest> scenarios)
    {
        h.Append("<section class=\"scenario\" id=\"cache-strategies\">\n<h2>Cache strategies</h2>\n");
        h.Append("<p class=\"verdict ").Append(cache.Winner is null ? "fail" : "pass").Append("\">")
            .Append(E(cache.Winner is { } w ? $"{w} wins for this key stream" : "No strategy ran")).Append("</p>\n");
        h.Append("<p class=\"note\">").Append(E($"Keys: {cache.Keys}; {cache.Users} users for {Seconds(cache.DurationSeconds ?? 0)} each; values of {cache.ValueSize} bytes, " +
            $"a cache of {cache.MaxMemory / 1048576.0:0.##} MiB, TTL {Seconds(cache.TtlSeconds ?? 0)}; backend on a miss: {cache.Backend}. Rule: {cache.Rule}.")).Append("</p>\n");
        h.Append("<table>\n<thead><tr><th>strategy</th><th>GETs</th><th>hit rate</th><th>Redis hit rate (INFO)</th><th>evictions</th><th>memory</th>")
            .Append("<th>GET p50</th><th>GET p99</th><th>lookup p95</th><th>errors</th></tr></thead>\n<tbody>\n");
        foreach (var p in cache.Strategies)
        {
            var index = scenarios.ToList().FindIndex(s => s.Name == p.LoadTest);
            var name = index >= 0 ? $"<a href=\"#s{index + 1}\">{E(p.Strategy)}</a>" : E(p.Strategy);
            h.Append("<tr class=\"").Append(p.Strategy == cache.Winner ? "pass" : "").Append("\"><td>").Append(name).Append("</td><td>").Append(Count(p.Gets))
                .Append("</td><td>").Append(E(Percent(p.HitRate))).Append("</td><td>").Append(E(Percent(p.ServerHitRate)))
                .Append("</td><td>").Append(p.Evictions is { } ev ? Count(ev) : "n/a").Append("</td><td>")
                .Append(E(p.MemoryBytes is { } m ? $"{m / 1048576.0:0.0} MiB" : "n/a")).Append("</td><td>").Append(E(Latency(p.GetP50)))
                .Append("</td><td>").Append(E(Latency(p.GetP99))).Append("</td><td>").Append(E(Latency(p.LookupP95))).Append("</td><td>").Append(Count(p.Errors))
                .Append("</td></tr>\n");
        }
        h.Append("</tbody>\n</table>\n</section>\n");
    }

    /// <summary>Query patterns: each pattern's throughput, latency and rows, linked to its scenario's section.</summary>
    private static void QueryPatterns(StringBuilder h, QueryPatternsDocument patterns, IReadOnlyList<LoadTest> scenarios)
    {
        h.Append("<section class=\"scenario\" id=\"query-patterns\">\n<h2>Query patterns on ").Append(E(patterns.Provider)).Append("</h2>\n");
        h.Append("<p class=\"note\">").Append(E($"{patterns.Rows:N0} rows in tables {patterns.Prefix}*, " +
            (patterns.Dropped ? "dropped after the run." : "not dropped: drop them by hand."))).Append("</p>\n");
        h.Append("<table>\n<thead><tr><th>pattern</th><th>what</th><th>throughput</th><th>p50</th><th>p95</th><th>p99</th><th>errors</th><th>rows read</th><th>rows changed</th></tr></thead>\n<tbody>\n");
        foreach (var p in patterns.Patterns)
        {
            var index = scenarios.ToList().FindIndex(s => s.Name == p.LoadTest);
            var name = index >= 0 ? $"<a href=\"#s{index + 1}\">{E(p.Pattern)}</a>" : E(p.Pattern);
            h.Append("<tr><td>").Append(name).Append("</td><td>").Append(E(p.Description)).Append("</td><td>").Append(E(Rate(p.Throughput)))
                .Append("</td><td>").Append(E(Latency(p.P50))).Append("</td><td>").Append(E(Latency(p.P95))).Append("</td><td>").Append(E(Latency(p.P99)))
                .Append("</td><td>").Append(Count(p.Errors)).Append("</td><td>").Append(Count(p.RowsRead)).Append("</td><td>").Append(Count(p.RowsAffected)).Append("</td></tr>\n");
        }
        h.Append("</tbody>\n</table>\n</section>\n");
    }

    private static void RunFooter(StringBuilder h, ReportDocument v)
    {
        if (v.Notes.Count > 0)
        {
            h.Append("<section>\n<h2>Notes</h2>\n");
            List(h, v.Notes, "notes");
            h.Append("</section>\n");
        }
        if (!string.IsNullOrEmpty(v.Source.Text))
        {
            h.Append("<section>\n<h2>Scenario as run</h2>\n");
            if (v.Source.File is not null) h.Append("<p class=\"muted\">").Append(E(v.Source.File)).Append("</p>\n");
            h.Append("<pre class=\"source\">").Append(E(v.Source.Text)).Append("</pre>\n</section>\n");
        }
        h.Append("<footer>").Append(E($"PerfCluster {v.Tool.Version}, run {v.BenchmarkRunId}")).Append("</footer>\n");
    }

    /// <summary>What the process exit code of the run meant (the codes CI gates on).</summary>
    public static string ExitCodeMeaning(int code) => code switch
    {
        0 => "every scenario passed its thresholds",
        1 => "failed: a threshold or the baseline comparison failed, no request completed, or the run could not be carried out",
        2 => "bad input or a set-up error",
        130 => "interrupted: the figures cover only the part that ran",
        _ => "unknown exit code",
    };

    // Formatting (invariant culture, same units as summary.txt) ----------------------------------

    private static string E(string? text) => WebUtility.HtmlEncode(text ?? "");

    private static void Fact(StringBuilder h, string name, string? value)
    {
        if (string.IsNullOrEmpty(value)) return;
        h.Append("<div><dt>").Append(E(name)).Append("</dt><dd>").Append(E(value)).Append("</dd></div>\n");
    }

    private static void Figure(StringBuilder h, string name, string value) =>
        h.Append("<div class=\"figure\"><div class=\"value\">").Append(E(value)).Append("</div><div class=\"label\">").Append(E(name))
            .Append("</div></div>\n");

    private static void List(StringBuilder h, IEnumerable<string> items, string css)
    {
        h.Append("<ul class=\"").Append(css).Append("\">\n");
        foreach (var item in items) h.Append("<li>").Append(E(item)).Append("</li>\n");
        h.Append("</ul>\n");
    }

    private static string Badge(bool passed, bool interrupted) =>
        interrupted ? "<span class=\"badge warn\">INTERRUPTED</span>"
        : passed ? "<span class=\"badge pass\">PASSED</span>"
        : "<span class=\"badge fail\">FAILED</span>";

    private static string Outcome(string outcome) =>
        $"<span class=\"outcome {E(outcome)}\">{E(outcome.ToUpperInvariant())}</span>";

    private static string Count(long value) => value.ToString("#,0", C);

    private static string Number(double? value, string format) =>
        value is { } v && double.IsFinite(v) ? v.ToString(format, C) : "n/a";

    private static string Latency(double? seconds) => seconds switch
    {
        null => "n/a",
        { } s when !double.IsFinite(s) => "n/a",
        >= 10 => seconds.Value.ToString("0.##", C) + " s",
        { } s => (s * 1000).ToString("0.#", C) + " ms",
    };

    private static string Percent(double? fraction) => fraction switch
    {
        null => "n/a",
        { } f when !double.IsFinite(f) => "n/a",
        > 0 and < 0.0001 => "<0.01%",
        { } f => (f * 100).ToString("0.##", C) + "%",
    };

    private static string Ops(double? perSecond) => Number(perSecond, "#,0.0") is var n && n != "n/a" ? n + " ops/s" : n;

    private static string Rate(double? perSecond) => Number(perSecond, "#,0.0") is var n && n != "n/a" ? n + " req/s" : n;

    /// <summary>"2026-11-26 18:22:19 UTC".</summary>
    private static string Timestamp(DateTimeOffset at) => at.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss 'UTC'", C);

    private static string Seconds(double seconds) => seconds.ToString("#,0.0", C) + " s";

    private static string Bytes(long bytes) => bytes <= 0 ? "n/a" : (bytes / (1024.0 * 1024.0)).ToString("#,0.0", C) + " MiB";

    private static string Change(double? percent) => percent switch
    {
        double.PositiveInfinity => "+∞%",
        { } p when double.IsFinite(p) => p.ToString("+0.#;-0.#;0", C) + "%",
        _ => "n/a",
    };

    /// <summary>A baseline-comparison value in its metric's unit, as summary.txt shows it.</summary>
    private static string MetricValue(string metric, double? value)
    {
        if (value is not { } v || !double.IsFinite(v)) return "n/a";
        if (metric.StartsWith("throughput", StringComparison.Ordinal)) return Rate(v);
        if (metric.StartsWith("latency_", StringComparison.Ordinal)) return v.ToString("#,0.0", C) + " ms";
        if (metric.StartsWith("error_rate", StringComparison.Ordinal)) return Percent(v);
        if (metric.StartsWith("generator_memory", StringComparison.Ordinal)) return (v / (1024.0 * 1024.0)).ToString("#,0.0", C) + " MiB";
        if (metric.StartsWith("generator_cpu", StringComparison.Ordinal)) return v.ToString("0.#", C) + "%";
        return v.ToString("#,0.###", C);
    }

    private const string Css = """

        :root { --fg: #1f2328; --muted: #656d76; --line: #d0d7de; --bg: #f6f8fa; --pass: #1a7f37; --fail: #cf222e; --warn: #9a6700; }
        * { box-sizing: border-box; }
        body { margin: 0; font: 15px/1.5 -apple-system, "Segoe UI", "DejaVu Sans", Helvetica, Arial, sans-serif; color: var(--fg); background: #fff; }
        main { max-width: 1100px; margin: 0 auto; padding: 24px; }
        h1 { font-size: 26px; margin: 0 0 8px; }
        h2 { font-size: 21px; margin: 32px 0 8px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
        h3 { font-size: 16px; margin: 24px 0 8px; }
        code, pre { font: 13px/1.45 "DejaVu Sans Mono", Consolas, monospace; }
        pre.source { background: var(--bg); border: 1px solid var(--line); border-radius: 6px; padding: 12px; overflow-x: auto; white-space: pre; }
        table { border-collapse: collapse; width: 100%; margin: 8px 0 16px; font-size: 14px; }
        th, td { text-align: left; padding: 5px 10px; border-bottom: 1px solid var(--line); vertical-align: top; }
        thead th { background: var(--bg); font-weight: 600; }
        td { font-variant-numeric: tabular-nums; }
        .facts { display: flex; flex-wrap: wrap; gap: 4px 28px; margin: 8px 0; }
        .facts div { display: flex; gap: 6px; }
        dt { color: var(--muted); }
        dt::after { content: ":"; }
        dd { margin: 0; }
        .figures { display: grid; grid-template-columns: repeat(auto-fill, minmax(120px, 1fr)); gap: 10px; margin: 8px 0 12px; }
        .figure { background: var(--bg); border: 1px solid var(--line); border-radius: 6px; padding: 10px; }
        .figure .value { font-size: 20px; font-weight: 600; font-variant-numeric: tabular-nums; }
        .figure .label { color: var(--muted); font-size: 13px; }
        .badge { display: inline-block; padding: 1px 8px; border-radius: 12px; font-size: 13px; font-weight: 700; color: #fff; background: var(--muted); vertical-align: middle; }
        .badge.pass, .verdict.pass .badge { background: var(--pass); }
        .badge.fail, .verdict.fail .badge { background: var(--fail); }
        .badge.warn { background: var(--warn); }
        .verdict { font-size: 16px; }
        .outcome { font-weight: 700; font-size: 12px; }
        .outcome.pass { color: var(--pass); }
        .outcome.fail { color: var(--fail); }
        .outcome.warning { color: var(--warn); }
        tr.fail td { background: #ffebe9; }
        tr.warning td { background: #fff8c5; }
        .muted, .chart-note, footer { color: var(--muted); }
        .note { background: var(--bg); border-left: 3px solid var(--line); padding: 6px 10px; }
        .charts { display: grid; grid-template-columns: 1fr; gap: 12px; }
        figure.chart { margin: 0; border: 1px solid var(--line); border-radius: 6px; padding: 4px; overflow-x: auto; }
        figure.chart svg { display: block; max-width: 100%; height: auto; }
        figure.chart svg text { font-family: "DejaVu Sans", Helvetica, Arial, sans-serif; }
        ul.alerts li .sev { font-weight: 700; text-transform: uppercase; font-size: 12px; }
        ul.alerts li.critical .sev { color: var(--fail); }
        ul.alerts li.warning .sev { color: var(--warn); }
        footer { margin-top: 40px; font-size: 13px; }

        """;

    /// <summary>
    /// A load test with what the page shows of its scenario: the name (the entry's key when the block has none), and
    /// the description, target, planned users and duration read back from the scenario block by the scenario loader.
    /// </summary>
    private sealed record LoadTest(string Key, LoadTestDocument Test)
    {
        public ScenarioDefinition? Definition { get; } = Read(Test.Scenario);

        public string Name => Definition?.Name ?? Text("name") ?? Key;
        public string? Description => Definition is { } d ? d.Description : Text("description");
        public string? Target => Definition?.Target.OriginalString ?? Text("target");

        private string? Text(string key) =>
            Test.Scenario.ValueKind == JsonValueKind.Object && Test.Scenario.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.String
                ? v.GetString()
                : null;

        /// <summary>The scenario as run; null for a block the loader does not read (a report of an older version).</summary>
        private static ScenarioDefinition? Read(JsonElement block)
        {
            if (block.ValueKind != JsonValueKind.Object) return null;
            try
            {
                return ScenarioJson.Read(block.GetRawText());
            }
            catch (ScenarioException)
            {
                return null;
            }
        }
    }
}
