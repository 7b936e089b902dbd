namespace PerfCluster.Core.Metrics;

/// <summary>
/// One node's runtime over one flush interval, shipped with its metrics delta: the evidence for "was
/// the generator healthy". Counts (collections, pause, network bytes) are for the interval; the rest
/// are the value at the end of it. Network bytes are the node's network namespace, all interfaces.
/// </summary>
public sealed record NodeResources(
    long GcHeapBytes,
    int Gen0Collections,
    int Gen1Collections,
    int Gen2Collections,
    double GcPauseSeconds,
    int ThreadPoolThreads,
    long ThreadPoolQueueLength,
    long NetworkReceivedBytes,
    long NetworkSentBytes,
    int OpenSockets);

/// <summary>One node's part of one closed window: what it cost to generate that second's load.</summary>
public sealed record NodeWindow(string Node, double CpuSeconds, long WorkingSetBytes, NodeResources? Resources)
{
    /// <summary>Cores of the node's machine, so CPU can be read as a share of what it had.</summary>
    public int ProcessorCount { get; init; } = 1;

    /// <summary>CPU used in the window as a percentage of one core (200 = two cores busy).</summary>
    public double CpuPercentOfOneCore => 100.0 * CpuSeconds;
}
