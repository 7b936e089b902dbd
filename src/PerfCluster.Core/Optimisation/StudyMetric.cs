using System.Globalization;
using PerfCluster.Core.Metrics;
using PerfCluster.Core.Results;
using PerfCluster.Core.Thresholds;

namespace PerfCluster.Core.Optimisation;

/// <summary>
/// A figure of a trial's report an objective or a constraint names: any request metric of the threshold syntax
/// (<c>throughput</c>, <c>error_rate</c>, <c>p95</c>, the guide's <c>latency_p95</c>, …) of the whole scenario or of one
/// <see cref="Step"/> (a module step's <c>throughput</c> is its ops/s); or from the <c>monitor</c> section the target's mean
/// <c>cpu_usage</c> (percent of the machine), <c>memory_mb</c>, or a Prometheus series <c>series.NAME</c> (its mean).
/// </summary>
public sealed record StudyMetric
{
    private enum Source { Requests, Cpu, Memory, Series }

    public static readonly IReadOnlyList<string> Names =
        ["throughput", "error_rate", "latency_p50..latency_p99.9 (or p95, mean, max …)", "requests", "errors", "cpu_usage", "memory_mb", "series.NAME"];

    private readonly Source _source;
    private readonly ThresholdMetric? _request;

    private StudyMetric(string name, Source source, ThresholdMetric? request, string? step)
    {
        Name = name;
        _source = source;
        _request = request;
        Step = step;
    }

    /// <summary>The canonical name (<c>p95</c>, <c>throughput</c>, <c>cpu_usage</c>, <c>series.x</c>).</summary>
    public string Name { get; }

    /// <summary>The step (endpoint or module step) whose figures are meant; null for the whole scenario.</summary>
    public string? Step { get; }

    /// <summary>Whether the figure needs the scenario's <c>monitor</c> section.</summary>
    public bool NeedsMonitor => _source != Source.Requests;

    /// <summary>A latency, in seconds (shown in ms).</summary>
    public bool IsLatency => _request?.Kind == ThresholdMetricKind.Latency;

    /// <summary>A fraction that is often exactly zero (error rate): ratios to it are taken above a floor of 0.1 %.</summary>
    public bool IsRate => _request?.Kind is ThresholdMetricKind.ErrorRate or ThresholdMetricKind.Ratio;

    /// <summary>The metric as written (<c>latency_p95</c> or <c>latency.p95</c> included), for a step or the whole scenario.</summary>
    public static bool TryResolve(string text, string? step, out StudyMetric metric)
    {
        var name = text.Trim().ToLowerInvariant();
        metric = null!;
        switch (name)
        {
            case "cpu_usage" or "cpu" or "cpu_percent":
                metric = new StudyMetric("cpu_usage", Source.Cpu, null, step);
                return step is null;
            case "memory_mb" or "memory_usage" or "memory":
                metric = new StudyMetric("memory_mb", Source.Memory, null, step);
                return step is null;
        }
        if (name.StartsWith("series.", StringComparison.Ordinal) && name.Length > "series.".Length)
        {
            metric = new StudyMetric("series." + text.Trim()["series.".Length..], Source.Series, null, step);
            return step is null;
        }
        if (name.StartsWith("latency_", StringComparison.Ordinal)) name = "latency." + name["latency_".Length..];
        if (!ThresholdMetric.TryResolve(name, out var request) || request.Subject != ThresholdSubject.Requests) return false;
        metric = new StudyMetric(request.Name, Source.Requests, request, step);
        return true;
    }

    /// <summary>The figure in its canonical unit (seconds, fraction, per second, percent, MB); NaN when it was not measured.</summary>
    public double ValueOf(ScenarioStatistics stats)
    {
        switch (_source)
        {
            case Source.Requests:
                var endpoint = Step is null ? stats.Overall : stats.Endpoints.FirstOrDefault(e => string.Equals(e.Name, Step, StringComparison.Ordinal));
                if (endpoint is null || (endpoint.Requests == 0 && _request!.Kind is ThresholdMetricKind.Latency or ThresholdMetricKind.ErrorRate)) return double.NaN;
                return _request!.ValueOf(endpoint);
            case Source.Cpu:
                return Mean(stats, s => s.CpuPercent);
            case Source.Memory:
                return Mean(stats, s => s.MemoryMb);
            default:
                var series = Name["series.".Length..];
                return Mean(stats, s => s.Series.TryGetValue(series, out var v) ? v : null);
        }
    }

    private static double Mean(ScenarioStatistics stats, Func<Monitoring.TargetSample, double?> pick)
    {
        var values = stats.Monitoring.Target.Where(s => s.Second >= 0).Select(pick).OfType<double>().Where(double.IsFinite).ToList();
        return values.Count == 0 ? double.NaN : values.Average();
    }

    /// <summary>The metric and its step: <c>p95</c>, <c>p95 of checkout</c>.</summary>
    public string Describe() => Step is null ? Name : $"{Name} of {Step}";

    /// <summary>A value for people: latencies in ms, rates in percent, the rest to three significant places.</summary>
    public string Format(double value)
    {
        if (!double.IsFinite(value)) return "n/a";
        var c = CultureInfo.InvariantCulture;
        if (IsLatency) return (value * 1000).ToString("0.##", c) + " ms";
        if (IsRate) return (value * 100).ToString("0.###", c) + " %";
        return _source switch
        {
            Source.Cpu => value.ToString("0.#", c) + " %",
            Source.Memory => value.ToString("0.#", c) + " MB",
            _ when Name == "throughput" => value.ToString("0.#", c) + " /s",
            _ => value.ToString("0.###", c),
        };
    }

    /// <summary>The key of this figure in a trial's metrics.</summary>
    public string Key => Describe();
}
