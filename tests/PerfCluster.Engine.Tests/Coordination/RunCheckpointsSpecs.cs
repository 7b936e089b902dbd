using Akka.Actor;
using Akka.TestKit.Xunit2;
using PerfCluster.Core.Metrics;
using PerfCluster.Core.Scenarios;
using PerfCluster.Engine.Coordination;
using PerfCluster.Engine.Persistence;
using PerfCluster.Engine.Tests.Persistence;
using PerfCluster.Core.Results;
using PerfCluster.Engine.Recovery;

namespace PerfCluster.Engine.Tests.Coordination;

/// <summary>
/// The recovery state a coordinator stores for each run, and the run manager's ledger of open runs, read back by a new
/// incarnation from a real store (a SQLite file of the spec's own), as a coordinator that takes a run over reads them.
/// </summary>
public sealed class RunCheckpointsSpecs : TestKit
{
    private readonly SqliteBackend _backend;

    public RunCheckpointsSpecs() : this(new SqliteBackend()) { }

    private RunCheckpointsSpecs(SqliteBackend backend) : base(StoreConfig(backend)) => _backend = backend;

    private static Akka.Configuration.Config StoreConfig(SqliteBackend backend)
    {
        var settings = backend.Settings(snapshotEvery: 2);
        StoreProbe.EnsureDataDirectory(settings);
        return settings.ToAkkaConfig().WithFallback(TestNodes.Local);
    }

    private static readonly ScenarioDefinition Scenario = new()
    {
        Name = "journal",
        Target = new Uri("http://127.0.0.1:1/"),
        Load = new ClosedLoad(4, TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(2), ThinkTime.None, TimeSpan.FromSeconds(1)),
        Endpoints = [new EndpointDefinition { Name = "a", Path = "/a" }],
    };

    private static MetricsDelta Delta(string node, long seq, int requests)
    {
        var h = Latency.NewHistogram();
        for (var i = 0; i < requests; i++) h.RecordValue(1000 + i);
        return new MetricsDelta("r1", node, seq, seq - 1, [new EndpointDelta("a", Latency.Encode(h), new long[ErrorKinds.Count])],
            2, new GeneratorSample(0.1, 1, 2), false);
    }

    private RecoveredRunState Recover(string runId, out IActorRef journal)
    {
        journal = ChildActorOf(RunCheckpoints.Props(runId));
        return ExpectMsg<RunCheckpointsProtocol.Recovered>(TimeSpan.FromSeconds(15)).State;
    }

    private void StopAndWait(IActorRef actor)
    {
        Watch(actor);
        Sys.Stop(actor);
        ExpectTerminated(actor, TimeSpan.FromSeconds(10));
    }

    [Fact]
    public void Should_read_back_the_start_every_checkpoint_and_the_notes_of_a_run()
    {
        var runId = "r-" + Guid.NewGuid().ToString("N")[..8];
        var startAt = DateTimeOffset.Parse("2026-11-26T12:00:00Z");
        Assert.False(Recover(runId, out var journal).Begun);

        journal.Tell(new RunCheckpointsProtocol.Begin(Scenario, startAt, "akka.tcp://perfcluster@127.0.0.1:4053/user/listener-x", 2));
        journal.Tell(new RunCheckpointsProtocol.Checkpoint(1, [Delta("n1", 1, 10), Delta("n2", 1, 7)]));
        ExpectMsg<RunCheckpointsProtocol.Checkpointed>(c => c.Id == 1, TimeSpan.FromSeconds(10));
        journal.Tell(new RunCheckpointsProtocol.Note("worker n3 was lost"));
        journal.Tell(new RunCheckpointsProtocol.Checkpoint(2, [Delta("n1", 2, 5)]));
        ExpectMsg<RunCheckpointsProtocol.Checkpointed>(c => c.Id == 2, TimeSpan.FromSeconds(10));
        journal.Tell(new RunCheckpointsProtocol.Stop("interrupted", Aborted: false));
        journal.Tell(new RunCheckpointsProtocol.Checkpoint(3, []));
        ExpectMsg<RunCheckpointsProtocol.Checkpointed>(c => c.Id == 3, TimeSpan.FromSeconds(10));
        StopAndWait(journal);

        var state = Recover(runId, out _);

        Assert.True(state.Begun);
        Assert.Equal("journal", state.Scenario!.Name);
        Assert.Equal(Scenario.Load, state.Scenario.Load);
        Assert.Equal(startAt, state.StartAt);
        Assert.Equal("akka.tcp://perfcluster@127.0.0.1:4053/user/listener-x", state.Listener);
        Assert.Equal(2, state.MinWorkers);
        Assert.Equal([2, 1, 0], state.Batches.Select(b => b.Count));
        Assert.Equal(("interrupted", false), (state.Stopped!.Reason, state.Stopped.Aborted));
        Assert.Equal(3, state.DeltaCount);
        Assert.Equal(["worker n3 was lost"], state.Notes);
        Assert.NotNull(state.LastWrite);
        // The histograms come back exactly: replaying them gives the same totals as the original deltas.
        var replayed = new WindowAggregator("journal", ["a"]);
        foreach (var delta in state.Batches.SelectMany(b => b)) Assert.True(replayed.Accept(delta));
        Assert.Equal(22, replayed.TotalRequests);
        Assert.False(replayed.Accept(Delta("n1", 1, 10)));
    }

    [Fact]
    public void Should_store_a_lease_of_unique_rows_before_answering_and_read_the_highest_back()
    {
        var runId = "r-" + Guid.NewGuid().ToString("N")[..8];
        Recover(runId, out var journal);
        journal.Tell(new RunCheckpointsProtocol.Begin(Scenario, DateTimeOffset.UtcNow, "listener", null));
        journal.Tell(new RunCheckpointsProtocol.Lease("users", 16, TestActor, "first"));
        ExpectMsg("first", TimeSpan.FromSeconds(10));
        journal.Tell(new RunCheckpointsProtocol.Lease("users", 48, TestActor, "second"));
        journal.Tell(new RunCheckpointsProtocol.Lease("items", 4, TestActor, "third"));
        ExpectMsg("second", TimeSpan.FromSeconds(10));
        ExpectMsg("third", TimeSpan.FromSeconds(10));
        StopAndWait(journal);

        var state = Recover(runId, out _);

        // A coordinator that takes the run over hands out users from row 48 and items from row 4: none twice.
        Assert.Equal(48, state.Leased["users"]);
        Assert.Equal(4, state.Leased["items"]);
    }

    [Fact]
    public void Should_delete_the_state_of_a_run_that_ended()
    {
        var runId = "r-" + Guid.NewGuid().ToString("N")[..8];
        Recover(runId, out var journal);
        journal.Tell(new RunCheckpointsProtocol.Begin(Scenario, DateTimeOffset.UtcNow, "akka://x/user/l", null));
        journal.Tell(new RunCheckpointsProtocol.Checkpoint(1, [Delta("n1", 1, 3)]));
        ExpectMsg<RunCheckpointsProtocol.Checkpointed>(TimeSpan.FromSeconds(10));

        Watch(journal);
        journal.Tell(RunCheckpointsProtocol.Close.Instance);
        ExpectTerminated(journal, TimeSpan.FromSeconds(10));

        Assert.False(Recover(runId, out _).Begun);
    }

    [Fact]
    public void Should_list_the_runs_left_open_across_snapshots()
    {
        var ledger = ChildActorOf(OpenRuns.Props(snapshotEvery: 2));
        Assert.Empty(ExpectMsg<OpenRunsProtocol.LeftOpen>(TimeSpan.FromSeconds(15)).RunIds);
        var a = "a-" + Guid.NewGuid().ToString("N")[..8];
        var b = "b-" + Guid.NewGuid().ToString("N")[..8];
        var c = "c-" + Guid.NewGuid().ToString("N")[..8];

        ledger.Tell(new OpenRunsProtocol.Open(a));
        ledger.Tell(new OpenRunsProtocol.Open(b));
        ledger.Tell(new OpenRunsProtocol.Close(a));
        ledger.Tell(new OpenRunsProtocol.Open(c));
        ledger.Tell(new OpenRunsProtocol.Close(c));
        ledger.Tell(new OpenRunsProtocol.Close("never-opened"));
        for (var i = 0; i < 6; i++) ExpectMsg<OpenRunsProtocol.Recorded>(TimeSpan.FromSeconds(10));
        StopAndWait(ledger);

        ChildActorOf(OpenRuns.Props(snapshotEvery: 2));
        var open = ExpectMsg<OpenRunsProtocol.LeftOpen>(TimeSpan.FromSeconds(15)).RunIds;

        Assert.Equal([b], open);
    }

    protected override void AfterAll()
    {
        base.AfterAll();
        _backend.Dispose();
    }
}
