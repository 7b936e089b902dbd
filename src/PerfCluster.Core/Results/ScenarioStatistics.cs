using PerfCluster.Core.Metrics;
using PerfCluster.Core.Monitoring;

namespace PerfCluster.Core.Results;

/// <summary>Everything measured in one scenario run: the input to thresholds and reports.</summary>
public sealed record ScenarioStatistics(
    string Scenario,
    DateTimeOffset StartedAt,
    TimeSpan MeasuredDuration,
    EndpointStatistics Overall,
    IReadOnlyList<EndpointStatistics> Endpoints,
    IReadOnlyList<WindowStatistics> Timeline,
    GeneratorStatistics Generator,
    int PeakUsers,
    /// <summary>Requests still in flight when the graceful-stop period ran out (abandoned, not counted).</summary>
    long AbandonedInFlight)
{
    /// <summary>What each worker node generated, in the order they first reported.</summary>
    public IReadOnlyList<WorkerStatistics> Workers { get; init; } = [];

    /// <summary>Open model: iterations that found no free user at their intended start (not sent, not in the totals).</summary>
    public long DroppedIterations { get; init; }

    /// <summary>Open model: how late iterations were dispatched after their intended start (generator health).</summary>
    public LatencySummary? SchedulingLag { get; init; }

    /// <summary>Times a request waited for a free connection of the pool (generator health).</summary>
    public long ConnectionWaits { get; init; }

    /// <summary>Totals of the warm-up period, kept out of every other figure; null without warm-up.</summary>
    public EndpointStatistics? WarmUp { get; init; }

    /// <summary>Alerts, leak verdicts, recommendations and the target's samples from watching the run.</summary>
    public MonitoringResult Monitoring { get; init; } = MonitoringResult.Empty;

    /// <summary>Journeys: each flow's iterations (durations, completed, failed); empty for a request mix.</summary>
    public IReadOnlyList<TimingStatistics> Flows { get; init; } = [];

    /// <summary>Journeys: each group's blocks, measured as a whole.</summary>
    public IReadOnlyList<TimingStatistics> Groups { get; init; } = [];

    /// <summary>Journeys: each named check's passes and failures.</summary>
    public IReadOnlyList<CheckStatistics> Checks { get; init; } = [];

    /// <summary>Journeys with SQL or Redis steps: each database's pool waits (the database side's coordinated omission).</summary>
    public IReadOnlyList<PoolStatistics> Pools { get; init; } = [];

    /// <summary>Modules: each named sub-operation (<c>context.Time(name)</c>) over the measured period.</summary>
    public IReadOnlyList<OperationStatistics> Operations { get; init; } = [];

    /// <summary>Modules: the exceptions each module step threw, by type (the error kind of a module operation).</summary>
    public IReadOnlyList<ExceptionStatistics> Exceptions { get; init; } = [];
}

/// <summary>One named sub-operation of a module over the measured period.</summary>
public sealed record OperationStatistics(string Module, string Name, long Count, long Failed, LatencySummary Duration);

/// <summary>
/// One exception type a module step threw: how often in the measured period (0 when only during the warm-up) and the
/// first one's message with where in the module it was thrown.
/// </summary>
public sealed record ExceptionStatistics(string Series, string Type, long Count, string? Sample);

/// <summary>One flow's iterations (or one group's blocks) over the measured period.</summary>
public sealed record TimingStatistics(string Name, long Completed, long Failed, LatencySummary Duration)
{
    public long Iterations => Completed + Failed;

    /// <summary>Failed iterations over all iterations (0 without any).</summary>
    public double FailedRate => Iterations == 0 ? 0 : (double)Failed / Iterations;
}

/// <summary>One named check over the measured period.</summary>
public sealed record CheckStatistics(string Name, long Passes, long Failures)
{
    public long Total => Passes + Failures;

    /// <summary>Passes over all evaluations; 1 when the check never ran (nothing failed).</summary>
    public double Rate => Total == 0 ? 1 : (double)Passes / Total;
}

/// <summary>One worker node's part of a scenario run.</summary>
public sealed record WorkerStatistics(string Node, long Requests, long Errors, double CpuSeconds, long Deltas, long LastSecond);
