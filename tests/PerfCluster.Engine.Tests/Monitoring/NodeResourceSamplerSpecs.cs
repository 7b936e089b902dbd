using PerfCluster.Engine.Monitoring;

namespace PerfCluster.Engine.Tests.Monitoring;

public class NodeResourceSamplerSpecs
{
    [Fact]
    public void Should_sum_received_and_sent_bytes_over_every_interface_of_proc_net_dev()
    {
        const string text = """
            Inter-|   Receive                                                |  Transmit
             face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
                lo: 1000      10    0    0    0     0          0         0     1000      10    0    0    0     0       0          0
              eth0:  250       3    0    0    0     0          0         0      750       5    0    0    0     0       0          0
            """;

        Assert.Equal((1250L, 1750L), NodeResourceSampler.ParseNetDev(text));
    }

    [Fact]
    public void Should_count_this_processes_open_sockets_and_collections_between_samples()
    {
        var sampler = new NodeResourceSampler();
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        GC.Collect(2, GCCollectionMode.Forced, blocking: true);

        var sample = sampler.Take();

        Assert.True(sample.Gen2Collections >= 1);
        Assert.True(sample.GcHeapBytes > 0);
        Assert.True(sample.ThreadPoolThreads > 0);
        if (OperatingSystem.IsLinux()) Assert.True(sample.OpenSockets >= 1);
    }
}
