using HdrHistogram;
using PerfCluster.Core.Metrics;
using PerfCluster.Core.Results;

namespace PerfCluster.Core.Tests.Metrics;

public class WindowAggregatorSpecs
{
    private static readonly GeneratorSample NoCost = new(0, 0, 2);

    private static EndpointDelta Endpoint(string name, IEnumerable<long> micros, long[]? errors = null)
    {
        var h = Latency.NewHistogram();
        foreach (var m in micros) h.RecordValue(m);
        return new EndpointDelta(name, Latency.Encode(h), errors ?? new long[ErrorKinds.Count]);
    }

    private static MetricsDelta Delta(string node, long seq, long second, params EndpointDelta[] endpoints) =>
        new("run", node, seq, second, endpoints, ActiveUsers: 5, NoCost, Final: false);

    [Fact]
    public void Should_round_trip_a_histogram_through_its_encoding()
    {
        var h = Latency.NewHistogram();
        for (var v = 1L; v < 1_000_000; v = v * 3 + 1) h.RecordValue(v);

        var decoded = Latency.Decode(Latency.Encode(h));

        Assert.Equal(h.TotalCount, decoded.TotalCount);
        Assert.Equal(h.GetMaxValue(), decoded.GetMaxValue());
        Assert.Equal(h.GetValueAtPercentile(50), decoded.GetValueAtPercentile(50));
    }

    [Fact]
    public void Should_merge_a_resent_delta_only_once()
    {
        var agg = new WindowAggregator("s", ["a"]);
        var delta = Delta("n1", 1, 0, Endpoint("a", [1000, 2000, 3000]));

        Assert.True(agg.Accept(delta));
        Assert.False(agg.Accept(delta));

        Assert.Equal(3, agg.TotalRequests);
        Assert.Equal(1, agg.DuplicatesDropped);
    }

    [Fact]
    public void Should_give_the_percentiles_of_all_samples_not_the_average_of_node_percentiles()
    {
        // Node 1: 99 fast requests; node 2: 1 slow one. Averaging per-node p99s would say ~50 ms;
        // the merged p99 of 100 samples is the fast value and the max is the slow one.
        var agg = new WindowAggregator("s", ["a"]);
        agg.Accept(Delta("n1", 1, 0, Endpoint("a", Enumerable.Repeat(1_000L, 99))));
        agg.Accept(Delta("n2", 1, 0, Endpoint("a", [100_000])));

        var stats = agg.Finish(DateTimeOffset.UnixEpoch, TimeSpan.FromSeconds(1), 10);

        Assert.Equal(100, stats.Overall.Requests);
        Assert.Equal(0.001, stats.Overall.Latency.P99, 3);
        Assert.Equal(0.1, stats.Overall.Latency.Max, 3);
    }

    [Fact]
    public void Should_keep_windows_per_second_and_totals_per_endpoint()
    {
        var agg = new WindowAggregator("s", ["a", "b"]);
        var errors = new long[ErrorKinds.Count];
        errors[(int)ErrorKind.Http5xx] = 2;
        agg.Accept(Delta("n1", 1, 0, Endpoint("a", [1000, 1000]), Endpoint("b", [5000], errors)));
        agg.Accept(Delta("n1", 2, 1, Endpoint("a", [2000])));
        agg.Accept(Delta("n2", 1, 1, Endpoint("b", [3000, 3000])));

        var stats = agg.Finish(DateTimeOffset.UnixEpoch, TimeSpan.FromSeconds(2), 10);

        Assert.Equal([0L, 1L], stats.Timeline.Select(w => w.Second));
        Assert.Equal(3, stats.Timeline[0].Requests);
        Assert.Equal(3, stats.Timeline[1].Requests);
        Assert.Equal(10, stats.Timeline[1].ActiveUsers);
        Assert.Equal(2, stats.Timeline[0].Errors);
        Assert.Equal(3, stats.Endpoints.Single(e => e.Name == "a").Requests);
        Assert.Equal(3, stats.Endpoints.Single(e => e.Name == "b").Requests);
        Assert.Equal(2, stats.Overall.ErrorsByKind["http_5xx"]);
        Assert.Equal(2.0 / 6, stats.Overall.ErrorRate, 6);
        Assert.Equal(3.0, stats.Overall.Throughput, 6);
    }

    [Fact]
    public void Should_merge_a_late_delta_into_its_own_second_while_the_window_is_open()
    {
        var agg = new WindowAggregator("s", ["a"], lateness: 2);
        agg.Accept(Delta("n1", 1, 0, Endpoint("a", [1000])));
        agg.Accept(Delta("n1", 2, 1, Endpoint("a", [1000])));
        agg.Accept(Delta("n2", 1, 0, Endpoint("a", [1000])));   // n2's second 0 arrives after n1's second 1

        Assert.Empty(agg.CloseSettledWindows());
        agg.Accept(Delta("n1", 3, 2, Endpoint("a", [1000])));
        var closed = agg.CloseSettledWindows();

        Assert.Equal(0, Assert.Single(closed).Second);
        Assert.Equal(2, closed[0].Requests);
    }

    [Fact]
    public void Should_count_a_delta_for_an_already_closed_window_in_totals_and_in_that_window()
    {
        var agg = new WindowAggregator("s", ["a"], lateness: 1);
        agg.Accept(Delta("n1", 1, 0, Endpoint("a", [1000])));
        agg.Accept(Delta("n1", 2, 1, Endpoint("a", [1000])));
        agg.CloseSettledWindows();
        agg.Accept(Delta("n2", 1, 0, Endpoint("a", [1000, 1000])));

        var stats = agg.Finish(DateTimeOffset.UnixEpoch, TimeSpan.FromSeconds(2), 1);

        Assert.Equal(4, stats.Overall.Requests);
        Assert.Equal(3, stats.Timeline.Single(w => w.Second == 0).Requests);
        Assert.Equal(1, agg.LateDeltas);
    }

    [Fact]
    public void Should_add_up_generator_cpu_and_abandoned_requests_per_node()
    {
        var agg = new WindowAggregator("s", ["a"]);
        agg.Accept(new MetricsDelta("run", "n1", 1, 0, [], 1, new GeneratorSample(0.5, 100, 2, 1), false));
        agg.Accept(new MetricsDelta("run", "n1", 2, 1, [], 1, new GeneratorSample(0.5, 300, 2, 2), true));

        var stats = agg.Finish(DateTimeOffset.UnixEpoch, TimeSpan.FromSeconds(2), 1);

        Assert.Equal(1.0, stats.Generator.CpuSeconds, 6);
        Assert.Equal(50.0, stats.Generator.CpuPercentOfOneCore, 6);
        Assert.Equal(25.0, stats.Generator.CpuPercentOfMachine, 6);
        Assert.Equal(300, stats.Generator.PeakWorkingSetBytes);
        Assert.Equal(3, stats.AbandonedInFlight);
    }

    [Fact]
    public void Should_keep_each_nodes_resources_per_window_and_their_peaks_and_sums_over_the_run()
    {
        var agg = new WindowAggregator("s", ["a"]);
        NodeResources Resources(long heap, int gen2, double pause, int threads, long rx, int sockets) =>
            new(heap, 0, 0, gen2, pause, threads, 3, rx, rx / 2, sockets);
        agg.Accept(new MetricsDelta("run", "n1", 1, 0, [], 1, new GeneratorSample(0.5, 100, 2) { Resources = Resources(10, 1, 0.010, 8, 1000, 64) }, false));
        agg.Accept(new MetricsDelta("run", "n2", 1, 0, [], 1, new GeneratorSample(0.25, 200, 2) { Resources = Resources(30, 0, 0.002, 6, 500, 32) }, false));
        agg.Accept(new MetricsDelta("run", "n1", 2, 1, [], 1, new GeneratorSample(0.75, 150, 2) { Resources = Resources(20, 2, 0.020, 9, 3000, 65) }, true));

        var stats = agg.Finish(DateTimeOffset.UnixEpoch, TimeSpan.FromSeconds(2), 1);

        var first = stats.Timeline.Single(w => w.Second == 0);
        Assert.Equal(["n1", "n2"], first.Nodes.Select(n => n.Node));
        Assert.Equal(50.0, first.Nodes[0].CpuPercentOfOneCore, 6);
        Assert.Equal(200, first.Nodes[1].WorkingSetBytes);
        Assert.Equal(65, stats.Timeline.Single(w => w.Second == 1).Nodes.Single().Resources!.OpenSockets);
        var g = stats.Generator;
        Assert.Equal(0.032, g.GcPauseSeconds, 6);
        Assert.Equal(3, g.Gen2Collections);
        Assert.Equal(30, g.PeakGcHeapBytes);
        Assert.Equal(9, g.PeakThreadPoolThreads);
        Assert.Equal(65, g.PeakOpenSockets);
        Assert.Equal(4500, g.NetworkReceivedBytes);
    }

    [Fact]
    public void Should_report_latency_in_seconds_within_hdr_precision()
    {
        var h = Latency.NewHistogram();
        h.RecordValue(12_345);   // 12.345 ms

        var summary = LatencySummary.From(h);

        Assert.InRange(summary.P50, 0.012345, 0.012345 * 1.001);
        Assert.InRange(summary.Min, 0.012345 * 0.999, 0.012345);
    }
}
