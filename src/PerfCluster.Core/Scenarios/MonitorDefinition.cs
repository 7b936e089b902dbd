using System.Globalization;
using System.Text.RegularExpressions;
using PerfCluster.Core.Scenarios;
using PerfCluster.Core.Hocon;
using PerfCluster.Core.Input;
using PerfCluster.Core.Monitoring;

namespace PerfCluster.Core.Scenarios;

/// <summary>
/// The scenario's <c>monitor</c> section: which process of the system under test to watch (by <see cref="Pid"/>
/// or <see cref="ProcessName"/>, on the coordinator's machine), which Prometheus exporter to scrape and which of its
/// <see cref="Series"/> to keep, and how memory growth is judged a leak.
/// </summary>
public sealed record MonitorDefinition
{
    /// <summary>The guide's <c>memory_growth_threshold_mb</c> default ("&gt;50MB growth in analysis window").</summary>
    public const double DefaultMemoryGrowthThresholdMb = 50;

    public static readonly TimeSpan DefaultLeakWindow = TimeSpan.FromMinutes(5);

    /// <summary>The shortest leak window: a trend needs time to show.</summary>
    public static readonly TimeSpan MinLeakWindow = TimeSpan.FromSeconds(30);

    public int? Pid { get; init; }
    public string? ProcessName { get; init; }
    public Uri? Prometheus { get; init; }
    public IReadOnlyList<string> Series { get; init; } = [];
    public double MemoryGrowthThresholdMb { get; init; } = DefaultMemoryGrowthThresholdMb;
    public TimeSpan LeakWindow { get; init; } = DefaultLeakWindow;
    public SourcePosition? Position { get; init; }

    public bool Equals(MonitorDefinition? other) =>
        other is not null && Pid == other.Pid && ProcessName == other.ProcessName && Prometheus == other.Prometheus &&
        Series.SequenceEqual(other.Series) && MemoryGrowthThresholdMb.Equals(other.MemoryGrowthThresholdMb) &&
        LeakWindow == other.LeakWindow && Position == other.Position;

    public override int GetHashCode() => HashCode.Combine(Pid, ProcessName, Prometheus, Series.Count, MemoryGrowthThresholdMb, LeakWindow);

}

/// <summary>Reads <c>monitor { pid | process-name, prometheus, series, memory-growth-threshold-mb, leak-window }</c>.</summary>
internal static partial class MonitorReader
{
    [GeneratedRegex("^[a-zA-Z_:][a-zA-Z0-9_:]*$", RegexOptions.CultureInvariant)]
    private static partial Regex SeriesName();

    public static MonitorDefinition? Read(Scope scenario)
    {
        if (scenario.Get("monitor") is not { } field) return null;
        if (field.Value is not HoconObject obj)
            throw new ScenarioException($"expected an object for '{field.Key}' but found {field.Value.Describe()}", field.Value.Position);
        var section = ScenarioKeys.Read(obj, ScenarioKeys.Monitor);
        var monitor = new MonitorDefinition { Position = obj.Position };

        if (section.Field("pid") is { } p)
        {
            var pid = p.Value.AsInt(p.Key);
            if (pid < 1) throw new ScenarioException($"'{p.Key}' must be a process id of 1 or more but is {pid}", p.Value.Position);
            monitor = monitor with { Pid = pid };
        }
        if (section.Field("process-name") is { } n)
        {
            if (monitor.Pid is not null)
                throw new ScenarioException($"set either 'pid' or '{n.Key}' in '{field.Key}', not both", n.KeyPosition);
            var name = n.Value.AsString(n.Key).Trim();
            if (name.Length == 0) throw new ScenarioException($"'{n.Key}' must not be empty", n.Value.Position);
            monitor = monitor with { ProcessName = name };
        }
        if (section.Field("prometheus") is { } u)
        {
            var text = u.Value.AsString(u.Key).Trim();
            if (!Uri.TryCreate(text, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
                throw new ScenarioException(
                    $"'{u.Key}' must be an absolute http(s) URL such as \"http://127.0.0.1:9100/metrics\" but is '{text}'", u.Value.Position);
            monitor = monitor with { Prometheus = url };
        }
        if (section.Field("series") is { } s)
        {
            if (monitor.Prometheus is null)
                throw new ScenarioException($"'{s.Key}' names Prometheus series, so '{field.Key}' needs 'prometheus' too", s.KeyPosition);
            var items = s.Value switch
            {
                HoconArray array => array.Items,
                HoconScalar { IsNull: false } single => [single],
                _ => throw new ScenarioException($"expected an array of series names for '{s.Key}' but found {s.Value.Describe()}", s.Value.Position),
            };
            var series = new List<string>();
            foreach (var item in items)
            {
                var name = item.AsString(s.Key).Trim();
                if (!SeriesName().IsMatch(name))
                    throw new ScenarioException(
                        $"'{name}' in '{s.Key}' is not a Prometheus metric name (letters, digits, '_' and ':', not starting with a digit)",
                        item.Position);
                if (!series.Contains(name)) series.Add(name);
            }
            monitor = monitor with { Series = series };
        }
        if (section.Field("memory-growth-threshold-mb") is { } g)
        {
            var mb = g.Value.AsDouble(g.Key);
            if (mb <= 0)
                throw new ScenarioException(
                    $"'{g.Key}' must be greater than 0 but is {mb.ToString(CultureInfo.InvariantCulture)}", g.Value.Position);
            monitor = monitor with { MemoryGrowthThresholdMb = mb };
        }
        if (section.Field("leak-window") is { } w)
        {
            var window = w.Value.AsDuration(w.Key);
            if (window < MonitorDefinition.MinLeakWindow)
                throw new ScenarioException(
                    $"'{w.Key}' must be at least {DurationText.Format(MonitorDefinition.MinLeakWindow)} (a trend needs time to show) " +
                    $"but is {DurationText.Format(window)}", w.Value.Position);
            monitor = monitor with { LeakWindow = window };
        }

        if (monitor.Pid is null && monitor.ProcessName is null && monitor.Prometheus is null)
            throw new ScenarioException(
                $"'{field.Key}' needs something to watch: 'pid', 'process-name' or 'prometheus'", obj.Position);
        return monitor;
    }
}
