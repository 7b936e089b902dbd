using System.Collections.Concurrent;
using System.Threading.Channels;
using PerfCluster.Core.Scenarios;
using PerfCluster.Engine.Coordination;
using static PerfCluster.Engine.Coordination.RunProtocol;

namespace PerfCluster.Api;

/// <summary>One server-sent event: its name and the object sent as JSON data.</summary>
public sealed record ServerEvent(string Name, object Data);

/// <summary>
/// One run submitted through the API. Every change goes through its lock, so a late subscriber gets a
/// consistent snapshot of the state followed by exactly the events after it.
/// </summary>
public sealed class RunRecord
{
    private readonly object _gate = new();
    private readonly List<Channel<ServerEvent>> _subscribers = [];
    private readonly List<ScenarioResult> _results = [];
    private readonly List<string> _notes = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource _finished = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private RunState _state = RunState.Queued;
    private string? _current;
    private DateTimeOffset? _startedAt;
    private DateTimeOffset? _finishedAt;
    private RunStarted? _started;
    private RunProgress? _progress;
    private SharesAssigned? _shares;
    private string? _error;

    public RunRecord(string id, TestPlan plan, DateTimeOffset createdAt)
    {
        Id = id;
        Plan = plan;
        CreatedAt = createdAt;
    }

    public string Id { get; }
    public TestPlan Plan { get; }
    public DateTimeOffset CreatedAt { get; }
    public CancellationToken StopToken => _stop.Token;
    public bool StopRequested => _stop.IsCancellationRequested;
    /// <summary>Completes once the run reached a final state.</summary>
    public Task Finished => _finished.Task;

    public RunState State
    {
        get { lock (_gate) return _state; }
    }

    /// <summary>Asks the run to stop; false when it had already finished.</summary>
    public bool RequestStop()
    {
        lock (_gate)
        {
            if (_state.IsFinal()) return false;
        }
        _stop.Cancel();
        return true;
    }

    public void ScenarioStarting(ScenarioDefinition scenario)
    {
        lock (_gate)
        {
            _current = scenario.Name;
            _progress = null;
            _shares = null;
            _started = null;
        }
    }

    /// <summary>A message the run's listener received: started, progress and share changes are kept and published.</summary>
    public void OnRunEvent(object message)
    {
        lock (_gate)
        {
            switch (message)
            {
                case RunStarted started:
                    _started = started;
                    if (_state == RunState.Queued)
                    {
                        _state = RunState.Running;
                        _startedAt ??= DateTimeOffset.UtcNow;
                    }
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

    public void ScenarioCompleted(ScenarioOutcome outcome)
    {
        lock (_gate)
        {
            var result = new ScenarioResult(outcome.Scenario.Name, outcome.Statistics, outcome.Interrupted, outcome.Reason, outcome.Notes);
            _results.Add(result);
            _shares = null;
            Publish(new ServerEvent(ApiEvents.ScenarioCompleted, result));
        }
    }

    /// <summary>Every scenario ran (completed), or a stop cut the run short (interrupted).</summary>
    public void Complete(IEnumerable<string> notes) => Finish(notes, null);

    /// <summary>A scenario could not run. A run stopped before its start counts as interrupted, not failed.</summary>
    public void Fail(string error, IEnumerable<string> notes) => Finish(notes, error);

    private void Finish(IEnumerable<string> notes, string? error)
    {
        lock (_gate)
        {
            if (_state.IsFinal()) return;
            var allRan = _results.Count == Plan.Scenarios.Count && _results.All(r => !r.Interrupted);
            _state = error is not null ? (StopRequested ? RunState.Interrupted : RunState.Failed)
                : allRan ? RunState.Completed
                : RunState.Interrupted;
            _error = error;
            _notes.AddRange(notes);
            _finishedAt = DateTimeOffset.UtcNow;
            _current = null;
            _shares = null;
            Publish(Ended());
            foreach (var s in _subscribers) s.Writer.TryComplete();
            _subscribers.Clear();
        }
        _finished.TrySetResult();
    }

    private ServerEvent Ended() => new(
        _state == RunState.Failed ? ApiEvents.RunFailed : ApiEvents.RunCompleted,
        new RunEnded(Id, _state, _finishedAt!.Value, _notes.ToList(), _error));

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
            snapshot.AddRange(_results.Select(r => new ServerEvent(ApiEvents.ScenarioCompleted, r)));
            if (_started is not null) snapshot.Add(new ServerEvent(ApiEvents.Started, _started));
            if (_shares is not null) snapshot.Add(new ServerEvent(ApiEvents.Shares, _shares));
            if (_progress is not null) snapshot.Add(new ServerEvent(ApiEvents.Progress, _progress));
            var channel = Channel.CreateUnbounded<ServerEvent>(new UnboundedChannelOptions { SingleReader = true });
            if (_state.IsFinal())
            {
                snapshot.Add(Ended());
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
            return new RunSummary(Id, _state, ScenarioNames, _current, CreatedAt, _startedAt, _finishedAt, _progress, _error);
        }
    }

    public RunDetail Detail()
    {
        lock (_gate) return DetailLocked();
    }

    private RunDetail DetailLocked() => new(
        Id, _state, Plan.SourceFile, ScenarioNames, _current, CreatedAt, _startedAt, _finishedAt, StopRequested,
        _started, _progress, _shares, _results.ToList(), _notes.ToList(), _error);

    private IReadOnlyList<string> ScenarioNames => Plan.Scenarios.Select(s => s.Name).ToList();

    /// <summary>The share <paramref name="node"/> holds now, while this run is going.</summary>
    public MemberShare? ShareOf(string node)
    {
        lock (_gate)
        {
            if (_state.IsFinal() || _shares is null) return null;
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
