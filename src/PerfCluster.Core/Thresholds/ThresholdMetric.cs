using System.Globalization;
using PerfCluster.Core.Metrics;

namespace PerfCluster.Core.Thresholds;

/// <summary>What a threshold measures, which fixes its canonical unit.</summary>
public enum ThresholdMetricKind
{
    /// <summary>A latency figure, in seconds.</summary>
    Latency,
    /// <summary>Errors divided by requests, a fraction between 0 and 1.</summary>
    ErrorRate,
    /// <summary>Requests per second.</summary>
    Throughput,
    /// <summary>Number of requests issued.</summary>
    Requests,
    /// <summary>Number of failed requests, all kinds or one <see cref="Metrics.ErrorKind"/>.</summary>
    Errors,
    /// <summary>A fraction between 0 and 1 other than the error rate: checks passed, a flow's failed iterations.</summary>
    Ratio,
}

/// <summary>What a threshold metric is measured on.</summary>
public enum ThresholdSubject
{
    /// <summary>Requests: the scenario's, or one endpoint's or step's.</summary>
    Requests,
    /// <summary>Every named check of the scenario together (<c>checks</c>).</summary>
    Checks,
    /// <summary>One flow's iterations (<c>iteration_duration p95</c>, <c>iterations</c>, <c>failed_iterations</c>, <c>failed_rate</c>).</summary>
    Flow,
    /// <summary>One named check (<c>rate</c>, <c>passes</c>, <c>failures</c>).</summary>
    Check,
}

/// <summary>
/// One metric a threshold can test, by its canonical name: p50, p90, p95, p99, p99.9, min, mean, max,
/// error_rate, throughput, requests, errors, errors.&lt;kind&gt;.
/// </summary>
public sealed record ThresholdMetric
{
    private static readonly (double Percentile, string Name)[] Percentiles =
        [(50, "p50"), (90, "p90"), (95, "p95"), (99, "p99"), (99.9, "p99.9")];

    /// <summary>The canonical names, as listed in "unknown metric" messages.</summary>
    public static readonly IReadOnlyList<string> CanonicalNames =
        ["p50", "p90", "p95", "p99", "p99.9", "min", "mean", "max", "error_rate", "throughput", "requests", "errors", "errors.<kind>",
         "checks", "iteration_duration <p50..max> (flow)", "iterations (flow)", "failed_iterations (flow)", "failed_rate (flow)",
         "rate (check)", "passes (check)", "failures (check)"];

    private ThresholdMetric(string name, ThresholdMetricKind kind, ErrorKind? errorKind = null, ThresholdSubject subject = ThresholdSubject.Requests)
    {
        Name = name;
        Kind = kind;
        ErrorKind = errorKind;
        Subject = subject;
    }

    public ThresholdSubject Subject { get; }

    /// <summary>A flow's figure, in the canonical unit.</summary>
    public double ValueOf(Results.TimingStatistics flow) => Name switch
    {
        "iterations" => flow.Iterations,
        "failed_iterations" => flow.Failed,
        "failed_rate" => flow.FailedRate,
        _ => flow.Iterations == 0 ? double.NaN : LatencyOf(flow.Duration, Name["iteration_duration ".Length..]),
    };

    /// <summary>A check's figure (<paramref name="checks"/> together for <c>checks</c>): NaN when none was evaluated.</summary>
    public double ValueOf(IReadOnlyList<Results.CheckStatistics> checks)
    {
        var passes = checks.Sum(c => c.Passes);
        var failures = checks.Sum(c => c.Failures);
        return Name switch
        {
            "passes" => passes,
            "failures" => failures,
            _ => passes + failures == 0 ? double.NaN : (double)passes / (passes + failures),
        };
    }

    public string Name { get; }
    public ThresholdMetricKind Kind { get; }
    /// <summary>Set for errors.&lt;kind&gt; only.</summary>
    public ErrorKind? ErrorKind { get; }

    /// <summary>The measured value in the canonical unit (seconds, fraction, per second or count).</summary>
    public double ValueOf(EndpointStatistics stats)
    {
        ArgumentNullException.ThrowIfNull(stats);
        return Kind switch
        {
            ThresholdMetricKind.Latency => LatencyOf(stats.Latency),
            ThresholdMetricKind.ErrorRate => stats.ErrorRate,
            ThresholdMetricKind.Throughput => stats.Throughput,
            ThresholdMetricKind.Requests => stats.Requests,
            _ when ErrorKind is { } kind => stats.ErrorsByKind.TryGetValue(kind.Key(), out var count) ? count : 0,
            _ => stats.Errors,
        };
    }

    private double LatencyOf(LatencySummary latency) => LatencyOf(latency, Name);

    private static double LatencyOf(LatencySummary latency, string name) => name switch
    {
        "p50" => latency.P50,
        "p90" => latency.P90,
        "p95" => latency.P95,
        "p99" => latency.P99,
        "p99.9" => latency.P999,
        "min" => latency.Min,
        "mean" => latency.Mean,
        _ => latency.Max,
    };

    /// <summary>
    /// Resolves a metric as written: canonical names, <c>p(99)</c>, <c>avg</c>, <c>med</c>/<c>median</c>,
    /// <c>rps</c>, <c>p99_9</c> and the guide's <c>response_time.p95</c> / <c>latency.p95</c>. Case-insensitive.
    /// </summary>
    public static bool TryResolve(string text, out ThresholdMetric metric)
    {
        ArgumentNullException.ThrowIfNull(text);
        var name = text.Trim().ToLowerInvariant();
        metric = null!;

        foreach (var prefix in (string[])["response_time.", "latency."])
        {
            if (!name.StartsWith(prefix, StringComparison.Ordinal)) continue;
            return TryResolveLatency(name[prefix.Length..], out metric);
        }

        if (TryResolveLatency(name, out metric)) return true;

        if (name.StartsWith("iteration_duration", StringComparison.Ordinal))
        {
            var rest = name["iteration_duration".Length..].Trim().TrimStart('.');
            if (rest.Length == 0) rest = "p95";
            if (!TryResolveLatency(rest, out var latency)) return false;
            metric = new ThresholdMetric("iteration_duration " + latency.Name, ThresholdMetricKind.Latency, subject: ThresholdSubject.Flow);
            return true;
        }

        switch (name)
        {
            case "checks":
                metric = new ThresholdMetric("checks", ThresholdMetricKind.Ratio, subject: ThresholdSubject.Checks);
                return true;
            case "iterations" or "failed_iterations":
                metric = new ThresholdMetric(name, ThresholdMetricKind.Requests, subject: ThresholdSubject.Flow);
                return true;
            case "failed_rate":
                metric = new ThresholdMetric(name, ThresholdMetricKind.Ratio, subject: ThresholdSubject.Flow);
                return true;
            case "rate":
                metric = new ThresholdMetric(name, ThresholdMetricKind.Ratio, subject: ThresholdSubject.Check);
                return true;
            case "passes" or "failures":
                metric = new ThresholdMetric(name, ThresholdMetricKind.Requests, subject: ThresholdSubject.Check);
                return true;
            case "error_rate":
                metric = new ThresholdMetric("error_rate", ThresholdMetricKind.ErrorRate);
                return true;
            case "throughput" or "rps":
                metric = new ThresholdMetric("throughput", ThresholdMetricKind.Throughput);
                return true;
            case "requests":
                metric = new ThresholdMetric("requests", ThresholdMetricKind.Requests);
                return true;
            case "errors":
                metric = new ThresholdMetric("errors", ThresholdMetricKind.Errors);
                return true;
        }

        if (name.StartsWith("errors.", StringComparison.Ordinal))
        {
            var key = name["errors.".Length..];
            foreach (var kind in ErrorKinds.All)
            {
                if (kind.Key() != key) continue;
                metric = new ThresholdMetric("errors." + key, ThresholdMetricKind.Errors, kind);
                return true;
            }
        }
        return false;
    }

    /// <summary>The kind of a canonical metric name, as stored in a <see cref="ThresholdResult"/>.</summary>
    public static ThresholdMetricKind KindOf(string canonicalName) =>
        TryResolve(canonicalName, out var metric) ? metric.Kind : ThresholdMetricKind.Errors;

    private static bool TryResolveLatency(string name, out ThresholdMetric metric)
    {
        metric = null!;
        switch (name)
        {
            case "min" or "mean" or "max":
                metric = new ThresholdMetric(name, ThresholdMetricKind.Latency);
                return true;
            case "avg":
                metric = new ThresholdMetric("mean", ThresholdMetricKind.Latency);
                return true;
            case "med" or "median":
                metric = new ThresholdMetric("p50", ThresholdMetricKind.Latency);
                return true;
        }

        if (name.Length < 2 || name[0] != 'p') return false;
        var number = name[1..];
        if (number.StartsWith('(') && number.EndsWith(')')) number = number[1..^1].Trim();
        number = number.Replace('_', '.');
        if (number.Length == 0 || !char.IsAsciiDigit(number[0])) return false;
        if (!double.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var percentile)) return false;
        foreach (var (p, canonical) in Percentiles)
        {
            if (p != percentile) continue;
            metric = new ThresholdMetric(canonical, ThresholdMetricKind.Latency);
            return true;
        }
        return false;
    }
}
