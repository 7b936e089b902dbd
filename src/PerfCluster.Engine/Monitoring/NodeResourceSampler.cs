using PerfCluster.Core.Metrics;

namespace PerfCluster.Engine.Monitoring;

/// <summary>
/// Samples this process's runtime once per flush: GC heap, collections and pause time since the last
/// sample, thread-pool threads and queue, network bytes of the process's network namespace (from
/// /proc/self/net/dev) and open sockets (from /proc/self/fd). On a platform without /proc the network
/// and socket figures are 0. Not thread-safe: one sampler per share, called from its executor.
/// </summary>
public sealed class NodeResourceSampler
{
    private int _gen0 = GC.CollectionCount(0);
    private int _gen1 = GC.CollectionCount(1);
    private int _gen2 = GC.CollectionCount(2);
    private TimeSpan _pause = GC.GetTotalPauseDuration();
    private (long Received, long Sent) _network = ReadNetwork();

    public NodeResources Take()
    {
        int gen0 = GC.CollectionCount(0), gen1 = GC.CollectionCount(1), gen2 = GC.CollectionCount(2);
        var pause = GC.GetTotalPauseDuration();
        var network = ReadNetwork();
        var sample = new NodeResources(
            GcHeapBytes: GC.GetGCMemoryInfo().HeapSizeBytes,
            Gen0Collections: gen0 - _gen0,
            Gen1Collections: gen1 - _gen1,
            Gen2Collections: gen2 - _gen2,
            GcPauseSeconds: (pause - _pause).TotalSeconds,
            ThreadPoolThreads: ThreadPool.ThreadCount,
            ThreadPoolQueueLength: ThreadPool.PendingWorkItemCount,
            NetworkReceivedBytes: Math.Max(0, network.Received - _network.Received),
            NetworkSentBytes: Math.Max(0, network.Sent - _network.Sent),
            OpenSockets: CountSockets());
        (_gen0, _gen1, _gen2, _pause, _network) = (gen0, gen1, gen2, pause, network);
        return sample;
    }

    /// <summary>Received and sent bytes summed over every interface, as /proc/self/net/dev lists them.</summary>
    public static (long Received, long Sent) ParseNetDev(string text)
    {
        long received = 0, sent = 0;
        foreach (var line in text.Split('\n'))
        {
            var colon = line.IndexOf(':');
            if (colon < 0) continue;   // the two header lines have no "iface:" prefix
            var fields = line[(colon + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 9 || !long.TryParse(fields[0], out var rx) || !long.TryParse(fields[8], out var tx)) continue;
            received += rx;
            sent += tx;
        }
        return (received, sent);
    }

    private static (long Received, long Sent) ReadNetwork()
    {
        try
        {
            return ParseNetDev(File.ReadAllText("/proc/self/net/dev"));
        }
        catch (IOException) { return (0, 0); }
        catch (UnauthorizedAccessException) { return (0, 0); }
    }

    private static int CountSockets()
    {
        try
        {
            var count = 0;
            foreach (var fd in Directory.EnumerateFileSystemEntries("/proc/self/fd"))
            {
                try
                {
                    if (new FileInfo(fd).LinkTarget is { } target && target.StartsWith("socket:", StringComparison.Ordinal)) count++;
                }
                catch (IOException) { }   // the descriptor closed while we looked
            }
            return count;
        }
        catch (IOException) { return 0; }
        catch (UnauthorizedAccessException) { return 0; }
    }
}
