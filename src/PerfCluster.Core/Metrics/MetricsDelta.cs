using PerfCluster.Core.Coordination;

namespace PerfCluster.Core.Metrics;

/// <summary>
/// What one node recorded for one endpoint during one flush interval. The histogram is HDR-encoded
/// (compressed) so the same message can cross the network; its total count is the request count.
/// </summary>
public sealed record EndpointDelta(string Endpoint, byte[] Histogram, long[] ErrorsByKind)
{
    /// <summary>Open model: service times (actual send to last byte), HDR-encoded; null in the closed model.</summary>
    public byte[]? ServiceTime { get; init; }

    /// <summary>SQL and Redis steps: rows read (a Redis GET's hits) in this interval.</summary>
    public long RowsRead { get; init; }

    /// <summary>SQL steps: rows inserted, updated or deleted in this interval.</summary>
    public long RowsAffected { get; init; }
}

/// <summary>
/// One database's pool on one node in one flush interval: every acquisition's wait for a connection (HDR-encoded, the
/// count is the acquisitions) and how many gave up at <c>pool-timeout</c>.
/// </summary>
public sealed record PoolDelta(string Database, byte[] Waits, long Timeouts)
{
    /// <summary>In-process (memory) caches: entries evicted for room in this interval.</summary>
    public long Evictions { get; init; }
    /// <summary>In-process caches: the bytes of values held at the flush, and the entries; null for a SQL pool.</summary>
    public long? Bytes { get; init; }
    public long? Entries { get; init; }
}

/// <summary>
/// What one node recorded for one named sub-operation of a module (<c>context.Time("parse")</c>) during one flush interval.
/// </summary>
public sealed record OperationDelta(string Module, string Name, byte[] Durations, long Failed);

/// <summary>
/// The exceptions one node's module step threw during one flush interval, of one type: the error kind of a module's
/// operation is its exception's type. <see cref="Sample"/> is the first one's message and where in the module it was thrown.
/// </summary>
public sealed record ExceptionDelta(string Series, string Type, long Count, string? Sample);

/// <summary>
/// What one node recorded for one flow or group of a journey during one flush interval: iteration (or block) durations,
/// HDR-encoded, and how many completed and failed. Durations run from the iteration's start (its intended start in the
/// open model) to its last step's end; failed iterations are in the histogram too.
/// </summary>
public sealed record TimingDelta(string Name, bool Group, byte[] Durations, long Completed, long Failed);

/// <summary>How often one named check passed and failed on one node in one flush interval.</summary>
public sealed record CheckDelta(string Name, long Passes, long Failures);

/// <summary>
/// One node's flush: identified by (Node, Seq) so resends are merged once. <see cref="Second"/> is the
/// run-relative second the interval closed in.
/// </summary>
public sealed record MetricsDelta(
    string RunId,
    string Node,
    long Seq,
    long Second,
    IReadOnlyList<EndpointDelta> Endpoints,
    int ActiveUsers,
    GeneratorSample Generator,
    bool Final) : IClusterMessage
{
    /// <summary>Journeys: iteration durations and counts per flow and per group; empty for a request mix.</summary>
    public IReadOnlyList<TimingDelta> Timings { get; init; } = [];

    /// <summary>Journeys: passes and failures per named check.</summary>
    public IReadOnlyList<CheckDelta> Checks { get; init; } = [];

    /// <summary>Journeys with SQL or Redis steps: each database's pool waits.</summary>
    public IReadOnlyList<PoolDelta> Pools { get; init; } = [];

    /// <summary>Modules: the named sub-operations and the exceptions by type.</summary>
    public IReadOnlyList<OperationDelta> Operations { get; init; } = [];

    public IReadOnlyList<ExceptionDelta> Exceptions { get; init; } = [];
}

/// <summary>The generator's own cost over one flush interval, so the report can tell who was the bottleneck.</summary>
public sealed record GeneratorSample(double CpuSeconds, long WorkingSetBytes, int ProcessorCount, long AbandonedInFlight = 0)
{
    /// <summary>Open-model iterations that found no free user in this interval.</summary>
    public long DroppedIterations { get; init; }

    /// <summary>How late iterations (open model) or the share's timers (closed model) ran, HDR-encoded.</summary>
    public byte[]? SchedulingLag { get; init; }

    /// <summary>Requests that waited for a free pooled connection in this interval.</summary>
    public long ConnectionWaits { get; init; }

    /// <summary>The node's runtime (GC, thread pool, network, sockets) over the interval; null from nodes that do not sample it.</summary>
    public NodeResources? Resources { get; init; }
}

/// <summary>The aggregator's acknowledgement of one delta (also sent for duplicates): the node stops resending it.</summary>
public sealed record MetricsAck(string RunId, string Node, long Seq) : IClusterMessage;
