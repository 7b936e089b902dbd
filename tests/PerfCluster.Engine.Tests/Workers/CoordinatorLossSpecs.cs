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

/// <summary>
/// A worker's share when its coordinator crashes, with real cluster membership (actor systems in one process, fast
/// failure detection): it keeps its load and its unacknowledged deltas while another coordinator node is reachable and
/// hands them to the coordinator that takes the run over; with no coordinator node left it stops after the grace.
/// The test kit's own system is not a cluster member: it only receives what the worker sends.
/// </summary>
public sealed class CoordinatorLossSpecs : TestKit
{
    private static Config NodeConfig(string role) => TestNodes.FastCluster(role);

    private readonly List<ActorSystem> _nodes = new();

    public CoordinatorLossSpecs() : base(NodeConfig("driver")) { }

    private ActorSystem Node(string role, Address seed)
    {
        var node = ActorSystem.Create(Sys.Name, NodeConfig(role));
        _nodes.Add(node);
        Cluster.Get(node).Join(seed);
        return node;
    }

    /// <summary>Passes everything it gets to the test actor: the lost coordinator's run coordinator and aggregator.</summary>
    private sealed class Forwarder(IActorRef to) : UntypedActor
    {
        protected override void OnReceive(object message) => to.Forward(message);
    }

    private static ScenarioDefinition Scenario(Uri target) => new()
    {
        Name = "loss",
        Target = target,
        Load = new ClosedLoad(2, TimeSpan.FromSeconds(60), TimeSpan.Zero, new ThinkTime(TimeSpan.FromMilliseconds(20), TimeSpan.Zero), TimeSpan.FromSeconds(1)),
        Endpoints = [new EndpointDefinition { Name = "a", Path = "/a" }],
    };

    /// <summary>A coordinator node A (the seed) and a worker; optionally a second coordinator node B. The worker runs a share for A.</summary>
    private async Task<(ActorSystem Lost, ActorSystem Worker)> StartShareAsync(Uri target, bool secondCoordinator)
    {
        var lost = ActorSystem.Create(Sys.Name, NodeConfig(ClusterRoles.Coordinator));
        _nodes.Add(lost);
        var seed = Cluster.Get(lost).SelfAddress;
        Cluster.Get(lost).Join(seed);
        var worker = Node(ClusterRoles.Worker, seed);
        worker.ActorOf(WorkerAgent.Props(PerfClusterHosting.ExecutorSettingsFrom(worker.Settings.Config), TimeSpan.FromSeconds(60)), ActorNames.WorkerAgent);
        var members = 2;
        if (secondCoordinator)
        {
            Node(ClusterRoles.Coordinator, seed);
            members++;
        }
        AwaitCondition(() => Cluster.Get(lost).State.Members.Count(m => m.Status == MemberStatus.Up) == members, TimeSpan.FromSeconds(20));

        var forwarder = lost.ActorOf(Props.Create(() => new Forwarder(TestActor)), "run-coordinator");
        var remote = await worker.ActorSelection(forwarder.Path.ToStringWithAddress(seed)).ResolveOne(TimeSpan.FromSeconds(5));
        worker.ActorSelection("/user/" + ActorNames.WorkerAgent)
            .Tell(new AssignShare("loss", Scenario(target), new UserShare(0, 2), DateTimeOffset.UtcNow.AddMilliseconds(300), remote, remote));
        FishForMessage<MetricsDelta>(d => d.Seq == 2, TimeSpan.FromSeconds(10));
        return (lost, worker);
    }

    [Fact]
    public async Task Should_keep_the_share_while_another_coordinator_node_is_reachable_and_resend_to_the_one_that_takes_over()
    {
        await using var server = new LoopbackServer();
        var (lost, worker) = await StartShareAsync(server.BaseUrl, secondCoordinator: true);

        ((Akka.Actor.Internal.ActorSystemImpl)lost).Abort();
        // Well past unreachability (~2 s), the loss grace (2 s) and the interrupt grace (3 s): the load still goes on.
        await Task.Delay(TimeSpan.FromSeconds(9));
        var before = server.Requests;
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        Assert.True(server.Requests > before, "the share stopped although another coordinator node was reachable");

        var self = Cluster.Get(Sys).SelfAddress;
        var takeover = await worker.ActorSelection(TestActor.Path.ToStringWithAddress(self)).ResolveOne(TimeSpan.FromSeconds(5));
        ReceiveWhile<object>(TimeSpan.FromMilliseconds(300), m => m);   // what the lost coordinator's forwarder passed on
        worker.ActorSelection("/user/" + ActorNames.WorkerAgent)
            .Tell(new AssignShare("loss", Scenario(server.BaseUrl), new UserShare(0, 2), DateTimeOffset.UtcNow, takeover, takeover));

        // Every delta the lost coordinator never acknowledged comes again, from the first one.
        var resent = FishForMessage<MetricsDelta>(d => d.Seq == 1, TimeSpan.FromSeconds(10));
        Assert.Equal("loss", resent.RunId);
    }

    [Fact]
    public async Task Should_stop_the_load_after_the_grace_when_no_coordinator_node_is_left()
    {
        await using var server = new LoopbackServer();
        var (lost, _) = await StartShareAsync(server.BaseUrl, secondCoordinator: false);

        ((Akka.Actor.Internal.ActorSystemImpl)lost).Abort();
        await Task.Delay(TimeSpan.FromSeconds(10));
        var after = server.Requests;
        await Task.Delay(TimeSpan.FromSeconds(2));

        Assert.True(after > 0);
        Assert.Equal(after, server.Requests);
    }

    protected override void AfterAll()
    {
        foreach (var node in _nodes) node.Terminate().Wait(TimeSpan.FromSeconds(10));
        base.AfterAll();
    }
}
