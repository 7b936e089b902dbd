using System.Text;
using PerfCluster.Core.Metrics;

namespace PerfCluster.Core.Reports;

/// <summary>
/// <c>summary.txt</c>: the executive summary. A verdict line, when and how long, then a few aligned lines per
/// scenario (users, requests, throughput, error rate, p50/p95/p99), its thresholds with ✓/✗, and the alerts and
/// recommendations of <see cref="ReportAnalysis"/>.
/// </summary>
public static class SummaryReportWriter
{
    public const string FileName = "summary.txt";

    private const int Width = 100;

    public static string Render(RunReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var analysis = ReportAnalysis.Analyze(report);
        var text = new StringBuilder();
        void Line(string line = "") => text.Append(line.TrimEnd()).Append('\n');

        Line($"PerfCluster run {report.RunId}: {Verdict(report)} (exit code {report.ExitCode})");
        Line(Field("When", $"{ReportFormat.Timestamp(report.StartedAt)} → {ReportFormat.Timestamp(report.FinishedAt)} " +
                          $"({ReportFormat.Duration(report.Duration)})"));
        Line(Field("Host", $"{report.Host}, {RunReport.ToolName} {report.ToolVersion}"));
        if (report.SourceFile is not null) Line(Field("Source", report.SourceFile));

        foreach (var scenario in report.Scenarios)
        {
            Line();
            foreach (var line in ScenarioLines(scenario)) Line(line);
        }

        Section(text, "Alerts", analysis.Alerts.Select(a =>
            $"[{a.Severity.ToJsonName()}] {(report.Scenarios.Count > 1 ? a.Scenario + ": " : "")}{a.Message}"));
        Section(text, "Recommendations", analysis.Recommendations);
        Section(text, "Notes", report.Notes);
        return text.ToString();
    }

    public static void Write(RunReport report, string directory) =>
        ReportWriter.WriteFile(directory, FileName, Render(report));

    /// <summary>PASSED, FAILED or INTERRUPTED (interrupted wins), as the exit code says.</summary>
    public static string Verdict(RunReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        if (report.Interrupted) return "INTERRUPTED";
        if (report.Passed) return "PASSED";
        return report.Status == RunStatus.Error ? "FAILED (run error)" : "FAILED";
    }

    private static IEnumerable<string> ScenarioLines(ScenarioReport scenario)
    {
        var d = scenario.Definition;
        var s = scenario.Statistics;
        var o = s.Overall;
        var state = scenario.Interrupted ? "interrupted" : scenario.Passed ? "passed" : "failed";
        yield return $"Scenario {d.Name} — {state}";
        if (!string.IsNullOrWhiteSpace(d.Description)) yield return "  " + d.Description.Trim();
        yield return Field("  Target", d.Target.ToString());
        yield return Field("  Users", $"{d.Load.Users} (peak {s.PeakUsers}), ramp-up {ReportFormat.Duration(d.Load.RampUp)}, " +
                                      $"planned {ReportFormat.Duration(d.Load.Duration)}, measured {ReportFormat.Duration(s.MeasuredDuration)}");
        yield return Field("  Requests", $"{ReportFormat.Count(o.Requests)}, {ReportFormat.Count(o.Errors)} errors " +
                                         $"(error rate {ReportFormat.Percent(o.ErrorRate)})");
        var kinds = o.ErrorsByKind
            .Where(k => k.Value > 0)
            .OrderBy(k => Array.FindIndex(ErrorKinds.All, kind => kind.Key() == k.Key) is var i and >= 0 ? i : int.MaxValue)
            .Select(k => $"{k.Key} {ReportFormat.Count(k.Value)}")
            .ToList();
        if (kinds.Count > 0) yield return Field("  Errors", string.Join(", ", kinds));
        yield return Field("  Throughput", ReportFormat.Rate(o.Throughput));
        yield return Field("  Latency", o.Requests > 0
            ? $"p50 {ReportFormat.Latency(o.Latency.P50)}, p95 {ReportFormat.Latency(o.Latency.P95)}, " +
              $"p99 {ReportFormat.Latency(o.Latency.P99)}, max {ReportFormat.Latency(o.Latency.Max)}"
            : "n/a (no requests)");
        var g = s.Generator;
        yield return Field("  Generator", $"CPU {ReportFormat.Number(g.CpuPercentOfMachine, "0")}% of {ReportFormat.Cores(g.ProcessorCount)}, " +
                                          $"peak memory {ReportFormat.Number(g.PeakWorkingSetBytes / (1024.0 * 1024.0), "0.0")} MiB");
        if (s.Workers.Count > 1)
            yield return Field("  Workers", $"{s.Workers.Count}: " + string.Join(", ",
                s.Workers.Select(w => $"{w.Node} {ReportFormat.Count(w.Requests)} requests")));

        if (s.Endpoints.Count > 1)
        {
            yield return "";
            var rows = new List<string[]> { new[] { "Endpoint", "Requests", "Error rate", "Req/s", "p50", "p95", "p99" } };
            rows.AddRange(s.Endpoints.Select(e => new[]
            {
                e.Name, ReportFormat.Count(e.Requests), ReportFormat.Percent(e.ErrorRate), ReportFormat.Number(e.Throughput, "#,0.0"),
                e.Requests > 0 ? ReportFormat.Latency(e.Latency.P50) : "n/a",
                e.Requests > 0 ? ReportFormat.Latency(e.Latency.P95) : "n/a",
                e.Requests > 0 ? ReportFormat.Latency(e.Latency.P99) : "n/a",
            }));
            foreach (var row in Table(rows, rightAligned: [false, true, true, true, true, true, true])) yield return "  " + row;
        }

        yield return "";
        if (scenario.Thresholds.Count == 0)
        {
            yield return "  Thresholds: none defined";
            yield break;
        }
        var passed = scenario.Thresholds.Count(t => t.Passed);
        yield return $"  Thresholds: {passed} of {scenario.Thresholds.Count} passed";
        var thresholdRows = scenario.Thresholds.Select(t => new[]
        {
            t.Passed ? "✓" : "✗", t.Scope, t.Expression, "actual " + t.FormatActual() + (t.Note is null ? "" : $" ({t.Note})"),
        }).ToList();
        foreach (var row in Table(thresholdRows, rightAligned: [false, false, false, false])) yield return "    " + row;
    }

    private static string Field(string label, string value) => $"{label + ":",-14}{value}";

    private static IEnumerable<string> Table(IReadOnlyList<string[]> rows, bool[] rightAligned)
    {
        var widths = Enumerable.Range(0, rightAligned.Length).Select(c => rows.Max(r => r[c].Length)).ToArray();
        foreach (var row in rows)
        {
            yield return string.Join("  ", row.Select((cell, c) => rightAligned[c] ? cell.PadLeft(widths[c]) : cell.PadRight(widths[c])));
        }
    }

    private static void Section(StringBuilder text, string title, IEnumerable<string> items)
    {
        var list = items.ToList();
        if (list.Count == 0) return;
        text.Append('\n').Append(title).Append('\n');
        foreach (var item in list)
        {
            var first = true;
            foreach (var line in Wrap(item, Width - 4))
            {
                text.Append(first ? "  - " : "    ").Append(line).Append('\n');
                first = false;
            }
        }
    }

    private static IEnumerable<string> Wrap(string text, int width)
    {
        var line = new StringBuilder();
        foreach (var word in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.Length > 0 && line.Length + 1 + word.Length > width)
            {
                yield return line.ToString();
                line.Clear();
            }
            if (line.Length > 0) line.Append(' ');
            line.Append(word);
        }
        if (line.Length > 0) yield return line.ToString();
    }
}
