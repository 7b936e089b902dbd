using PerfCluster.Core.Metrics;
using PerfCluster.Core.Reports;
using PerfCluster.Reports;
using static PerfCluster.Engine.Protocol.RunProtocol;

namespace PerfCluster.Dashboard;

/// <summary>
/// What the dashboard charts: the closed windows of each API run's current scenario (at most an hour of them),
/// fed from the run's events the way <see cref="Api.CoordinatorMetrics"/> is. A new scenario of the run starts
/// a new series.
/// </summary>
public sealed class DashboardRuns
{
    public const int MaxWindows = 3_600;

    private readonly object _gate = new();
    private readonly Dictionary<string, (string Scenario, List<WindowStatistics> Windows)> _runs = new();

    public void Observe(string runId, object message)
    {
        lock (_gate)
        {
            switch (message)
            {
                case RunStarted started:
                    _runs[runId] = (started.Scenario, new List<WindowStatistics>());
                    break;
                case RunProgress { Window: { } w } p:
                    if (!_runs.TryGetValue(runId, out var series) || series.Scenario != p.Scenario)
                        _runs[runId] = series = (p.Scenario, new List<WindowStatistics>());
                    if (series.Windows.Count > 0 && w.Second <= series.Windows[^1].Second) return;
                    series.Windows.Add(w);
                    if (series.Windows.Count > MaxWindows) series.Windows.RemoveAt(0);
                    break;
                case RunCompleted done:
                    // The final statistics hold every window, also those closed after the last progress.
                    if (_runs.TryGetValue(runId, out var last) && last.Scenario == done.Statistics.Scenario)
                        _runs[runId] = (last.Scenario, done.Statistics.Timeline.TakeLast(MaxWindows).ToList());
                    break;
            }
        }
    }

    /// <summary>The charts of a run's current scenario as HTML figures (inline SVG), or null when it has no windows yet.</summary>
    public string? Charts(string runId)
    {
        List<WindowDocument> timeline;
        lock (_gate)
        {
            if (!_runs.TryGetValue(runId, out var series) || series.Windows.Count == 0) return null;
            // The same windows report.json has, so the live charts and the page after the run are drawn alike.
            timeline = [.. series.Windows.Select(ReportDocuments.Window)];
        }
        var id = "live-" + Math.Abs(runId.GetHashCode()).ToString(System.Globalization.CultureInfo.InvariantCulture);
        return string.Concat(
            ReportCharts.ThroughputOverTime(timeline, id + "-t"),
            ReportCharts.LatencyOverTime(timeline, id + "-l"),
            ReportCharts.UsersOverTime(timeline, id + "-u"),
            ReportCharts.NodeCpuOverTime(timeline, id + "-c") ?? "");
    }
}
