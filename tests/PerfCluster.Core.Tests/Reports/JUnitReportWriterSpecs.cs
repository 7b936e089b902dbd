using System.Xml.Linq;
using PerfCluster.Core.Reports;
using Xunit;
using static PerfCluster.Core.Tests.Reports.ReportFixtures;
using static PerfCluster.Core.Tests.Thresholds.StatisticsFixtures;

namespace PerfCluster.Core.Tests.Reports;

public class JUnitReportWriterSpecs
{
    private static XElement Parse(RunReport report) => XDocument.Parse(JUnitReportWriter.Render(report)).Root!;

    private static int Count(XElement element, string attribute) => (int)element.Attribute(attribute)!;

    [Fact]
    public void Should_write_one_suite_per_scenario_and_one_case_per_threshold()
    {
        var root = Parse(Run());

        Assert.Equal("testsuites", root.Name.LocalName);
        Assert.Equal(3, Count(root, "tests"));
        Assert.Equal(0, Count(root, "failures"));
        Assert.Equal(0, Count(root, "errors"));
        var suite = Assert.Single(root.Elements("testsuite"));
        Assert.Equal("checkout-flow", (string?)suite.Attribute("name"));
        Assert.Equal("60.000", (string?)suite.Attribute("time"));
        Assert.Equal(3, Count(suite, "tests"));
        var cases = suite.Elements("testcase").ToList();
        Assert.All(cases, c => Assert.Equal("perfcluster.checkout-flow", (string?)c.Attribute("classname")));
        Assert.Equal(
            ["overall: p95 < 2s", "overall: error_rate < 5%", "checkout: p95 < 2s"],
            cases.Select(c => (string?)c.Attribute("name")));
        Assert.All(cases, c => Assert.Empty(c.Elements()));
    }

    [Fact]
    public void Should_start_with_an_xml_declaration_and_escape_markup()
    {
        var xml = JUnitReportWriter.Render(Run());

        Assert.StartsWith("<?xml version=\"1.0\" encoding=\"utf-8\"?>", xml);
        Assert.Contains("name=\"overall: p95 &lt; 2s\"", xml);
    }

    [Fact]
    public void Should_describe_failures_with_actual_against_limit()
    {
        var root = Parse(Run(ScenarioReport(thresholds: [new("p95 < 2s"), new("p95 < 100ms", "checkout"), new("rps > 100")])));

        Assert.Equal(3, Count(root, "tests"));
        Assert.Equal(2, Count(root, "failures"));
        var suite = root.Element("testsuite")!;
        Assert.Equal(2, Count(suite, "failures"));
        var failures = suite.Descendants("failure").ToList();
        Assert.Equal("p95 actual 0.25s, limit < 0.1s", (string?)failures[0].Attribute("message"));
        Assert.Equal("checkout: p95 < 100ms — actual 0.25s — failed", failures[0].Value);
        Assert.Equal("throughput actual 20/s, limit > 100/s", (string?)failures[1].Attribute("message"));
        Assert.Equal("checkout: p95 < 100ms", (string?)failures[0].Parent!.Attribute("name"));
    }

    [Fact]
    public void Should_give_a_scenario_without_thresholds_one_completed_case()
    {
        var suite = Parse(Run(ScenarioReport(thresholds: []))).Element("testsuite")!;

        var testCase = Assert.Single(suite.Elements("testcase"));
        Assert.Equal("completed", (string?)testCase.Attribute("name"));
        Assert.Empty(testCase.Elements("failure"));
        Assert.Equal(1, Count(suite, "tests"));
        Assert.Equal(0, Count(suite, "failures"));
    }

    [Fact]
    public void Should_fail_the_completed_case_when_no_requests_completed()
    {
        var root = Parse(Run(ScenarioReport(Statistics(Endpoint("overall", 0, throughput: 0)), thresholds: [])));

        var failure = Assert.Single(root.Descendants("failure"));
        Assert.Equal("no requests completed", (string?)failure.Attribute("message"));
        Assert.Equal(1, Count(root, "failures"));
    }

    [Fact]
    public void Should_add_a_failed_completed_case_to_an_interrupted_scenario_with_thresholds()
    {
        var stats = HealthyStatistics() with { MeasuredDuration = TimeSpan.FromSeconds(12.3) };
        var root = Parse(Run(ScenarioReport(stats, interrupted: true)));

        var suite = root.Element("testsuite")!;
        Assert.Equal(4, Count(suite, "tests"));
        Assert.Equal(1, Count(suite, "failures"));
        var completed = Assert.Single(suite.Elements("testcase"), c => (string?)c.Attribute("name") == "completed");
        Assert.Equal("interrupted after 12.3 s", (string?)completed.Element("failure")!.Attribute("message"));
        Assert.Equal("12.300", (string?)completed.Attribute("time"));
    }

    [Fact]
    public void Should_sum_counts_over_several_scenarios()
    {
        var root = Parse(Run(
            ScenarioReport(thresholds: [new("p95 < 1ms"), new("errors == 0")]),
            ScenarioReport(thresholds: [], name: "browse")));

        Assert.Equal(2, root.Elements("testsuite").Count());
        Assert.Equal(3, Count(root, "tests"));
        Assert.Equal(1, Count(root, "failures"));
        Assert.Equal("perfcluster.browse", (string?)root.Elements("testsuite").Last().Element("testcase")!.Attribute("classname"));
    }

    [Fact]
    public void Should_report_a_run_error_as_an_error_case()
    {
        var report = Run() with { Status = RunStatus.Error, Scenarios = [], Notes = ["required service 'db' at db:5432 refused connections"] };

        var root = Parse(report);

        Assert.Equal(1, Count(root, "errors"));
        Assert.Equal(1, Count(root, "tests"));
        var error = Assert.Single(root.Descendants("error"));
        Assert.Equal("required service 'db' at db:5432 refused connections", (string?)error.Attribute("message"));
    }

    [Fact]
    public void Should_escape_names_and_drop_characters_xml_cannot_hold()
    {
        var name = "a<b> & \"c\"\u0001";
        var report = Run(ScenarioReport(thresholds: [new("p95 < 1ms")], name: name));

        var root = Parse(report);

        var suite = root.Element("testsuite")!;
        Assert.Equal("a<b> & \"c\"", (string?)suite.Attribute("name"));
        Assert.Equal("perfcluster.a<b> & \"c\"", (string?)suite.Element("testcase")!.Attribute("classname"));
    }
}
