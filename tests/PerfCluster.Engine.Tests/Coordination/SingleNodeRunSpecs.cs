using Akka.Actor;
using Akka.Cluster;
using Akka.Configuration;
using Akka.TestKit.Xunit2;
using PerfCluster.Core.Scenarios;
using PerfCluster.Engine.Coordination;
using PerfCluster.Engine.Hosting;
using PerfCluster.Engine.Workers;
using static PerfCluster.Engine.Coordination.RunProtocol;

namespace PerfCluster.Engine.Tests.Coordination;

/// <summary>The embedded topology: one node with both roles runs a whole scenario through the actors.</summary>
public class SingleNodeRunSpecs : TestKit
{
    private static readonly Config NodeConfig = ConfigurationFactory.ParseString("""
        akka.actor.provider = cluster
        akka.remote.dot-netty.tcp { hostname = "127.0.0.1", port = 0 }
        akka.cluster.roles = [coordinator, worker]
        """).WithFallback(PerfClusterHosting.ReferenceConfig);

    public SingleNodeRunSpecs() : base(NodeConfig)
    {
        var cluster = Cluster.Get(Sys);
        cluster.Join(cluster.SelfAddress);
        AwaitCondition(() => cluster.SelfMember.Status == MemberStatus.Up, TimeSpan.FromSeconds(10));
        Sys.ActorOf(WorkerAgent.Props(PerfClusterHosting.ExecutorSettingsFrom(NodeConfig), TimeSpan.FromSeconds(20)), ActorNames.WorkerAgent);
        Manager = Sys.ActorOf(RunManager.Props(PerfClusterHosting.CoordinatorSettingsFrom(NodeConfig)), ActorNames.RunManager);
    }

    private IActorRef Manager { get; }

    private static ScenarioDefinition Scenario(Uri target, int users, TimeSpan duration, TimeSpan rampUp) => new()
    {
        Name = "single-node",
        Target = target,
        Load = new ClosedLoad(users, duration, rampUp, new ThinkTime(TimeSpan.FromMilliseconds(5), TimeSpan.Zero), TimeSpan.FromSeconds(5)),
        Endpoints =
        [
            new EndpointDefinition { Name = "a", Path = "/a", Weight = 3 },
            new EndpointDefinition { Name = "b", Path = "/b", Weight = 1 },
        ],
    };

    [Fact]
    public async Task Should_count_every_request_the_target_received()
    {
        await using var server = new LoopbackServer(200, TimeSpan.FromMilliseconds(2));
        var listener = CreateTestProbe();

        Manager.Tell(new StartRun("r1", Scenario(server.BaseUrl, 4, TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(1)), listener));

        var started = listener.ExpectMsg<RunStarted>(TimeSpan.FromSeconds(10));
        Assert.Equal(1, started.Workers);
        var done = listener.FishForMessage<RunCompleted>(_ => true, TimeSpan.FromSeconds(30));
        Assert.False(done.Interrupted);
        Assert.True(done.Statistics.Overall.Requests > 50, $"{done.Statistics.Overall.Requests} requests");
        Assert.Equal(server.Requests, done.Statistics.Overall.Requests);
        Assert.Equal(4, done.Statistics.PeakUsers);
        Assert.Equal(done.Statistics.Overall.Requests, done.Statistics.Timeline.Sum(w => w.Requests));
        var a = done.Statistics.Endpoints.Single(e => e.Name == "a").Requests;
        Assert.InRange((double)a / done.Statistics.Overall.Requests, 0.6, 0.9);
    }

    [Fact]
    public async Task Should_stop_early_on_StopRun_and_still_report_what_was_sent()
    {
        await using var server = new LoopbackServer(200, TimeSpan.FromMilliseconds(2));
        var listener = CreateTestProbe();

        Manager.Tell(new StartRun("r2", Scenario(server.BaseUrl, 3, TimeSpan.FromSeconds(60), TimeSpan.Zero), listener));
        listener.ExpectMsg<RunStarted>(TimeSpan.FromSeconds(10));
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        Manager.Tell(new StopRun("r2", "test"));

        var done = listener.FishForMessage<RunCompleted>(_ => true, TimeSpan.FromSeconds(15));
        Assert.True(done.Interrupted);
        Assert.Equal("test", done.Reason);
        Assert.True(done.Statistics.Overall.Requests > 0);
        Assert.Equal(server.Requests, done.Statistics.Overall.Requests);
        Assert.True(done.Statistics.MeasuredDuration < TimeSpan.FromSeconds(10));
    }

    [Fact]
    public void Should_fail_a_second_run_with_the_same_id()
    {
        var listener = CreateTestProbe();
        var scenario = Scenario(new Uri("http://127.0.0.1:9/"), 1, TimeSpan.FromSeconds(30), TimeSpan.Zero);

        Manager.Tell(new StartRun("dup", scenario, listener));
        Manager.Tell(new StartRun("dup", scenario, listener));

        listener.FishForMessage<RunFailed>(f => f.Error.Contains("already"), TimeSpan.FromSeconds(10));
        Manager.Tell(new StopRun("dup", "cleanup"));
    }
}
