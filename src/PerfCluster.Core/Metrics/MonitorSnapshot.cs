using PerfCluster.Core.Metrics;

namespace PerfCluster.Core.Metrics;

/// <summary>
/// Resource figures measured around one window. Each is optional: the target may not be watched at all, and
/// samplers do not tick in step with the aggregator, so a window without a figure simply skips the rules on it.
/// </summary>
public sealed record ResourceSample
{
    /// <summary>Percent of all the generator machine's cores (0–100).</summary>
    public double? GeneratorCpuPercent { get; init; }
    public double? GeneratorMemoryMb { get; init; }
    /// <summary>Percent of all the target machine's cores (0–100).</summary>
    public double? TargetCpuPercent { get; init; }
    public double? TargetMemoryMb { get; init; }
    /// <summary>Open-model iterations dropped in the window (from the workers' generator samples).</summary>
    public long? DroppedIterations { get; init; }
}

/// <summary>
/// One window as alerting sees it: the run-relative second and a value per metric name. Values are keyed by
/// name rather than fixed fields so a new metric plugs in without touching the evaluator. A metric that is
/// missing (or NaN) in a window is not evaluated in that window.
/// </summary>
public sealed record MonitorSnapshot(long Second, IReadOnlyDictionary<string, double> Values)
{
    /// <summary>Optional per-endpoint values (endpoint → metric → value), read by endpoint-scoped rules.</summary>
    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, double>> Endpoints { get; init; } =
        new Dictionary<string, IReadOnlyDictionary<string, double>>();

    /// <summary>The value of <paramref name="metric"/> overall or for one endpoint; null when absent or NaN.</summary>
    public double? Get(string metric, string? endpoint = null)
    {
        ArgumentNullException.ThrowIfNull(metric);
        var values = endpoint is null ? Values : Endpoints.GetValueOrDefault(endpoint);
        return values is not null && values.TryGetValue(metric, out var v) && !double.IsNaN(v) ? v : null;
    }

    /// <summary>A copy with one more (or a replaced) overall value.</summary>
    public MonitorSnapshot With(string metric, double value)
    {
        var values = new Dictionary<string, double>(Values, StringComparer.Ordinal) { [metric] = value };
        return this with { Values = values };
    }

    /// <summary>
    /// Builds the snapshot of one closed window: every window metric of <see cref="MonitoredMetrics"/> that the
    /// window can tell (latency and error_rate only when a request completed), the resource figures present in
    /// <paramref name="resources"/>, and per endpoint its throughput (the only per-endpoint figure a window carries).
    /// </summary>
    public static MonitorSnapshot From(WindowStatistics window, ResourceSample? resources = null)
    {
        ArgumentNullException.ThrowIfNull(window);
        var values = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var metric in MonitoredMetrics.All.Where(m => m.Source == MetricSource.Window))
        {
            var value = metric.ReadFrom(window);
            if (!double.IsNaN(value)) values[metric.Name] = value;
        }
        if (resources is not null)
        {
            Put(values, MonitoredMetrics.GeneratorCpuPercent, resources.GeneratorCpuPercent);
            Put(values, MonitoredMetrics.GeneratorMemoryMb, resources.GeneratorMemoryMb);
            Put(values, MonitoredMetrics.TargetCpuPercent, resources.TargetCpuPercent);
            Put(values, MonitoredMetrics.TargetMemoryMb, resources.TargetMemoryMb);
            Put(values, MonitoredMetrics.DroppedIterations, resources.DroppedIterations);
        }

        // A window is one second long, so an endpoint's requests in it are its requests per second.
        var endpoints = window.RequestsByEndpoint.ToDictionary(
            e => e.Key,
            e => (IReadOnlyDictionary<string, double>)new Dictionary<string, double> { [MonitoredMetrics.Throughput] = e.Value },
            StringComparer.Ordinal);
        return new MonitorSnapshot(window.Second, values) { Endpoints = endpoints };
    }

    private static void Put(Dictionary<string, double> values, string name, double? value)
    {
        if (value is { } v && !double.IsNaN(v)) values[name] = v;
    }
}
