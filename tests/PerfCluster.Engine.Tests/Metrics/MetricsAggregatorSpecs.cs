using Akka.Actor;
using Akka.TestKit.Xunit2;
using PerfCluster.Core.Metrics;
using PerfCluster.Core.Scenarios;
using PerfCluster.Engine.Metrics;
using static PerfCluster.Engine.Coordination.RunProtocol;

namespace PerfCluster.Engine.Tests.Metrics;

public class MetricsAggregatorSpecs : TestKit
{
    // The production configuration: the aggregator runs on its own dispatcher.
    public MetricsAggregatorSpecs() : base(TestNodes.Cluster()) { }

    private static readonly ScenarioDefinition Scenario = new()
    {
        Name = "agg",
        Target = new Uri("http://127.0.0.1:1/"),
        Load = new ClosedLoad(1, TimeSpan.FromSeconds(5), TimeSpan.Zero, ThinkTime.None, TimeSpan.FromSeconds(1)),
        Endpoints = [new EndpointDefinition { Name = "a", Path = "/a" }],
    };

    private static MetricsDelta Delta(string node, long seq, int requests)
    {
        var h = Latency.NewHistogram();
        for (var i = 0; i < requests; i++) h.RecordValue(1000);
        return new MetricsDelta("run", node, seq, seq - 1, [new EndpointDelta("a", Latency.Encode(h), new long[ErrorKinds.Count])],
            1, new GeneratorSample(0.1, 1, 2), false);
    }

    [Fact]
    public void Should_acknowledge_every_delivery_but_merge_a_resent_delta_once()
    {
        var listener = CreateTestProbe();
        var aggregator = Sys.ActorOf(MetricsAggregator.Props("run", Scenario, listener, DateTimeOffset.UtcNow, 2));

        aggregator.Tell(Delta("n1", 1, 10));
        ExpectMsg<MetricsAck>(a => a.Seq == 1 && a.Node == "n1");
        aggregator.Tell(Delta("n1", 1, 10));
        ExpectMsg<MetricsAck>(a => a.Seq == 1);
        aggregator.Tell(Delta("n2", 1, 5));
        ExpectMsg<MetricsAck>(a => a.Node == "n2");
        aggregator.Tell(new FinishAggregation(DateTimeOffset.UtcNow, TimeSpan.FromSeconds(1), 2));

        var stats = ExpectMsg<ScenarioStatistics>();
        Assert.Equal(15, stats.Overall.Requests);
    }

    [Fact]
    public void Should_stream_progress_to_the_listener_every_second()
    {
        var listener = CreateTestProbe();
        var aggregator = Sys.ActorOf(MetricsAggregator.Props("run", Scenario, listener, DateTimeOffset.UtcNow, 0));

        aggregator.Tell(Delta("n1", 1, 7));
        ExpectMsg<MetricsAck>();

        var progress = listener.FishForMessage<RunProgress>(p => p.Totals.Requests == 7, TimeSpan.FromSeconds(5));
        Assert.Equal("agg", progress.Scenario);
        Assert.Equal(1, progress.ActiveUsers);
    }
}
