using System.Reflection;
using System.Text.Json.Serialization;
using PerfCluster.Core.Metrics;
using PerfCluster.Core.Regression;
using PerfCluster.Core.Scenarios;
using PerfCluster.Core.Thresholds;
using PerfCluster.Core.Results;

namespace PerfCluster.Core.Reports;

/// <summary>How a run ended. Written in lowercase ("completed") in reports.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<RunStatus>))]
public enum RunStatus
{
    /// <summary>Every scenario ran to its end and passed.</summary>
    [JsonStringEnumMemberName("completed")] Completed,
    /// <summary>Every scenario ran to its end, but a threshold failed or a scenario completed no requests.</summary>
    [JsonStringEnumMemberName("failed")] Failed,
    /// <summary>Stopped early by the user (Ctrl+C).</summary>
    [JsonStringEnumMemberName("interrupted")] Interrupted,
    /// <summary>The run could not be carried out (e.g. a required service was unreachable, a node crashed).</summary>
    [JsonStringEnumMemberName("error")] Error,
}

public static class RunStatuses
{
    public static string ToJsonName(this RunStatus status) => status switch
    {
        RunStatus.Completed => "completed",
        RunStatus.Failed => "failed",
        RunStatus.Interrupted => "interrupted",
        _ => "error",
    };
}

/// <summary>One scenario as run: its definition, what was measured, and how its thresholds came out.</summary>
public sealed record ScenarioReport(
    ScenarioDefinition Definition,
    ScenarioStatistics Statistics,
    IReadOnlyList<ThresholdResult> Thresholds,
    bool Interrupted)
{
    public string Name => Definition.Name;

    /// <summary>
    /// With --iterations N: every run of the scenario in order (the last one is <see cref="Statistics"/>)
    /// and its threshold results; empty for a single run.
    /// </summary>
    public IReadOnlyList<IterationResult> Iterations { get; init; } = [];

    /// <summary>
    /// <c>perfcluster test</c>: the comparison with the baseline. A failed verdict (or, under --strict, one that
    /// warned) fails the scenario. Null when no baseline was compared.
    /// </summary>
    public RegressionVerdict? Regression { get; init; }

    /// <summary>A failed threshold in any iteration fails the scenario.</summary>
    public bool AllIterationsPassed => Iterations.All(i => i.Thresholds.All(t => t.Passed));

    public bool CompletedNoRequests => Statistics.Overall.Requests <= 0;

    public IEnumerable<ThresholdResult> FailedThresholds => Thresholds.Where(t => !t.Passed);

    /// <summary>An alert rule's abort-run action stopped the scenario (it then fails).</summary>
    public bool Aborted => Statistics.Monitoring.AbortedBy is not null;

    private IReadOnlyList<Modules.ModulePerformance>? _modules;

    /// <summary>Each module the scenario runs: its figures, scalability and targets (computed from the statistics).</summary>
    [JsonIgnore]
    public IReadOnlyList<Modules.ModulePerformance> Modules => _modules ??= Core.Modules.ModulePerformance.Of(Definition, Statistics);

    /// <summary>
    /// Ran to its end, completed at least one request, every threshold and module target passed, the baseline comparison
    /// (if any) passed, and no alert aborted it.
    /// </summary>
    public bool Passed => !Interrupted && !CompletedNoRequests && !Aborted && Thresholds.All(t => t.Passed) && AllIterationsPassed &&
                          (Regression?.Passed ?? true) && Modules.All(m => m.Passed);
}

/// <summary>One run of a scenario repeated with --iterations.</summary>
public sealed record IterationResult(ScenarioStatistics Statistics, IReadOnlyList<ThresholdResult> Thresholds);

/// <summary>Everything one <c>perfcluster run</c> produced; the single input of every report writer.</summary>
public sealed record RunReport
{
    public const string ToolName = "perfcluster";

    /// <summary>E.g. "benchmark_1764168000" (see <c>TestRunId</c>).</summary>
    public required string RunId { get; init; }
    public required RunStatus Status { get; init; }
    public required DateTimeOffset StartedAt { get; init; }
    public required DateTimeOffset FinishedAt { get; init; }
    public string ToolVersion { get; init; } = CurrentToolVersion;
    /// <summary>Machine the run was driven from.</summary>
    public string Host { get; init; } = Environment.MachineName;
    public string? SourceFile { get; init; }
    /// <summary>The scenario file as run.</summary>
    public string? SourceText { get; init; }
    public IReadOnlyList<ScenarioReport> Scenarios { get; init; } = [];
    /// <summary>Facts about the run worth reading next to its figures (e.g. "interrupted after 12.3 s: ...").</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];
    /// <summary><c>perfcluster db pool-sweep</c>: every size and the one picked; null for other runs.</summary>
    public Databases.PoolSweepResult? PoolSweep { get; init; }
    /// <summary><c>perfcluster cache strategies</c>: each strategy's figures and the winner; null for other runs.</summary>
    public Databases.CacheStrategiesResult? CacheStrategies { get; init; }
    /// <summary><c>perfcluster db patterns</c>: each query pattern's figures; null for other runs.</summary>
    public Databases.QueryPatternsResult? QueryPatterns { get; init; }
    /// <summary><c>perfcluster optimize</c>: every trial, the best configuration and its gain, what was applied; null for other runs.</summary>
    public Optimisation.StudyResult? Optimisation { get; init; }

    public TimeSpan Duration => FinishedAt > StartedAt ? FinishedAt - StartedAt : TimeSpan.Zero;

    /// <summary>The run, or any of its scenarios, was stopped early.</summary>
    public bool Interrupted => Status == RunStatus.Interrupted || Scenarios.Any(s => s.Interrupted);

    /// <summary>
    /// Not interrupted, not an error, at least one scenario, and every scenario passed (all thresholds passed and at
    /// least one request completed). Decided from the figures, whatever <see cref="Status"/> says otherwise.
    /// </summary>
    public bool Passed => Status != RunStatus.Error && !Interrupted && Scenarios.Count > 0 &&
        // A sweep passes when it found its optimal size: the sizes that miss the SLA are what it measures.
        (PoolSweep is { } sweep ? sweep.Optimal is not null
            : CacheStrategies is { } cache ? cache.Winner is not null && cache.Points.All(p => p.Gets > 0)
            : QueryPatterns is { } patterns ? patterns.Points.Count > 0 && patterns.Points.All(p => p.Requests > 0 && p.Errors == 0)
            : Scenarios.All(s => s.Passed));

    /// <summary>The guide's exit codes: 130 if interrupted (this wins), 0 if passed, 1 otherwise.</summary>
    public int ExitCode => Interrupted ? 130 : Passed ? 0 : 1;

    /// <summary>The status that scenarios which all ran (or did not) imply: Interrupted, Failed or Completed.</summary>
    public static RunStatus StatusOf(IEnumerable<ScenarioReport> scenarios)
    {
        ArgumentNullException.ThrowIfNull(scenarios);
        var list = scenarios.ToList();
        if (list.Any(s => s.Interrupted)) return RunStatus.Interrupted;
        return list.Count > 0 && list.All(s => s.Passed) ? RunStatus.Completed : RunStatus.Failed;
    }

    /// <summary>PerfCluster's version, without build metadata.</summary>
    public static string CurrentToolVersion { get; } = ReadToolVersion();

    private static string ReadToolVersion()
    {
        var assembly = typeof(RunReport).Assembly;
        var informational = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
        if (!string.IsNullOrWhiteSpace(informational))
        {
            var plus = informational.IndexOf('+', StringComparison.Ordinal);
            return plus < 0 ? informational : informational[..plus];
        }
        return assembly.GetName().Version?.ToString(3) ?? "0.0.0";
    }
}
