using Akka.Actor;
using Akka.Cluster;
using Akka.Configuration;
using Akka.TestKit.Xunit2;
using PerfCluster.Core.Coordination;
using PerfCluster.Core.Metrics;
using PerfCluster.Core.Scenarios;
using PerfCluster.Engine.Hosting;
using PerfCluster.Engine.Workers;
using static PerfCluster.Engine.Protocol.RunProtocol;

namespace PerfCluster.Engine.Tests.Workers;

/// <summary>One share on its own, with probes standing in for the aggregator and the coordinator.</summary>
public class RunExecutorSpecs : TestKit
{
    private static readonly Config NodeConfig = TestNodes.Cluster();

    private static readonly ExecutorSettings Fast = ExecutorSettings.Default with { ResendAfter = TimeSpan.FromMilliseconds(500) };

    public RunExecutorSpecs() : base(NodeConfig)
    {
        TestNodes.JoinSelf(Sys);
    }

    private static ScenarioDefinition Scenario(Uri target, int users, TimeSpan duration) => new()
    {
        Name = "share",
        Target = target,
        Load = new ClosedLoad(users, duration, TimeSpan.Zero, new ThinkTime(TimeSpan.FromMilliseconds(10), TimeSpan.Zero), TimeSpan.FromSeconds(5)),
        Endpoints = [new EndpointDefinition { Name = "a", Path = "/a" }],
    };

    [Fact]
    public async Task Should_shed_a_fifth_of_its_users_at_each_flush_above_the_memory_limit_and_say_so()
    {
        await using var server = new LoopbackServer();
        var aggregator = CreateTestProbe();
        var coordinator = CreateTestProbe();
        var assign = new AssignShare("r", Scenario(server.BaseUrl, 20, TimeSpan.FromSeconds(4)), new UserShare(0, 20), DateTimeOffset.UtcNow, aggregator, coordinator);

        Sys.ActorOf(RunExecutor.Props(assign, "node-a", Fast with { MemoryLimitBytes = 1 }));

        var note = coordinator.FishForMessage<WorkerNote>(_ => true, TimeSpan.FromSeconds(5));
        Assert.Contains("shed 4 of its 20 users", note.Text);
        var second = coordinator.FishForMessage<WorkerNote>(_ => true, TimeSpan.FromSeconds(5));
        Assert.Contains("shed 4 of its 16 users", second.Text);
        var later = aggregator.FishForMessage<MetricsDelta>(d => { aggregator.Reply(new MetricsAck("r", "node-a", d.Seq)); return d.Seq >= 3; }, TimeSpan.FromSeconds(5));
        Assert.True(later.ActiveUsers <= 16, $"{later.ActiveUsers} users still active");
    }

    [Theory]
    [InlineData("off", 0L)]
    [InlineData("2GB", 2L << 30)]
    [InlineData("512mb", 512L << 20)]
    public void Should_read_the_memory_limit(string text, long bytes)
    {
        Assert.Equal(bytes, ExecutorSettings.ParseMemoryLimit(text));
        Assert.True(ExecutorSettings.ParseMemoryLimit("auto") > 0);
        Assert.Throws<FormatException>(() => ExecutorSettings.ParseMemoryLimit("lots"));
    }

    [Fact]
    public async Task Should_resend_an_unacknowledged_delta_with_the_same_sequence_number()
    {
        await using var server = new LoopbackServer();
        var aggregator = CreateTestProbe();
        var coordinator = CreateTestProbe();
        var assign = new AssignShare("r", Scenario(server.BaseUrl, 2, TimeSpan.FromSeconds(3)), new UserShare(0, 2), DateTimeOffset.UtcNow, aggregator, coordinator);

        Sys.ActorOf(RunExecutor.Props(assign, "node-a", Fast));

        var first = aggregator.ExpectMsg<MetricsDelta>(TimeSpan.FromSeconds(5));
        var resent = aggregator.FishForMessage<MetricsDelta>(d => d.Seq == first.Seq, TimeSpan.FromSeconds(5));
        Assert.Equal(first.Second, resent.Second);
        Assert.Same(first, resent);
        aggregator.Reply(new MetricsAck("r", "node-a", first.Seq));
    }

    [Fact]
    public async Task Should_finish_with_every_request_in_some_delta_once_all_are_acknowledged()
    {
        await using var server = new LoopbackServer();
        var aggregator = CreateTestProbe();
        var coordinator = CreateTestProbe();
        var assign = new AssignShare("r", Scenario(server.BaseUrl, 3, TimeSpan.FromSeconds(2)), new UserShare(0, 3), DateTimeOffset.UtcNow, aggregator, coordinator);
        Sys.ActorOf(RunExecutor.Props(assign, "node-a", Fast));

        var seen = new Dictionary<long, MetricsDelta>();
        MetricsDelta delta;
        do
        {
            delta = aggregator.ExpectMsg<MetricsDelta>(TimeSpan.FromSeconds(10));
            seen[delta.Seq] = delta;
            aggregator.Reply(new MetricsAck("r", "node-a", delta.Seq));
        }
        while (!delta.Final);

        var done = coordinator.ExpectMsg<ShareCompleted>(TimeSpan.FromSeconds(10));
        Assert.Equal(delta.Seq, done.LastSeq);
        Assert.Equal(0, done.Unacknowledged);
        Assert.Equal(3, done.PeakUsers);
        var requests = seen.Values.Sum(d => d.Endpoints.Sum(e => Latency.Decode(e.Histogram).TotalCount));
        Assert.Equal(server.Requests, requests);
        Assert.Equal(Enumerable.Range(1, seen.Count).Select(i => (long)i), seen.Keys.Order());
    }

    [Fact]
    public async Task Should_start_and_stop_users_when_its_share_is_resplit()
    {
        await using var server = new LoopbackServer();
        var aggregator = CreateTestProbe();
        var coordinator = CreateTestProbe();
        var assign = new AssignShare("r", Scenario(server.BaseUrl, 6, TimeSpan.FromSeconds(6)), new UserShare(0, 2), DateTimeOffset.UtcNow, aggregator, coordinator);
        var executor = Sys.ActorOf(RunExecutor.Props(assign, "node-a", Fast));

        var early = aggregator.ExpectMsg<MetricsDelta>(TimeSpan.FromSeconds(5));
        aggregator.Reply(new MetricsAck("r", "node-a", early.Seq));
        executor.Tell(new UpdateShare("r", new UserShare(0, 5), "worker lost"));

        var later = aggregator.FishForMessage<MetricsDelta>(d =>
        {
            aggregator.Reply(new MetricsAck("r", "node-a", d.Seq));
            return d.Seq >= early.Seq + 2;
        }, TimeSpan.FromSeconds(10));
        Assert.Equal(2, early.ActiveUsers);
        Assert.Equal(5, later.ActiveUsers);

        executor.Tell(new UpdateShare("r", new UserShare(4, 5), "worker joined"));
        var shrunk = aggregator.FishForMessage<MetricsDelta>(d =>
        {
            aggregator.Reply(new MetricsAck("r", "node-a", d.Seq));
            return d.Seq >= later.Seq + 2;
        }, TimeSpan.FromSeconds(10));
        Assert.Equal(1, shrunk.ActiveUsers);
    }

    [Fact]
    public async Task Should_hand_its_share_back_before_stopping_when_drained()
    {
        await using var server = new LoopbackServer();
        var aggregator = CreateTestProbe();
        var coordinator = CreateTestProbe();
        var assign = new AssignShare("r", Scenario(server.BaseUrl, 2, TimeSpan.FromSeconds(30)), new UserShare(0, 2), DateTimeOffset.UtcNow, aggregator, coordinator);
        var executor = Sys.ActorOf(RunExecutor.Props(assign, "node-a", Fast));
        aggregator.IgnoreMessages(m =>
        {
            if (m is MetricsDelta d) executor.Tell(new MetricsAck(d.RunId, d.Node, d.Seq));
            return true;
        });
        await Task.Delay(500);

        executor.Tell(RunExecutor.Drain.Instance, TestActor);

        var release = coordinator.ExpectMsg<ReleaseShare>(TimeSpan.FromSeconds(5));
        Assert.Equal("node-a", release.Node);
        ExpectNoMsg(TimeSpan.FromMilliseconds(300));   // users keep running until the coordinator took the share
        coordinator.Reply(new ShareReleased("r"));
        coordinator.ExpectMsg<ShareCompleted>(TimeSpan.FromSeconds(10));
        ExpectMsg<RunExecutor.Drained>(TimeSpan.FromSeconds(5));
    }
}
