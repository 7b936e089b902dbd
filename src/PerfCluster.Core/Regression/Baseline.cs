using System.Runtime.InteropServices;
using PerfCluster.Core.Metrics;
using PerfCluster.Core.Reports;
using PerfCluster.Core.Results;

namespace PerfCluster.Core.Regression;

/// <summary>
/// A scenario run kept as the reference later runs are judged against (<c>perfcluster baseline</c>). It holds the
/// summary figures for the comparison, the per-window and per-iteration samples for the significance test, and the
/// environment it was measured in, so a comparison across different set-ups can say so.
/// </summary>
public sealed record Baseline
{
    public const string FormatMarker = "perfcluster-baseline";
    public const int CurrentFormatVersion = 1;

    /// <summary>Always <see cref="FormatMarker"/>: tells a baseline from any other JSON file.</summary>
    public string Format => FormatMarker;

    public int FormatVersion => CurrentFormatVersion;

    public required string Name { get; init; }

    /// <summary>Set by the store when it keeps a new version under <see cref="Name"/>; 0 in a fresh baseline.</summary>
    public int Version { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>Name of the scenario that was run.</summary>
    public required string Scenario { get; init; }

    /// <summary>The scenario file as run, so a baseline can be reproduced; null when not known.</summary>
    public string? ScenarioSource { get; init; }

    public required string RunId { get; init; }

    public required EnvironmentFingerprint Environment { get; init; }

    /// <summary>The whole scenario (named "overall").</summary>
    public required BaselineMetrics Overall { get; init; }

    public IReadOnlyList<BaselineMetrics> Endpoints { get; init; } = [];

    /// <summary>
    /// The baseline (or the current run, in the same shape) of one scenario run: its statistics, those of each of its
    /// iterations (none for a single run), and the run it belongs to.
    /// </summary>
    /// <param name="createdAt">When the baseline was made; the run's end when not given, so the result depends on the run only.</param>
    public static Baseline From(
        ScenarioStatistics stats, IReadOnlyList<ScenarioStatistics> iterations, string scenario, MeasuredRun run, string name, int workerCount,
        DateTimeOffset? createdAt = null)
    {
        ArgumentNullException.ThrowIfNull(stats);
        ArgumentNullException.ThrowIfNull(iterations);
        ArgumentNullException.ThrowIfNull(run);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        var windows = stats.Timeline.Where(w => w.Requests > 0 || w.ActiveUsers > 0).ToList();

        var overall = BaselineMetrics.From(stats.Overall) with
        {
            Name = "overall",
            GeneratorPeakWorkingSetBytes = stats.Generator.PeakWorkingSetBytes,
            GeneratorCpuPercent = stats.Generator.CpuPercentOfMachine,
            TargetPeakMemoryMb = stats.Monitoring.Target.Select(t => t.MemoryMb).Max(),
            TargetCpuPercent = stats.Monitoring.Target.Where(t => t.CpuPercent is not null).Select(t => t.CpuPercent!.Value).DefaultIfEmpty(double.NaN).Average() is var cpu && double.IsFinite(cpu) ? cpu : null,
            Windows = windows.Select(w => BaselineWindow.From(w) with
            {
                TargetCpuPercent = stats.Monitoring.Target.FirstOrDefault(t => t.Second == w.Second)?.CpuPercent,
                TargetMemoryMb = stats.Monitoring.Target.FirstOrDefault(t => t.Second == w.Second)?.MemoryMb,
            }).ToList(),
            Iterations = iterations.Select(BaselineIteration.From).ToList(),
        };
        var endpoints = stats.Endpoints.Select(e => BaselineMetrics.From(e) with
        {
            Windows = windows.Select(w => BaselineWindow.ForEndpoint(w, e.Name)).ToList(),
            Iterations = iterations
                .Select(i => i.Endpoints.FirstOrDefault(x => x.Name == e.Name))
                .OfType<EndpointStatistics>()
                .Select(x => BaselineIteration.From(x, null))
                .ToList(),
        }).ToList();

        return new Baseline
        {
            Name = name,
            CreatedAt = createdAt ?? run.FinishedAt,
            Scenario = scenario,
            ScenarioSource = run.SourceText,
            RunId = run.RunId,
            Environment = new EnvironmentFingerprint(
                run.ToolVersion, run.Host, RuntimeInformation.OSDescription, stats.Generator.ProcessorCount, workerCount),
            Overall = overall,
            Endpoints = endpoints,
        };
    }
}

/// <summary>The run a baseline was measured in: its id, where and with what, the scenario file, when it ended.</summary>
public sealed record MeasuredRun(string RunId, string ToolVersion, string Host, string? SourceText, DateTimeOffset FinishedAt);

/// <summary>Where a run was measured; a baseline from a different set-up is still compared, with a warning.</summary>
public sealed record EnvironmentFingerprint(string ToolVersion, string MachineName, string OsDescription, int ProcessorCount, int WorkerCount);

/// <summary>The figures of the whole scenario or of one endpoint, latencies in milliseconds.</summary>
public sealed record BaselineMetrics
{
    public required string Name { get; init; }
    public required long Requests { get; init; }
    /// <summary>Requests per second over the measured duration.</summary>
    public required double Throughput { get; init; }
    /// <summary>Errors per request, a fraction (0.01 is 1%).</summary>
    public required double ErrorRate { get; init; }
    /// <summary>Null when nothing completed, so there is no latency to compare.</summary>
    public BaselineLatency? LatencyMs { get; init; }

    /// <summary>
    /// Peak working set of the load generator: stands in for memory until the target's own memory is monitored.
    /// Scenario only (null for an endpoint).
    /// </summary>
    public long? GeneratorPeakWorkingSetBytes { get; init; }

    /// <summary>
    /// The load generator's CPU in percent of the machine: stands in for CPU until the target's own CPU is monitored.
    /// Scenario only (null for an endpoint).
    /// </summary>
    public double? GeneratorCpuPercent { get; init; }

    /// <summary>The system under test's peak resident memory (MB) while the scenario ran; null unless the scenario has a monitor section.</summary>
    public double? TargetPeakMemoryMb { get; init; }

    /// <summary>The system under test's mean CPU (percent of its machine) while the scenario ran; null unless monitored.</summary>
    public double? TargetCpuPercent { get; init; }

    /// <summary>The run's 1-second windows (idle ones left out): the samples of the significance test.</summary>
    public IReadOnlyList<BaselineWindow> Windows { get; init; } = [];

    /// <summary>With --iterations: one entry per run, preferred over windows because it carries the run-to-run spread.</summary>
    public IReadOnlyList<BaselineIteration> Iterations { get; init; } = [];

    public static BaselineMetrics From(EndpointStatistics e) => new()
    {
        Name = e.Name,
        Requests = e.Requests,
        Throughput = e.Throughput,
        ErrorRate = e.ErrorRate,
        LatencyMs = e.Requests > 0 ? BaselineLatency.From(e.Latency) : null,
    };
}

/// <summary>Latency figures in milliseconds (reports use seconds; baselines use the unit people compare in).</summary>
public sealed record BaselineLatency(double P50, double P90, double P95, double P99, double P99_9, double Mean, double Max)
{
    public static BaselineLatency From(LatencySummary s) =>
        new(s.P50 * 1000, s.P90 * 1000, s.P95 * 1000, s.P99 * 1000, s.P999 * 1000, s.Mean * 1000, s.Max * 1000);

    /// <summary>The figure for a canonical percentile name of <see cref="RegressionThresholds.KnownPercentiles"/>.</summary>
    public double Of(string percentile) => percentile switch
    {
        "p50" => P50,
        "p90" => P90,
        "p95" => P95,
        "p99" => P99,
        "p99_9" => P99_9,
        "mean" => Mean,
        "max" => Max,
        _ => throw new ArgumentOutOfRangeException(nameof(percentile), percentile, "unknown percentile"),
    };
}

/// <summary>
/// One 1-second window. Figures that a window cannot give are null: latency and error rate without requests, and
/// for an endpoint everything but its request count (windows keep latency for the whole scenario only).
/// </summary>
public sealed record BaselineWindow(
    long Second, long Requests, double Throughput, double? ErrorRate = null, double? P50Ms = null, double? P95Ms = null, double? P99Ms = null)
{
    /// <summary>The target's CPU and memory sampled in this second (monitored scenarios only).</summary>
    public double? TargetCpuPercent { get; init; }
    public double? TargetMemoryMb { get; init; }

    public static BaselineWindow From(WindowStatistics w) => w.Requests > 0
        ? new(w.Second, w.Requests, w.Throughput, (double)w.Errors / w.Requests, w.Latency.P50 * 1000, w.Latency.P95 * 1000, w.Latency.P99 * 1000)
        : new(w.Second, 0, w.Throughput);

    public static BaselineWindow ForEndpoint(WindowStatistics w, string endpoint)
    {
        var requests = w.RequestsByEndpoint.GetValueOrDefault(endpoint);
        return new(w.Second, requests, requests);
    }

    /// <summary>The window's figure for a canonical percentile; null when the window does not keep it.</summary>
    public double? Latency(string percentile) => percentile switch
    {
        "p50" => P50Ms,
        "p95" => P95Ms,
        "p99" => P99Ms,
        _ => null,
    };
}

/// <summary>One run of --iterations N.</summary>
public sealed record BaselineIteration(
    long Requests, double Throughput, double ErrorRate, BaselineLatency? LatencyMs = null,
    long? GeneratorPeakWorkingSetBytes = null, double? GeneratorCpuPercent = null)
{
    public static BaselineIteration From(ScenarioStatistics s) =>
        From(s.Overall, s.Generator);

    public static BaselineIteration From(EndpointStatistics e, GeneratorStatistics? generator) =>
        new(e.Requests, e.Throughput, e.ErrorRate, e.Requests > 0 ? BaselineLatency.From(e.Latency) : null,
            generator?.PeakWorkingSetBytes, generator?.CpuPercentOfMachine);
}
