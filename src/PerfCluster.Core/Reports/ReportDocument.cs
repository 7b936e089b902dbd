using System.Text.Json;
using System.Text.Json.Serialization;

namespace PerfCluster.Core.Reports;

// report.json, defined once. These records are what the file holds, key for key (snake_case through
// ReportJson's naming policy); ReportDocuments.From builds them from a RunReport, ReportJson writes and reads them,
// and docs/report.schema.json is generated from them. A figure that is NaN or infinite, and a latency of anything
// that completed no requests, is null.

/// <summary>The whole report.json.</summary>
public sealed record ReportDocument
{
    /// <summary>The guide's run id, e.g. "benchmark_1764168000".</summary>
    public required string BenchmarkRunId { get; init; }
    /// <summary>completed | failed | interrupted | error.</summary>
    public required string Status { get; init; }
    public required bool Passed { get; init; }
    public required int ExitCode { get; init; }
    public required DateTimeOffset StartedAt { get; init; }
    public required DateTimeOffset FinishedAt { get; init; }
    public required double? DurationSeconds { get; init; }
    public required ToolDocument Tool { get; init; }
    public required string Host { get; init; }
    /// <summary>One entry per scenario, by name (a repeated name gets " (2)").</summary>
    public required Dictionary<string, LoadTestDocument> LoadTests { get; init; }
    public required List<AlertDocument> Alerts { get; init; }
    public required List<string> Recommendations { get; init; }
    public required List<string> Notes { get; init; }
    public required SourceDocument Source { get; init; }
    /// <summary><c>perfcluster db pool-sweep</c>: the figures per pool size and the optimal one; absent for other runs.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public PoolSweepDocument? PoolSweep { get; init; }
    /// <summary><c>perfcluster cache strategies</c>: the figures per strategy and the winner; absent for other runs.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public CacheStrategiesDocument? CacheStrategies { get; init; }
    /// <summary><c>perfcluster db patterns</c>: the figures per query pattern; absent for other runs.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public QueryPatternsDocument? QueryPatterns { get; init; }
    /// <summary><c>perfcluster optimize</c>: every trial, the best configuration and its gain, convergence, importance, what was applied; absent for other runs.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public OptimisationDocument? Optimisation { get; init; }
    /// <summary>C# modules: per module, its operations, latency, scalability and targets; absent when no scenario runs a module.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public Dictionary<string, ModuleDocument>? ModulePerformance { get; init; }
    /// <summary>The guide's name for <see cref="ModulePerformance"/>: the same content.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public Dictionary<string, ModuleDocument>? QuantumPerformance { get; init; }
}

/// <summary>
/// One module in one load test: operations and ops/s over the measured period (cluster-wide), latency percentiles
/// (seconds), the scalability score E = X(2N) / (2·X(N)) with its interval, each target's verdict, errors by exception
/// type and the named sub-operations.
/// </summary>
public sealed record ModuleDocument(
    string LoadTest, string Step, long Operations, long Errors, double? OpsPerSecond, LatencyDocument Latency, double? ScalabilityScore,
    ScalabilityDocument? Scalability, bool Passed, List<ModuleTargetDocument> Targets, Dictionary<string, ModuleErrorDocument> ErrorsByType,
    Dictionary<string, SubOperationDocument> SubOperations);

/// <summary>The two phases: N users, each phase's mean ops/s over its windows (the second phase's first window kept out), E and its 95% interval.</summary>
public sealed record ScalabilityDocument(
    int Users, double? OpsPerSecondAtN, [property: JsonPropertyName("ops_per_second_at_2n")] double? OpsPerSecondAt2N, int WindowsAtN,
    [property: JsonPropertyName("windows_at_2n")] int WindowsAt2N, double? Efficiency,
    [property: JsonPropertyName("ci95_low")] double? Ci95Low, [property: JsonPropertyName("ci95_high")] double? Ci95High);

/// <summary>One target: min_ops_per_second, max_latency_ms (on p95) or scalability_threshold; uncertain when E's interval straddles it.</summary>
public sealed record ModuleTargetDocument(string Target, double? Limit, double? Actual, bool Passed, bool Uncertain, string Description);

/// <summary>One exception type: how often it was thrown in the measured period, and the first one's message and place in the module.</summary>
public sealed record ModuleErrorDocument(long Count, string? First);

/// <summary>One named sub-operation (<c>context.Time(name)</c>): count, failures and durations (seconds).</summary>
public sealed record SubOperationDocument(long Count, long Failed, LatencyDocument Duration);

/// <summary>
/// An optimisation study: its parameters and objectives, why it stopped, every trial, the best feasible configuration with its
/// gain over the baseline (exp(score) − 1) and that gain's 95 % interval, the best gain after each trial, parameter importance
/// (the share of 1/length scale of the fitted process), and the configuration applied at the end.
/// </summary>
public sealed record OptimisationDocument(
    string Study, string Scenario, List<OptimisationParameterDocument> Parameters, List<OptimisationObjectiveDocument> Objectives, List<string> Constraints,
    int MaxTrials, double MaxTimeSeconds, double ConvergenceThreshold, int ConvergenceTrials, string StopReason, bool Interrupted,
    List<OptimisationTrialDocument> Trials, List<int> BestTrials, Dictionary<string, string>? Best, double? BestScore, double? Gain,
    [property: JsonPropertyName("gain_ci95_low")] double? GainCi95Low, [property: JsonPropertyName("gain_ci95_high")] double? GainCi95High, double? Noise,
    List<double?> BestGainByTrial, List<OptimisationImportanceDocument> Importance, Dictionary<string, string>? Applied, bool AppliedBest, string? Error,
    double? ProposalMsMean, double? ProposalMsMax, List<string> Notes);

/// <summary>One parameter: integer, real, boolean or choice, its range (log scale when said), its baseline value.</summary>
public sealed record OptimisationParameterDocument(string Name, string Type, double? Min, double? Max, double? Step, List<string>? Choices, bool LogScale, string Start);

public sealed record OptimisationObjectiveDocument(string Metric, string Goal, double Weight);

/// <summary>
/// One trial: why it ran (baseline, design, search, remeasure), its configuration, every figure the objectives and constraints
/// name (canonical units: seconds, fractions, per second), its score (null when it has none), feasibility and the constraints it broke.
/// </summary>
public sealed record OptimisationTrialDocument(
    int Number, string Kind, Dictionary<string, string> Parameters, Dictionary<string, double?> Metrics, double? Score, double? Gain, bool Feasible,
    List<string> Broken, string Status, string? Reason, string? RunId, DateTimeOffset StartedAt, DateTimeOffset FinishedAt);

public sealed record OptimisationImportanceDocument(string Parameter, double LengthScale, double Share);

/// <summary>Query patterns on tables of their own (named with <see cref="Prefix"/>, seeded to <see cref="Rows"/>, dropped after when <see cref="Dropped"/>).</summary>
public sealed record QueryPatternsDocument(string Provider, string Prefix, long Rows, bool Dropped, List<QueryPatternDocument> Patterns);

public sealed record QueryPatternDocument(
    string Pattern, string LoadTest, string Description, double? Throughput, double? P50, double? P95, double? P99, long Requests, long Errors,
    long RowsRead, long RowsAffected);

/// <summary>A cache comparison: the workload every strategy got, each strategy's figures (its load test by name) and the winner.</summary>
public sealed record CacheStrategiesDocument(
    string Keys, int Users, double? DurationSeconds, int ValueSize, long MaxMemory, double? TtlSeconds, string Backend, string Rule, string? Winner,
    List<CacheStrategyDocument> Strategies);

/// <summary>
/// One strategy: GETs and hits as PerfCluster counted them, Redis's own keyspace hits and misses (null for the in-process
/// cache), evictions, memory, GET latency and the whole lookup's (a miss includes the backend and the SET).
/// </summary>
public sealed record CacheStrategyDocument(
    string Strategy, string LoadTest, long Gets, long Hits, double? HitRate, long? ServerHits, long? ServerMisses, double? ServerHitRate,
    long? Evictions, long? MemoryBytes, double? GetThroughput, double? GetP50, double? GetP95, double? GetP99, double? LookupP95, long Errors);

/// <summary>A pool-size sweep: the database, the rule, each size's figures (its load test by name) and the size the rule picks.</summary>
public sealed record PoolSweepDocument(
    string Database, string Rule, double TolerancePercent, double? SlaP99, double MaxErrorRate, string Search, int? OptimalPoolSize,
    List<PoolSizeDocument> Sizes);

public sealed record PoolSizeDocument(
    int PoolSize, string LoadTest, double? Throughput, double? P50, double? P95, double? P99, double? PoolWaitP99, long Requests, long Errors,
    double? ErrorRate, bool MeetsSla);

public sealed record ToolDocument(string Name, string Version);

/// <summary>The scenario file as run.</summary>
public sealed record SourceDocument(string? File, string? Text);

/// <summary>
/// A report-level alert derived from the figures. One an alert rule raised while the run went also has its rule,
/// span, peak and evidence; those keys are null on the others.
/// </summary>
public sealed record AlertDocument(
    string Type, string Severity, string Message, string Scenario, string? Endpoint, string? Rule, string? Condition, long? StartSecond,
    long? EndSecond, bool? FiringAtEnd, double? Peak, string? PeakText, string? Evidence);

/// <summary>Latencies in seconds.</summary>
public sealed record LatencyDocument(
    double? Min, double? Mean, double? Stddev, double? P50, double? P90, double? P95, double? P99,
    [property: JsonPropertyName("p99_9")] double? P999, double? Max);

/// <summary>The figures a load test, its warm-up and each of its endpoints share.</summary>
public record FiguresDocument
{
    [JsonPropertyOrder(-10)] public required double? Throughput { get; init; }
    [JsonPropertyOrder(-9)] public required LatencyDocument Latency { get; init; }
    /// <summary>Open model only: from the actual send, where <see cref="Latency"/> is from the intended start.</summary>
    [JsonPropertyOrder(-8), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public LatencyDocument? ServiceTime { get; init; }
    [JsonPropertyOrder(-7)] public required double? ErrorRate { get; init; }
    [JsonPropertyOrder(-6)] public required long Requests { get; init; }
    [JsonPropertyOrder(-5)] public required long Errors { get; init; }
    /// <summary>Every known error kind (0 when none), then any other kind that occurred.</summary>
    [JsonPropertyOrder(-4)] public required Dictionary<string, long> ErrorsByKind { get; init; }
    /// <summary>SQL and Redis steps: rows read (a Redis GET's hits); absent where nothing was read from a database.</summary>
    [JsonPropertyOrder(-3), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public long? RowsRead { get; init; }
    /// <summary>SQL steps: rows inserted, updated or deleted.</summary>
    [JsonPropertyOrder(-2), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public long? RowsAffected { get; init; }
}

/// <summary>One scenario as run: its figures, the workload model, the verdict and everything behind it.</summary>
public sealed record LoadTestDocument : FiguresDocument
{
    /// <summary>closed | open.</summary>
    public required string Model { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? LatencyNote { get; init; }
    public required bool Passed { get; init; }
    public required bool Interrupted { get; init; }
    public required DateTimeOffset StartedAt { get; init; }
    public required double? MeasuredDurationSeconds { get; init; }
    public required long PeakUsers { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public IterationsDocument? Iterations { get; init; }
    public required long AbandonedInFlight { get; init; }
    public required long DroppedIterations { get; init; }
    public required long ConnectionWaits { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public LagDocument? SchedulingLag { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public FiguresDocument? WarmUp { get; init; }
    public required Dictionary<string, FiguresDocument> Endpoints { get; init; }
    /// <summary>Journeys: flows, groups and checks (the request steps are the endpoints); absent for a request mix.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public JourneyDocument? Journey { get; init; }
    public required List<ThresholdDocument> Thresholds { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public RegressionDocument? Regression { get; init; }
    public required GeneratorDocument Generator { get; init; }
    public required MonitoringDocument Monitoring { get; init; }
    public required List<WorkerDocument> Workers { get; init; }
    public required List<WindowDocument> Timeline { get; init; }
    /// <summary>The scenario as run, in the form the scenario loader reads (ScenarioJson): the report can be run again.</summary>
    public required JsonElement Scenario { get; init; }
}

/// <summary>How late the open model dispatched iterations after their intended start, in seconds.</summary>
/// <summary>A journey's flows and groups (iterations and their durations) and named checks, each by name.</summary>
public sealed record JourneyDocument(
    Dictionary<string, TimingDocument> Flows, Dictionary<string, TimingDocument> Groups, Dictionary<string, CheckDocument> Checks)
{
    /// <summary>SQL databases: every acquisition's wait for a pooled connection (the database side's coordinated omission).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public Dictionary<string, PoolDocument>? Pools { get; init; }
}

/// <summary>One database's pool: acquisitions, how many gave up at pool-timeout, and the waits (seconds).</summary>
public sealed record PoolDocument(long Acquired, long Timeouts, LatencyDocument Wait)
{
    /// <summary>In-process caches: entries evicted for room, and the bytes and entries held at the end.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public long? Evictions { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public long? Bytes { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public long? Entries { get; init; }
}

/// <summary>One flow's iterations or one group's blocks: durations from start to last step, completed and failed.</summary>
public sealed record TimingDocument(long Iterations, long Completed, long Failed, double? FailedRate, LatencyDocument Duration);

/// <summary>One named check: passes, failures and the pass rate (null when it never ran).</summary>
public sealed record CheckDocument(long Passes, long Failures, double? Rate);

public sealed record LagDocument(double? P50, double? P95, double? P99, double? Max);

/// <summary>--iterations: each run's figures, then the mean and 95% confidence interval of each.</summary>
public sealed record IterationsDocument(int Count, List<IterationRunDocument> Runs, Dictionary<string, SampleSummaryDocument> Summary);

public sealed record IterationRunDocument(
    long Requests, double? Throughput, double? ErrorRate, double? P50, double? P90, double? P95, double? P99,
    [property: JsonPropertyName("p99_9")] double? P999, bool ThresholdsPassed);

public sealed record SampleSummaryDocument(double? Mean, double? Stddev, double? Ci95Low, double? Ci95High);

public sealed record ThresholdDocument(
    string Scope, string? Endpoint, string Expression, string Metric, string Operator, double? Limit, double? Actual, bool Passed,
    string Description)
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Note { get; init; }
}

/// <summary>The comparison with a baseline (perfcluster test, a scheduled run with a baseline).</summary>
public sealed record RegressionDocument(
    RegressionBaselineDocument Baseline, string Outcome, bool Strict, bool Passed, int ExitCode, List<string> EnvironmentWarnings,
    List<MetricComparisonDocument> Metrics);

public sealed record RegressionBaselineDocument(string Name, int Version, string? RunId);

public sealed record MetricComparisonDocument(
    string Metric, string? Endpoint, string Direction, double? Baseline, double? Current, double? ChangePercent,
    double? WarningThreshold, double? FailureThreshold, string Outcome, string Test, double? PValue, double? Effect,
    /// <summary>The Hodges-Lehmann shift's 95% interval [low, high]; null when it has none.</summary>
    List<double?>? EffectCi95, ComparisonSamplesDocument Samples, string? Note);

public sealed record ComparisonSamplesDocument(string? Source, int Baseline, int Current);

public sealed record GeneratorDocument(
    double? CpuSeconds, double? CpuPercentOfOneCore, double? CpuPercentOfMachine, int ProcessorCount, long PeakWorkingSetBytes,
    long PeakGcHeapBytes, double? GcPauseSeconds, long Gen2Collections, int PeakThreadPoolThreads,
    [property: JsonPropertyName("peak_thread_pool_queue")] long PeakThreadPoolQueueLength, int PeakOpenSockets,
    long NetworkReceivedBytes, long NetworkSentBytes);

/// <summary>What watching the run found: alerts, leak verdicts, recommendations, the target's samples, the aborting rule.</summary>
public sealed record MonitoringDocument(
    string? AbortedBy, LeakDocument? TargetLeak, LeakDocument? GeneratorLeak, List<MonitoringAlertDocument> Alerts,
    List<MonitoringRecommendationDocument> Recommendations, List<TargetSampleDocument> Target);

public sealed record LeakDocument(
    bool Suspected, string Reason, int Samples, double? SpanSeconds, double? SlopeMbPerMinute,
    [property: JsonPropertyName("slope_ci95_low")] double? SlopeCi95Low, [property: JsonPropertyName("slope_ci95_high")] double? SlopeCi95High,
    double? RSquared, double? GrowthMb, double? ThresholdMb);

public sealed record MonitoringAlertDocument(
    string Name, string Kind, string Severity, string Condition, string? Metric, string? Endpoint, long StartSecond, long? EndSecond,
    bool FiringAtEnd, double? DurationSeconds, double? Peak, string PeakText, string Evidence);

public sealed record MonitoringRecommendationDocument(string Kind, string Message, long Second, Dictionary<string, double?> Evidence);

public sealed record TargetSampleDocument(long Second)
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public double? CpuPercent { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public double? MemoryMb { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public int? Threads { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public Dictionary<string, double?>? Series { get; init; }
}

public sealed record WorkerDocument(string Node, long Requests, long Errors, double? CpuSeconds, long Deltas, long LastSecond);

/// <summary>One closed second of the timeline, merged over every worker.</summary>
public sealed record WindowDocument(
    long Second, long Requests, long Errors, double? Throughput, int ActiveUsers, WindowLatencyDocument Latency,
    Dictionary<string, long> RequestsByEndpoint, List<NodeWindowDocument> Nodes);

public sealed record WindowLatencyDocument(double? P50, double? P95, double? P99, double? Max);

/// <summary>What one generating node spent in one second; the runtime's figures where the node reported them.</summary>
public sealed record NodeWindowDocument(string Node, double? CpuPercentOfOneCore, long WorkingSetBytes)
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public long? GcHeapBytes { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public int? Gen0Collections { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public int? Gen1Collections { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public int? Gen2Collections { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public double? GcPauseMs { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public int? ThreadPoolThreads { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull), JsonPropertyName("thread_pool_queue")] public long? ThreadPoolQueueLength { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public long? NetworkReceivedBytes { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public long? NetworkSentBytes { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public int? OpenSockets { get; init; }
}
