using System.Globalization;
using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using Akka.Hosting;
using PerfCluster.Core.Coordination;
using PerfCluster.Core.Metrics;
using PerfCluster.Core.Scenarios;
using PerfCluster.Engine.Metrics;
using static PerfCluster.Engine.Protocol.RunProtocol;
using PerfCluster.Core.Results;
using PerfCluster.Engine.Recovery;
using PerfCluster.Engine.Protocol;

namespace PerfCluster.Engine.Coordination;

/// <summary>
/// Owns one run: waits for enough workers, splits the global user population over them by capacity
/// (largest remainder), agrees a start instant in the future and assigns shares. While the load runs
/// it re-splits whenever a worker joins, leaves (it hands its share back first) or is lost (removed
/// after the failure detector and the split brain resolver gave up on it), and notes each event for
/// the report. Once every share has completed it asks the aggregator for the final statistics.
/// A durable run (on a coordinator that another can replace) keeps its recovery state in a <see cref="RunCheckpoints"/>;
/// the coordinator that takes it over starts in takeover mode: it reads the journal, finds the run's listener (or
/// this node's <see cref="RecoveredRunsKey"/> actor), rebuilds the aggregator from the checkpoints and assigns the
/// shares again, which the workers' running shares adopt.
/// </summary>
public sealed class RunCoordinator : UntypedActor, IWithTimers
{
    private sealed class WorkersTimeout { public static readonly WorkersTimeout Instance = new(); }
    private sealed class RunWatchdog { public static readonly RunWatchdog Instance = new(); }
    private sealed class ListenerTimeout { public static readonly ListenerTimeout Instance = new(); }

    private readonly string _runId;
    private readonly CoordinatorSettings _settings;
    private readonly bool _durable;
    private readonly bool _takeover;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Cluster _cluster = Cluster.Get(Context.System);
    /// <summary>What runs: known from the start, or once a takeover has read the run back.</summary>
    private ScenarioDefinition? _scenario;
    private IActorRef _listener;
    private int? _minWorkers;
    private IActorRef? _checkpoints;
    /// <summary>Workers that are Up, with their declared capacity.</summary>
    private readonly SortedDictionary<Address, double> _candidates = new();
    /// <summary>Workers holding a part of the load now.</summary>
    private readonly SortedDictionary<Address, UserShare> _active = new();
    /// <summary>Workers whose ShareCompleted is still awaited.</summary>
    private readonly HashSet<Address> _awaiting = new();
    private readonly Dictionary<Address, DateTimeOffset> _unreachableSince = new();
    private readonly List<string> _notes = new();
    private IActorRef? _aggregator;
    private DateTimeOffset _startAt;
    private int _peakUsers;
    // How the run ended early, for its result: stopped (interrupted) or aborted by an alert rule (not interrupted).
    private bool _interrupted;
    private readonly List<string> _refusals = new();
    private string? _stopReason;
    private string? _abortedBecause;
    /// <summary>Per unique feeder, the rows handed out so far: every index below the value belongs to some worker.</summary>
    private readonly Dictionary<string, int> _leased = new(StringComparer.Ordinal);

    public RunCoordinator(string runId, ScenarioDefinition? scenario, IActorRef listener, int? minWorkers, CoordinatorSettings settings,
        bool durable, bool takeover)
    {
        _runId = runId;
        _scenario = scenario;
        _listener = listener;
        _minWorkers = minWorkers;
        _settings = settings;
        _durable = durable;
        _takeover = takeover;
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(StartRun start, CoordinatorSettings settings, bool durable = false) =>
        Akka.Actor.Props.Create(() => new RunCoordinator(start.RunId, start.Scenario, start.Listener, start.MinWorkers, settings, durable, false))
            .WithDispatcher(ActorNames.ControlDispatcher);

    /// <summary>Takes over run <paramref name="runId"/>, which a lost coordinator left open, from its journal.</summary>
    public static Props TakeoverProps(string runId, CoordinatorSettings settings) =>
        Akka.Actor.Props.Create(() => new RunCoordinator(runId, null, ActorRefs.Nobody, null, settings, true, true))
            .WithDispatcher(ActorNames.ControlDispatcher);

    private ScenarioDefinition Scenario => _scenario ?? throw new InvalidOperationException($"run {_runId} has no scenario yet");
    private TimeSpan Elapsed => DateTimeOffset.UtcNow - _startAt;
    private bool LoadPhaseOver => Elapsed >= Scenario.LoadTime;
    private int MinWorkers => Math.Max(1, _minWorkers ?? _settings.MinWorkers);

    protected override void PreStart()
    {
        _cluster.Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents,
            typeof(ClusterEvent.IMemberEvent), typeof(ClusterEvent.IReachabilityEvent));
        if (_durable) _checkpoints = Context.ActorOf(RunCheckpoints.Props(_runId), "journal");
        if (_takeover)
        {
            Become(ReadingJournal);
            return;
        }
        Timers.StartSingleTimer(WorkersTimeout.Instance, WorkersTimeout.Instance, _settings.WorkerWaitTimeout);
        Become(WaitingForWorkers);
    }

    protected override void PostStop() => _cluster.Unsubscribe(Self);

    protected override void OnReceive(object message) => Unhandled(message);

    /// <summary>A new run: the workers it needs have not all joined yet.</summary>
    private void WaitingForWorkers(object message)
    {
        switch (message)
        {
            case ClusterEvent.MemberUp up when up.Member.HasRole(ClusterRoles.Worker):
                AddCandidate(up.Member);
                if (_candidates.Count >= MinWorkers) AssignShares();
                break;
            case WorkersTimeout:
                Fail($"only {_candidates.Count} of the {MinWorkers} workers this run needs joined within {_settings.WorkerWaitTimeout.TotalSeconds:0.#} s");
                break;
            case StopRun stop:
                (_interrupted, _stopReason) = (true, stop.Reason);
                Fail($"stopped before start: {stop.Reason}");
                break;
            case AbortRun:
                break;
            default:
                if (!Membership(message)) Unhandled(message);
                break;
        }
    }

    /// <summary>A takeover: the run's journal is being read back.</summary>
    private void ReadingJournal(object message)
    {
        switch (message)
        {
            case RunCheckpointsProtocol.Recovered recovered:
                BeginTakeover(recovered.State);
                break;
            case StopRun stop:
                (_interrupted, _stopReason) = (true, stop.Reason);
                Fail($"stopped before the takeover: {stop.Reason}");
                break;
            default:
                if (!Membership(message)) Unhandled(message);
                break;
        }
    }

    /// <summary>A takeover: the run is read back, and its listener is asked whether it is still there.</summary>
    private void FindingListener(RecoveredRunState state, object message)
    {
        switch (message)
        {
            case ActorIdentity identity:
                Timers.Cancel(ListenerTimeout.Instance);
                ResumeRun(state, identity.Subject);
                break;
            case ListenerTimeout:
                ResumeRun(state, null);
                break;
            case StopRun stop:
                (_interrupted, _stopReason) = (true, stop.Reason);
                Fail($"stopped before the takeover: {stop.Reason}");
                break;
            default:
                if (!Membership(message)) Unhandled(message);
                break;
        }
    }

    /// <summary>The load runs: shares are re-split as workers join, leave or are lost; a stop or an abort ends it early.</summary>
    private void Running(object message)
    {
        switch (message)
        {
            case ClusterEvent.MemberUp up when up.Member.HasRole(ClusterRoles.Worker):
                AddCandidate(up.Member);
                if (!LoadPhaseOver)
                {
                    Note($"worker {up.Member.Address} joined at {At()}; the load was re-split over {_candidates.Count} workers");
                    Resplit($"worker {up.Member.Address} joined");
                }
                break;
            case AbortRun abort:
                _abortedBecause = abort.Reason;
                _checkpoints?.Tell(new RunCheckpointsProtocol.Stop(abort.Reason, Aborted: true));
                Note($"run aborted at {At()}: {abort.Reason}");
                StopShares(abort.Reason);
                break;
            case StopRun stop:
                (_interrupted, _stopReason) = (true, stop.Reason);
                _checkpoints?.Tell(new RunCheckpointsProtocol.Stop(stop.Reason, Aborted: false));
                StopShares(stop.Reason);
                break;
            case ReleaseShare release:
                ShareHandedBack(release, resplit: true);
                break;
            case ClusterEvent.MemberRemoved removed when removed.Member.HasRole(ClusterRoles.Worker):
                WorkerGone(removed.Member.Address, resplit: true);
                break;
            default:
                if (!LoadGoing(message)) Unhandled(message);
                break;
        }
    }

    /// <summary>Stopped or aborted: the workers are stopping their shares; nothing is re-split any more.</summary>
    private void Stopping(object message)
    {
        switch (message)
        {
            case StopRun or AbortRun:
                break;
            case ReleaseShare release:
                ShareHandedBack(release, resplit: false);
                break;
            case ClusterEvent.MemberRemoved removed when removed.Member.HasRole(ClusterRoles.Worker):
                WorkerGone(removed.Member.Address, resplit: false);
                break;
            default:
                if (!LoadGoing(message)) Unhandled(message);
                break;
        }
    }

    /// <summary>Every share completed (or the watchdog gave up waiting): the aggregator makes the final statistics.</summary>
    private void Finishing(object message)
    {
        switch (message)
        {
            case ScenarioStatistics stats:
                _listener.Tell(new RunCompleted(_runId, stats, _interrupted, _stopReason) { Notes = _notes.ToList() });
                End();
                break;
            case ReleaseShare:
                Sender.Tell(new ShareReleased(_runId));
                break;
            case StopRun or AbortRun or ShareCompleted or RunWatchdog or WorkerNote or NodeLossEstimate:
                break;
            default:
                if (!Membership(message)) Unhandled(message);
                break;
        }
    }

    /// <summary>The run is over and its journal is being closed; this actor stops once it is.</summary>
    private void Ending(object message)
    {
        switch (message)
        {
            case Terminated t when t.ActorRef.Equals(_checkpoints):
                Context.Stop(Self);
                break;
            case ReleaseShare:
                Sender.Tell(new ShareReleased(_runId));
                break;
            default:
                // Whatever still arrives for a run that is over changes nothing.
                break;
        }
    }

    /// <summary>What a run whose load is going (running or stopping) handles alike: completions, notes, the watchdog.</summary>
    private bool LoadGoing(object message)
    {
        switch (message)
        {
            case ShareCompleted done:
                var from = AddressOf(done.Node);
                if (from is null || !_awaiting.Remove(from)) return true;
                _active.Remove(from);
                _peakUsers = Math.Max(_peakUsers, done.PeakUsers);
                if (done.StoppedBecause is not null) Note($"worker {done.Node} stopped its load: {done.StoppedBecause}");
                if (done.Unacknowledged > 0) Note($"worker {done.Node}: {done.Unacknowledged} metric deltas were never acknowledged");
                if (_awaiting.Count == 0) FinishRun();
                return true;
            case LeaseRows lease:
                Lease(lease);
                return true;
            case ShareRefused refused:
                ShareRefused(refused);
                return true;
            case WorkerNote note:
                Note(note.Text);
                _listener.Tell(new AlertRaised(_runId, Scenario.Name, "firing", "worker memory limit", "critical",
                    "working set > memory-limit", (long)Math.Max(0, Elapsed.TotalSeconds - Scenario.WarmUp.TotalSeconds), double.NaN, note.Text));
                return true;
            case NodeLossEstimate loss:
                Note($"worker {loss.Node} may have sent requests that were never reported: up to one flush interval after its last " +
                     $"delta (#{loss.LastSeq}, second {loss.LastSecond}), about {loss.RequestsInLastDelta} requests at its last rate");
                return true;
            case RunWatchdog:
                _log.Warning("Run {RunId}: shares still open after the watchdog period; finishing with what arrived", _runId);
                Note($"{_awaiting.Count} worker(s) never reported completion; the run finished with the metrics that arrived");
                FinishRun();
                return true;
            default:
                return Membership(message);
        }
    }

    /// <summary>
    /// Membership bookkeeping every state keeps: which workers are Up (a split uses them once one is made), who is
    /// reachable, who left; and timers that no longer matter.
    /// </summary>
    private bool Membership(object message)
    {
        switch (message)
        {
            case ClusterEvent.MemberUp up when up.Member.HasRole(ClusterRoles.Worker):
                AddCandidate(up.Member);
                return true;
            case ClusterEvent.UnreachableMember u when _active.ContainsKey(u.Member.Address):
                _unreachableSince[u.Member.Address] = DateTimeOffset.UtcNow;
                _log.Warning("Run {RunId}: worker {Worker} unreachable", _runId, u.Member.Address);
                return true;
            case ClusterEvent.ReachableMember r:
                _unreachableSince.Remove(r.Member.Address);
                return true;
            case ClusterEvent.MemberRemoved removed when removed.Member.HasRole(ClusterRoles.Worker):
                _candidates.Remove(removed.Member.Address);
                return true;
            case ClusterEvent.MemberLeft or ClusterEvent.MemberExited:
                var leaving = ((ClusterEvent.MemberStatusChange)message).Member;
                if (leaving.HasRole(ClusterRoles.Worker)) _candidates.Remove(leaving.Address);
                return true;
            case ClusterEvent.IMemberEvent or ClusterEvent.IReachabilityEvent:
            case WorkersTimeout or ListenerTimeout or ActorIdentity or RunCheckpointsProtocol.Recovered:
                return true;
            case Terminated t when t.ActorRef.Equals(_checkpoints):
                _checkpoints = null;
                return true;
            default:
                return false;
        }
    }

    /// <summary>
    /// Hands out the next block of a unique feeder's rows: each index at most once in the run, whichever worker asks,
    /// also across re-splits and takeovers (a durable run stores the lease before it answers).
    /// </summary>
    private void Lease(LeaseRows lease)
    {
        var feeder = Scenario.Journey?.Feeders.FirstOrDefault(f => f.Name == lease.Feeder);
        var rows = feeder?.Rows.Count ?? 0;
        var from = Math.Min(_leased.GetValueOrDefault(lease.Feeder), rows);
        var to = (int)Math.Min(rows, from + (long)Math.Clamp(lease.Count, 1, 65_536));
        var reply = new RowsLeased(_runId, lease.Feeder, from, to);
        if (to == from)
        {
            Sender.Tell(reply);
            return;
        }
        _leased[lease.Feeder] = to;
        if (_checkpoints is not null) _checkpoints.Tell(new RunCheckpointsProtocol.Lease(lease.Feeder, to, Sender, reply));
        else Sender.Tell(reply);
    }

    private void AddCandidate(Member worker) => _candidates[worker.Address] = CapacityOf(worker);

    private void AssignShares()
    {
        Timers.Cancel(WorkersTimeout.Instance);
        var scenario = Scenario;
        _startAt = DateTimeOffset.UtcNow + _settings.StartLeadTime;
        _aggregator = Context.ActorOf(MetricsAggregator.Props(_runId, scenario, _listener, _startAt, _settings.MetricsLateness, _checkpoints), "metrics");
        _checkpoints?.Tell(new RunCheckpointsProtocol.Begin(scenario, _startAt, _listener.Path.ToStringWithAddress(_cluster.SelfAddress), _minWorkers));
        var split = Split();
        foreach (var (worker, share) in split)
        {
            _active[worker] = share;
            _awaiting.Add(worker);
            AgentAt(worker).Tell(new AssignShare(_runId, scenario, share, _startAt, _aggregator, Self));
        }
        var watchdog = _settings.StartLeadTime + scenario.LoadTime + scenario.Load.GracefulStop + _settings.FinishTimeout;
        Timers.StartSingleTimer(RunWatchdog.Instance, RunWatchdog.Instance, watchdog);
        _log.Info("Run {RunId} ({Scenario}) starts at {StartAt:O} on {Workers} workers", _runId, scenario.Name, _startAt, split.Count);
        _listener.Tell(new RunStarted(_runId, scenario.Name, _startAt, split.Count));
        PublishShares("start");
        Become(Running);
    }

    /// <summary>Splits the users over the current candidates by capacity, in address order.</summary>
    private List<(Address Worker, UserShare Share)> Split()
    {
        var workers = _candidates.Keys.ToList();
        if (workers.Count == 0) return [];
        var shares = Shares.SplitUsers(Scenario.Load.Users, workers.Select(w => _candidates[w]).ToList());
        return workers.Zip(shares, (w, s) => (w, s)).ToList();
    }

    private void Resplit(string reason)
    {
        if (LoadPhaseOver) return;
        var split = Split();
        if (split.Count == 0)
        {
            Note($"no worker left at {At()}: the load stopped");
            return;
        }
        foreach (var (worker, share) in split)
        {
            if (_active.TryGetValue(worker, out var current))
            {
                if (current != share) AgentAt(worker).Tell(new UpdateShare(_runId, share, reason));
            }
            else
            {
                _awaiting.Add(worker);
                AgentAt(worker).Tell(new AssignShare(_runId, Scenario, share, _startAt, _aggregator!, Self));
            }
            _active[worker] = share;
        }
        PublishShares(reason);
    }

    /// <summary>A worker that leaves (SIGTERM) handed its share back; with <paramref name="resplit"/> the others take it over.</summary>
    private void ShareHandedBack(ReleaseShare release, bool resplit)
    {
        var address = AddressOf(release.Node);
        if (address is not null && _active.Remove(address))
        {
            _candidates.Remove(address);
            Note($"worker {release.Node} left at {At()} (graceful stop); it handed its share back first");
            if (resplit) Resplit($"worker {release.Node} is leaving");
        }
        Sender.Tell(new ShareReleased(_runId));
    }

    /// <summary>
    /// A worker would not run its share: it is no candidate for this run any more, and the others take the load over.
    /// With none left the run fails with the worker's reason: load that cannot go where the scenario says is no result.
    /// </summary>
    private void ShareRefused(ShareRefused refused)
    {
        var address = AddressOf(refused.Node);
        if (address is null || !_awaiting.Remove(address)) return;
        _active.Remove(address);
        _candidates.Remove(address);
        _refusals.Add($"worker {refused.Node} refused its share: {refused.Reason}");
        Note(_refusals[^1]);
        if (_awaiting.Count == 0 && _candidates.Count == 0)
        {
            Timers.Cancel(RunWatchdog.Instance);
            Fail(string.Join("; ", _refusals));
            return;
        }
        Resplit($"worker {refused.Node} refused its share");
        if (_awaiting.Count == 0) FinishRun();
    }

    private void StopShares(string reason)
    {
        foreach (var worker in _awaiting) AgentAt(worker).Tell(new StopShare(_runId, reason));
        Become(Stopping);
    }

    /// <summary>A worker was removed from the cluster; with <paramref name="resplit"/> its share goes to the others.</summary>
    private void WorkerGone(Address worker, bool resplit)
    {
        _candidates.Remove(worker);
        var held = _active.Remove(worker);
        var awaited = _awaiting.Remove(worker);
        if (!held && !awaited) return;
        var lostAt = DateTimeOffset.UtcNow;
        var since = _unreachableSince.Remove(worker, out var u) ? u : lostAt;
        Note($"worker {worker} was lost: unreachable at {At(since)}, removed at {At(lostAt)}; the run was degraded from " +
             $"{At(since)} until its share was re-split over {_candidates.Count} worker(s)");
        _aggregator?.Tell(new NodeLost(worker.ToString()));
        if (held && resplit) Resplit($"worker {worker} was lost");
        if (_awaiting.Count == 0) FinishRun();
    }

    private void PublishShares(string reason) =>
        _listener.Tell(new SharesAssigned(_runId, DateTimeOffset.UtcNow,
            _active.Select(kv => new WorkerShare(kv.Key.ToString(), kv.Value, _candidates.GetValueOrDefault(kv.Key, 1.0))).ToList(), reason));

    private ActorSelection AgentAt(Address address) =>
        Context.ActorSelection(new RootActorPath(address) / "user" / ActorNames.WorkerAgent);

    private Address? AddressOf(string node) =>
        _awaiting.Concat(_active.Keys).Concat(_candidates.Keys).FirstOrDefault(a => a.ToString() == node);

    /// <summary>Capacity a worker declared with a "capacity-N" role; 1 when it declared none.</summary>
    public static double CapacityOf(Member member) =>
        member.Roles.Where(r => r.StartsWith(ClusterRoles.CapacityPrefix, StringComparison.Ordinal))
            .Select(r => double.TryParse(r[ClusterRoles.CapacityPrefix.Length..], NumberStyles.Float, CultureInfo.InvariantCulture, out var c) && c > 0 ? c : 1.0)
            .DefaultIfEmpty(1.0).First();

    private string At(DateTimeOffset? when = null) => $"{((when ?? DateTimeOffset.UtcNow) - _startAt).TotalSeconds:0.0} s";

    private void Note(string note)
    {
        _log.Info("Run {RunId}: {Note}", _runId, note);
        _notes.Add(note);
        _checkpoints?.Tell(new RunCheckpointsProtocol.Note(note));
    }

    /// <summary>The run is read back: a run that never started is closed; otherwise its listener is looked for first.</summary>
    private void BeginTakeover(RecoveredRunState state)
    {
        if (!state.Begun)
        {
            _log.Warning("Run {RunId} was left open but never started; nothing to take over", _runId);
            End();
            return;
        }
        // A listener on a node that is no longer a reachable member went with it: no need to wait for an answer.
        if (!ActorPath.TryParse(state.Listener!, out var path) || !IsReachableMember(path.Address))
        {
            ResumeRun(state, null);
            return;
        }
        Context.ActorSelection(state.Listener!).Tell(new Identify(_runId));
        Timers.StartSingleTimer(ListenerTimeout.Instance, ListenerTimeout.Instance, TimeSpan.FromSeconds(3));
        Become(m => FindingListener(state, m));
    }

    private bool IsReachableMember(Address address) =>
        address.HasLocalScope || address == _cluster.SelfAddress ||
        _cluster.State.Members.Any(m => m.Address == address && m.Status == MemberStatus.Up) &&
        _cluster.State.Unreachable.All(m => m.Address != address);

    /// <summary>
    /// Continues the run read back from the journal: its listener (or this node's follower of recovered runs) gets
    /// the run's events, the aggregator starts from the checkpoints, and every worker that is Up gets its share
    /// again: a share still running adopts this coordinator and resends what the lost one never acknowledged.
    /// </summary>
    private void ResumeRun(RecoveredRunState state, IActorRef? listener)
    {
        var scenario = state.Scenario!;
        _startAt = state.StartAt;
        var now = DateTimeOffset.UtcNow;
        var lostAt = state.LastWrite ?? state.StartAt;
        var gap = now - lostAt;
        if (listener is null && ActorRegistry.For(Context.System).TryGet<RecoveredRunsKey>(out var follower)) listener = follower;
        (_scenario, _listener, _minWorkers) = (scenario, listener ?? Context.System.DeadLetters, state.MinWorkers);
        _notes.AddRange(state.Notes);
        foreach (var (feeder, to) in state.Leased) _leased[feeder] = to;
        _listener.Tell(new RunTakenOver(_runId, scenario, _startAt, gap, _cluster.SelfAddress.ToString()));
        _aggregator = Context.ActorOf(MetricsAggregator.Props(_runId, scenario, _listener, _startAt, _settings.MetricsLateness,
            _checkpoints, state.Batches), "metrics");
        Note($"coordinator fail-over: the coordinator was lost at {At(lostAt)} (its last checkpoint); {_cluster.SelfAddress} took the run over " +
             $"at {At(now)}: {gap.TotalSeconds:0.0} s without a coordinator (gap). The workers kept their shares and resent every metric delta " +
             $"not yet stored; {state.DeltaCount} stored deltas were recovered");
        _log.Warning("Run {RunId} taken over after {Gap:0.0} s without a coordinator ({Deltas} stored deltas)", _runId, gap.TotalSeconds, state.DeltaCount);
        _listener.Tell(new RunStarted(_runId, scenario.Name, _startAt, _candidates.Count));
        if (state.Stopped is { } stopped)
        {
            // Stopped before the coordinator was lost: it ends with what was stored, as it would have.
            if (stopped.Aborted) _abortedBecause = stopped.Reason;
            else (_interrupted, _stopReason) = (true, stopped.Reason);
            FinishRun();
            return;
        }
        var split = Split();
        foreach (var (worker, share) in split)
        {
            _active[worker] = share;
            _awaiting.Add(worker);
            AgentAt(worker).Tell(new AssignShare(_runId, scenario, share, _startAt, _aggregator, Self));
        }
        if (split.Count == 0) Note($"no worker was Up when the run was taken over at {At(now)}");
        var end = _startAt + scenario.LoadTime + scenario.Load.GracefulStop + _settings.FinishTimeout;
        var watchdog = end - now;
        Timers.StartSingleTimer(RunWatchdog.Instance, RunWatchdog.Instance, watchdog > _settings.FinishTimeout ? watchdog : _settings.FinishTimeout);
        PublishShares("taken over by another coordinator");
        Become(Running);
    }

    /// <summary>The run is over: the run manager closes it, its recovery state is deleted, then this actor stops.</summary>
    private void End()
    {
        Context.Parent.Tell(new RunOver(_runId));
        if (_checkpoints is null)
        {
            Context.Stop(Self);
            return;
        }
        Context.Watch(_checkpoints);
        _checkpoints.Tell(RunCheckpointsProtocol.Close.Instance);
        Become(Ending);
    }

    private void FinishRun()
    {
        Timers.Cancel(RunWatchdog.Instance);
        // Statistics cover the load after the warm-up.
        var measuredFrom = _startAt + Scenario.WarmUp;
        var measured = DateTimeOffset.UtcNow - measuredFrom;
        _aggregator!.Tell(new FinishAggregation(measuredFrom, measured < TimeSpan.Zero ? TimeSpan.Zero : measured, _peakUsers));
        Become(Finishing);
    }

    private void Fail(string error)
    {
        _listener.Tell(new RunFailed(_runId, error));
        End();
    }
}

/// <summary>Coordinator knobs, from <c>perfcluster.run</c> in HOCON.</summary>
public sealed record CoordinatorSettings(
    int MinWorkers,
    TimeSpan WorkerWaitTimeout,
    TimeSpan StartLeadTime,
    TimeSpan FinishTimeout,
    int MetricsLateness);
