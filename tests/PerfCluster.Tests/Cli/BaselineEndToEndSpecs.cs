using System.Text.Json;
using System.Xml.Linq;
using PerfCluster.Target;

namespace PerfCluster.Tests.Cli;

/// <summary>
/// The regression gate end to end: <c>perfcluster baseline</c> records a run against the real demo target,
/// <c>perfcluster test</c> judges later runs against it in new processes, and the library, the history and the
/// reports say what happened. Every process gets the data directory of its test, never the user's.
/// </summary>
public class BaselineEndToEndSpecs(RecordedBaseline recorded) : IClassFixture<RecordedBaseline>
{
    [Fact]
    public async Task Should_pass_an_unchanged_target_fail_a_slower_one_and_keep_both_verdicts_in_the_history()
    {
        var pass = await Gate.TestAsync(recorded.Environment, recorded.Dir.Sub("pass"), "--baseline", RecordedBaseline.Name);

        Assert.True(pass.ExitCode == 0, pass.Output);
        var passed = Gate.Regression(pass.OutDir);
        // Noise may warn (warnings sit at half the failure levels); it must not fail.
        Assert.Contains(passed.GetProperty("outcome").GetString(), new[] { "pass", "warning" });
        Assert.True(passed.GetProperty("passed").GetBoolean());
        Assert.Equal(0, passed.GetProperty("exit_code").GetInt32());
        Assert.Equal(RecordedBaseline.Name, passed.GetProperty("baseline").GetProperty("name").GetString());
        Assert.Equal(1, passed.GetProperty("baseline").GetProperty("version").GetInt32());
        Assert.Equal(recorded.RunId, passed.GetProperty("baseline").GetProperty("run_id").GetString());
        Assert.DoesNotContain(Gate.Metrics(passed), m => m.GetProperty("outcome").GetString() == "fail");
        Gate.AssertOneJUnitCasePerMetric(pass.OutDir, passed);
        Assert.Matches($"Regression: (PASS|WARNING) against baseline '{RecordedBaseline.Name}' v1", File.ReadAllText(Path.Combine(pass.OutDir, "summary.txt")));

        await using var slower = await DemoTarget.StartAsync(new DemoTargetOptions(0, TimeSpan.FromMilliseconds(10), TimeSpan.FromMilliseconds(1)));
        var fail = await Gate.TestAsync(recorded.Environment, recorded.Dir.Sub("fail"),
            "--baseline", RecordedBaseline.Name, "--target", slower.BaseUrl.ToString());

        Assert.True(fail.ExitCode == 1, fail.Output);
        var failed = Gate.Regression(fail.OutDir);
        Assert.Equal("fail", failed.GetProperty("outcome").GetString());
        Assert.False(failed.GetProperty("passed").GetBoolean());
        var failedMetrics = Gate.Metrics(failed).Where(m => m.GetProperty("outcome").GetString() == "fail")
            .Select(m => m.GetProperty("metric").GetString()!).ToList();
        // 5 ms → 10 ms doubles the median: the one figure a busy machine cannot hide.
        Assert.Contains("latency_p50", failedMetrics);
        var p50 = Gate.Metrics(failed).Single(m => m.GetProperty("metric").GetString() == "latency_p50");
        Assert.True(p50.GetProperty("change_percent").GetDouble() > 20, p50.ToString());
        Assert.Matches(@"✗\s+latency_p50\s", fail.Stdout);
        Assert.Matches(@"✗\s+latency_p50\s", File.ReadAllText(Path.Combine(fail.OutDir, "summary.txt")));
        var junit = Gate.AssertOneJUnitCasePerMetric(fail.OutDir, failed);
        var failures = junit.Descendants("testcase").Where(c => c.Element("failure") is not null)
            .Select(c => c.Attribute("name")!.Value).ToList();
        Assert.Equal(failedMetrics.Select(m => $"regression: {m}").Order(), failures.Order());
        Assert.Equal("regression", junit.Descendants("testcase").Single(c => c.Attribute("name")!.Value == "regression: latency_p50")
            .Element("failure")!.Attribute("type")!.Value);

        // A fresh process reads the history back from the database: both verdicts, against the baseline they used.
        var history = await Gate.RunAsync(recorded.Environment, "runs", "history", "--scenario", RecordedBaseline.Scenario, "--limit", "100");
        Assert.True(history.ExitCode == 0, history.Output);
        Assert.Contains(Gate.HistoryRows(history.Stdout), row => row.Contains(Gate.Requests(pass.OutDir)) && row.EndsWith($"{passed.GetProperty("outcome").GetString()} vs {RecordedBaseline.Name}"));
        Assert.Contains(Gate.HistoryRows(history.Stdout), row => row.Contains(Gate.Requests(fail.OutDir)) && row.EndsWith($"fail vs {RecordedBaseline.Name}"));
        Assert.Contains(Gate.HistoryRows(history.Stdout), row => row.Contains(recorded.Requests) && row.EndsWith(" -"));
    }

    [Fact]
    public async Task Should_pass_the_unchanged_target_every_time()
    {
        for (var i = 1; i <= 3; i++)
        {
            var run = await Gate.TestAsync(recorded.Environment, recorded.Dir.Sub($"repeat-{i}"), "--baseline", RecordedBaseline.Name);

            Assert.True(run.ExitCode == 0, $"run {i} of 3: {run.Output}");
            var verdict = Gate.Regression(run.OutDir);
            Assert.NotEqual("fail", verdict.GetProperty("outcome").GetString());
            // Long enough for the significance test, so noise alone cannot fail the gate.
            var throughput = Gate.Metrics(verdict).Single(m => m.GetProperty("metric").GetString() == "throughput");
            Assert.Equal("mann-whitney-u", throughput.GetProperty("test").GetString());
            Assert.Equal("windows", throughput.GetProperty("samples").GetProperty("source").GetString());
        }
    }

    [Fact]
    public async Task Should_fail_on_warnings_only_with_strict()
    {
        // Only warnings can come out: every failure level is far beyond what 5 ms → 7 ms can do.
        var file = recorded.Dir.File("warn-only.conf", RecordedBaseline.ScenarioText(recorded.Target.BaseUrl, """
            regression-thresholds {
              latency-increase-percent = { warning = 1, failure = 1000 }
              throughput-degradation-percent = { warning = 1, failure = 95 }
            }
            """));
        await using var slower = await DemoTarget.StartAsync(new DemoTargetOptions(0, TimeSpan.FromMilliseconds(7), TimeSpan.FromMilliseconds(1)));

        var lenient = await Gate.TestAsync(recorded.Environment, recorded.Dir.Sub("lenient"),
            file, "--baseline", RecordedBaseline.Name, "--target", slower.BaseUrl.ToString());
        var strict = await Gate.TestAsync(recorded.Environment, recorded.Dir.Sub("strict"),
            file, "--baseline", RecordedBaseline.Name, "--target", slower.BaseUrl.ToString(), "--strict");

        Assert.True(lenient.ExitCode == 0, lenient.Output);
        var warned = Gate.Regression(lenient.OutDir);
        Assert.Equal("warning", warned.GetProperty("outcome").GetString());
        Assert.False(warned.GetProperty("strict").GetBoolean());
        Assert.Contains(Gate.Metrics(warned), m => m.GetProperty("metric").GetString() == "latency_p50" && m.GetProperty("outcome").GetString() == "warning");
        Assert.Empty(XDocument.Load(Path.Combine(lenient.OutDir, "junit.xml")).Descendants("failure"));

        Assert.True(strict.ExitCode == 1, strict.Output);
        var failed = Gate.Regression(strict.OutDir);
        Assert.Equal("warning", failed.GetProperty("outcome").GetString());
        Assert.True(failed.GetProperty("strict").GetBoolean());
        Assert.False(failed.GetProperty("passed").GetBoolean());
        Assert.Equal(1, failed.GetProperty("exit_code").GetInt32());
        var junit = XDocument.Load(Path.Combine(strict.OutDir, "junit.xml"));
        Assert.Contains(junit.Descendants("failure"), f => f.Attribute("type")!.Value == "regression_warning");
        Assert.Contains("strict: warnings fail", File.ReadAllText(Path.Combine(strict.OutDir, "summary.txt")));
    }

    [Fact]
    public async Task Should_keep_versions_export_import_show_list_and_delete_baselines()
    {
        using var dir = new TempDirectory();
        var env = Gate.Environment(dir.Sub("data"));

        // The file written by --output is a baseline on its own, in a library that has never heard of it.
        var written = JsonDocument.Parse(File.ReadAllText(recorded.BaselineFile)).RootElement;
        Assert.Equal("perfcluster-baseline", written.GetProperty("format").GetString());
        Assert.Equal(RecordedBaseline.Name, written.GetProperty("name").GetString());
        Assert.Equal(1, written.GetProperty("version").GetInt32());
        var fromFile = await Gate.TestAsync(env, dir.Sub("from-file"), "--baseline", recorded.BaselineFile, "--target", recorded.Target.BaseUrl.ToString());
        Assert.True(fromFile.ExitCode == 0, fromFile.Output);
        Assert.Equal(recorded.RunId, Gate.Regression(fromFile.OutDir).GetProperty("baseline").GetProperty("run_id").GetString());

        // Two runs under one name are versions 1 and 2; NAME@1 still finds the first.
        var scenario = dir.File("lib.conf", RecordedBaseline.ScenarioText(recorded.Target.BaseUrl));
        var first = await Gate.RunAsync(env, "baseline", scenario, "--name", "lib", "--duration", "2s", "--out", dir.Sub("v1"));
        var second = await Gate.RunAsync(env, "baseline", scenario, "--name", "lib", "--duration", "2s", "--out", dir.Sub("v2"));
        Assert.True(first.ExitCode == 0, first.Output);
        Assert.True(second.ExitCode == 0, second.Output);
        Assert.Contains("Baseline 'lib' version 1 stored", first.Stdout);
        Assert.Contains("Baseline 'lib' version 2 stored", second.Stdout);
        var firstRun = Gate.RunId(dir.Sub("v1"));
        var secondRun = Gate.RunId(dir.Sub("v2"));

        var pinned = await Gate.TestAsync(env, dir.Sub("pinned"), "--baseline", "lib@1", "--duration", "2s");
        Assert.True(pinned.ExitCode is 0 or 1, pinned.Output);
        Assert.Contains("Comparing with baseline 'lib' version 1", pinned.Stdout);
        var pinnedTo = Gate.Regression(pinned.OutDir).GetProperty("baseline");
        Assert.Equal(1, pinnedTo.GetProperty("version").GetInt32());
        Assert.Equal(firstRun, pinnedTo.GetProperty("run_id").GetString());

        var list = await Gate.RunAsync(env, "baseline", "list");
        Assert.True(list.ExitCode == 0, list.Output);
        Assert.Matches(@"(?m)^lib\s+2\s+2\s+gate\s", list.Stdout);

        var show = await Gate.RunAsync(env, "baseline", "show", "lib");
        Assert.True(show.ExitCode == 0, show.Output);
        Assert.Contains($"Baseline 'lib' version 2: scenario 'gate', run {secondRun}", show.Stdout);

        // export → import under another name → export again: the same document but for its name and version.
        var exported = dir.Sub("lib-v1.json");
        var export = await Gate.RunAsync(env, "baseline", "export", "lib", "--version", "1", "--output", exported);
        Assert.True(export.ExitCode == 0, export.Output);
        var import = await Gate.RunAsync(env, "baseline", "import", exported, "--name", "copy");
        Assert.True(import.ExitCode == 0, import.Output);
        Assert.Contains("Imported baseline 'copy' as version 1.", import.Stdout);
        var reexported = dir.Sub("copy.json");
        var again = await Gate.RunAsync(env, "baseline", "export", "copy", "--output", reexported);
        Assert.True(again.ExitCode == 0, again.Output);
        var original = JsonDocument.Parse(File.ReadAllText(exported)).RootElement;
        var copy = JsonDocument.Parse(File.ReadAllText(reexported)).RootElement;
        Assert.Equal("lib", original.GetProperty("name").GetString());
        Assert.Equal(1, original.GetProperty("version").GetInt32());
        Assert.Equal(firstRun, original.GetProperty("run_id").GetString());
        Assert.Equal("copy", copy.GetProperty("name").GetString());
        Assert.Equal(1, copy.GetProperty("version").GetInt32());
        foreach (var field in new[] { "run_id", "scenario", "created_at", "scenario_source", "environment", "overall", "endpoints" })
            Assert.Equal(original.GetProperty(field).GetRawText(), copy.GetProperty(field).GetRawText());

        var delete = await Gate.RunAsync(env, "baseline", "delete", "lib");
        Assert.True(delete.ExitCode == 0, delete.Output);
        Assert.Contains("Deleted baseline 'lib' (2 version(s)).", delete.Stdout);
        var gone = await Gate.TestAsync(env, dir.Sub("gone"), "--baseline", "lib");
        Assert.True(gone.ExitCode == 2, gone.Output);
        Assert.Contains("no baseline named 'lib'", gone.Stderr);
        Gate.AssertNoStackTrace(gone);
        Assert.False(Directory.Exists(gone.OutDir), "nothing runs without a baseline");
        var after = await Gate.RunAsync(env, "baseline", "list");
        Assert.DoesNotMatch(@"(?m)^lib\s", after.Stdout);
        Assert.Matches(@"(?m)^copy\s+1\s+1\s+gate\s", after.Stdout);
    }

    [Fact]
    public async Task Should_stop_a_run_early_once_its_regression_is_certain_with_abort_on_fail()
    {
        using var dir = new TempDirectory();
        var env = Gate.Environment(dir.Sub("data"));
        await using var fast = await DemoTarget.StartAsync(new DemoTargetOptions(0, TimeSpan.FromMilliseconds(5), TimeSpan.FromMilliseconds(1)));
        await using var slow = await DemoTarget.StartAsync(new DemoTargetOptions(0, TimeSpan.FromMilliseconds(30), TimeSpan.FromMilliseconds(1)));
        // The live comparison needs 10 windows on each side before it may call a failure certain.
        var file = dir.File("abort.conf", RecordedBaseline.ScenarioText(fast.BaseUrl, "regression-thresholds { abort-on-fail = true }",
            name: "abort", duration: "10s"));
        var baseline = await Gate.RunAsync(env, "baseline", file, "--out", dir.Sub("baseline"));
        Assert.True(baseline.ExitCode == 0, baseline.Output);

        var watch = System.Diagnostics.Stopwatch.StartNew();
        var run = await Gate.TestAsync(env, dir.Sub("out"), file, "--baseline", "abort", "--target", slow.BaseUrl.ToString(), "--duration", "30s");
        watch.Stop();

        Assert.True(run.ExitCode == 1, run.Output);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(25), $"took {watch.Elapsed.TotalSeconds:0.0} s\n{run.Output}");
        var report = Gate.Report(run.OutDir);
        var note = Assert.Single(report.GetProperty("notes").EnumerateArray(), n => n.GetString()!.Contains("stopped early"));
        Assert.Contains("abort-on-fail", note.GetString());
        Assert.Equal("failed", report.GetProperty("status").GetString());
        var test = Gate.LoadTest(run.OutDir);
        Assert.False(test.GetProperty("interrupted").GetBoolean());
        Assert.True(test.GetProperty("measured_duration_seconds").GetDouble() < 25, test.GetProperty("measured_duration_seconds").ToString());
        Assert.Equal("fail", test.GetProperty("regression").GetProperty("outcome").GetString());
        Assert.True(test.GetProperty("requests").GetInt64() > 0);
    }

    public enum BadBaseline { CorruptJson, ForeignJson, EmptyFile, MissingFile, UnknownName, VersionZero }

    [Theory]
    [InlineData(BadBaseline.CorruptJson, "corrupt.json", "not valid JSON")]
    [InlineData(BadBaseline.ForeignJson, "report.json", "not a PerfCluster baseline")]
    [InlineData(BadBaseline.EmptyFile, "empty.json", "not valid JSON")]
    [InlineData(BadBaseline.MissingFile, "missing.json", "not found")]
    [InlineData(BadBaseline.UnknownName, "nightly", "no baseline named 'nightly'")]
    [InlineData(BadBaseline.VersionZero, "nightly@0", "version after '@'")]
    public async Task Should_refuse_a_bad_baseline_with_exit_2_and_name_it(BadBaseline kind, string reference, string reason)
    {
        using var dir = new TempDirectory();
        var path = kind switch
        {
            BadBaseline.CorruptJson => dir.File(reference, File.ReadAllText(recorded.BaselineFile)[..200]),
            BadBaseline.ForeignJson => dir.File(reference, File.ReadAllText(Path.Combine(recorded.ReportDir, "report.json"))),
            BadBaseline.EmptyFile => dir.File(reference, ""),
            BadBaseline.MissingFile => dir.Sub(reference),
            _ => reference,
        };

        var run = await Gate.TestAsync(Gate.Environment(dir.Sub("data")), dir.Sub("out"),
            "--baseline", path, "--target", recorded.Target.BaseUrl.ToString());

        Assert.True(run.ExitCode == 2, run.Output);
        Assert.Contains(path, run.Stderr);
        Assert.Contains(reason, run.Stderr);
        Gate.AssertNoStackTrace(run);
        Assert.False(Directory.Exists(run.OutDir), "no load and no report without a baseline");
    }
}

/// <summary>
/// One baseline, recorded once for the class by a real <c>perfcluster baseline</c> run against a 5 ms demo target,
/// in the library of a data directory of its own and in a file (--output).
/// </summary>
public sealed class RecordedBaseline : IAsyncLifetime
{
    public const string Name = "gate";
    public const string Scenario = "gate";

    public TempDirectory Dir { get; } = new();
    public DemoTarget Target { get; private set; } = null!;
    public IReadOnlyDictionary<string, string?> Environment => Gate.Environment(Dir.Sub("data"));
    public string BaselineFile => Dir.Sub("baseline.json");
    public string ReportDir => Dir.Sub("baseline-run");
    public string RunId { get; private set; } = "";
    /// <summary>The baseline run's request count as the history prints it.</summary>
    public string Requests { get; private set; } = "";

    /// <summary>
    /// Closed model, no ramp-up, 5 s: five 1-second windows a side, enough for the significance test, so a shift
    /// must be both large and consistent before it fails.
    /// </summary>
    public static string ScenarioText(Uri target, string extra = "", string name = Scenario, string duration = "5s") => $$"""
        name = "{{name}}"
        target = "{{target}}"
        concurrent-users = 6
        duration = {{duration}}
        ramp-up = 0s
        think-time = 0s
        endpoints = [
          { name = projects, path = "/api/v1/projects", weight = 0.5 }
          { name = tasks, path = "/api/v1/tasks", weight = 0.5 }
        ]
        {{extra}}
        """;

    public async Task InitializeAsync()
    {
        Target = await DemoTarget.StartAsync(new DemoTargetOptions(0, TimeSpan.FromMilliseconds(5), TimeSpan.FromMilliseconds(1)));
        var file = Dir.File("gate.conf", ScenarioText(Target.BaseUrl));
        var run = await Gate.RunAsync(Environment, "baseline", file, "--name", Name, "--output", BaselineFile, "--out", ReportDir);
        if (run.ExitCode != 0 || !run.Stdout.Contains($"Baseline '{Name}' version 1 stored"))
            throw new InvalidOperationException($"recording the baseline failed: {run.Output}");
        RunId = Gate.RunId(ReportDir);
        Requests = Gate.Requests(ReportDir);
    }

    public async Task DisposeAsync()
    {
        await Target.DisposeAsync();
        Dir.Dispose();
    }
}

/// <summary>Runs perfcluster for the regression-gate specs and reads what it wrote.</summary>
public static class Gate
{
    public static readonly TimeSpan Budget = TimeSpan.FromSeconds(90);

    public sealed record Result(int ExitCode, string Stdout, string Stderr, string OutDir = "")
    {
        public string Output => $"exit {ExitCode}\nstdout:\n{Stdout}\nstderr:\n{Stderr}";
    }

    /// <summary>A library of its own: SQLite in <paramref name="dataDir"/>, whatever the shell running the tests says.</summary>
    public static IReadOnlyDictionary<string, string?> Environment(string dataDir, IReadOnlyDictionary<string, string?>? more = null)
    {
        var env = new Dictionary<string, string?> { [CliProcess.DataDirVariable] = dataDir };
        foreach (var (k, v) in more ?? new Dictionary<string, string?>()) env[k] = v;
        return env;
    }

    public static async Task<Result> RunAsync(IReadOnlyDictionary<string, string?> env, params string[] args)
    {
        var (code, stdout, stderr) = await CliProcess.RunAsync(Budget, env, args);
        return new Result(code, stdout, stderr);
    }

    /// <summary><c>perfcluster test ARGS --out OUT</c>.</summary>
    public static async Task<Result> TestAsync(IReadOnlyDictionary<string, string?> env, string outDir, params string[] args)
    {
        var (code, stdout, stderr) = await CliProcess.RunAsync(Budget, env, ["test", .. args, "--out", outDir]);
        return new Result(code, stdout, stderr, outDir);
    }

    public static JsonElement Report(string outDir) => ReportFiles.Read(outDir);

    /// <summary>The only scenario of the report.</summary>
    public static JsonElement LoadTest(string outDir) => Assert.Single(Report(outDir).GetProperty("load_tests").EnumerateObject()).Value;

    public static JsonElement Regression(string outDir) => LoadTest(outDir).GetProperty("regression");

    public static List<JsonElement> Metrics(JsonElement regression) => regression.GetProperty("metrics").EnumerateArray().ToList();

    public static string RunId(string outDir) => Report(outDir).GetProperty("benchmark_run_id").GetString()!;

    /// <summary>The scenario's request count formatted as <c>runs history</c> prints it.</summary>
    public static string Requests(string outDir) =>
        LoadTest(outDir).GetProperty("requests").GetInt64().ToString("N0", System.Globalization.CultureInfo.InvariantCulture);

    public static List<string> HistoryRows(string stdout) =>
        stdout.Split('\n').Select(l => l.TrimEnd()).Where(l => l.Length > 0 && char.IsDigit(l[0])).ToList();

    /// <summary>junit.xml has exactly one case per compared metric, named "regression: METRIC".</summary>
    public static XDocument AssertOneJUnitCasePerMetric(string outDir, JsonElement regression)
    {
        var junit = XDocument.Load(Path.Combine(outDir, "junit.xml"));
        var cases = junit.Descendants("testcase").Select(c => c.Attribute("name")!.Value).ToList();
        var metrics = Metrics(regression).Select(m => $"regression: {m.GetProperty("metric").GetString()}").ToList();
        Assert.True(metrics.Count >= 5, string.Join(", ", metrics));
        Assert.Equal(metrics.Order(), cases.Order());
        return junit;
    }

    public static void AssertNoStackTrace(Result run)
    {
        Assert.DoesNotMatch(@"(?m)^\s+at [\w.`<>]+", run.Stdout + run.Stderr);
        Assert.DoesNotContain("Exception", run.Stderr);
    }
}
