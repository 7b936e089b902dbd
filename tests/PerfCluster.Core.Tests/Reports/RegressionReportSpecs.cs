using System.Text.Json;
using System.Xml.Linq;
using PerfCluster.Core.Regression;
using PerfCluster.Core.Reports;
using Xunit;
using static PerfCluster.Core.Tests.Reports.ReportFixtures;

namespace PerfCluster.Core.Tests.Reports;

/// <summary>The baseline comparison in report.json, summary.txt and junit.xml, and its effect on the verdict.</summary>
public class RegressionReportSpecs
{
    private static MetricComparison Comparison(string metric, RegressionOutcome outcome, double baseline, double current, string? note = null) => new()
    {
        Metric = metric,
        Direction = metric.StartsWith("throughput") ? MetricDirection.LowerIsWorse : MetricDirection.HigherIsWorse,
        Baseline = baseline,
        Current = current,
        ChangePercent = (current - baseline) / baseline * 100,
        WarningThreshold = 10,
        FailureThreshold = 20,
        Outcome = outcome,
        Test = RegressionTests.MannWhitneyU,
        SampleSource = "windows",
        PValue = 0.0012,
        Effect = current - baseline,
        EffectCi95Low = current - baseline - 5,
        EffectCi95High = current - baseline + 5,
        BaselineSamples = 60,
        CurrentSamples = 58,
        Note = note,
    };

    private static RegressionVerdict Verdict(bool strict = false, params MetricComparison[] metrics) => new()
    {
        BaselineName = "nightly",
        BaselineVersion = 3,
        BaselineRunId = "benchmark_1764000000",
        Metrics = metrics,
        EnvironmentWarnings = ["worker count differs: baseline 2, current 4"],
        Strict = strict,
    };

    private static readonly MetricComparison Fine = Comparison("throughput", RegressionOutcome.Pass, 20, 20.4);
    private static readonly MetricComparison Slower = Comparison("latency_p95", RegressionOutcome.Fail, 120, 162);
    private static readonly MetricComparison Warned = Comparison("latency_p99[checkout]", RegressionOutcome.Warning, 200, 230);

    private static RunReport With(RegressionVerdict verdict) => Run(ScenarioReport() with { Regression = verdict });

    [Fact]
    public void Should_fail_the_scenario_and_the_run_on_a_failed_verdict()
    {
        Assert.True(With(Verdict(false, Fine, Warned)).Passed);
        Assert.False(With(Verdict(false, Fine, Slower)).Passed);
        Assert.Equal(1, With(Verdict(false, Fine, Slower)).ExitCode);
        Assert.False(With(Verdict(true, Fine, Warned)).Passed);
        Assert.Equal(RunStatus.Failed, RunReport.StatusOf([ScenarioReport() with { Regression = Verdict(false, Slower) }]));
    }

    [Fact]
    public void Should_write_the_regression_object_in_report_json()
    {
        using var doc = JsonDocument.Parse(ReportDocuments.Render(With(Verdict(false, Fine, Slower))));
        var test = doc.RootElement.GetProperty("load_tests").GetProperty("checkout-flow");

        Assert.False(test.GetProperty("passed").GetBoolean());
        var r = test.GetProperty("regression");
        Assert.Equal("nightly", r.GetProperty("baseline").GetProperty("name").GetString());
        Assert.Equal(3, r.GetProperty("baseline").GetProperty("version").GetInt32());
        Assert.Equal("benchmark_1764000000", r.GetProperty("baseline").GetProperty("run_id").GetString());
        Assert.Equal("fail", r.GetProperty("outcome").GetString());
        Assert.Equal(1, r.GetProperty("exit_code").GetInt32());
        Assert.Equal("worker count differs: baseline 2, current 4", r.GetProperty("environment_warnings")[0].GetString());
        var m = r.GetProperty("metrics")[1];
        Assert.Equal("latency_p95", m.GetProperty("metric").GetString());
        Assert.Equal(120, m.GetProperty("baseline").GetDouble());
        Assert.Equal(162, m.GetProperty("current").GetDouble());
        Assert.Equal(35, m.GetProperty("change_percent").GetDouble(), 1e-9);
        Assert.Equal(10, m.GetProperty("warning_threshold").GetDouble());
        Assert.Equal(20, m.GetProperty("failure_threshold").GetDouble());
        Assert.Equal("fail", m.GetProperty("outcome").GetString());
        Assert.Equal("higher-is-worse", m.GetProperty("direction").GetString());
        Assert.Equal("mann-whitney-u", m.GetProperty("test").GetString());
        Assert.Equal(0.0012, m.GetProperty("p_value").GetDouble());
        Assert.Equal(42, m.GetProperty("effect").GetDouble(), 1e-9);
        Assert.Equal(37, m.GetProperty("effect_ci95")[0].GetDouble(), 1e-9);
        Assert.Equal("windows", m.GetProperty("samples").GetProperty("source").GetString());
        Assert.Equal(58, m.GetProperty("samples").GetProperty("current").GetInt32());
    }

    [Fact]
    public void Should_write_an_infinite_change_as_null_and_leave_out_regression_without_a_baseline()
    {
        var fromZero = Comparison("error_rate", RegressionOutcome.Fail, 0, 0.02) with { ChangePercent = double.PositiveInfinity, PValue = null };

        using var doc = JsonDocument.Parse(ReportDocuments.Render(With(Verdict(false, fromZero))));
        var m = doc.RootElement.GetProperty("load_tests").GetProperty("checkout-flow").GetProperty("regression").GetProperty("metrics")[0];
        using var plain = JsonDocument.Parse(ReportDocuments.Render(Run()));

        Assert.Equal(JsonValueKind.Null, m.GetProperty("change_percent").ValueKind);
        Assert.Equal(JsonValueKind.Null, m.GetProperty("p_value").ValueKind);
        Assert.False(plain.RootElement.GetProperty("load_tests").GetProperty("checkout-flow").TryGetProperty("regression", out _));
    }

    [Fact]
    public void Should_print_the_comparison_table_in_the_summary()
    {
        var text = SummaryReportWriter.Render(With(Verdict(false, Fine, Slower, Warned with { Note = "beyond the failure level but not significant" })));

        Assert.Contains("Scenario checkout-flow — failed", text);
        Assert.Contains("  Regression: FAIL against baseline 'nightly' v3 (run benchmark_1764000000)\n", text);
        var lines = text.Split('\n');
        var header = Array.FindIndex(lines, l => l.TrimStart().StartsWith("Metric"));
        Assert.True(header > 0);
        Assert.StartsWith("    ✓  throughput", lines[header + 1]);
        Assert.Contains("20.0 req/s", lines[header + 1]);
        Assert.StartsWith("    ✗  latency_p95", lines[header + 2]);
        Assert.Contains("120.0 ms", lines[header + 2]);
        Assert.Contains("+35%", lines[header + 2]);
        Assert.Contains("warn 10% / fail 20%", lines[header + 2]);
        Assert.Contains("mann-whitney-u p=0.0012 (60/58 windows)", lines[header + 2]);
        Assert.StartsWith("    !  latency_p99[checkout]", lines[header + 3]);
        Assert.Contains("    Note: latency_p99[checkout]: beyond the failure level but not significant", text);
        Assert.Contains("    Environment: worker count differs: baseline 2, current 4", text);
    }

    [Fact]
    public void Should_say_when_warnings_fail_under_strict()
    {
        var text = SummaryReportWriter.Render(With(Verdict(true, Warned)));

        Assert.Contains("Regression: WARNING against baseline 'nightly' v3 (run benchmark_1764000000), strict: warnings fail", text);
        Assert.StartsWith("PerfCluster run benchmark_1764168000: FAILED (exit code 1)", text);
    }

    [Fact]
    public void Should_write_one_junit_case_per_compared_metric()
    {
        var notCompared = Comparison("throughput[search]", RegressionOutcome.NotCompared, 5, double.NaN, "endpoint 'search' is not in the current run");
        var root = XDocument.Parse(JUnitReportWriter.Render(With(Verdict(false, Fine, Slower, Warned, notCompared)))).Root!;

        var suite = root.Element("testsuite")!;
        var cases = suite.Elements("testcase").Where(c => ((string?)c.Attribute("name"))!.StartsWith("regression: ")).ToList();
        Assert.Equal(
            ["regression: throughput", "regression: latency_p95", "regression: latency_p99[checkout]", "regression: throughput[search]"],
            cases.Select(c => (string?)c.Attribute("name")));
        Assert.Empty(cases[0].Elements());
        var failure = Assert.Single(cases[1].Elements("failure"));
        Assert.Equal("regression", (string?)failure.Attribute("type"));
        Assert.Equal("latency_p95 +35% (120.0 ms → 162.0 ms), warn 10% / fail 20%, mann-whitney-u p=0.0012 (60/58 windows)",
            (string?)failure.Attribute("message"));
        Assert.Contains("fail against baseline 'nightly' v3", failure.Value);
        Assert.StartsWith("warning: latency_p99[checkout] +15%", cases[2].Element("system-out")!.Value);
        Assert.Empty(cases[2].Elements("failure"));
        Assert.Equal("endpoint 'search' is not in the current run", (string?)cases[3].Element("skipped")!.Attribute("message"));
        Assert.Equal(1, (int)suite.Attribute("failures")!);
        Assert.Equal(1, (int)suite.Attribute("skipped")!);
        Assert.Equal(1, (int)root.Attribute("skipped")!);
        Assert.Equal(7, (int)suite.Attribute("tests")!);   // 3 thresholds + 4 regression cases
    }

    [Fact]
    public void Should_fail_warning_cases_in_junit_under_strict()
    {
        var root = XDocument.Parse(JUnitReportWriter.Render(With(Verdict(true, Warned)))).Root!;

        var failure = Assert.Single(root.Descendants("failure"));
        Assert.Equal("regression_warning", (string?)failure.Attribute("type"));
    }

    [Fact]
    public void Should_drop_the_completed_case_when_only_regression_cases_exist()
    {
        var report = Run(ScenarioReport(thresholds: []) with { Regression = Verdict(false, Fine) });

        var cases = XDocument.Parse(JUnitReportWriter.Render(report)).Root!.Descendants("testcase").ToList();

        Assert.Equal(["regression: throughput"], cases.Select(c => (string?)c.Attribute("name")));
    }
}
