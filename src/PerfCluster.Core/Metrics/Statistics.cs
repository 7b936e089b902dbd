namespace PerfCluster.Core.Metrics;

/// <summary>Totals for one endpoint, or for the whole scenario ("overall").</summary>
public sealed record EndpointStatistics(
    string Name,
    long Requests,
    long Errors,
    IReadOnlyDictionary<string, long> ErrorsByKind,
    double ErrorRate,
    double Throughput,
    LatencySummary Latency)
{
    /// <summary>
    /// Open model only: time from the actual send to the last byte. <see cref="Latency"/> is then
    /// measured from the iteration's intended start, so a late send counts against the target
    /// (coordinated omission correction).
    /// </summary>
    public LatencySummary? ServiceTime { get; init; }

    /// <summary>SQL and Redis steps: rows read (a Redis GET's hits); 0 for HTTP.</summary>
    public long RowsRead { get; init; }

    /// <summary>SQL steps: rows inserted, updated or deleted.</summary>
    public long RowsAffected { get; init; }
}

/// <summary>One database's connection pool over the measured period: how long steps waited for a connection.</summary>
public sealed record PoolStatistics(string Database, long Acquired, long Timeouts, LatencySummary Wait)
{
    /// <summary>In-process caches: entries evicted for room, and the bytes and entries held at the end (over every node).</summary>
    public long Evictions { get; init; }
    public long? Bytes { get; init; }
    public long? Entries { get; init; }
}

/// <summary>One closed 1-second window of the timeline (merged over every worker).</summary>
public sealed record WindowStatistics(
    long Second,
    long Requests,
    long Errors,
    double Throughput,
    int ActiveUsers,
    LatencySummary Latency,
    IReadOnlyDictionary<string, long> RequestsByEndpoint)
{
    /// <summary>What each generating node spent on this second, in the order the nodes reported.</summary>
    public IReadOnlyList<NodeWindow> Nodes { get; init; } = [];
}

/// <summary>How hard the generator itself worked: evidence for "was the generator the bottleneck".</summary>
public sealed record GeneratorStatistics(double CpuSeconds, double CpuPercentOfOneCore, double CpuPercentOfMachine, int ProcessorCount, long PeakWorkingSetBytes)
{
    /// <summary>Time every generating node spent paused for garbage collection, summed.</summary>
    public double GcPauseSeconds { get; init; }
    /// <summary>Full (generation 2) collections over all nodes.</summary>
    public long Gen2Collections { get; init; }
    /// <summary>Largest managed heap any node reported.</summary>
    public long PeakGcHeapBytes { get; init; }
    /// <summary>Most thread-pool threads any node had.</summary>
    public int PeakThreadPoolThreads { get; init; }
    /// <summary>Longest thread-pool queue any node reported at a flush (work waiting for a thread).</summary>
    public long PeakThreadPoolQueueLength { get; init; }
    /// <summary>Most sockets any node had open.</summary>
    public int PeakOpenSockets { get; init; }
    /// <summary>Bytes the generating nodes' network namespaces received and sent during the run.</summary>
    public long NetworkReceivedBytes { get; init; }
    public long NetworkSentBytes { get; init; }
}
