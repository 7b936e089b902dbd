using PerfCluster.Target;

namespace PerfCluster.Tests.Cli;

/// <summary>
/// A fact that needs the PostgreSQL server named by PERFCLUSTER_TEST_POSTGRES (scripts/start-postgres.sh starts one
/// and prints the connection string); skipped, with the reason shown, when the variable is not set.
/// </summary>
public sealed class PostgresFactAttribute : FactAttribute
{
    public const string Variable = "PERFCLUSTER_TEST_POSTGRES";

    public PostgresFactAttribute()
    {
        if (string.IsNullOrWhiteSpace(System.Environment.GetEnvironmentVariable(Variable)))
            Skip = $"{Variable} is not set (export PERFCLUSTER_TEST_POSTGRES=\"$(scripts/start-postgres.sh | tail -n 1)\")";
    }

    public static string ConnectionString => System.Environment.GetEnvironmentVariable(Variable)!;
}

/// <summary>
/// The regression gate with the library and history in PostgreSQL (PERFCLUSTER_DB_PROVIDER / PERFCLUSTER_DB_CONNECTION):
/// baseline, a passing and a failing comparison, each in its own process. The database is shared, so the baseline and
/// the scenario get names of their own and the baseline is deleted afterwards.
/// </summary>
public class BaselinePostgresEndToEndSpecs
{
    [PostgresFact]
    public async Task Should_record_a_baseline_in_postgresql_and_gate_runs_against_it()
    {
        using var dir = new TempDirectory();
        var unique = "pg-" + Guid.NewGuid().ToString("N")[..12];
        var env = Gate.Environment(dir.Sub("data"), new Dictionary<string, string?>
        {
            ["PERFCLUSTER_DB_PROVIDER"] = "postgresql",
            ["PERFCLUSTER_DB_CONNECTION"] = PostgresFactAttribute.ConnectionString,
        });
        await using var target = await DemoTarget.StartAsync(new DemoTargetOptions(0, TimeSpan.FromMilliseconds(5), TimeSpan.FromMilliseconds(1)));
        await using var slower = await DemoTarget.StartAsync(new DemoTargetOptions(0, TimeSpan.FromMilliseconds(10), TimeSpan.FromMilliseconds(1)));
        var file = dir.File("pg.conf", RecordedBaseline.ScenarioText(target.BaseUrl, name: unique));
        try
        {
            var baseline = await Gate.RunAsync(env, "baseline", file, "--out", dir.Sub("baseline"));
            Assert.True(baseline.ExitCode == 0, baseline.Output);
            Assert.Contains($"Baseline '{unique}' version 1 stored in PostgreSQL database", baseline.Stdout);
            Assert.False(File.Exists(Path.Combine(dir.Sub("data"), "perfcluster.db")), "nothing may go to SQLite");

            var pass = await Gate.TestAsync(env, dir.Sub("pass"), "--baseline", unique);
            Assert.True(pass.ExitCode == 0, pass.Output);
            var passed = Gate.Regression(pass.OutDir);
            var verdict = passed.GetProperty("outcome").GetString();
            Assert.Contains(verdict, new[] { "pass", "warning" });
            Assert.True(passed.GetProperty("passed").GetBoolean());
            Assert.Equal(Gate.RunId(dir.Sub("baseline")), passed.GetProperty("baseline").GetProperty("run_id").GetString());
            Gate.AssertOneJUnitCasePerMetric(pass.OutDir, passed);

            var fail = await Gate.TestAsync(env, dir.Sub("fail"), "--baseline", unique, "--target", slower.BaseUrl.ToString());
            Assert.True(fail.ExitCode == 1, fail.Output);
            var failed = Gate.Regression(fail.OutDir);
            Assert.Equal("fail", failed.GetProperty("outcome").GetString());
            Assert.Contains(Gate.Metrics(failed), m => m.GetProperty("metric").GetString() == "latency_p50" && m.GetProperty("outcome").GetString() == "fail");
            Assert.Matches(@"✗\s+latency_p50\s", fail.Stdout);

            var history = await Gate.RunAsync(env, "runs", "history", "--scenario", unique);
            Assert.True(history.ExitCode == 0, history.Output);
            var rows = Gate.HistoryRows(history.Stdout);
            Assert.Equal(3, rows.Count);
            Assert.EndsWith($"fail vs {unique}", rows[0]);
            Assert.EndsWith($"{verdict} vs {unique}", rows[1]);
            Assert.EndsWith(" -", rows[2]);
            Assert.Contains(Gate.Requests(fail.OutDir), rows[0]);
            Assert.Contains(Gate.Requests(pass.OutDir), rows[1]);
        }
        finally
        {
            await Gate.RunAsync(env, "baseline", "delete", unique);
        }
    }
}
