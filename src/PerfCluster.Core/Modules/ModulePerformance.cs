using PerfCluster.Core.Metrics;
using PerfCluster.Core.Results;
using PerfCluster.Core.Scenarios;
using PerfCluster.Core.Steps;

namespace PerfCluster.Core.Modules;

/// <summary>
/// A module's scalability from the two phases of <c>scalability</c>: the mean operations per second of the 1-second
/// windows at N users and at 2N, and E = X(2N) / (2·X(N)) with a 95% interval (delta method over the windows' spread:
/// Var(E)/E² ≈ SE(X(2N))²/X(2N)² + SE(X(N))²/X(N)², Student's t on the smaller phase's windows).
/// </summary>
public sealed record ModuleScalability(
    int Users, double LowThroughput, double HighThroughput, int LowWindows, int HighWindows, double Efficiency, double Ci95Low, double Ci95High)
{
    /// <summary>The first window of the second phase (its users are still starting) is kept out.</summary>
    public const int SettleWindows = 1;

    /// <summary>
    /// From the scenario's windows: phase one is seconds [0, P), phase two [P + settle, 2P); a second without any operation
    /// counts as 0. Null when either phase has fewer than two windows or phase one no operation.
    /// </summary>
    public static ModuleScalability? From(ScalabilityPhases phases, IReadOnlyList<WindowStatistics> windows, string series)
    {
        var p = (long)phases.Phase.TotalSeconds;
        var bySecond = windows.ToDictionary(w => w.Second, w => (double)w.RequestsByEndpoint.GetValueOrDefault(series));
        var low = Enumerable.Range(0, (int)p).Select(s => bySecond.GetValueOrDefault(s)).ToList();
        var high = Enumerable.Range((int)p + SettleWindows, (int)p - SettleWindows).Select(s => bySecond.GetValueOrDefault(s)).ToList();
        if (low.Count < 2 || high.Count < 2) return null;
        var a = SampleSummary.Of(low);
        var b = SampleSummary.Of(high);
        if (!(a.Mean > 0)) return null;
        var e = b.Mean / (2 * a.Mean);
        var relative = Math.Sqrt(Square(a.StdDev / Math.Sqrt(a.Count) / a.Mean) + (b.Mean > 0 ? Square(b.StdDev / Math.Sqrt(b.Count) / b.Mean) : 0));
        var half = SampleSummary.TQuantile975(Math.Min(a.Count, b.Count) - 1) * e * relative;
        return new ModuleScalability(phases.Users, a.Mean, b.Mean, a.Count, b.Count, e, e - half, e + half);
    }

    private static double Square(double x) => x * x;

    /// <summary>The interval contains <paramref name="threshold"/>: the verdict could go either way on another run.</summary>
    public bool Straddles(double threshold) => Ci95Low < threshold && threshold < Ci95High;
}

/// <summary>One target of one module and how it came out.</summary>
public sealed record ModuleTargetResult(string Target, double Limit, double Actual, bool Passed)
{
    /// <summary>Set for the scalability target when its interval contains the threshold.</summary>
    public bool Uncertain { get; init; }

    /// <summary>"ops/s 812.4 ≥ 50", "p95 12.3 ms ≤ 200 ms", "E 0.51 ≥ 0.8".</summary>
    public string Describe() => Target switch
    {
        "min_ops_per_second" => $"ops/s {Actual:0.#} {(Passed ? "≥" : "<")} {Limit:0.##}",
        "max_latency_ms" => $"p95 {Actual:0.##} ms {(Passed ? "≤" : ">")} {Limit:0.##} ms",
        _ => $"E {Actual:0.###} {(Passed ? "≥" : "<")} {Limit:0.##}" + (Uncertain ? " (the 95% interval straddles the threshold)" : ""),
    };
}

/// <summary>
/// A module's figures in one scenario: its step's operations, errors by exception type, latency, sub-operations,
/// scalability (two-phase scenarios) and its targets' verdicts. Computed from the merged statistics, so it is exact over
/// every worker like the step's own series.
/// </summary>
public sealed record ModulePerformance(
    string Module,
    string Scenario,
    string Step,
    long Operations,
    long Errors,
    double OpsPerSecond,
    LatencySummary Latency,
    ModuleScalability? Scalability,
    IReadOnlyList<ModuleTargetResult> Targets)
{
    public IReadOnlyList<ExceptionStatistics> Exceptions { get; init; } = [];

    public IReadOnlyList<OperationStatistics> SubOperations { get; init; } = [];

    /// <summary>What an exception type thrown by <c>SetupAsync</c> is suffixed with (its own error kind).</summary>
    public const string SetupSuffix = " (SetupAsync)";

    /// <summary>SetupAsync threw for some virtual user: the module could not be set up, and the scenario fails.</summary>
    public bool SetupFailed => Exceptions.Any(x => x.Type.EndsWith(SetupSuffix, StringComparison.Ordinal));

    /// <summary>Every target met, and every virtual user's SetupAsync succeeded.</summary>
    public bool Passed => Targets.All(t => t.Passed) && !SetupFailed;

    /// <summary>Every module step of the scenario (its first step per module), with its targets judged.</summary>
    public static IReadOnlyList<ModulePerformance> Of(ScenarioDefinition scenario, ScenarioStatistics statistics)
    {
        if (scenario.Journey is not { Modules.Count: > 0 } journey) return [];
        var result = new List<ModulePerformance>();
        foreach (var step in journey.Series.OfType<ModuleStep>().DistinctBy(s => s.Module))
        {
            var series = statistics.Endpoints.FirstOrDefault(e => e.Name == step.Name);
            var ops = series?.Requests ?? 0;
            var seconds = statistics.MeasuredDuration.TotalSeconds;
            var opsPerSecond = seconds > 0 ? ops / seconds : 0;
            var latency = series?.Latency ?? LatencySummary.Empty;
            var scalability = scenario.Load.Phases is { } phases ? ModuleScalability.From(phases, statistics.Timeline, step.Name) : null;
            var targets = new List<ModuleTargetResult>();
            if (scenario.ModuleTargets.FirstOrDefault(t => t.Module == step.Module) is { } target)
            {
                if (target.MinOpsPerSecond is { } min) targets.Add(new ModuleTargetResult("min_ops_per_second", min, opsPerSecond, opsPerSecond >= min));
                if (target.MaxLatencyMs is { } max)
                {
                    var p95 = latency.P95 * 1000;
                    targets.Add(new ModuleTargetResult("max_latency_ms", max, p95, ops > 0 && p95 <= max));
                }
                if (target.ScalabilityThreshold is { } threshold)
                {
                    var e = scalability?.Efficiency ?? double.NaN;
                    targets.Add(new ModuleTargetResult("scalability_threshold", threshold, e, e >= threshold)
                    {
                        Uncertain = scalability?.Straddles(threshold) ?? false,
                    });
                }
            }
            result.Add(new ModulePerformance(step.Module, scenario.Name, step.Name, ops, series?.Errors ?? 0, opsPerSecond, latency, scalability, targets)
            {
                Exceptions = statistics.Exceptions.Where(x => x.Series == step.Name).ToList(),
                SubOperations = statistics.Operations.Where(o => o.Module == step.Module).ToList(),
            });
        }
        return result;
    }
}
