using System.Collections.Concurrent;
using Akka.Actor;
using Akka.Cluster;
using Akka.Configuration;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using PerfCluster.Core.Alerts;
using PerfCluster.Core.Regression;
using PerfCluster.Core.Reports;
using PerfCluster.Core.Runs;
using PerfCluster.Core.Scenarios;
using PerfCluster.Core.Schedules;
using PerfCluster.Core.Thresholds;
using PerfCluster.Engine.Alerts;
using PerfCluster.Engine.Coordination;
using PerfCluster.Engine.Drivers;
using PerfCluster.Engine.Persistence;
using PerfCluster.Engine.Schedules;
using PerfCluster.Core.Input;
using PerfCluster.Engine.Stores;
using PerfCluster.Engine.Protocol;

namespace PerfCluster.Api;

/// <summary>perfcluster.schedules: whether this coordinator starts scheduled runs, and how often it looks.</summary>
public sealed record SchedulerSettings(bool Enabled, TimeSpan CheckInterval)
{
    public static readonly TimeSpan DefaultCheckInterval = TimeSpan.FromSeconds(15);

    /// <summary>Where "now" comes from; tests put the coordinator at a time a schedule is due.</summary>
    public TimeProvider Clock { get; init; } = TimeProvider.System;

    public static SchedulerSettings From(Config config)
    {
        var interval = config.GetTimeSpan("perfcluster.schedules.check-interval", DefaultCheckInterval);
        return new SchedulerSettings(
            config.GetBoolean("perfcluster.schedules.enabled", true),
            interval > TimeSpan.Zero ? interval : DefaultCheckInterval);
    }
}

/// <summary>
/// Starts the scheduled runs that are due on this coordinator. Each <see cref="CheckAsync"/> reads the schedules from
/// the store, asks <see cref="ScheduleClock.Due"/> which are due at the clock's "now", and starts each through
/// <see cref="RunLauncher"/> exactly as <c>POST /api/runs</c> does. A run is recorded in the schedule book as
/// running before it starts (that moves the schedule on to its next occurrence, so a slow run is never started
/// twice) and again with its outcome when it ends: the thresholds and, when the schedule names a baseline, the
/// regression gate against the latest stored version of it. A failed gate is logged as an error. Finished runs also
/// go to the run history. A schedule whose previous run is still going is not started again until that run ends.
/// A run left going by a coordinator that was lost, and taken over by the run manager here, is followed and recorded
/// the same way.
/// </summary>
public sealed class Scheduler(
    PerfClusterStore store, RunLauncher launcher, RunRegistry registry, Func<CancellationToken, Task<IReadOnlyList<string>>> runsGoing,
    TimeProvider clock, ILogger log)
{
    /// <summary>How long a run the run manager took over may take to appear in this coordinator's API.</summary>
    private static readonly TimeSpan TakeoverRegistration = TimeSpan.FromSeconds(30);

    private readonly ConcurrentDictionary<string, RunRecord> _running = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, DateTimeOffset> _skipLogged = new(StringComparer.Ordinal);
    private readonly ConcurrentBag<Task> _finishing = [];
    private bool _firstCheck = true;

    /// <summary>Completes once every run this scheduler started has ended and its outcome is recorded (or failed to be).</summary>
    public Task Finished => Task.WhenAll(_finishing.ToArray());

    /// <summary>One look at the schedules: starts the due ones and returns their runs.</summary>
    public async Task<IReadOnlyList<RunRecord>> CheckAsync(CancellationToken ct = default)
    {
        var entries = await store.ListSchedulesAsync(ct);
        if (_firstCheck)
        {
            _firstCheck = false;
            await SettleLeftRunsAsync(entries, ct);
        }
        var now = clock.GetUtcNow();
        var lastRuns = entries.Where(e => e.LastRun is not null).ToDictionary(e => e.Name, e => e.LastRun!.StartedAt, StringComparer.Ordinal);
        var started = new List<RunRecord>();
        foreach (var due in ScheduleClock.Due(entries.Select(e => e.Definition), lastRuns, now))
        {
            var name = due.Schedule.Name;
            if (_running.TryGetValue(name, out var going))
            {
                if (!_skipLogged.TryGetValue(name, out var logged) || logged != due.Occurrence)
                {
                    _skipLogged[name] = due.Occurrence;
                    log.LogWarning("Schedule {Schedule} is due ({Occurrence}) but its run {RunId} is still going; it starts again once that run ends",
                        name, due.Occurrence, going.Id);
                }
                continue;
            }
            if (await StartAsync(due, now, ct) is { } run) started.Add(run);
        }
        // `schedule run-now`: once per request, disabled or not, unless a run of the schedule is going or just started.
        foreach (var asked in entries.Where(e => e.RunRequestedAt is not null))
        {
            if (_running.ContainsKey(asked.Name)) continue;
            log.LogInformation("Schedule {Schedule}: run requested at {RequestedAt}", asked.Name, asked.RunRequestedAt);
            if (await StartAsync(new DueSchedule(asked.Definition, now, 1), now, ct) is { } run) started.Add(run);
        }
        return started;
    }

    /// <summary>
    /// Runs recorded as going that this scheduler did not start, left by a coordinator that stopped or was lost. One
    /// the run manager took over is followed to its end and judged like a run started here; the others were cut short
    /// and are recorded as abandoned.
    /// </summary>
    private async Task SettleLeftRunsAsync(IReadOnlyList<ScheduleEntry> entries, CancellationToken ct)
    {
        var left = entries.Where(e => e.LastRun is { Outcome: ScheduledRunOutcomes.Running }).ToList();
        if (left.Count == 0) return;
        IReadOnlyList<string> going;
        try
        {
            going = await runsGoing(ct);
        }
        catch (Exception e) when (e is AskTimeoutException or TimeoutException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            log.LogWarning("The run manager did not say which runs are going ({Reason}); left scheduled runs count as abandoned", e.Message);
            going = [];
        }
        foreach (var entry in left)
        {
            var run = entry.LastRun!;
            // A multi-scenario run is taken over as the scenario that was going ("RUN~2").
            var taken = going.FirstOrDefault(new TestRunId(run.RunId).Owns);
            if (taken is not null && await RegisteredAsync(taken, ct) is { } record)
            {
                log.LogWarning("Scheduled run {RunId} of {Schedule} was taken over from a lost coordinator; its outcome is recorded when it ends",
                    run.RunId, entry.Name);
                _running[entry.Name] = record;
                var baseline = await BaselineOrNoneAsync(entry.Definition, run.RunId, ct);
                _finishing.Add(Task.Run(() => FinishAsync(entry.Definition, record, baseline, run)));
                continue;
            }
            log.LogWarning("Scheduled run {RunId} of {Schedule} was still going when the coordinator stopped; it is recorded as abandoned",
                run.RunId, entry.Name);
            var abandoned = run with
            {
                Outcome = ScheduledRunOutcomes.Abandoned,
                Detail = "the coordinator stopped while the run was going",
            };
            await store.RecordScheduledRunAsync(entry.Name, abandoned, ct);
            _finishing.Add(NotifyFailureAsync(entry.Definition, abandoned));
        }
    }

    private async Task<RunRecord?> StartAsync(DueSchedule due, DateTimeOffset now, CancellationToken ct)
    {
        var schedule = due.Schedule;
        var runId = TestRunId.ForSchedule(schedule.Name, now).Value;
        if (due.Occurrences > 1)
            log.LogWarning("Schedule {Schedule} missed {Missed} occurrences while no coordinator was running; it runs once now, for {Occurrence}",
                schedule.Name, due.Occurrences, due.Occurrence);

        TestPlan plan;
        Baseline? baseline;
        try
        {
            plan = ScenarioLoader.LoadText(schedule.ScenarioText, schedule.ScenarioFileName);
            ThresholdEvaluator.ValidatePlan(plan);
            if (RequestDrivers.EngineProblem(plan) is { } problem) throw new ScenarioException(problem);
            baseline = await BaselineAsync(schedule, ct);
        }
        catch (Exception e) when (e is ScenarioException or BaselineFormatException)
        {
            var message = e is ScenarioException se ? se.Describe() : e.Message;
            log.LogError("Scheduled run {RunId} of {Schedule} could not start: {Reason}", runId, schedule.Name, message);
            var refused = new ScheduledRun(runId, now, ScheduledRunOutcomes.Error, $"could not start: {message}", now);
            await store.RecordScheduledRunAsync(schedule.Name, refused, ct);
            _finishing.Add(NotifyFailureAsync(schedule, refused));
            return null;
        }

        // Recorded before it starts: a coordinator that dies now leaves "running" (later taken over or "abandoned"), never a second run.
        if (await store.RecordScheduledRunAsync(schedule.Name, new ScheduledRun(runId, now, ScheduledRunOutcomes.Running), ct) is null)
            return null; // removed meanwhile
        var run = new RunRecord(runId, plan, now);
        if (!launcher.TryStart(run))
        {
            await store.RecordScheduledRunAsync(schedule.Name,
                new ScheduledRun(runId, now, ScheduledRunOutcomes.Error, $"a run with id '{runId}' already exists", now), ct);
            return null;
        }
        _running[schedule.Name] = run;
        log.LogInformation("Schedule {Schedule} ({Cron} {TimeZone}) started run {RunId} for {Occurrence}",
            schedule.Name, schedule.Cron, schedule.TimeZone, runId, due.Occurrence);
        _finishing.Add(Task.Run(() => FinishAsync(schedule, run, baseline)));
        return run;
    }

    /// <summary>The latest version of the schedule's baseline; null when it names none.</summary>
    private async Task<Baseline?> BaselineAsync(ScheduleDefinition schedule, CancellationToken ct)
    {
        if (schedule.Baseline is not { } name) return null;
        var entry = await store.GetBaselineAsync(name, ct: ct)
            ?? throw new BaselineFormatException($"no baseline named '{name}' in the store", name);
        return BaselineFile.FromJson(entry.DocumentJson, $"baseline '{name}' version {entry.Version}") with { Version = entry.Version };
    }

    /// <summary>The baseline of a run already going: when it cannot be read now, the run is judged on its thresholds alone.</summary>
    private async Task<Baseline?> BaselineOrNoneAsync(ScheduleDefinition schedule, string runId, CancellationToken ct)
    {
        try
        {
            return await BaselineAsync(schedule, ct);
        }
        catch (BaselineFormatException e)
        {
            log.LogError("Scheduled run {RunId} of {Schedule} is judged without its baseline: {Reason}", runId, schedule.Name, e.Message);
            return null;
        }
    }

    /// <summary>The run of <paramref name="runId"/> in this coordinator's API, once the takeover has registered it.</summary>
    private async Task<RunRecord?> RegisteredAsync(string runId, CancellationToken ct)
    {
        // Real time, not the scheduler's clock: the takeover happens now, whatever time the schedules are judged at.
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            if (registry.Find(runId) is { } run) return run;
            if (waited.Elapsed > TakeoverRegistration) return null;
            await Task.Delay(TimeSpan.FromMilliseconds(200), ct);
        }
    }

    /// <summary>
    /// Waits for the run's end and records its outcome; <paramref name="started"/> is the record it was started under
    /// when that was another coordinator's.
    /// </summary>
    private async Task FinishAsync(ScheduleDefinition schedule, RunRecord run, Baseline? baseline, ScheduledRun? started = null)
    {
        try
        {
            await run.Finished;
            var report = Report(run, baseline, schedule.Strict, clock.GetUtcNow());
            var (outcome, detail) = ScheduledRunOutcomes.Of(report);
            // The history first: once the schedule shows the outcome, everything about the run is stored.
            foreach (var s in report.Scenarios)
                await store.RecordRunAsync(Core.History.RunSummary.From(report, s, Math.Max(1, s.Statistics.Workers.Count),
                    s.Regression?.Outcome.ToJsonName(), s.Regression?.BaselineName));
            var recorded = new ScheduledRun(started?.RunId ?? run.Id, started?.StartedAt ?? run.CreatedAt, outcome, detail, report.FinishedAt);
            await store.RecordScheduledRunAsync(schedule.Name, recorded);
            await NotifyFailureAsync(schedule, recorded);
            switch (outcome)
            {
                case ScheduledRunOutcomes.Passed:
                    log.LogInformation("Scheduled run {RunId} of {Schedule} passed{Detail}", run.Id, schedule.Name, detail is null ? "" : $" ({detail})");
                    break;
                case ScheduledRunOutcomes.Regressed:
                    log.LogError("Scheduled run {RunId} of {Schedule} failed its regression gate against baseline {Baseline}: {Detail}",
                        run.Id, schedule.Name, schedule.Baseline, detail);
                    break;
                case ScheduledRunOutcomes.Interrupted:
                    log.LogWarning("Scheduled run {RunId} of {Schedule} was interrupted: {Detail}", run.Id, schedule.Name, detail);
                    break;
                default:
                    log.LogError("Scheduled run {RunId} of {Schedule} {Outcome}: {Detail}", run.Id, schedule.Name, outcome, detail);
                    break;
            }
        }
        catch (StoreException e)
        {
            log.LogError("The outcome of scheduled run {RunId} of {Schedule} was not recorded: {Reason}", run.Id, schedule.Name, e.Message);
        }
        finally
        {
            _running.TryRemove(new KeyValuePair<string, RunRecord>(schedule.Name, run));
        }
    }

    private static readonly HttpClient Webhooks = new();

    /// <summary>
    /// POSTs a failed run (failed thresholds, failed gate, error, abandoned) to the schedule's webhook, retried with
    /// back-off like alert webhooks; delivery problems are logged, never thrown.
    /// </summary>
    private async Task NotifyFailureAsync(ScheduleDefinition schedule, ScheduledRun run)
    {
        if (schedule.Webhook is not { } url || ScheduledRunAlert.For(schedule, run) is not { } alert) return;
        try
        {
            var delivery = await WebhookSender.SendAsync(Webhooks, url, alert.ToJson(), RetryPolicy.Default, CancellationToken.None);
            if (delivery.Delivered)
                log.LogInformation("Scheduled run {RunId} of {Schedule}: failure posted to {Webhook}", run.RunId, schedule.Name, url);
            else
                log.LogError("Scheduled run {RunId} of {Schedule}: webhook {Webhook} not delivered after {Attempts} attempts: {Problem}",
                    run.RunId, schedule.Name, url, delivery.Attempts, delivery.LastProblem);
        }
        catch (Exception e)
        {
            log.LogError(e, "Scheduled run {RunId} of {Schedule}: webhook {Webhook} failed", run.RunId, schedule.Name, url);
        }
    }

    /// <summary>The report of a finished API run, as <c>perfcluster test</c> would have written it.</summary>
    public static RunReport Report(RunRecord run, Baseline? baseline, bool strict, DateTimeOffset now)
    {
        var report = run.Report(now);
        return baseline is null ? report : report.JudgedAgainst(baseline, strict);
    }
}

/// <summary>
/// Runs the <see cref="Scheduler"/> on the coordinator: first once this node is Up (so occurrences missed while the
/// coordinator was down run right away, once), then every <see cref="SchedulerSettings.CheckInterval"/>.
/// </summary>
public sealed class SchedulerService(IServiceProvider services, SchedulerSettings settings, ILogger<Scheduler> log) : BackgroundService
{
    /// <summary>
    /// The runs the run manager has going, asked through its proxy. Right after the run manager moved here the proxy
    /// may still hand the question to the lost node's instance, so it is asked again every 5 s, for up to a minute.
    /// </summary>
    private static async Task<IReadOnlyList<string>> RunsGoingAsync(IActorRef manager, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return (await manager.Ask<RunProtocol.RunsGoing>(RunProtocol.GetRunsGoing.Instance, TimeSpan.FromSeconds(5), ct)).RunIds;
            }
            catch (AskTimeoutException) when (attempt < 12)
            {
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!settings.Enabled)
        {
            log.LogInformation("Scheduled runs are off on this coordinator (perfcluster.schedules.enabled = off)");
            return;
        }
        try
        {
            var system = services.GetRequiredService<ActorSystem>();
            var up = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            Cluster.Get(system).RegisterOnMemberUp(() => up.TrySetResult());
            await up.Task.WaitAsync(stoppingToken);

            PerfClusterStore store;
            try
            {
                store = PerfClusterStore.Attach(system);
            }
            catch (StoreException e)
            {
                log.LogWarning("Scheduled runs are off on this coordinator: {Reason}", e.Message);
                return;
            }
            var actors = ActorRegistry.For(system);
            var scheduler = new Scheduler(store, services.GetRequiredService<RunLauncher>(), services.GetRequiredService<RunRegistry>(),
                async ct => await RunsGoingAsync(await actors.GetAsync<RunManager>(ct), ct),
                settings.Clock, log);
            using var timer = new PeriodicTimer(settings.CheckInterval);
            do
            {
                try
                {
                    // With several coordinators on one store only the one holding the run manager starts scheduled runs.
                    if (CoordinatorNodes.HoldsRunManager(Cluster.Get(system))) await scheduler.CheckAsync(stoppingToken);
                }
                catch (StoreException e)
                {
                    log.LogWarning("Schedules could not be checked: {Reason}; trying again in {Interval}", e.Message, settings.CheckInterval);
                }
            } while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // the coordinator is stopping
        }
    }
}
