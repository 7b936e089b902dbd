using System.Diagnostics;
using System.Text;
using Akka.Actor;
using Akka.Actor.Internal;
using PerfCluster.Core.History;
using PerfCluster.Engine.Persistence;
using PerfCluster.Engine.Stores;

namespace PerfCluster.Engine.Tests.Persistence;

/// <summary>The store on SQLite: a temporary file per spec.</summary>
public sealed class SqliteStoreSpecs() : PerfClusterStoreSpecs(() => new SqliteBackend());

/// <summary>The same specs on PostgreSQL (a schema per spec), when PERFCLUSTER_TEST_POSTGRES holds a connection string.</summary>
[RequiresEnvironmentVariable(PostgreSqlBackend.Variable)]
public sealed class PostgreSqlStoreSpecs() : PerfClusterStoreSpecs(() => new PostgreSqlBackend());

/// <summary>Baselines and run history through <see cref="PerfClusterStore"/>, against a real database.</summary>
public abstract class PerfClusterStoreSpecs : IDisposable
{
    private static readonly DateTimeOffset T0 = DateTimeOffset.Parse("2026-11-26T12:00:00Z");
    private readonly IStoreBackend _backend;

    protected PerfClusterStoreSpecs(Func<IStoreBackend> backend) => _backend = backend();

    public void Dispose()
    {
        _backend.Dispose();
        GC.SuppressFinalize(this);
    }

    private Task<PerfClusterStore> Open(int snapshotEvery = 50) => PerfClusterStore.OpenAsync(_backend.Settings(snapshotEvery), CancellationToken.None);

    private static string Doc(string name, int n) => $$"""{"name":"{{name}}","p95":{{n}}}""";

    private static Task<Engine.Baselines.BaselineEntry> Save(PerfClusterStore store, string name, int n, string scenario = "Light Load") =>
        store.SaveBaselineAsync(name, Doc(name, n), scenario, $"benchmark_{n}", T0.AddMinutes(n));

    private static RunSummary Run(string id, string scenario, int minutes) => new(
        id, scenario, T0.AddMinutes(minutes), TimeSpan.FromSeconds(30), "completed", 1000 + minutes, 33.3, 0.01, 12.5, 40, 80.25, 2,
        RegressionOutcome: minutes % 2 == 0 ? "passed" : null, BaselineName: minutes % 2 == 0 ? "nightly" : null);

    /// <summary>
    /// Writers as separate processes have them: each store its own actor system (the CLI's), one attached to a node (a
    /// coordinator's), all on one database at once. Every write lands, versions are numbered without gaps or duplicates,
    /// and no run is lost from the history.
    /// </summary>
    [StoreFact]
    public async Task Should_number_the_writes_of_concurrent_writers_without_gaps_or_duplicates_and_lose_none()
    {
        var settings = _backend.Settings(snapshotEvery: 7);
        await StoreProbe.CheckAsync(settings);
        using var node = ActorSystem.Create("writers-node", settings.ToAkkaConfig().WithFallback(TestNodes.Local));
        PersistenceHosting.StartActors(node, Akka.Hosting.ActorRegistry.For(node), settings);
        var stores = new List<PerfClusterStore> { PerfClusterStore.Attach(node) };
        for (var i = 0; i < 3; i++) stores.Add(await PerfClusterStore.OpenAsync(settings));
        try
        {
            const int each = 8;
            var writes = stores.Select((store, w) => Task.Run(async () =>
            {
                var versions = new List<int>();
                var claims = new List<string>();
                for (var i = 0; i < each; i++)
                {
                    versions.Add((await Save(store, "shared", w * 100 + i)).Version);
                    await store.RecordRunAsync(Run($"w{w}-r{i}", "Light Load", w * 100 + i));
                    claims.Add(await store.ClaimRunIdAsync("benchmark_1796286520"));
                }
                return (versions, claims);
            })).ToList();
            var results = await Task.WhenAll(writes);

            var total = stores.Count * each;
            Assert.Equal(Enumerable.Range(1, total), results.SelectMany(r => r.versions).Order());
            var summary = Assert.Single(await stores[0].ListBaselinesAsync());
            Assert.Equal((total, total), (summary.LatestVersion, summary.VersionCount));
            Assert.Equal(total, (await stores[2].GetHistoryAsync(limit: 1000)).Select(r => r.RunId).Distinct().Count());
            var claims = results.SelectMany(r => r.claims).ToList();
            Assert.Equal(total, claims.Distinct().Count());
            Assert.Contains("benchmark_1796286520", claims);
            Assert.Contains($"benchmark_1796286520-{total}", claims);
            // Every document is the one its writer saved.
            for (var v = 1; v <= total; v += 5)
                Assert.Matches("""^\{"name":"shared","p95":\d+\}$""", (await stores[1].GetBaselineAsync("shared", v))!.DocumentJson);
        }
        finally
        {
            foreach (var store in stores) await store.DisposeAsync();
        }
    }

    [StoreFact]
    public async Task Should_keep_every_version_and_get_the_latest_or_a_given_one()
    {
        await using var store = await Open();

        var v1 = await Save(store, "nightly", 1);
        var v2 = await Save(store, "nightly", 2);
        var other = await Save(store, "smoke", 3, "Baseline");

        Assert.Equal((1, 2, 1), (v1.Version, v2.Version, other.Version));
        var latest = await store.GetBaselineAsync("nightly");
        Assert.Equal(v2, latest);
        var first = await store.GetBaselineAsync("nightly", 1);
        Assert.Equal(Doc("nightly", 1), first!.DocumentJson);
        Assert.Equal(("Light Load", "benchmark_1", T0.AddMinutes(1)), (first.Scenario, first.RunId, first.RecordedAt));
        Assert.Null(await store.GetBaselineAsync("nightly", 3));
        Assert.Null(await store.GetBaselineAsync("missing"));
    }

    [StoreFact]
    public async Task Should_list_one_summary_per_name_with_its_latest_version()
    {
        await using var store = await Open();
        await Save(store, "nightly", 1);
        await Save(store, "nightly", 2, "Heavy Load");
        await Save(store, "a-first", 3, "Baseline");

        var list = await store.ListBaselinesAsync();

        Assert.Equal(
        [
            new Engine.Baselines.BaselineSummary("a-first", 1, 1, "Baseline", T0.AddMinutes(3)),
            new Engine.Baselines.BaselineSummary("nightly", 2, 2, "Heavy Load", T0.AddMinutes(2)),
        ], list);
    }

    [StoreFact]
    public async Task Should_delete_every_version_and_never_reuse_a_version_number()
    {
        await using var store = await Open();
        await Save(store, "nightly", 1);
        await Save(store, "nightly", 2);
        await Save(store, "smoke", 3);

        Assert.Equal(2, await store.DeleteBaselineAsync("nightly"));
        Assert.Equal(0, await store.DeleteBaselineAsync("nightly"));
        Assert.Equal(0, await store.DeleteBaselineAsync("missing"));

        Assert.Null(await store.GetBaselineAsync("nightly"));
        Assert.Null(await store.GetBaselineAsync("nightly", 1));
        Assert.Equal(["smoke"], (await store.ListBaselinesAsync()).Select(s => s.Name));
        var again = await Save(store, "nightly", 4);
        Assert.Equal(3, again.Version);
        Assert.Equal(1, (await store.ListBaselinesAsync()).Single(s => s.Name == "nightly").VersionCount);
    }

    [StoreFact]
    public async Task Should_recover_baselines_and_history_after_a_restart()
    {
        await using (var store = await Open())
        {
            await Save(store, "nightly", 1);
            await Save(store, "nightly", 2);
            await store.DeleteBaselineAsync("nightly");
            await Save(store, "nightly", 3);
            await Save(store, "smoke", 4);
            await store.RecordRunAsync(Run("r1", "Light Load", 1));
            await store.RecordRunAsync(Run("r2", "Light Load", 2));
        }

        await using var reopened = await Open();

        var nightly = await reopened.GetBaselineAsync("nightly");
        Assert.Equal((3, Doc("nightly", 3)), (nightly!.Version, nightly.DocumentJson));
        Assert.Null(await reopened.GetBaselineAsync("nightly", 1));
        Assert.Equal(["nightly", "smoke"], (await reopened.ListBaselinesAsync()).Select(s => s.Name));
        Assert.Equal([Run("r2", "Light Load", 2), Run("r1", "Light Load", 1)], await reopened.GetHistoryAsync());
        Assert.Equal(4, (await Save(reopened, "nightly", 5)).Version);
    }

    [StoreFact]
    public async Task Should_recover_from_the_latest_snapshot_plus_later_events()
    {
        await using (var store = await Open(snapshotEvery: 3))
        {
            for (var i = 1; i <= 7; i++) await Save(store, i % 2 == 0 ? "even" : "odd", i);
            for (var i = 1; i <= 4; i++) await store.RecordRunAsync(Run($"r{i}", "Light Load", i));
            // Snapshots are written after the reply: wait until the last due ones are stored.
            await Eventually(async () => (await store.GetStatusAsync()).Select(s => s.LastSnapshot).SequenceEqual([6L, 3L, null]));
            // Older snapshots are deleted once a newer one is stored; the events stay.
            await Eventually(async () => (await _backend.QueryAsync("SELECT sequence_number FROM snapshot WHERE persistence_id = 'baseline-library'"))
                .Select(r => Convert.ToInt64(r[0])).SequenceEqual([6L]));
        }
        Assert.Equal(11, (await _backend.QueryAsync("SELECT ordering FROM journal")).Count);

        await using var reopened = await Open(snapshotEvery: 3);

        var status = await reopened.GetStatusAsync();
        Assert.Equal(("baseline-library", 7L, 6L, 1), (status[0].PersistenceId, status[0].LastSequenceNr, status[0].RecoveredFromSnapshot, status[0].EventsReplayed));
        Assert.Equal(("run-history", 4L, 3L, 1), (status[1].PersistenceId, status[1].LastSequenceNr, status[1].RecoveredFromSnapshot, status[1].EventsReplayed));
        Assert.Equal([("even", 3, 3), ("odd", 4, 4)], (await reopened.ListBaselinesAsync()).Select(s => (s.Name, s.LatestVersion, s.VersionCount)));
        Assert.Equal(Doc("odd", 1), (await reopened.GetBaselineAsync("odd", 1))!.DocumentJson);
        Assert.Equal(["r4", "r3", "r2", "r1"], (await reopened.GetHistoryAsync()).Select(r => r.RunId));
    }

    [StoreFact]
    public async Task Should_return_history_newest_first_limited_and_filtered_by_scenario()
    {
        await using var store = await Open();
        await store.RecordRunAsync(Run("r3", "Heavy Load", 3));
        await store.RecordRunAsync(Run("r1", "Light Load", 1));
        await store.RecordRunAsync(Run("r4", "Light Load", 4));
        await store.RecordRunAsync(Run("r2", "Heavy Load", 2));

        Assert.Equal(["r4", "r3", "r2", "r1"], (await store.GetHistoryAsync(limit: 10)).Select(r => r.RunId));
        Assert.Equal(["r4", "r3"], (await store.GetHistoryAsync(limit: 2)).Select(r => r.RunId));
        Assert.Equal(["r4", "r1"], (await store.GetHistoryAsync("light load")).Select(r => r.RunId));
        Assert.Empty(await store.GetHistoryAsync("Spike"));
        var r4 = (await store.GetHistoryAsync("Light Load", 1)).Single();
        Assert.Equal(Run("r4", "Light Load", 4), r4);
    }

    [StoreFact]
    public async Task Should_replace_a_run_recorded_again_and_ignore_an_identical_resend()
    {
        await using var store = await Open();
        await store.RecordRunAsync(Run("r1", "Light Load", 1));
        await store.RecordRunAsync(Run("r1", "Light Load", 1));
        var corrected = Run("r1", "Light Load", 1) with { Status = "failed" };
        await store.RecordRunAsync(corrected);

        Assert.Equal([corrected], await store.GetHistoryAsync());
        Assert.Equal(2, (await store.GetStatusAsync())[1].LastSequenceNr);
    }

    [StoreFact]
    public async Task Should_keep_an_acknowledged_save_when_the_process_dies_without_shutting_down()
    {
        var store = await Open();
        var saved = await Save(store, "nightly", 1);
        await store.RecordRunAsync(Run("r1", "Light Load", 1));

        // No graceful shutdown: the actor system is torn down as a crash would.
        ((ActorSystemImpl)store.System).Abort();

        await using var reopened = await Open();
        Assert.Equal(saved, await reopened.GetBaselineAsync("nightly"));
        Assert.Equal(["r1"], (await reopened.GetHistoryAsync()).Select(r => r.RunId));
        await store.DisposeAsync();
    }

    [StoreFact]
    public async Task Should_store_events_as_readable_json_under_fixed_manifests()
    {
        await using (var store = await Open())
        {
            await Save(store, "nightly", 1);
            await store.DeleteBaselineAsync("nightly");
            await store.RecordRunAsync(Run("r1", "Light Load", 1));
        }

        var rows = await _backend.QueryAsync("SELECT persistence_id, manifest, message FROM journal ORDER BY ordering");

        Assert.Equal(
            [("baseline-library", "baseline-recorded"), ("baseline-library", "baseline-removed"), ("run-history", "run-recorded")],
            rows.Select(r => ((string)r[0], (string)r[1])));
        var json = Encoding.UTF8.GetString((byte[])rows[0][2]);
        Assert.StartsWith("""{"entry":{"name":"nightly","version":1,""", json);
        Assert.Contains("\"runId\":\"r1\"", Encoding.UTF8.GetString((byte[])rows[2][2]));
    }

    [StoreFact]
    public async Task Should_throw_a_StoreException_when_the_database_cannot_be_opened()
    {
        var watch = Stopwatch.StartNew();

        var e = await Assert.ThrowsAsync<StoreException>(() => PerfClusterStore.OpenAsync(_backend.Unreachable(), CancellationToken.None));

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"took {watch.Elapsed}");
        Assert.Matches("^cannot (open|create)", e.Message);
        Assert.DoesNotContain("Password", e.Message, StringComparison.OrdinalIgnoreCase);
    }

    [StoreFact]
    public async Task Should_answer_a_failed_write_with_a_StoreException_and_recover_once_the_database_is_back()
    {
        await using var store = await Open();
        await Save(store, "nightly", 1);
        await _backend.ExecuteAsync("ALTER TABLE journal RENAME TO journal_away");

        var e = await Assert.ThrowsAsync<StoreException>(() => Save(store, "nightly", 2));
        Assert.Contains("saving baseline 'nightly' failed", e.Message);

        await _backend.ExecuteAsync("ALTER TABLE journal_away RENAME TO journal");
        // The back-off supervisor starts the library again; it recovers what was stored.
        Engine.Baselines.BaselineEntry? after = null;
        await Eventually(async () =>
        {
            try { after = await Save(store, "nightly", 3); return true; }
            catch (StoreException) { return false; }
        });
        Assert.Equal(2, after!.Version);
        var first = await store.GetBaselineAsync("nightly", 1);
        var latest = await store.GetBaselineAsync("nightly");
        Assert.Equal((1, 2), (first!.Version, latest!.Version));
    }

    [StoreFact]
    public async Task Should_attach_to_the_store_actors_of_a_running_system()
    {
        var settings = _backend.Settings();
        await StoreProbe.CheckAsync(settings);
        using var system = ActorSystem.Create("attach-spec", settings.ToAkkaConfig().WithFallback(TestNodes.Local));
        PersistenceHosting.StartActors(system, Akka.Hosting.ActorRegistry.For(system), settings);

        await using (var attached = PerfClusterStore.Attach(system))
        {
            await Save(attached, "nightly", 1);
        }

        await using var again = PerfClusterStore.Attach(system);
        Assert.Equal(1, (await again.GetBaselineAsync("nightly"))!.Version);
        using var bare = ActorSystem.Create("bare", TestNodes.Local);
        Assert.Throws<StoreException>(() => PerfClusterStore.Attach(bare));
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

    /// <summary>An optimisation study: each trial durable as it is recorded, read back in order by a new store; a fresh start sets them aside.</summary>
    [StoreFact]
    public async Task Should_keep_a_study_s_trials_across_stores_and_start_it_afresh_on_request()
    {
        static Core.Optimisation.TrialRecord Trial(int n) => new(n, n == 1 ? "baseline" : "search", [n / 10.0, 1], new Dictionary<string, string> { ["pool"] = $"{n * 5}" },
            new Dictionary<string, double?> { ["throughput"] = 100.0 * n, ["p95"] = 0.01 * n, ["cpu_usage"] = null }, "completed", null,
            $"run-{n}", T0.AddMinutes(n), T0.AddMinutes(n).AddSeconds(5));

        await using (var store = await Open())
        {
            Assert.Null((await store.GetStudyAsync("tuning")).DefinitionHash);
            await store.BeginStudyAsync("tuning", "hash-1", T0);
            for (var n = 1; n <= 3; n++) await store.RecordTrialAsync("tuning", Trial(n));
            await store.RecordTrialAsync("tuning", Trial(3));   // a resend is not a second trial
        }
        await using (var store = await Open())
        {
            var study = await store.GetStudyAsync("tuning");
            Assert.Equal("hash-1", study.DefinitionHash);
            Assert.Equal([1, 2, 3], study.Trials.Select(t => t.Number));
            Assert.Equal(Trial(2).Point, study.Trials[1].Point);
            Assert.Equal(Trial(2).Metrics, study.Trials[1].Metrics);
            Assert.Empty((await store.GetStudyAsync("other")).Trials);

            await store.BeginStudyAsync("tuning", "hash-2", T0.AddHours(1));
            var fresh = await store.GetStudyAsync("tuning");
            Assert.Equal("hash-2", fresh.DefinitionHash);
            Assert.Empty(fresh.Trials);
        }
    }
}
