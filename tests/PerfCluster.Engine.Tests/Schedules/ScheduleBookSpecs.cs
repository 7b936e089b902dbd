using System.Text;
using PerfCluster.Core.Schedules;
using PerfCluster.Engine.Persistence;
using PerfCluster.Engine.Schedules;
using PerfCluster.Engine.Tests.Persistence;
using PerfCluster.Engine.Stores;

namespace PerfCluster.Engine.Tests.Schedules;

/// <summary>The schedule book on SQLite: a temporary file per spec.</summary>
public sealed class SqliteScheduleBookSpecs() : ScheduleBookSpecs(() => new SqliteBackend());

/// <summary>The same specs on PostgreSQL (a schema per spec), when PERFCLUSTER_TEST_POSTGRES holds a connection string.</summary>
[RequiresEnvironmentVariable(PostgreSqlBackend.Variable)]
public sealed class PostgreSqlScheduleBookSpecs() : ScheduleBookSpecs(() => new PostgreSqlBackend());

/// <summary>Schedules through <see cref="PerfClusterStore"/>, against a real database.</summary>
public abstract class ScheduleBookSpecs : IDisposable
{
    private static readonly DateTimeOffset T0 = DateTimeOffset.Parse("2026-11-26T12:00:00Z");
    private readonly IStoreBackend _backend;

    protected ScheduleBookSpecs(Func<IStoreBackend> backend) => _backend = backend();

    public void Dispose()
    {
        _backend.Dispose();
        GC.SuppressFinalize(this);
    }

    private Task<PerfClusterStore> Open(int snapshotEvery = 50) => PerfClusterStore.OpenAsync(_backend.Settings(snapshotEvery), CancellationToken.None);

    private static ScheduleDefinition Schedule(string name, string cron = "0 2 * * *", string zone = "Europe/Berlin", string? baseline = "nightly") =>
        ScheduleDefinition.Create(name, cron, zone, $"{name}.conf", $"name = \"{name}\"\nduration = 30s\n", baseline, strict: true, T0);

    private static ScheduledRun Run(string id, int minutes, string outcome = ScheduledRunOutcomes.Running) =>
        new(id, T0.AddMinutes(minutes), outcome, outcome == ScheduledRunOutcomes.Running ? null : $"{outcome} detail",
            outcome == ScheduledRunOutcomes.Running ? null : T0.AddMinutes(minutes + 1));

    [StoreFact]
    public async Task Should_add_list_get_and_remove_schedules()
    {
        await using var store = await Open();

        var added = await store.AddScheduleAsync(Schedule("nightly"));
        await store.AddScheduleAsync(Schedule("a-hourly", "0 * * * *", "UTC", baseline: null));

        Assert.Equal(new ScheduleEntry(Schedule("nightly")), added);
        Assert.Equal(["a-hourly", "nightly"], (await store.ListSchedulesAsync()).Select(e => e.Name));
        var nightly = await store.GetScheduleAsync("nightly");
        Assert.Equal(("0 2 * * *", "Europe/Berlin", "nightly", true, "nightly.conf"),
            (nightly!.Definition.Cron, nightly.Definition.TimeZone, nightly.Definition.Baseline, nightly.Definition.Strict, nightly.Definition.ScenarioFileName));
        Assert.Contains("duration = 30s", nightly.Definition.ScenarioText);
        Assert.Null(await store.GetScheduleAsync("missing"));

        Assert.True(await store.RemoveScheduleAsync("nightly"));
        Assert.False(await store.RemoveScheduleAsync("nightly"));
        Assert.Equal(["a-hourly"], (await store.ListSchedulesAsync()).Select(e => e.Name));
    }

    [StoreFact]
    public async Task Should_refuse_a_taken_name_and_an_invalid_schedule()
    {
        await using var store = await Open();
        await store.AddScheduleAsync(Schedule("nightly"));

        var taken = await Assert.ThrowsAsync<StoreException>(() => store.AddScheduleAsync(Schedule("nightly", "0 3 * * *")));
        var bad = await Assert.ThrowsAsync<StoreException>(() => store.AddScheduleAsync(Schedule("other") with { Cron = "0 2 * *" }));

        Assert.Equal("adding schedule 'nightly' failed: a schedule named 'nightly' already exists", taken.Message);
        Assert.Contains("has 4 field(s); expected 5", bad.Message);
        Assert.Equal("0 2 * * *", (await store.GetScheduleAsync("nightly"))!.Definition.Cron);
    }

    [StoreFact]
    public async Task Should_enable_and_disable_a_schedule()
    {
        await using var store = await Open();
        await store.AddScheduleAsync(Schedule("nightly"));

        var disabled = await store.SetScheduleEnabledAsync("nightly", false, T0.AddDays(1));
        var again = await store.SetScheduleEnabledAsync("nightly", false, T0.AddDays(2));
        var enabled = await store.SetScheduleEnabledAsync("nightly", true, T0.AddDays(3));

        Assert.False(disabled!.Definition.Enabled);
        Assert.Equal(disabled, again);
        Assert.True(enabled!.Definition.Enabled);
        Assert.Equal(T0.AddDays(3), enabled.Definition.ActiveSince);
        Assert.Null(await store.SetScheduleEnabledAsync("missing", true, T0));
        // Disabling twice stored one event: created, disabled, enabled.
        Assert.Equal(3, (await store.GetStatusAsync())[2].LastSequenceNr);
    }

    [StoreFact]
    public async Task Should_record_a_run_and_replace_it_with_its_outcome()
    {
        await using var store = await Open();
        await store.AddScheduleAsync(Schedule("nightly"));

        var running = await store.RecordScheduledRunAsync("nightly", Run("r1", 60));
        var finished = await store.RecordScheduledRunAsync("nightly", Run("r1", 60, ScheduledRunOutcomes.Regressed));
        var late = await store.RecordScheduledRunAsync("nightly", Run("r0", 30, ScheduledRunOutcomes.Passed));

        Assert.Equal(Run("r1", 60), running!.LastRun);
        Assert.Equal(Run("r1", 60, ScheduledRunOutcomes.Regressed), finished!.LastRun);
        // An older run never replaces a newer one.
        Assert.Equal(Run("r1", 60, ScheduledRunOutcomes.Regressed), late!.LastRun);
        Assert.Null(await store.RecordScheduledRunAsync("missing", Run("r2", 90)));
        var listed = Assert.Single(await store.ListSchedulesAsync());
        Assert.Equal(("r1", "regressed", "regressed detail"), (listed.LastRun!.RunId, listed.LastRun.Outcome, listed.LastRun.Detail));
    }

    [StoreFact]
    public async Task Should_keep_a_run_now_request_until_a_new_run_is_recorded_also_across_a_restart()
    {
        await using (var store = await Open())
        {
            await store.AddScheduleAsync(Schedule("nightly"));
            await store.RecordScheduledRunAsync("nightly", Run("r1", 60));
            var asked = await store.RequestScheduleRunAsync("nightly", T0.AddMinutes(90));
            var again = await store.RequestScheduleRunAsync("nightly", T0.AddMinutes(95));
            // The run going when the request came only finishes: that does not answer the request.
            var finished = await store.RecordScheduledRunAsync("nightly", Run("r1", 60, ScheduledRunOutcomes.Passed));

            Assert.Equal(T0.AddMinutes(90), asked!.RunRequestedAt);
            Assert.Equal(T0.AddMinutes(90), again!.RunRequestedAt);    // one pending request, the first
            Assert.Equal(T0.AddMinutes(90), finished!.RunRequestedAt);
            Assert.Null(await store.RequestScheduleRunAsync("missing", T0));
        }

        await using var reopened = await Open();
        Assert.Equal(T0.AddMinutes(90), (await reopened.GetScheduleAsync("nightly"))!.RunRequestedAt);
        // A new run's first record answers it, whatever its clock says.
        var started = await reopened.RecordScheduledRunAsync("nightly", Run("r2", 80));
        Assert.Null(started!.RunRequestedAt);
        Assert.Equal("r2", started.LastRun!.RunId);
    }

    [StoreFact]
    public async Task Should_recover_schedules_and_their_last_runs_after_a_restart()
    {
        await using (var store = await Open())
        {
            await store.AddScheduleAsync(Schedule("nightly"));
            await store.AddScheduleAsync(Schedule("gone"));
            await store.AddScheduleAsync(Schedule("hourly", "0 * * * *", "UTC", null));
            await store.RecordScheduledRunAsync("nightly", Run("r1", 60));
            await store.RecordScheduledRunAsync("nightly", Run("r1", 60, ScheduledRunOutcomes.Passed));
            await store.SetScheduleEnabledAsync("hourly", false, T0.AddDays(1));
            await store.RemoveScheduleAsync("gone");
        }

        await using var reopened = await Open();

        var all = await reopened.ListSchedulesAsync();
        Assert.Equal(["hourly", "nightly"], all.Select(e => e.Name));
        Assert.Equal(new ScheduleEntry(Schedule("nightly"), Run("r1", 60, ScheduledRunOutcomes.Passed)), all[1]);
        Assert.False(all[0].Definition.Enabled);
        Assert.Equal(7, (await reopened.GetStatusAsync())[2].LastSequenceNr);
        await reopened.AddScheduleAsync(Schedule("gone"));
        Assert.Null((await reopened.GetScheduleAsync("gone"))!.LastRun);
    }

    [StoreFact]
    public async Task Should_recover_from_a_snapshot_plus_later_events()
    {
        await using (var store = await Open(snapshotEvery: 3))
        {
            for (var i = 1; i <= 4; i++) await store.AddScheduleAsync(Schedule($"s{i}"));
            await store.RecordScheduledRunAsync("s2", Run("r1", 5, ScheduledRunOutcomes.Failed));
            await Eventually(async () => (await store.GetStatusAsync())[2].LastSnapshot == 3L);
        }

        await using var reopened = await Open(snapshotEvery: 3);

        var status = (await reopened.GetStatusAsync())[2];
        Assert.Equal(("schedule-book", 5L, 3L, 2), (status.PersistenceId, status.LastSequenceNr, status.RecoveredFromSnapshot, status.EventsReplayed));
        Assert.Equal(["s1", "s2", "s3", "s4"], (await reopened.ListSchedulesAsync()).Select(e => e.Name));
        Assert.Equal(Run("r1", 5, ScheduledRunOutcomes.Failed), (await reopened.GetScheduleAsync("s2"))!.LastRun);
    }

    [StoreFact]
    public async Task Should_store_schedule_events_as_readable_json_under_fixed_manifests()
    {
        await using (var store = await Open())
        {
            await store.AddScheduleAsync(Schedule("nightly"));
            await store.SetScheduleEnabledAsync("nightly", false, T0);
            await store.RecordScheduledRunAsync("nightly", Run("r1", 1));
            await store.RemoveScheduleAsync("nightly");
        }

        var rows = await _backend.QueryAsync("SELECT persistence_id, manifest, message FROM journal ORDER BY ordering");

        Assert.Equal(
            [("schedule-book", "schedule-created"), ("schedule-book", "schedule-enabled-changed"), ("schedule-book", "scheduled-run-recorded"),
             ("schedule-book", "schedule-deleted")],
            rows.Select(r => ((string)r[0], (string)r[1])));
        Assert.StartsWith("""{"definition":{"name":"nightly","cron":"0 2 * * *","timeZone":"Europe/Berlin",""", Encoding.UTF8.GetString((byte[])rows[0][2]));
    }

    private static async Task Eventually(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("the condition did not hold within 20 s");
            await Task.Delay(100);
        }
    }
}
