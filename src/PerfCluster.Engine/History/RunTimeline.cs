using Akka.Actor;
using Akka.Persistence;
using PerfCluster.Core.Metrics;
using PerfCluster.Engine.Persistence;

namespace PerfCluster.Engine.History;

public static class RunTimelineEvents
{
    /// <summary>One closed window of a run, merged over every worker: what charts and later queries read.</summary>
    public sealed record WindowRecorded(string RunId, string Scenario, WindowStatistics Window) : IPersistedPayload;
}

public static class RunTimelineProtocol
{
    /// <summary>Store this window (once: a window of a second already stored is ignored).</summary>
    public sealed record RecordWindow(WindowStatistics Window);

    /// <summary>No more windows will come: once every write is done the actor answers <see cref="Completed"/> and stops.</summary>
    public sealed record Complete
    {
        public static readonly Complete Instance = new();
        private Complete() { }
    }

    public sealed record Completed
    {
        public static readonly Completed Instance = new();
        private Completed() { }
    }

    public sealed record GetTimeline
    {
        public static readonly GetTimeline Instance = new();
        private GetTimeline() { }
    }

    /// <summary>The stored windows in order, with the scenario they belong to (null when none is stored).</summary>
    public sealed record Timeline(string RunId, string? Scenario, IReadOnlyList<WindowStatistics> Windows);
}

/// <summary>
/// The time series of one scenario run (persistence id "run-timeline-RUNID"): each closed window is written
/// once, as it closes — one write per second of the run, never one per request — so a finished run can be
/// charted and queried later, from SQLite or PostgreSQL alike.
/// </summary>
public sealed class RunTimeline : ReceivePersistentActor
{
    private readonly string _runId;
    private readonly string _scenario;
    private readonly List<WindowStatistics> _windows = new();
    private string? _storedScenario;

    public RunTimeline(string runId, string scenario)
    {
        _runId = runId;
        _scenario = scenario;
        Recover<RunTimelineEvents.WindowRecorded>(e =>
        {
            _windows.Add(e.Window);
            _storedScenario = e.Scenario;
        });
        Command<RunTimelineProtocol.RecordWindow>(r =>
        {
            if (_windows.Count > 0 && r.Window.Second <= _windows[^1].Second) return;
            _windows.Add(r.Window);   // kept at once so a later window is never ordered before it
            Persist(new RunTimelineEvents.WindowRecorded(_runId, _scenario, r.Window), _ => _storedScenario = _scenario);
        });
        Command<RunTimelineProtocol.Complete>(_ =>
        {
            var requester = Sender;
            DeferAsync(0, _ =>
            {
                requester.Tell(RunTimelineProtocol.Completed.Instance);
                Context.Stop(Self);
            });
        });
        Command<RunTimelineProtocol.GetTimeline>(_ =>
            Sender.Tell(new RunTimelineProtocol.Timeline(_runId, _storedScenario, _windows.ToList())));
        // A reader started for one question (PerfClusterStore.GetTimelineAsync) goes away after it.
        Command<PerfCluster.Engine.Persistence.StoreProtocol.Retire>(_ => Context.Stop(Self));
    }

    public static string PersistenceIdOf(string runId) => "run-timeline-" + runId;

    public override string PersistenceId => PersistenceIdOf(_runId);

    public static Props Props(string runId, string scenario) => Akka.Actor.Props.Create(() => new RunTimeline(runId, scenario));

    /// <summary>Only on a node whose persistence was set up (see <see cref="PersistenceHosting"/>).</summary>
    public static bool IsAvailable(ActorSystem system) => Akka.Hosting.ActorRegistry.For(system).TryGet<RunHistoryKey>(out _);
}
