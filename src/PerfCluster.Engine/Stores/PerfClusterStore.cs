using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Akka.Actor;
using Akka.Configuration;
using Akka.Hosting;
using PerfCluster.Core.History;
using PerfCluster.Core.Schedules;
using PerfCluster.Engine.Baselines;
using PerfCluster.Engine.History;
using PerfCluster.Engine.Optimisation;
using PerfCluster.Engine.Schedules;
using static PerfCluster.Engine.Baselines.BaselineProtocol;
using static PerfCluster.Engine.History.RunHistoryProtocol;
using static PerfCluster.Engine.Schedules.ScheduleBookProtocol;
using PerfCluster.Engine.Persistence;

namespace PerfCluster.Engine.Stores;

/// <summary>
/// Baselines, run history and schedules for the CLI, the HTTP API and the coordinator's scheduler. <see cref="OpenAsync"/> starts a small local actor system
/// with nothing but persistence (for <c>perfcluster baseline list</c> and friends); <see cref="Attach"/> uses the
/// store of a running node (<see cref="PersistenceHosting.AddPerfClusterPersistence"/>). Several processes write the same
/// journals (coordinators, and CLI commands adding a schedule, a baseline or a run to the history), and a persistent actor
/// knows only what it read when it recovered and what it wrote itself: every request therefore goes to a fresh actor,
/// which reads the latest state (snapshot and later events), writes, answers and goes away, under the store's
/// cross-process <see cref="StoreLock"/> (one request at a time per store), so no two writers compute the same
/// sequence or version number. Every failure,
/// including a database that cannot be opened or does not answer, surfaces as a <see cref="StoreException"/>
/// whose message can be shown to the user as it is.
/// </summary>
public sealed class PerfClusterStore : IAsyncDisposable
{
    public const string StoreSystemName = "perfcluster-store";
    /// <summary>
    /// A request's first read in a process also starts the journal (its connection pool and table check): on a busy machine
    /// that alone has taken seconds, so the budget is generous; a database that is not there is found by the probe at once.
    /// </summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    private static readonly Config StoreSystemConfig = ConfigurationFactory.ParseString("""
        akka.actor.provider = local
        akka.loggers = ["Akka.Logger.Serilog.SerilogLogger, Akka.Logger.Serilog"]
        akka.loglevel = WARNING
        akka.stdout-loglevel = OFF
        """);

    /// <summary>Per node and journal: one request at a time, so two fresh actors never write the same journal at once.</summary>
    private static readonly ConditionalWeakTable<ActorSystem, ConcurrentDictionary<string, SemaphoreSlim>> Gates = new();

    private readonly ActorSystem _system;
    private readonly bool _ownsSystem;
    private readonly Journal _baselines;
    private readonly Journal _history;
    private readonly Journal _schedules;
    private readonly StoreLock? _lock;
    private int _disposed;

    /// <summary>One of the store's persistent actors: every request goes to a new actor made from <paramref name="Fresh"/>.</summary>
    private sealed record Journal(string Name, Props Fresh);

    private PerfClusterStore(ActorSystem system, bool ownsSystem, Journal baselines, Journal history, Journal schedules, string description,
        StoreLock? storeLock)
    {
        _lock = storeLock;
        _system = system;
        _ownsSystem = ownsSystem;
        _baselines = baselines;
        _history = history;
        _schedules = schedules;
        Description = description;
    }

    /// <summary>What the store is, for messages ("SQLite database /home/me/.local/share/perfcluster/perfcluster.db").</summary>
    public string Description { get; }

    /// <summary>How long each request may take before it fails with a <see cref="StoreException"/>.</summary>
    public TimeSpan Timeout { get; init; } = DefaultTimeout;

    /// <summary>
    /// Opens the store described by <paramref name="settings"/>: checks that the database can be opened (creating the
    /// SQLite directory and file if needed), starts a local actor system with the journal and the store actors, and
    /// waits until all of them have recovered. Dispose the store to shut that system down.
    /// </summary>
    public static async Task<PerfClusterStore> OpenAsync(PersistenceSettings settings, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        await StoreProbe.CheckAsync(settings, ct).ConfigureAwait(false);

        var config = StoreSystemConfig.WithFallback(settings.ToAkkaConfig()).WithFallback(EngineReference.Config);
        var system = ActorSystem.Create(StoreSystemName, config);
        try
        {
            // No long-lived store actors here: every request reads afresh from a new one, since other processes may write
            // between this one's start and its request.
            var store = new PerfClusterStore(system, ownsSystem: true,
                new Journal(BaselineLibrary.ActorName, BaselineLibrary.Props(settings.SnapshotEvery)),
                new Journal(RunHistory.ActorName, RunHistory.Props(settings.SnapshotEvery)),
                new Journal(ScheduleBook.ActorName, ScheduleBook.Props(settings.SnapshotEvery)),
                settings.Describe(), StoreLock.For(settings));
            await store.WaitUntilRecoveredAsync(ct).ConfigureAwait(false);
            return store;
        }
        catch
        {
            await system.Terminate().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>The store of a node started with <see cref="PersistenceHosting.AddPerfClusterPersistence"/>. Disposing it leaves the node alone.</summary>
    public static PerfClusterStore Attach(ActorSystem system)
    {
        ArgumentNullException.ThrowIfNull(system);
        var registry = ActorRegistry.For(system);
        if (!registry.TryGet<BaselineLibraryKey>(out _) || !registry.TryGet<RunHistoryKey>(out _) || !registry.TryGet<ScheduleBookKey>(out _))
            throw new StoreException("persistence is not enabled on this node (no baseline library, run history or schedule book)");
        var snapshotEvery = Math.Max(1, system.Settings.Config.GetInt("perfcluster.persistence.snapshot-every", 50));
        return new PerfClusterStore(system, ownsSystem: false,
            new Journal(BaselineLibrary.ActorName, BaselineLibrary.Props(snapshotEvery)),
            new Journal(RunHistory.ActorName, RunHistory.Props(snapshotEvery)),
            new Journal(ScheduleBook.ActorName, ScheduleBook.Props(snapshotEvery)), $"the store of node {system.Name}",
            StoreLock.Of(system));
    }

    /// <summary>Waits until every store actor has read its state from the database.</summary>
    public Task WaitUntilRecoveredAsync(CancellationToken ct = default) => GetStatusAsync(ct);

    /// <summary>How each store actor recovered and where its journal stands (diagnostics).</summary>
    public async Task<IReadOnlyList<StoreProtocol.StoreStatus>> GetStatusAsync(CancellationToken ct = default) =>
    [
        await AskAsync<StoreProtocol.StoreStatus>(_baselines, StoreProtocol.GetStoreStatus.Instance, "reading baselines", ct).ConfigureAwait(false),
        await AskAsync<StoreProtocol.StoreStatus>(_history, StoreProtocol.GetStoreStatus.Instance, "reading run history", ct).ConfigureAwait(false),
        await AskAsync<StoreProtocol.StoreStatus>(_schedules, StoreProtocol.GetStoreStatus.Instance, "reading schedules", ct).ConfigureAwait(false),
    ];

    /// <summary>The actor system the store runs on (its own after <see cref="OpenAsync"/>, the node's after <see cref="Attach"/>).</summary>
    internal ActorSystem System => _system;

    /// <summary>Stores a new version of <paramref name="name"/> (its previous highest version + 1); returns it once it is durable.</summary>
    public async Task<BaselineEntry> SaveBaselineAsync(string name, string documentJson, string scenario, string runId,
        DateTimeOffset recordedAt, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentException.ThrowIfNullOrWhiteSpace(documentJson);
        var saved = await AskAsync<BaselineSaved>(_baselines, new SaveBaseline(name, documentJson, scenario, runId, recordedAt),
            $"saving baseline '{name}'", ct).ConfigureAwait(false);
        return saved.Entry;
    }

    /// <summary>Importing a baseline file stores it as a new version, exactly like a save.</summary>
    public Task<BaselineEntry> ImportBaselineAsync(string name, string documentJson, string scenario, string runId,
        DateTimeOffset recordedAt, CancellationToken ct = default) =>
        SaveBaselineAsync(name, documentJson, scenario, runId, recordedAt, ct);

    /// <summary>The latest version of <paramref name="name"/>, or <paramref name="version"/>; null when there is none.</summary>
    public async Task<BaselineEntry?> GetBaselineAsync(string name, int? version = null, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        var reply = await AskAsync<object>(_baselines, new GetBaseline(name, version), $"reading baseline '{name}'", ct).ConfigureAwait(false);
        return reply switch
        {
            BaselineFound found => found.Entry,
            BaselineNotFound => null,
            _ => throw Unexpected(reply),
        };
    }

    /// <summary>One summary per baseline name, ordered by name.</summary>
    public async Task<IReadOnlyList<BaselineSummary>> ListBaselinesAsync(CancellationToken ct = default) =>
        (await AskAsync<BaselineList>(_baselines, ListBaselines.Instance, "listing baselines", ct).ConfigureAwait(false)).Baselines;

    /// <summary>Deletes every version of <paramref name="name"/>; returns how many there were (0: no such baseline).</summary>
    public async Task<int> DeleteBaselineAsync(string name, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        var reply = await AskAsync<object>(_baselines, new DeleteBaseline(name), $"deleting baseline '{name}'", ct).ConfigureAwait(false);
        return reply switch
        {
            BaselineDeleted deleted => deleted.VersionsRemoved,
            BaselineNotFound => 0,
            _ => throw Unexpected(reply),
        };
    }

    /// <summary>Adds a run to the history; returns once it is durable.</summary>
    public async Task RecordRunAsync(RunSummary summary, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(summary);
        await AskAsync<RunRecordedAck>(_history, new RecordRun(summary), $"recording run {summary.RunId}", ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Reserves a run id in this store: <paramref name="wanted"/>, or <c>wanted-2</c>, <c>wanted-3</c>, ... when another run
    /// (of this or another process) has it already.
    /// </summary>
    public async Task<string> ClaimRunIdAsync(string wanted, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(wanted);
        return (await AskAsync<RunIdGranted>(_history, new ClaimRunId(wanted), $"claiming run id {wanted}", ct).ConfigureAwait(false)).RunId;
    }

    /// <summary>At most <paramref name="limit"/> runs, newest first; only <paramref name="scenario"/>'s when given (case-insensitive).</summary>
    public async Task<IReadOnlyList<RunSummary>> GetHistoryAsync(string? scenario = null, int limit = 20, CancellationToken ct = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        var list = await AskAsync<RunList>(_history, new GetHistory(string.IsNullOrWhiteSpace(scenario) ? null : scenario, limit),
            "reading run history", ct).ConfigureAwait(false);
        return list.Runs;
    }

    /// <summary>The stored windows of one scenario run (its actor-level run id); an empty timeline when none is stored.</summary>
    public async Task<RunTimelineProtocol.Timeline> GetTimelineAsync(string runId, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(runId);
        return await AskOnceAsync<RunTimelineProtocol.Timeline>(RunTimeline.Props(runId, ""), "timeline-reader",
            RunTimelineProtocol.GetTimeline.Instance, $"reading the timeline of {runId}", ct).ConfigureAwait(false);
    }

    /// <summary>Adds a schedule; a <see cref="StoreException"/> when its name is taken or it is not valid.</summary>
    public async Task<ScheduleEntry> AddScheduleAsync(ScheduleDefinition schedule, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        var added = await AskAsync<ScheduleAdded>(_schedules, new AddSchedule(schedule), $"adding schedule '{schedule.Name}'", ct).ConfigureAwait(false);
        return added.Entry;
    }

    /// <summary>Every schedule with its last run, ordered by name.</summary>
    public async Task<IReadOnlyList<ScheduleEntry>> ListSchedulesAsync(CancellationToken ct = default) =>
        (await AskAsync<ScheduleList>(_schedules, ListSchedules.Instance, "listing schedules", ct).ConfigureAwait(false)).Schedules;

    /// <summary>One schedule; null when there is none of that name.</summary>
    public async Task<ScheduleEntry?> GetScheduleAsync(string name, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        var reply = await AskAsync<object>(_schedules, new GetSchedule(name), $"reading schedule '{name}'", ct).ConfigureAwait(false);
        return reply switch
        {
            ScheduleFound found => found.Entry,
            ScheduleNotFound => null,
            _ => throw Unexpected(reply),
        };
    }

    /// <summary>Removes a schedule; false when there was none of that name.</summary>
    public async Task<bool> RemoveScheduleAsync(string name, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        var reply = await AskAsync<object>(_schedules, new RemoveSchedule(name), $"removing schedule '{name}'", ct).ConfigureAwait(false);
        return reply switch
        {
            ScheduleRemoved => true,
            ScheduleNotFound => false,
            _ => throw Unexpected(reply),
        };
    }

    /// <summary>Enables or disables a schedule; the schedule after the change, or null when there is none of that name.</summary>
    public Task<ScheduleEntry?> SetScheduleEnabledAsync(string name, bool enabled, DateTimeOffset at, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return UpdateScheduleAsync(new SetScheduleEnabled(name, enabled, at), $"{(enabled ? "enabling" : "disabling")} schedule '{name}'", ct);
    }

    /// <summary>
    /// Asks the coordinator to run a schedule at its next check, outside the cron; the schedule after it (a request
    /// already pending stays as it is), or null when there is none of that name.
    /// </summary>
    public Task<ScheduleEntry?> RequestScheduleRunAsync(string name, DateTimeOffset at, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return UpdateScheduleAsync(new RequestScheduleRun(name, at), $"requesting a run of schedule '{name}'", ct);
    }

    /// <summary>
    /// Records a run of a schedule (when it starts, and again with its outcome); the schedule after it, or null when
    /// the schedule was removed meanwhile.
    /// </summary>
    public Task<ScheduleEntry?> RecordScheduledRunAsync(string name, ScheduledRun run, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(run);
        return UpdateScheduleAsync(new RecordScheduledRun(name, run), $"recording run {run.RunId} of schedule '{name}'", ct);
    }

    private async Task<ScheduleEntry?> UpdateScheduleAsync(object command, string what, CancellationToken ct)
    {
        var reply = await AskAsync<object>(_schedules, command, what, ct).ConfigureAwait(false);
        return reply switch
        {
            ScheduleUpdated updated => updated.Entry,
            ScheduleNotFound => null,
            _ => throw Unexpected(reply),
        };
    }

    /// <summary>The optimisation study of this name as stored: its definition hash and its finished trials (none when it never ran).</summary>
    public Task<StudyJournalProtocol.Study> GetStudyAsync(string study, CancellationToken ct = default) =>
        AskStudyAsync<StudyJournalProtocol.Study>(study, StudyJournalProtocol.GetStudy.Instance, $"reading optimisation study '{study}'", ct);

    /// <summary>Starts the study afresh: the trials stored before belong to the earlier study.</summary>
    public Task BeginStudyAsync(string study, string definitionHash, DateTimeOffset at, CancellationToken ct = default) =>
        AskStudyAsync<StudyJournalProtocol.Recorded>(study, new StudyJournalProtocol.BeginStudy(definitionHash, at), $"starting optimisation study '{study}'", ct);

    /// <summary>Stores one finished trial; returns once it is durable.</summary>
    public Task RecordTrialAsync(string study, PerfCluster.Core.Optimisation.TrialRecord trial, CancellationToken ct = default) =>
        AskStudyAsync<StudyJournalProtocol.Recorded>(study, new StudyJournalProtocol.RecordTrial(trial), $"storing trial {trial.Number} of study '{study}'", ct);

    private async Task<T> AskStudyAsync<T>(string study, object message, string what, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(study);
        var gate = Gates.GetOrCreateValue(_system).GetOrAdd("optimisation-" + study, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            return await AskOnceAsync<T>(StudyJournal.Props(study), "optimisation-study", message, what, ct).ConfigureAwait(false);
        }
        finally
        {
            gate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0 || !_ownsSystem) return;
        await _system.Terminate().ConfigureAwait(false);
    }

    private async Task<T> AskAsync<T>(Journal journal, object message, string what, CancellationToken ct)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        var gate = Gates.GetOrCreateValue(_system).GetOrAdd(journal.Name, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (_lock is null) return await AskOnceAsync<T>(journal.Fresh, journal.Name, message, what, ct).ConfigureAwait(false);
            IAsyncDisposable held;
            try
            {
                held = await _lock.AcquireAsync(StoreLock.DefaultWait, ct).ConfigureAwait(false);
            }
            catch (StoreException e)
            {
                throw new StoreException($"{what} failed: {e.Message}", e);
            }
            await using (held)
                return await AskOnceAsync<T>(journal.Fresh, journal.Name, message, what, ct).ConfigureAwait(false);
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>
    /// Starts an actor from <paramref name="props"/>, asks it one question and stops it: it reads the store afresh. An
    /// actor that cannot read the store stops before it answers: that is a <see cref="StoreException"/> at once, with
    /// the reason it recorded.
    /// </summary>
    private async Task<T> AskOnceAsync<T>(Props props, string name, object message, string what, CancellationToken ct)
    {
        var actor = _system.ActorOf(props, $"{name}-{Guid.NewGuid():N}");
        using var stopWatching = new CancellationTokenSource();
        var stopped = actor.WatchAsync(stopWatching.Token);
        try
        {
            var answer = AskAsync<T>(actor, message, what, ct);
            // A failed write is answered just before the actor stops: its answer may arrive after the stop is seen.
            if (await Task.WhenAny(answer, stopped).ConfigureAwait(false) == stopped
                && await Task.WhenAny(answer, Task.Delay(TimeSpan.FromMilliseconds(500), ct)).ConfigureAwait(false) != answer)
                throw new StoreException($"{what} failed: {StoreActorFailures.Take(actor.Path) ?? "the store could not be read"}");
            return await answer.ConfigureAwait(false);
        }
        finally
        {
            await stopWatching.CancelAsync().ConfigureAwait(false);
            actor.Tell(StoreProtocol.Retire.Instance);
        }
    }

    private async Task<T> AskAsync<T>(IActorRef target, object message, string what, CancellationToken ct)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        object reply;
        try
        {
            reply = await target.Ask<object>(message, Timeout, ct).ConfigureAwait(false);
        }
        catch (AskTimeoutException e)
        {
            throw TimedOut(what, e);
        }
        catch (TaskCanceledException e) when (!ct.IsCancellationRequested)
        {
            throw TimedOut(what, e);
        }
        catch (StoreException e)
        {
            // A Status.Failure reply: the ask rethrows its cause.
            throw new StoreException($"{what} failed: {e.Message}", e);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw new StoreException($"{what} failed: {e.GetBaseException().Message}", e);
        }
        return reply switch
        {
            T t => t,
            Status.Failure { Cause: StoreException se } => throw new StoreException($"{what} failed: {se.Message}", se),
            Status.Failure f => throw new StoreException($"{what} failed: {f.Cause.GetBaseException().Message}", f.Cause),
            _ => throw Unexpected(reply),
        };
    }

    private StoreException TimedOut(string what, Exception e) =>
        new($"{what}: the {Description} did not answer within {Timeout.TotalSeconds:0.#} s", e);

    private static InvalidOperationException Unexpected(object reply) => new($"unexpected reply {reply.GetType().Name} from the store");
}
