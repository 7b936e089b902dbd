using PerfCluster.Core.Input;
using PerfCluster.Core.Monitoring;
using PerfCluster.Core.Regression;
using PerfCluster.Core.Reports;
using PerfCluster.Core.Scenarios;
using PerfCluster.Fuzzing;
using Xunit.Abstractions;

namespace PerfCluster.Core.Tests.Fuzzing;

/// <summary>
/// The readers of outside input, fuzzed: scenario files (HOCON and the guide's JSON), Prometheus exposition text,
/// baseline files and report.json. The only outcomes allowed are a result, or the reader's documented error with the
/// place it is about (file and line, or the file): never another exception, never a hang. Each corpus file, seeds and
/// shrunk failures alike, is checked on every run; then mutants of them for PERFCLUSTER_FUZZ_SECONDS per reader.
/// </summary>
public class ParserFuzzSpecs(ITestOutputHelper output)
{
    private const string FileName = "fuzz.conf";

    // Scenario files ------------------------------------------------------------------------------------------------

    private static readonly string[] ScenarioTokens =
    [
        "{", "}", "[", "]", "=", ":", ",", "\"", "\n", "${", "}", "#", "//", "\"\"\"", "include \"x\"", "null", "true", "1e309", "-1",
        "0", "10s", "1ms", "99999999999999999999", "target", "endpoints", "flow", "flows", "setup", "feeders", "request", "pause",
        "group", "repeat", "while", "if", "steps", "extract", "check", "{{", "}}", "{{token}}", "{{random_int(5, 1)}}", "{{uuid",
        "stages", "arrival-rate", "concurrent-users", "duration", "thresholds", "p95 < 1s", "errors.protocol > 0", "http",
        "max-response-size", "1MB", "weight", "rows", "mode = unique", "json = \"a[0].b\"", "regex = \"(\"", "\\u0000", "\\",
        "scenarios", "name", "alert-rules", "monitor", "sla-thresholds", "\ud800",
    ];

    private static IReadOnlyList<string> ScenarioSeeds()
    {
        var shipped = new[] { "hocon/scenarios", "hocon/scenarios/json", "bench/scenarios", "k8s/base/config" }
            .Select(d => Path.Combine(Fuzz.Root, d)).Where(Directory.Exists)
            .SelectMany(d => Directory.EnumerateFiles(d).Where(f => f.EndsWith(".conf") || f.EndsWith(".json")))
            .Where(f => !f.EndsWith("perfcluster.conf"))
            .Select(File.ReadAllText);
        return shipped.Concat(Fuzz.Files("scenario").Select(f => f.Text)).ToList();
    }

    private static void LoadScenario(string text)
    {
        try
        {
            ScenarioLoader.LoadText(text, Path.Combine(Fuzz.Root, "hocon", "scenarios", FileName));
        }
        catch (ScenarioException e)
        {
            Assert.Contains(FileName, e.Describe());
        }
    }

    [Fact]
    public void Should_load_every_scenario_seed_and_regression_or_say_where_it_is_wrong()
    {
        foreach (var text in ScenarioSeeds()) LoadScenario(text);
    }

    [Fact]
    public void Should_never_fail_otherwise_on_mutated_scenarios() =>
        Assert.True(Fuzz.Run(Fuzz.Mutants(ScenarioSeeds(), ScenarioTokens), LoadScenario, output.WriteLine, "scenario") > 0);

    // Prometheus text ------------------------------------------------------------------------------------------------

    private static readonly string[] PrometheusTokens =
    [
        "{", "}", "\"", ",", "=", " ", "\n", "\\", "\\\"", "\\n", "# HELP ", "# TYPE ", "+Inf", "-Inf", "NaN", "1e400", "-0", "0x1F",
        "le=\"", "_bucket", "9223372036854775808", "\t", "\r\n", "{}", "a{b=\"c\"}",
    ];

    private static void ParsePrometheus(string text)
    {
        try
        {
            var samples = PrometheusTextParser.Parse(text);
            Assert.All(samples, s => Assert.False(string.IsNullOrEmpty(s.Name)));
        }
        catch (FormatException e)
        {
            Assert.Matches(@"line \d+", e.Message);
        }
    }

    [Fact]
    public void Should_parse_every_prometheus_seed_and_regression_or_say_which_line_is_wrong()
    {
        foreach (var (_, text) in Fuzz.Files("prometheus")) ParsePrometheus(text);
    }

    [Fact]
    public void Should_never_fail_otherwise_on_mutated_prometheus_text() =>
        Assert.True(Fuzz.Run(Fuzz.Mutants(Fuzz.Files("prometheus").Select(f => f.Text).ToList(), PrometheusTokens), ParsePrometheus,
            output.WriteLine, "prometheus") > 0);

    // Baseline files and report.json --------------------------------------------------------------------------------

    private static readonly string[] JsonTokens =
    [
        "{", "}", "[", "]", ":", ",", "\"", "null", "true", "false", "0", "-1", "1e309", "1.5", "\"\"", "\\u0000", "\\ud800", "[[[[[[",
        "\"format_version\": 99", "\"version\": -3", "\"name\": \"\"", "\"windows\": []", "\"load_tests\": {}", "\"status\": 7", "{}",
    ];

    private static void ReadBaseline(string text)
    {
        try
        {
            var baseline = BaselineFile.FromJson(text, "fuzz.json");
            Assert.False(string.IsNullOrWhiteSpace(baseline.Name));
        }
        catch (BaselineFormatException e)
        {
            Assert.StartsWith("fuzz.json", e.Message);
        }
    }

    private static void ReadReport(string text)
    {
        try
        {
            ReportDocuments.Parse(text, "report.json");
        }
        catch (InvalidDataException e)
        {
            Assert.StartsWith("report.json", e.Message);
        }
    }

    [Fact]
    public void Should_read_every_baseline_and_report_seed_and_regression_or_say_what_is_wrong()
    {
        foreach (var (_, text) in Fuzz.Files("baseline")) ReadBaseline(text);
        foreach (var (_, text) in Fuzz.Files("report")) ReadReport(text);
    }

    [Fact]
    public void Should_never_fail_otherwise_on_mutated_baseline_files() =>
        Assert.True(Fuzz.Run(Fuzz.Mutants(Fuzz.Files("baseline").Select(f => f.Text).ToList(), JsonTokens), ReadBaseline,
            output.WriteLine, "baseline") > 0);

    [Fact]
    public void Should_never_fail_otherwise_on_mutated_reports() =>
        Assert.True(Fuzz.Run(Fuzz.Mutants(Fuzz.Files("report").Select(f => f.Text).ToList(), JsonTokens), ReadReport,
            output.WriteLine, "report") > 0);
}
