using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using PerfCluster.Core.Reports;
using ScottPlot;

namespace PerfCluster.Reports;

/// <summary>
/// The charts of report.html, drawn with ScottPlot and rendered to SVG markup that is inlined in the page, so the file
/// needs neither scripts nor network. A chart that cannot be drawn (no data, a missing native library or font) becomes
/// a short note instead: the report is still written.
/// </summary>
public static partial class ReportCharts
{
    public const int Width = 760;
    public const int Height = 300;

    private static readonly CultureInfo C = CultureInfo.InvariantCulture;

    /// <summary>p50, p95 and p99 of each second that completed requests, in milliseconds.</summary>
    public static string LatencyOverTime(IReadOnlyList<WindowDocument> timeline, string id) => Render(id, "latency over time", () =>
    {
        var windows = timeline.Where(w => w.Requests > 0 && w.Latency.P50 is not null).ToList();
        if (windows.Count == 0) return null;
        var plot = TimePlot("Latency percentiles per second", "second of the run", "latency (ms)");
        Line(plot, windows, w => w.Latency.P50, "p50");
        Line(plot, windows, w => w.Latency.P95, "p95");
        Line(plot, windows, w => w.Latency.P99, "p99");
        plot.Axes.SetLimitsY(0, Math.Max(1, windows.Max(w => (w.Latency.P99 ?? 0) * 1000) * 1.1));
        plot.ShowLegend(Alignment.UpperLeft);
        return plot;
    });

    /// <summary>Requests completed and errors per second.</summary>
    public static string ThroughputOverTime(IReadOnlyList<WindowDocument> timeline, string id) => Render(id, "throughput over time", () =>
    {
        if (timeline.Count == 0) return null;
        var plot = TimePlot("Throughput and errors per second", "second of the run", "per second");
        var xs = timeline.Select(w => (double)w.Second).ToArray();
        var ok = plot.Add.ScatterLine(xs, timeline.Select(w => w.Throughput ?? w.Requests).ToArray());
        ok.LegendText = "requests/s";
        ok.LineWidth = 2;
        var errors = plot.Add.ScatterLine(xs, timeline.Select(w => (double)w.Errors).ToArray());
        errors.LegendText = "errors/s";
        errors.LineWidth = 2;
        errors.Color = Colors.Red;
        plot.Axes.SetLimitsY(0, Math.Max(1, timeline.Max(w => w.Throughput ?? w.Requests) * 1.1));
        plot.ShowLegend(Alignment.UpperLeft);
        return plot;
    });

    /// <summary>An optimisation study's convergence: each trial's gain over the baseline and the best feasible gain so far, in percent.</summary>
    public static string OptimisationConvergence(OptimisationDocument study, string id) => Render(id, "convergence", () =>
    {
        if (study.Trials.Count == 0) return null;
        var plot = NewPlot("Gain over the baseline per trial", "trial", "gain (%)");
        var scored = study.Trials.Where(t => t.Gain is not null).ToList();
        var each = plot.Add.ScatterPoints(scored.Select(t => (double)t.Number).ToArray(), scored.Select(t => t.Gain!.Value * 100).ToArray());
        each.LegendText = "trial";
        var best = study.Trials.Zip(study.BestGainByTrial, (t, g) => (First: t, Second: g)).Where(p => p.Second is not null).ToList();
        if (best.Count > 0)
        {
            var line = plot.Add.ScatterLine(best.Select(p => (double)p.First.Number).ToArray(), best.Select(p => p.Second!.Value * 100).ToArray());
            line.LegendText = "best feasible so far";
            line.LineWidth = 2;
            line.Color = Colors.Green;
            line.ConnectStyle = ConnectStyle.StepHorizontal;
        }
        plot.ShowLegend(Alignment.LowerRight);
        return plot;
    });

    /// <summary>Parameter importance: each parameter's share of the inverse length scales of the process fitted to every feasible trial.</summary>
    public static string OptimisationImportance(OptimisationDocument study, string id) => Render(id, "parameter importance", () =>
    {
        if (study.Importance.Count == 0) return null;
        var plot = NewPlot("Parameter importance (1 / fitted length scale)", "", "share (%)");
        var bars = study.Importance.Select((i, n) => new Bar { Position = n, Value = i.Share * 100, FillColor = Colors.SteelBlue }).ToArray();
        plot.Add.Bars(bars);
        plot.Axes.Bottom.SetTicks(Enumerable.Range(0, study.Importance.Count).Select(i => (double)i).ToArray(), study.Importance.Select(i => i.Parameter).ToArray());
        plot.Axes.SetLimitsY(0, Math.Max(10, study.Importance.Max(i => i.Share * 100) * 1.15));
        return plot;
    });

    /// <summary>The throughput-vs-p95 trade-off of the feasible trials, the best one marked.</summary>
    public static string OptimisationTradeOff(OptimisationDocument study, string id) => Render(id, "throughput vs p95", () =>
    {
        var feasible = study.Trials.Where(t => t.Feasible && t.Metrics.GetValueOrDefault("throughput") is not null && t.Metrics.GetValueOrDefault("p95") is not null).ToList();
        if (feasible.Count == 0) return null;
        var plot = NewPlot("Feasible trials: throughput against p95", "p95 (ms)", "requests/s");
        var points = plot.Add.ScatterPoints(feasible.Select(t => t.Metrics["p95"]!.Value * 1000).ToArray(), feasible.Select(t => t.Metrics["throughput"]!.Value).ToArray());
        points.LegendText = "feasible trial";
        var best = feasible.Where(t => study.BestTrials.Contains(t.Number)).ToList();
        if (best.Count > 0)
        {
            var marked = plot.Add.ScatterPoints(best.Select(t => t.Metrics["p95"]!.Value * 1000).ToArray(), best.Select(t => t.Metrics["throughput"]!.Value).ToArray());
            marked.LegendText = "best";
            marked.Color = Colors.Green;
            marked.MarkerSize = 10;
        }
        plot.ShowLegend(Alignment.UpperRight);
        return plot;
    });

    /// <summary>A pool sweep's curve: throughput (left axis) and p99 (right axis) per pool size, the optimal size marked.</summary>
    public static string PoolCurve(PoolSweepDocument sweep, string id) => Render(id, "pool-size curve", () =>
    {
        var points = sweep.Sizes.Where(p => p.Throughput is not null).OrderBy(p => p.PoolSize).ToList();
        if (points.Count == 0) return null;
        var plot = NewPlot("Throughput and p99 per pool size", "pool size", "requests/s");
        var xs = points.Select(p => (double)p.PoolSize).ToArray();
        var throughput = plot.Add.Scatter(xs, points.Select(p => p.Throughput ?? 0).ToArray());
        throughput.LegendText = "requests/s";
        throughput.LineWidth = 2;
        var p99 = plot.Add.Scatter(xs, points.Select(p => (p.P99 ?? 0) * 1000).ToArray());
        p99.LegendText = "p99 (ms, right axis)";
        p99.LineWidth = 2;
        p99.Color = Colors.OrangeRed;
        p99.Axes.YAxis = plot.Axes.Right;
        plot.Axes.Right.Label.Text = "p99 (ms)";
        if (sweep.OptimalPoolSize is { } optimal)
        {
            var line = plot.Add.VerticalLine(optimal);
            line.LegendText = $"optimal: {optimal}";
            line.Color = Colors.Green;
            line.LinePattern = LinePattern.Dashed;
        }
        plot.Axes.SetLimitsY(0, Math.Max(1, points.Max(p => p.Throughput ?? 0) * 1.15));
        plot.ShowLegend(Alignment.LowerRight);
        return plot;
    });

    /// <summary>Virtual users active in each second.</summary>
    public static string UsersOverTime(IReadOnlyList<WindowDocument> timeline, string id) => Render(id, "active users over time", () =>
    {
        if (timeline.Count == 0) return null;
        var plot = TimePlot("Active users", "second of the run", "users");
        var line = plot.Add.ScatterLine(
            timeline.Select(w => (double)w.Second).ToArray(), timeline.Select(w => (double)w.ActiveUsers).ToArray());
        line.LineWidth = 2;
        plot.Axes.SetLimitsY(0, Math.Max(1, timeline.Max(w => w.ActiveUsers) * 1.1));
        return plot;
    });

    /// <summary>
    /// The latency distribution as a percentile spectrum, the way HdrHistogram plots it: the x axis is
    /// 1/(1-percentile) on a log scale, so 90%, 99%, 99.9% and 99.99% are evenly spaced and the tail gets the room.
    /// report.json holds the summary percentiles only, so those are the points; the maximum is a dashed line.
    /// </summary>
    public static string PercentileSpectrum(FiguresDocument overall, string id) => Render(id, "latency distribution", () =>
    {
        var l = overall.Latency;
        var points = new (double Percentile, double? Seconds)[]
        {
            (0, l.Min), (50, l.P50), (90, l.P90), (95, l.P95), (99, l.P99), (99.9, l.P999),
        }.Where(p => p.Seconds is { } v && double.IsFinite(v)).ToList();
        if (points.Count < 2 || overall.Requests <= 0) return null;

        var plot = NewPlot("Latency by percentile", "percentile", "latency (ms)");
        var xs = points.Select(p => SpectrumX(p.Percentile)).ToArray();
        var ys = points.Select(p => p.Seconds!.Value * 1000).ToArray();
        var line = plot.Add.Scatter(xs, ys);
        line.LegendText = "latency";
        line.LineWidth = 2;
        line.MarkerSize = 7;
        var top = ys.Max();
        if (l.Max is { } max && double.IsFinite(max))
        {
            var maxLine = plot.Add.HorizontalLine(max * 1000);
            maxLine.LinePattern = LinePattern.Dashed;
            maxLine.Color = Colors.Gray;
            maxLine.LineWidth = 1;
            maxLine.LegendText = $"max {Ms(max)}";
            top = Math.Max(top, max * 1000);
        }
        var ticks = new ScottPlot.TickGenerators.NumericManual();
        foreach (var (percentile, label) in new[] { (0.0, "0%"), (90.0, "90%"), (99.0, "99%"), (99.9, "99.9%"), (99.99, "99.99%") })
            ticks.AddMajor(SpectrumX(percentile), label);
        foreach (var percentile in new[] { 50.0, 75.0, 95.0, 99.5, 99.95 }) ticks.AddMinor(SpectrumX(percentile));
        plot.Axes.Bottom.TickGenerator = ticks;
        plot.Axes.SetLimitsX(-0.1, SpectrumX(99.99) + 0.25);
        plot.Axes.SetLimitsY(0, Math.Max(0.001, top * 1.1));
        plot.ShowLegend(Alignment.UpperLeft);
        return plot;
    });

    /// <summary>Journeys: p50, p95 and p99 of every request step, side by side, so the slow step stands out.</summary>
    public static string StepLatencies(IReadOnlyDictionary<string, FiguresDocument> steps, string id) => Render(id, "latency per step", () =>
    {
        var measured = steps.Where(s => s.Value.Requests > 0).ToList();
        if (measured.Count == 0) return null;
        var plot = NewPlot("Latency per step", "step", "latency (ms)");
        var series = new (string Label, Func<LatencyDocument, double?> Value)[] { ("p50", l => l.P50), ("p95", l => l.P95), ("p99", l => l.P99) };
        for (var k = 0; k < series.Length; k++)
        {
            var bars = measured.Select((step, i) => new ScottPlot.Bar
            {
                Position = i * (series.Length + 1) + k,
                Value = (series[k].Value(step.Value.Latency) ?? 0) * 1000,
            }).ToList();
            var plotted = plot.Add.Bars(bars);
            plotted.LegendText = series[k].Label;
            plotted.Color = plot.Add.Palette.GetColor(k);
        }
        var ticks = new ScottPlot.TickGenerators.NumericManual();
        for (var i = 0; i < measured.Count; i++) ticks.AddMajor(i * (series.Length + 1) + 1, measured[i].Key);
        plot.Axes.Bottom.TickGenerator = ticks;
        plot.Axes.Margins(bottom: 0);
        plot.ShowLegend(Alignment.UpperLeft);
        return plot;
    });

    /// <summary>Each generating node's CPU (percent of one core) per second; nothing when the timeline has no nodes.</summary>
    public static string? NodeCpuOverTime(IReadOnlyList<WindowDocument> timeline, string id)
    {
        var nodes = timeline.SelectMany(w => w.Nodes).Select(n => n.Node).Distinct().ToList();
        if (nodes.Count == 0) return null;
        return Render(id, "CPU per node", () =>
        {
            var plot = TimePlot("Generator CPU per node", "second of the run", "CPU (% of one core)");
            var top = 1.0;
            foreach (var node in nodes)
            {
                var points = timeline
                    .SelectMany(w => w.Nodes.Where(n => n.Node == node && n.CpuPercentOfOneCore is not null).Select(n => (w.Second, Cpu: n.CpuPercentOfOneCore!.Value)))
                    .ToList();
                if (points.Count == 0) continue;
                var line = plot.Add.ScatterLine(points.Select(p => (double)p.Second).ToArray(), points.Select(p => p.Cpu).ToArray());
                line.LegendText = node;
                line.LineWidth = 2;
                top = Math.Max(top, points.Max(p => p.Cpu));
            }
            plot.Axes.SetLimitsY(0, top * 1.1);
            plot.ShowLegend(Alignment.UpperLeft);
            return plot;
        });
    }

    /// <summary>log10(1 / (1 - p)): 0% → 0, 90% → 1, 99% → 2, 99.9% → 3.</summary>
    public static double SpectrumX(double percentile) => Math.Log10(1 / (1 - percentile / 100));

    /// <summary>A plot over the seconds of the run: whole seconds on the x axis.</summary>
    private static Plot TimePlot(string title, string x, string y)
    {
        var plot = NewPlot(title, x, y);
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };
        return plot;
    }

    private static Plot NewPlot(string title, string x, string y)
    {
        var plot = new Plot();
        plot.Title(title, 15);
        plot.XLabel(x, 12);
        plot.YLabel(y, 12);
        plot.FigureBackground.Color = Colors.White;
        plot.Grid.MajorLineColor = Colors.Black.WithAlpha(0.08);
        return plot;
    }

    private static void Line(Plot plot, IReadOnlyList<WindowDocument> windows, Func<WindowDocument, double?> seconds, string label)
    {
        var points = windows.Where(w => seconds(w) is not null).ToList();
        var line = plot.Add.ScatterLine(points.Select(w => (double)w.Second).ToArray(), points.Select(w => seconds(w)!.Value * 1000).ToArray());
        line.LegendText = label;
        line.LineWidth = 2;
    }

    private static string Ms(double seconds) => (seconds * 1000).ToString("#,0.#", C) + " ms";

    /// <summary>
    /// The plot as inline SVG, its element ids made unique with <paramref name="id"/> (several SVGs share one page, and
    /// a clip path found by id must be this chart's own), or a note saying why there is no chart.
    /// </summary>
    private static string Render(string id, string what, Func<Plot?> draw)
    {
        try
        {
            using var plot = draw();
            if (plot is null) return Note($"No data for the {what} chart.");
            var svg = plot.GetSvgXml(Width, Height);
            return Inline(svg, id, what);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Native library, font or drawing failure: the run's report must still be written.
            return Note($"The {what} chart could not be drawn ({e.GetType().Name}: {e.Message}).");
        }
    }

    private static string Note(string text) => $"<p class=\"chart-note\">{WebUtility.HtmlEncode(text)}</p>";

    /// <summary>Drops the XML declaration, prefixes ids and their references, and gives the chart an accessible name.</summary>
    internal static string Inline(string svg, string id, string what)
    {
        var start = svg.IndexOf("<svg", StringComparison.Ordinal);
        if (start < 0) throw new InvalidDataException("the renderer returned no <svg> element");
        svg = svg[start..];
        svg = IdAttribute().Replace(svg, m => $"id=\"{id}-{m.Groups[1].Value}\"");
        svg = UrlReference().Replace(svg, m => $"url(#{id}-{m.Groups[1].Value})");
        svg = HrefReference().Replace(svg, m => $"{m.Groups[1].Value}=\"#{id}-{m.Groups[2].Value}\"");
        var label = WebUtility.HtmlEncode(what);
        return $"<figure class=\"chart\" aria-label=\"{label}\">{svg.Trim()}</figure>";
    }

    [GeneratedRegex("id=\"([^\"]+)\"")]
    private static partial Regex IdAttribute();

    [GeneratedRegex(@"url\(#([^)]+)\)")]
    private static partial Regex UrlReference();

    [GeneratedRegex("((?:xlink:)?href)=\"#([^\"]+)\"")]
    private static partial Regex HrefReference();
}
