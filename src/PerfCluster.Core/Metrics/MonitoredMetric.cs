using System.Globalization;
using PerfCluster.Core.Metrics;
using PerfCluster.Core.Scenarios;
using PerfCluster.Core.Input;

namespace PerfCluster.Core.Metrics;

/// <summary>The unit a monitored value is held in; every limit is converted to it when a rule is read.</summary>
public enum MetricUnit
{
    /// <summary>Latency in milliseconds: live alerts talk about windows of one second, where ms reads naturally.</summary>
    Milliseconds,
    /// <summary>A fraction between 0 and 1 (error_rate), as in the guide and in thresholds.</summary>
    Fraction,
    /// <summary>Requests per second.</summary>
    PerSecond,
    /// <summary>A plain count (users, dropped iterations).</summary>
    Count,
    /// <summary>A percentage from 0 to 100 (CPU of a whole machine).</summary>
    Percent,
    /// <summary>Mebibytes of resident memory.</summary>
    Megabytes,
}

/// <summary>Where a metric's values come from, which decides whether a window can lack it.</summary>
public enum MetricSource
{
    /// <summary>Read from the aggregator's closed 1-second window; present whenever the window is.</summary>
    Window,
    /// <summary>Read from resource samples (generator or target process); may be absent in a window.</summary>
    Resource,
}

/// <summary>
/// One metric an SLA threshold or alert rule can watch. Rules store only <see cref="Name"/> (so a scenario
/// still crosses the wire as plain data) and look the metric up in <see cref="MonitoredMetrics"/> when evaluated.
/// </summary>
public sealed class MonitoredMetric
{
    private readonly Func<WindowStatistics, double>? _fromWindow;

    internal MonitoredMetric(string name, MetricUnit unit, MetricSource source, string description,
        Func<WindowStatistics, double>? fromWindow = null)
    {
        Name = name;
        Unit = unit;
        Source = source;
        Description = description;
        _fromWindow = fromWindow;
    }

    /// <summary>Canonical name, the key of <see cref="MonitorSnapshot.Values"/>.</summary>
    public string Name { get; }

    public MetricUnit Unit { get; }

    public MetricSource Source { get; }

    public string Description { get; }

    public bool IsLatency => Unit == MetricUnit.Milliseconds;

    /// <summary>
    /// The value of a window metric in <see cref="Unit"/>; NaN when the window cannot say (no request completed,
    /// so there is no latency or error rate) or when the metric is not read from windows.
    /// </summary>
    public double ReadFrom(WindowStatistics window)
    {
        ArgumentNullException.ThrowIfNull(window);
        return _fromWindow?.Invoke(window) ?? double.NaN;
    }

    /// <summary>"1250ms", "5%", "205.4/s", "12", "85.2%", "512.5MB": how a value is shown in evidence and messages.</summary>
    public string Format(double value)
    {
        if (double.IsNaN(value)) return "n/a";
        var c = CultureInfo.InvariantCulture;
        return Unit switch
        {
            MetricUnit.Milliseconds => value.ToString("0.###", c) + "ms",
            MetricUnit.Fraction => (value * 100).ToString("0.##", c) + "%",
            MetricUnit.PerSecond => value.ToString("0.##", c) + "/s",
            MetricUnit.Percent => value.ToString("0.#", c) + "%",
            MetricUnit.Megabytes => value.ToString("0.#", c) + "MB",
            _ => value.ToString("0.##", c),
        };
    }

    public override string ToString() => Name;
}

/// <summary>
/// The catalogue of monitored metrics and the spellings that resolve to them. Names use the snake_case of
/// thresholds (<c>error_rate</c>, <c>throughput</c>, <c>p95</c>), so a scenario names a metric the same way in
/// <c>thresholds</c>, <c>sla-thresholds</c> and <c>alert-rules</c>.
/// </summary>
public static class MonitoredMetrics
{
    public const string Throughput = "throughput";
    public const string ErrorRate = "error_rate";
    public const string P50 = "p50";
    public const string P90 = "p90";
    public const string P95 = "p95";
    public const string P99 = "p99";
    public const string P999 = "p99.9";
    public const string Mean = "mean";
    public const string Max = "max";
    public const string ActiveUsers = "active_users";
    public const string DroppedIterations = "dropped_iterations";
    public const string GeneratorCpuPercent = "generator_cpu_percent";
    public const string GeneratorMemoryMb = "generator_memory_mb";
    public const string TargetCpuPercent = "target_cpu_percent";
    public const string TargetMemoryMb = "target_memory_mb";

    private static double Ms(double seconds) => seconds * 1_000;

    /// <summary>Latency needs at least one completed request; an empty window has none, not a latency of 0.</summary>
    private static Func<WindowStatistics, double> Latency(Func<LatencySummary, double> pick) =>
        w => w.Requests > 0 ? Ms(pick(w.Latency)) : double.NaN;

    /// <summary>Every metric, in the order messages list them.</summary>
    public static readonly IReadOnlyList<MonitoredMetric> All =
    [
        new(Throughput, MetricUnit.PerSecond, MetricSource.Window, "requests completed per second", w => w.Throughput),
        new(ErrorRate, MetricUnit.Fraction, MetricSource.Window, "failed requests / requests in the window",
            w => w.Requests > 0 ? (double)w.Errors / w.Requests : double.NaN),
        new(P50, MetricUnit.Milliseconds, MetricSource.Window, "median latency", Latency(l => l.P50)),
        new(P90, MetricUnit.Milliseconds, MetricSource.Window, "90th percentile latency", Latency(l => l.P90)),
        new(P95, MetricUnit.Milliseconds, MetricSource.Window, "95th percentile latency", Latency(l => l.P95)),
        new(P99, MetricUnit.Milliseconds, MetricSource.Window, "99th percentile latency", Latency(l => l.P99)),
        new(P999, MetricUnit.Milliseconds, MetricSource.Window, "99.9th percentile latency", Latency(l => l.P999)),
        new(Mean, MetricUnit.Milliseconds, MetricSource.Window, "mean latency", Latency(l => l.Mean)),
        new(Max, MetricUnit.Milliseconds, MetricSource.Window, "slowest request", Latency(l => l.Max)),
        new(ActiveUsers, MetricUnit.Count, MetricSource.Window, "virtual users busy in the window", w => w.ActiveUsers),
        // Not part of WindowStatistics: the aggregator adds it from the workers' generator samples.
        new(DroppedIterations, MetricUnit.Count, MetricSource.Resource, "open-model iterations that found no free user"),
        new(GeneratorCpuPercent, MetricUnit.Percent, MetricSource.Resource, "load generator CPU, percent of all its cores"),
        new(GeneratorMemoryMb, MetricUnit.Megabytes, MetricSource.Resource, "load generator resident memory"),
        new(TargetCpuPercent, MetricUnit.Percent, MetricSource.Resource, "target process CPU, percent of all its machine's cores"),
        new(TargetMemoryMb, MetricUnit.Megabytes, MetricSource.Resource, "target process resident memory"),
    ];

    /// <summary>The canonical names, as listed in "unknown metric" messages.</summary>
    public static readonly IReadOnlyList<string> Names = All.Select(m => m.Name).ToList();

    private static readonly Dictionary<string, MonitoredMetric> ByName = All.ToDictionary(m => m.Name, StringComparer.Ordinal);

    private static readonly Dictionary<string, string> Aliases = new(StringComparer.Ordinal)
    {
        ["rps"] = Throughput,
        ["errors_rate"] = ErrorRate,
        ["median"] = P50,
        ["med"] = P50,
        ["avg"] = Mean,
        ["p99_9"] = P999,
        ["p999"] = P999,
        ["users"] = ActiveUsers,
        ["vus"] = ActiveUsers,
        ["dropped"] = DroppedIterations,
    };

    /// <summary>Guide names that have no single meaning here; the message says what to write instead.</summary>
    private static readonly Dictionary<string, string> Ambiguous = new(StringComparer.Ordinal)
    {
        ["cpu.percent"] = $"it could mean the generator or the target: write {TargetCpuPercent} or {GeneratorCpuPercent}",
        ["cpu_percent"] = $"it could mean the generator or the target: write {TargetCpuPercent} or {GeneratorCpuPercent}",
        ["memory.percent"] = $"memory is watched in MB, not percent: write {TargetMemoryMb} or {GeneratorMemoryMb}",
        ["memory_percent"] = $"memory is watched in MB, not percent: write {TargetMemoryMb} or {GeneratorMemoryMb}",
    };

    /// <summary>The metric with canonical name <paramref name="name"/>; throws for a name not in the catalogue.</summary>
    public static MonitoredMetric Get(string name) =>
        ByName.TryGetValue(name, out var metric) ? metric : throw new KeyNotFoundException($"no monitored metric '{name}'");

    /// <summary>
    /// Resolves a metric as written, case-insensitively and with '-' read as '_': canonical names, the aliases
    /// above, <c>p(95)</c>, and the guide's <c>response_time.p95</c> / <c>latency.p95</c>.
    /// </summary>
    public static bool TryResolve(string text, out MonitoredMetric metric)
    {
        ArgumentNullException.ThrowIfNull(text);
        var name = Normalize(text);
        foreach (var prefix in (string[])["response_time.", "latency."])
        {
            if (name.StartsWith(prefix, StringComparison.Ordinal)) name = name[prefix.Length..];
        }
        if (name.StartsWith("p(", StringComparison.Ordinal) && name.EndsWith(')')) name = "p" + name[2..^1].Trim();
        if (Aliases.TryGetValue(name, out var canonical)) name = canonical;
        return ByName.TryGetValue(name, out metric!);
    }

    /// <summary>
    /// <see cref="TryResolve"/>, or a <see cref="ScenarioException"/> at <paramref name="position"/> naming the
    /// closest known metric ("did you mean 'p95'?") or listing them all.
    /// </summary>
    public static MonitoredMetric Resolve(string text, SourcePosition? position = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (TryResolve(text, out var metric)) return metric;
        if (Ambiguous.TryGetValue(Normalize(text), out var why))
            throw new ScenarioException($"metric '{text}' is not monitored as such: {why}", position);
        var suggestion = Suggest(text);
        if (suggestion is not null)
            throw new ScenarioException($"unknown metric '{text}'; did you mean '{suggestion}'?", position);
        throw new ScenarioException($"unknown metric '{text}'; expected one of: {string.Join(", ", Names)}", position);
    }

    /// <summary>The known name or alias within edit distance 2 of <paramref name="text"/>, if any.</summary>
    public static string? Suggest(string text)
    {
        var name = Normalize(text);
        return Names.Concat(Aliases.Keys)
            .Select(k => (Key: k, Distance: Spelling.EditDistance(name, k)))
            .Where(c => c.Distance <= 2)
            .OrderBy(c => c.Distance)
            .Select(c => c.Key)
            .FirstOrDefault();
    }

    private static string Normalize(string text) => text.Trim().ToLowerInvariant().Replace('-', '_');
}
