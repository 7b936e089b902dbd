using Akka.Actor;
using Akka.TestKit.Xunit2;
using PerfCluster.Core.Metrics;
using PerfCluster.Core.Scenarios;
using PerfCluster.Engine.Coordination;
using PerfCluster.Engine.Metrics;
using static PerfCluster.Engine.Protocol.RunProtocol;
using PerfCluster.Core.Results;
using PerfCluster.Engine.Recovery;

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

/// <summary>With a run journal, deltas are acknowledged only once stored, and a taken-over run starts from what was stored.</summary>
public class DurableMetricsAggregatorSpecs : TestKit
{
    public DurableMetricsAggregatorSpecs() : base(TestNodes.Cluster()) { }

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
    public void Should_acknowledge_a_delta_only_once_its_checkpoint_is_stored()
    {
        var journal = CreateTestProbe();
        var aggregator = Sys.ActorOf(MetricsAggregator.Props("run", Scenario, CreateTestProbe(), DateTimeOffset.UtcNow, 2, journal));

        aggregator.Tell(Delta("n1", 1, 10));
        aggregator.Tell(Delta("n1", 1, 10));   // resent before it was stored
        aggregator.Tell(Delta("n2", 1, 4));
        var checkpoint = journal.ExpectMsg<RunCheckpointsProtocol.Checkpoint>(TimeSpan.FromSeconds(5));
        ExpectNoMsg(TimeSpan.FromMilliseconds(200));

        Assert.Equal([("n1", 1L), ("n2", 1L)], checkpoint.Deltas.Select(d => (d.Node, d.Seq)));
        aggregator.Tell(new RunCheckpointsProtocol.Checkpointed(checkpoint.Id));
        var acks = new[] { ExpectMsg<MetricsAck>(), ExpectMsg<MetricsAck>(), ExpectMsg<MetricsAck>() };
        Assert.Equal(2, acks.Count(a => a.Node == "n1"));
        // Once stored, a resend is acknowledged at once and merged no more.
        aggregator.Tell(Delta("n1", 1, 10));
        ExpectMsg<MetricsAck>(a => a.Node == "n1" && a.Seq == 1);
        aggregator.Tell(new FinishAggregation(DateTimeOffset.UtcNow, TimeSpan.FromSeconds(1), 2));
        Assert.Equal(14, FishForMessage<ScenarioStatistics>(_ => true).Overall.Requests);
    }

    [Fact]
    public void Should_acknowledge_at_once_when_the_journal_stopped()
    {
        var journal = Sys.ActorOf(Props.Empty);
        var aggregator = Sys.ActorOf(MetricsAggregator.Props("run", Scenario, CreateTestProbe(), DateTimeOffset.UtcNow, 2, journal));
        aggregator.Tell(Delta("n1", 1, 3));

        Sys.Stop(journal);

        ExpectMsg<MetricsAck>(a => a.Seq == 1, TimeSpan.FromSeconds(5));
        aggregator.Tell(Delta("n1", 2, 3));
        ExpectMsg<MetricsAck>(a => a.Seq == 2);
    }

    [Fact]
    public void Should_start_a_taken_over_run_from_the_stored_checkpoints_and_merge_a_resent_delta_once()
    {
        IReadOnlyList<IReadOnlyList<MetricsDelta>> stored = [[Delta("n1", 1, 10), Delta("n2", 1, 5)], [Delta("n1", 2, 6)]];
        var aggregator = Sys.ActorOf(MetricsAggregator.Props("run", Scenario, CreateTestProbe(), DateTimeOffset.UtcNow.AddSeconds(-3), 2, null, stored));

        aggregator.Tell(Delta("n1", 2, 6));    // stored, but its acknowledgement was lost with the coordinator
        ExpectMsg<MetricsAck>(a => a.Seq == 2);
        aggregator.Tell(Delta("n2", 2, 4));    // never reached the lost coordinator
        ExpectMsg<MetricsAck>(a => a.Node == "n2" && a.Seq == 2);
        aggregator.Tell(new FinishAggregation(DateTimeOffset.UtcNow, TimeSpan.FromSeconds(3), 2));

        var stats = ExpectMsg<ScenarioStatistics>();
        Assert.Equal(25, stats.Overall.Requests);
        Assert.Equal(2, stats.Workers.Count);
    }
}
