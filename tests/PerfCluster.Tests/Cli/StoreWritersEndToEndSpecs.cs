using System.Diagnostics;
using System.Text.RegularExpressions;
using PerfCluster.Engine.Persistence;
using PerfCluster.Engine.Stores;
using PerfCluster.Target;

namespace PerfCluster.Tests.Cli;

/// <summary>Several perfcluster processes writing one store at once, and processes killed in the middle of a write, on SQLite.</summary>
public sealed class SqliteStoreWritersEndToEndSpecs() : StoreWritersEndToEndSpecs(postgres: false)
{
    [Fact]
    public Task Should_number_concurrent_baselines_without_gaps_or_duplicates_and_keep_every_run_in_the_history() => ConcurrentBaselines();

    [Fact]
    public Task Should_keep_what_was_reported_stored_and_nothing_half_written_when_killed_during_writes() => KilledWriters();
}

/// <summary>The same on PostgreSQL (PERFCLUSTER_TEST_POSTGRES), with names of their own in the shared database.</summary>
public sealed class PostgresStoreWritersEndToEndSpecs() : StoreWritersEndToEndSpecs(postgres: true)
{
    [PostgresFact]
    public Task Should_number_concurrent_baselines_without_gaps_or_duplicates_and_keep_every_run_in_the_history() => ConcurrentBaselines();

    [PostgresFact]
    public Task Should_keep_what_was_reported_stored_and_nothing_half_written_when_killed_during_writes() => KilledWriters();
}

public abstract partial class StoreWritersEndToEndSpecs(bool postgres) : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly string _unique = "w" + Guid.NewGuid().ToString("N")[..10];

    public void Dispose() => _dir.Dispose();

    private IReadOnlyDictionary<string, string?> Env => Gate.Environment(_dir.Sub("data"), postgres
        ? new Dictionary<string, string?> { ["PERFCLUSTER_DB_PROVIDER"] = "postgresql", ["PERFCLUSTER_DB_CONNECTION"] = PostgresFactAttribute.ConnectionString }
        : null);

    private Task<Gate.Result> Cli(params string[] args) => Gate.RunAsync(Env, args);

    private PersistenceSettings Settings => postgres
        ? new PersistenceSettings { Provider = StoreProvider.PostgreSql, ConnectionString = PostgresFactAttribute.ConnectionString, DataDirectory = _dir.Sub("data") }
        : PersistenceSettings.ForSqliteDirectory(_dir.Sub("data"));

    [GeneratedRegex(@"version (\d+) stored")]
    private static partial Regex StoredVersion();

    [GeneratedRegex(@"Imported baseline '[^']+' as version (\d+)\.")]
    private static partial Regex ImportedVersion();

    /// <summary>The versions `baseline list` shows for the spec's baseline: (latest, count).</summary>
    private async Task<(int Latest, int Count)> Versions()
    {
        var list = await Cli("baseline", "list");
        Assert.True(list.ExitCode == 0, list.Output);
        var row = Regex.Match(list.Stdout, $@"^{_unique}\s+(\d+)\s+(\d+)", RegexOptions.Multiline);
        return row.Success ? (int.Parse(row.Groups[1].Value), int.Parse(row.Groups[2].Value)) : (0, 0);
    }

    protected async Task ConcurrentBaselines()
    {
        await using var target = await DemoTarget.StartAsync(new DemoTargetOptions(0, TimeSpan.FromMilliseconds(2), TimeSpan.Zero));
        var file = _dir.File("same.conf", RecordedBaseline.ScenarioText(target.BaseUrl, name: _unique, duration: "1s"));

        // Three at once, as the issue tried them, and a baseline list reading meanwhile.
        var runs = Enumerable.Range(1, 3).Select(i => Cli("baseline", file, "--name", _unique, "--out", _dir.Sub($"out{i}"))).ToList();
        var reads = Enumerable.Range(0, 3).Select(_ => Cli("baseline", "list")).ToList();
        var results = await Task.WhenAll(runs);

        foreach (var r in results.Concat(await Task.WhenAll(reads)))
        {
            Assert.True(r.ExitCode == 0, r.Output);
            Assert.DoesNotContain("warning", r.Stderr);
            Assert.DoesNotContain("   at ", r.Stderr);
        }
        Assert.Equal([1, 2, 3], results.Select(r => int.Parse(StoredVersion().Match(r.Stdout).Groups[1].Value)).Order());
        Assert.Equal((3, 3), await Versions());
        var runIds = Enumerable.Range(1, 3).Select(i => Gate.RunId(_dir.Sub($"out{i}"))).ToList();
        Assert.Equal(3, runIds.Distinct().Count());
        var history = await Cli("runs", "history", "--scenario", _unique);
        Assert.Equal(3, Regex.Matches(history.Stdout, $@"^\S+ \S+\s+{_unique}\s+completed", RegexOptions.Multiline).Count);
        foreach (var id in runIds)
        {
            var timeline = await Cli("runs", "timeline", id);
            Assert.True(timeline.ExitCode == 0, timeline.Output);
        }
    }

    /// <summary>
    /// Imports and schedule additions killed with SIGKILL at random moments, most of them around the write. Afterwards,
    /// every version or schedule a process reported stored is there, and intact; versions have no gap; whatever a killed
    /// process did not report is either wholly there or absent; and the store takes the next write.
    /// </summary>
    protected async Task KilledWriters()
    {
        await using var target = await DemoTarget.StartAsync(new DemoTargetOptions(0, TimeSpan.FromMilliseconds(2), TimeSpan.Zero));
        var scenario = _dir.File("kill.conf", RecordedBaseline.ScenarioText(target.BaseUrl, name: _unique, duration: "1s"));
        var baselineFile = _dir.Sub("baseline.json");
        var first = await Cli("baseline", scenario, "--name", _unique, "--output", baselineFile, "--out", _dir.Sub("first"));
        Assert.True(first.ExitCode == 0, first.Output);

        // How long a whole import takes here, so that kills land before, during and after its write.
        var timer = Stopwatch.StartNew();
        var probe = await Cli("baseline", "import", baselineFile, "--name", _unique);
        var whole = timer.Elapsed;
        Assert.True(probe.ExitCode == 0, probe.Output);
        var reported = new List<int> { 1, int.Parse(ImportedVersion().Match(probe.Stdout).Groups[1].Value) };
        var reportedSchedules = new List<string>();
        var random = new Random(42);
        const int kills = 6;
        for (var i = 0; i < kills; i++)
        {
            var delay = whole * (0.6 + 0.5 * random.NextDouble());
            using (var import = CliProcess.Start(Env, "baseline", "import", baselineFile, "--name", _unique))
            {
                await Task.Delay(delay);
                import.Signal("KILL");
                await import.WaitAsync(Gate.Budget);
                if (ImportedVersion().Match(import.Stdout) is { Success: true } m) reported.Add(int.Parse(m.Groups[1].Value));
            }
            var name = $"{_unique}-{i}";
            using (var add = CliProcess.Start(Env, "schedule", "add", "--cron", "0 3 1 1 *", "--name", name, scenario))
            {
                await Task.Delay(delay);
                add.Signal("KILL");
                await add.WaitAsync(Gate.Budget);
                if (add.Stdout.Contains($"Schedule '{name}' added")) reportedSchedules.Add(name);
            }
        }

        // The store takes the next write of each kind.
        var after = await Cli("baseline", "import", baselineFile, "--name", _unique);
        Assert.True(after.ExitCode == 0, after.Output);
        reported.Add(int.Parse(ImportedVersion().Match(after.Stdout).Groups[1].Value));
        var lastSchedule = await Cli("schedule", "add", "--cron", "0 3 1 1 *", "--name", $"{_unique}-after", scenario);
        Assert.True(lastSchedule.ExitCode == 0, lastSchedule.Output);
        reportedSchedules.Add($"{_unique}-after");

        // Read back in-process, every version and schedule at once.
        await using var store = await PerfClusterStore.OpenAsync(Settings);
        var summary = (await store.ListBaselinesAsync()).Single(b => b.Name == _unique);
        var (latest, count) = (summary.LatestVersion, summary.VersionCount);
        Assert.Equal(latest, count);                       // no gap
        Assert.Equal(reported.Count, reported.Distinct().Count());
        Assert.All(reported, v => Assert.InRange(v, 1, latest));
        Assert.InRange(count, reported.Count, reported.Count + kills);
        var document = (await store.GetBaselineAsync(_unique, 1))!.DocumentJson;
        for (var v = 2; v <= latest; v++)
        {
            var entry = await store.GetBaselineAsync(_unique, v);
            Assert.True(entry is not null, $"version {v} is missing");
            Assert.Equal(v, entry.Version);
            System.Text.Json.JsonDocument.Parse(entry.DocumentJson).Dispose();
            Assert.Equal(document.Length, entry.DocumentJson.Length);
        }
        var schedules = (await store.ListSchedulesAsync()).Where(e => e.Definition.Name.StartsWith(_unique + "-", StringComparison.Ordinal)).ToList();
        Assert.All(reportedSchedules, name => Assert.Contains(schedules, e => e.Definition.Name == name));
        Assert.All(schedules, e => Assert.Equal(("0 3 1 1 *", "kill.conf"), (e.Definition.Cron, e.Definition.ScenarioFileName)));
        Assert.InRange(schedules.Count, reportedSchedules.Count, reportedSchedules.Count + kills);
        if (!postgres) return;
        foreach (var e in schedules) await store.RemoveScheduleAsync(e.Definition.Name);
        await store.DeleteBaselineAsync(_unique);
    }
}
