using Akka.Actor;
using Akka.Cluster;
using Akka.Configuration;
using Akka.TestKit.Xunit2;
using PerfCluster.Core.Scenarios;
using PerfCluster.Engine.Coordination;
using PerfCluster.Engine.Hosting;
using PerfCluster.Engine.Workers;
using static PerfCluster.Engine.Protocol.RunProtocol;

namespace PerfCluster.Engine.Tests.Coordination;

/// <summary>
/// Three actor systems in one process form a cluster (a coordinator and two workers) with fast
/// failure detection: splitting, re-splitting after a crash and exact merging, without processes.
/// </summary>
public sealed class MultiNodeRunSpecs : TestKit
{
    private static Config NodeConfig(string role) => TestNodes.FastCluster(role);

    private readonly List<ActorSystem> _workers = new();

    public MultiNodeRunSpecs() : base(NodeConfig(ClusterRoles.Coordinator))
    {
        var seed = Cluster.Get(Sys).SelfAddress;
        Cluster.Get(Sys).Join(seed);
        for (var i = 0; i < 2; i++)
        {
            var worker = ActorSystem.Create(Sys.Name, NodeConfig(ClusterRoles.Worker));
            worker.ActorOf(WorkerAgent.Props(PerfClusterHosting.ExecutorSettingsFrom(worker.Settings.Config), TimeSpan.FromSeconds(20)), ActorNames.WorkerAgent);
            Cluster.Get(worker).Join(seed);
            _workers.Add(worker);
        }
        AwaitCondition(() => Cluster.Get(Sys).State.Members.Count(m => m.Status == MemberStatus.Up) == 3, TimeSpan.FromSeconds(20));
        Manager = Sys.ActorOf(RunManager.Props(PerfClusterHosting.CoordinatorSettingsFrom(Sys.Settings.Config)), ActorNames.RunManager);
    }

    private IActorRef Manager { get; }

    private static ScenarioDefinition Scenario(Uri target, int users, TimeSpan duration) => new()
    {
        Name = "multi-node",
        Target = target,
        Load = new ClosedLoad(users, duration, TimeSpan.Zero, new ThinkTime(TimeSpan.FromMilliseconds(10), TimeSpan.Zero), TimeSpan.FromSeconds(5)),
        Endpoints = [new EndpointDefinition { Name = "a", Path = "/a" }],
    };

    [Fact]
    public async Task Should_split_users_over_both_workers_and_merge_their_counts_exactly()
    {
        await using var server = new LoopbackServer();
        var listener = CreateTestProbe();

        Manager.Tell(new StartRun("split", Scenario(server.BaseUrl, 5, TimeSpan.FromSeconds(3)), listener, MinWorkers: 2));

        var shares = listener.FishForMessage<SharesAssigned>(_ => true, TimeSpan.FromSeconds(10));
        Assert.Equal([3, 2], shares.Shares.Select(s => s.Share.Count));
        Assert.Equal(5, shares.Shares.Sum(s => s.Share.Count));
        var done = listener.FishForMessage<RunCompleted>(_ => true, TimeSpan.FromSeconds(30));
        Assert.Equal(server.Requests, done.Statistics.Overall.Requests);
        Assert.Equal(2, done.Statistics.Workers.Count);
        Assert.All(done.Statistics.Workers, w => Assert.True(w.Requests > 0));
    }

    [Fact]
    public async Task Should_resplit_over_the_survivor_when_a_worker_crashes()
    {
        await using var server = new LoopbackServer();
        var listener = CreateTestProbe();
        Manager.Tell(new StartRun("crash", Scenario(server.BaseUrl, 4, TimeSpan.FromSeconds(12)), listener, MinWorkers: 2));
        listener.FishForMessage<SharesAssigned>(s => s.Shares.Count == 2, TimeSpan.FromSeconds(10));
        await Task.Delay(TimeSpan.FromSeconds(1.5));

        ((Akka.Actor.Internal.ActorSystemImpl)_workers[1]).Abort();

        var resplit = listener.FishForMessage<SharesAssigned>(s => s.Shares.Count == 1, TimeSpan.FromSeconds(15));
        Assert.Equal(4, resplit.Shares.Single().Share.Count);
        Assert.Contains("lost", resplit.Reason);
        var done = listener.FishForMessage<RunCompleted>(_ => true, TimeSpan.FromSeconds(40));
        Assert.Contains(done.Notes, n => n.Contains("was lost"));
        Assert.True(done.Statistics.Overall.Requests <= server.Requests);
        var lastFull = done.Statistics.Timeline.SkipLast(1).TakeLast(3).Select(w => w.ActiveUsers);
        Assert.All(lastFull, u => Assert.Equal(4, u));
    }

    protected override void AfterAll()
    {
        foreach (var worker in _workers) worker.Terminate().Wait(TimeSpan.FromSeconds(10));
        base.AfterAll();
    }
}
