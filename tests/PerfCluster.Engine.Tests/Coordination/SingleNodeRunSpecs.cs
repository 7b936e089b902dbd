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

/// <summary>The embedded topology: one node with both roles runs a whole scenario through the actors.</summary>
public class SingleNodeRunSpecs : TestKit
{
    private static readonly Config NodeConfig = TestNodes.Cluster("coordinator", "worker");

    public SingleNodeRunSpecs() : base(NodeConfig)
    {
        TestNodes.JoinSelf(Sys);
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

    private static ScenarioDefinition OpenScenario(Uri target, double rate, int maxUsers, TimeSpan duration) =>
        Scenario(target, maxUsers, duration, TimeSpan.Zero) with
        {
            Load = new ClosedLoad(maxUsers, duration, TimeSpan.Zero, ThinkTime.None, TimeSpan.FromSeconds(5)),
            Open = new OpenLoad(rate, Math.Min(10, maxUsers), maxUsers),
        };

    [Fact]
    public async Task Should_run_the_open_model_at_its_rate_and_count_every_iteration()
    {
        await using var server = new LoopbackServer(200, TimeSpan.FromMilliseconds(2));
        var listener = CreateTestProbe();

        Manager.Tell(new StartRun("open", OpenScenario(server.BaseUrl, 100, 50, TimeSpan.FromSeconds(3)), listener));

        var done = listener.FishForMessage<RunCompleted>(_ => true, TimeSpan.FromSeconds(30));
        var s = done.Statistics;
        // 100/s for 3 s, arrivals from the start instant: each of the 300 is sent or, when a stall (a cold process, a
        // busy machine) left no free user of the 50 at its instant, dropped and counted; none is lost.
        Assert.Equal(300, s.Overall.Requests + s.DroppedIterations);
        Assert.Equal(server.Requests, s.Overall.Requests);
        Assert.True(s.Overall.Requests > 0);
        Assert.NotNull(s.Overall.ServiceTime);
        Assert.NotNull(s.SchedulingLag);
        // Latency counts from the intended start, so it can never be shorter than the service time.
        Assert.True(s.Overall.Latency.P50 >= s.Overall.ServiceTime!.P50);
    }

    [Fact]
    public async Task Should_drop_iterations_that_find_no_free_user_and_say_so()
    {
        await using var server = new LoopbackServer(200, TimeSpan.FromMilliseconds(300));
        var listener = CreateTestProbe();

        Manager.Tell(new StartRun("drop", OpenScenario(server.BaseUrl, 50, 2, TimeSpan.FromSeconds(2)), listener));

        var live = listener.FishForMessage<RunProgress>(p => p.DroppedIterations > 0, TimeSpan.FromSeconds(10));
        var done = listener.FishForMessage<RunCompleted>(_ => true, TimeSpan.FromSeconds(30));
        var s = done.Statistics;
        Assert.True(s.DroppedIterations > 50, $"dropped {s.DroppedIterations}");
        Assert.Equal(100, s.Overall.Requests + s.DroppedIterations);
        Assert.Equal(server.Requests, s.Overall.Requests);
        Assert.True(s.PeakUsers <= 2);
        Assert.True(live.DroppedIterations <= s.DroppedIterations);
    }

    [Fact]
    public async Task Should_keep_the_warm_up_out_of_the_statistics()
    {
        await using var server = new LoopbackServer(200, TimeSpan.FromMilliseconds(2));
        var listener = CreateTestProbe();
        var scenario = Scenario(server.BaseUrl, 2, TimeSpan.FromSeconds(2), TimeSpan.Zero) with { WarmUp = TimeSpan.FromSeconds(1) };

        Manager.Tell(new StartRun("warm", scenario, listener));

        var done = listener.FishForMessage<RunCompleted>(_ => true, TimeSpan.FromSeconds(30));
        var s = done.Statistics;
        Assert.NotNull(s.WarmUp);
        Assert.True(s.WarmUp!.Requests > 10);
        Assert.Equal(server.Requests, s.Overall.Requests + s.WarmUp.Requests);
        Assert.All(s.Timeline, w => Assert.True(w.Second >= 0));
        Assert.InRange(s.MeasuredDuration.TotalSeconds, 1.9, 3.5);
    }

    [Fact]
    public async Task Should_follow_closed_model_stages_up_and_down()
    {
        await using var server = new LoopbackServer(200, TimeSpan.FromMilliseconds(2));
        var listener = CreateTestProbe();
        var load = new ClosedLoad(6, TimeSpan.FromSeconds(6), TimeSpan.Zero, new ThinkTime(TimeSpan.FromMilliseconds(5), TimeSpan.Zero), TimeSpan.FromSeconds(5))
        {
            Stages = [new Stage(TimeSpan.Zero, 2), new Stage(TimeSpan.FromSeconds(2), 2), new Stage(TimeSpan.Zero, 6), new Stage(TimeSpan.FromSeconds(2), 6), new Stage(TimeSpan.Zero, 1), new Stage(TimeSpan.FromSeconds(2), 1)],
        };

        Manager.Tell(new StartRun("stages", Scenario(server.BaseUrl, 6, TimeSpan.FromSeconds(6), TimeSpan.Zero) with { Load = load }, listener));

        var done = listener.FishForMessage<RunCompleted>(_ => true, TimeSpan.FromSeconds(30));
        var users = done.Statistics.Timeline.ToDictionary(w => w.Second, w => w.ActiveUsers);
        Assert.Equal(2, users[0]);
        Assert.Equal(6, users[3]);
        Assert.Equal(1, users[5]);
        Assert.Equal(6, done.Statistics.PeakUsers);
        Assert.Equal(server.Requests, done.Statistics.Overall.Requests);
    }
}
