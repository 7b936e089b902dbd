using System.Collections.Concurrent;
using System.Threading.Channels;
using PerfCluster.Core.Reports;
using PerfCluster.Core.Runs;
using PerfCluster.Core.Scenarios;
using PerfCluster.Engine.Coordination;
using static PerfCluster.Engine.Protocol.RunProtocol;

namespace PerfCluster.Api;

/// <summary>One server-sent event: its name and the object sent as JSON data.</summary>
public sealed record ServerEvent(string Name, object Data);

/// <summary>
/// One run submitted through the API: its <see cref="TestRun"/> as the runner last reported it, and what the live
/// stream shows of the scenario run going. Every change goes through its lock, so a late subscriber gets a
/// consistent snapshot of the state followed by exactly the events after it.
/// </summary>
public sealed class RunRecord : ITestRunObserver
{
    /// <summary>Who interrupts a run stopped through the API (DELETE, a coordinator's shutdown).</summary>
    public const string StopRequestedBy = "a stop request";

    private readonly object _gate = new();
    private readonly List<Channel<ServerEvent>> _subscribers = [];
    private readonly TestRunControl _control = new();
    private readonly TaskCompletionSource _finished = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TestRun _run;
    /// <summary>When the first scenario run started (RunStarted arrived); the run's report is timed from it.</summary>
    private DateTimeOffset? _startedAt;
    private bool _ended;
    private string? _current;
    private DateTimeOffset? _finishedAt;
    private RunStarted? _started;
    private RunProgress? _progress;
    private SharesAssigned? _shares;

    public RunRecord(string id, TestPlan plan, DateTimeOffset createdAt)
    {
        Id = id;
        Plan = plan;
        CreatedAt = createdAt;
        _run = TestRun.Start(new TestRunId(id), plan, createdAt);
    }

    public string Id { get; }
    public TestPlan Plan { get; }
    public DateTimeOffset CreatedAt { get; }
    /// <summary>How the run is stopped: <see cref="RequestStop"/> interrupts it through this.</summary>
    public TestRunControl Control => _control;
    public CancellationToken StopToken => _control.Stopping;
    public bool StopRequested => _control.InterruptedBy is not null;
    /// <summary>Completes once the run reached a final state.</summary>
    public Task Finished => _finished.Task;

    /// <summary>The run as far as it got.</summary>
    public TestRun Run
    {
        get { lock (_gate) return RunLocked; }
    }

    public RunState State
    {
        get { lock (_gate) return StateLocked(); }
    }

    /// <summary>Queued until the first scenario run started; then running; at the end what the run says it came to.</summary>
    private RunState StateLocked() =>
        !_ended ? (_startedAt is not null ? RunState.Running : RunState.Queued)
        : _run.InterruptedBy is not null ? RunState.Interrupted
        : _run.Error is not null ? RunState.Failed
        : _run.RanToEnd ? RunState.Completed
        : RunState.Interrupted;

    /// <summary>Asks the run to stop; false when it had already finished.</summary>
    public bool RequestStop()
    {
        lock (_gate)
        {
            if (_ended) return false;
        }
        _control.Interrupt(StopRequestedBy);
        return true;
    }

    public void Starting(TestRun run, TestRunStep step)
    {
        lock (_gate)
        {
            _run = run;
            _current = step.Definition.Name;
            _progress = null;
            _shares = null;
            _started = null;
        }
    }

    /// <summary>A message the run's listener received: started, progress and share changes are kept and published.</summary>
    public void OnEvent(TestRunStep step, object message)
    {
        lock (_gate)
        {
            switch (message)
            {
                case RunStarted started:
                    _started = started;
                    _startedAt ??= DateTimeOffset.UtcNow;
                    Publish(new ServerEvent(ApiEvents.Started, started));
                    break;
                case RunProgress progress:
                    _progress = progress;
                    Publish(new ServerEvent(ApiEvents.Progress, progress));
                    break;
                case SharesAssigned shares:
                    _shares = shares;
                    Publish(new ServerEvent(ApiEvents.Shares, shares));
                    break;
                case AlertRaised alert:
                    Publish(new ServerEvent(ApiEvents.Alert, alert));
                    break;
            }
        }
    }

    public void Ended(TestRun run, TestRunStep step, ScenarioOutcome? outcome, string? error)
    {
        lock (_gate)
        {
            _run = run;
            _shares = null;
            if (outcome is not null) Publish(new ServerEvent(ApiEvents.ScenarioCompleted, ResultOf(step.Definition.Name, _run.Results[step.Scenario][^1])));
        }
    }

    /// <summary>The run is over: <paramref name="run"/> is how it ended.</summary>
    public void Finish(TestRun run)
    {
        lock (_gate)
        {
            if (_ended) return;
            _run = run;
            _ended = true;
            _finishedAt = DateTimeOffset.UtcNow;
            _current = null;
            _shares = null;
            Publish(EndedEvent());
            foreach (var s in _subscribers) s.Writer.TryComplete();
            _subscribers.Clear();
        }
        _finished.TrySetResult();
    }

    /// <summary>The run's report as far as it got, assembled by <see cref="TestRun.ToReport"/> like every other report.</summary>
    public RunReport Report(DateTimeOffset now)
    {
        lock (_gate) return RunLocked.ToReport(_finishedAt ?? now);
    }

    private ServerEvent EndedEvent()
    {
        var state = StateLocked();
        return new(state == RunState.Failed ? ApiEvents.RunFailed : ApiEvents.RunCompleted,
            new RunEnded(Id, state, _finishedAt!.Value, NotesLocked(), _run.Error));
    }

    /// <summary>
    /// The run's own notes, apart from its scenarios' (each result has those) and its error (a field of its own): what
    /// was not run. A client that follows the run adds its own notes of the stop.
    /// </summary>
    private List<string> NotesLocked() => _run.NotRunNote is { } notRun ? [notRun] : [];

    private void Publish(ServerEvent e)
    {
        foreach (var s in _subscribers) s.Writer.TryWrite(e);
    }

    /// <summary>
    /// The current state as events (the run itself, finished scenarios, the current split and progress,
    /// the end if it ended), and a channel of every later event. The channel is complete once the run ended.
    /// </summary>
    public (IReadOnlyList<ServerEvent> Snapshot, ChannelReader<ServerEvent> Live, Action Unsubscribe) Subscribe()
    {
        lock (_gate)
        {
            var snapshot = new List<ServerEvent> { new(ApiEvents.Run, DetailLocked()) };
            snapshot.AddRange(ResultsLocked().Select(r => new ServerEvent(ApiEvents.ScenarioCompleted, r)));
            if (_started is not null) snapshot.Add(new ServerEvent(ApiEvents.Started, _started));
            if (_shares is not null) snapshot.Add(new ServerEvent(ApiEvents.Shares, _shares));
            if (_progress is not null) snapshot.Add(new ServerEvent(ApiEvents.Progress, _progress));
            var channel = Channel.CreateUnbounded<ServerEvent>(new UnboundedChannelOptions { SingleReader = true });
            if (_ended)
            {
                snapshot.Add(EndedEvent());
                channel.Writer.TryComplete();
                return (snapshot, channel.Reader, () => { });
            }
            _subscribers.Add(channel);
            return (snapshot, channel.Reader, () =>
            {
                lock (_gate) _subscribers.Remove(channel);
            });
        }
    }

    public RunSummary Summary()
    {
        lock (_gate)
        {
            return new RunSummary(Id, StateLocked(), ScenarioNames, _current, CreatedAt, StartedAtLocked, _finishedAt, _progress, _run.Error);
        }
    }

    public RunDetail Detail()
    {
        lock (_gate) return DetailLocked();
    }

    private DateTimeOffset? StartedAtLocked => _startedAt;

    /// <summary>The run as the runner last reported it, timed from when its first scenario run started here.</summary>
    private TestRun RunLocked => _startedAt is { } at ? _run.BeganAt(at) : _run;

    private RunDetail DetailLocked() => new(
        Id, StateLocked(), Plan.SourceFile, ScenarioNames, _current, CreatedAt, StartedAtLocked, _finishedAt, StopRequested,
        _started, _progress, _shares, ResultsLocked(), _ended ? NotesLocked() : [], _run.Error);

    /// <summary>The last run of every scenario that ran.</summary>
    private List<ScenarioResult> ResultsLocked() =>
        [.. _run.Results.Select((runs, i) => (runs, i)).Where(x => x.runs.Count > 0).Select(x => ResultOf(Plan.Scenarios[x.i].Name, x.runs[^1]))];

    private static ScenarioResult ResultOf(string scenario, ScenarioRunResult r) => new(scenario, r.Statistics, r.Interrupted, r.Reason, r.Notes);

    private IReadOnlyList<string> ScenarioNames => Plan.Scenarios.Select(s => s.Name).ToList();

    /// <summary>The share <paramref name="node"/> holds now, while this run is going.</summary>
    public MemberShare? ShareOf(string node)
    {
        lock (_gate)
        {
            if (_ended || _shares is null) return null;
            var share = _shares.Shares.FirstOrDefault(s => s.Node == node);
            return share is null ? null : new MemberShare(Id, _current ?? "", share.Share.From, share.Share.To, share.Share.Count);
        }
    }
}

/// <summary>The SSE event names of a run's stream.</summary>
public static class ApiEvents
{
    public const string Run = "run";
    public const string Started = "started";
    public const string Progress = "progress";
    public const string Shares = "shares";
    /// <summary>An alert fired or resolved (<c>AlertRaised</c>).</summary>
    public const string Alert = "alert";
    public const string ScenarioCompleted = "scenario-completed";
    public const string RunCompleted = "run-completed";
    public const string RunFailed = "run-failed";
}

/// <summary>
/// Every run submitted to this coordinator, in memory. Finished runs beyond <see cref="MaxFinishedRuns"/>
/// are forgotten oldest first; runs still going are always kept.
/// </summary>
public sealed class RunRegistry
{
    public const int MaxFinishedRuns = 100;

    private readonly ConcurrentDictionary<string, RunRecord> _runs = new(StringComparer.Ordinal);
    private readonly object _addGate = new();

    /// <summary>Adds a run; false when the id is taken.</summary>
    public bool TryAdd(RunRecord run)
    {
        lock (_addGate)
        {
            if (!_runs.TryAdd(run.Id, run)) return false;
            var finished = _runs.Values.Where(r => r.State.IsFinal()).OrderBy(r => r.CreatedAt).ToList();
            foreach (var old in finished.Take(Math.Max(0, finished.Count - MaxFinishedRuns))) _runs.TryRemove(old.Id, out _);
            return true;
        }
    }

    public RunRecord? Find(string id) => _runs.GetValueOrDefault(id);

    public IReadOnlyList<RunRecord> All() => _runs.Values.OrderBy(r => r.CreatedAt).ThenBy(r => r.Id, StringComparer.Ordinal).ToList();

    public IReadOnlyList<RunRecord> Active() => _runs.Values.Where(r => !r.State.IsFinal()).ToList();

    /// <summary>The shares <paramref name="node"/> holds in every run going now.</summary>
    public IReadOnlyList<MemberShare> SharesOf(string node) =>
        Active().Select(r => r.ShareOf(node)).OfType<MemberShare>().OrderBy(s => s.RunId, StringComparer.Ordinal).ToList();
}
