using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;
using PerfCluster.Core.Metrics;
using PerfCluster.Core.Regression;
using PerfCluster.Core.Tests.Regression;
using PerfCluster.Core.Reports;
using static PerfCluster.Core.Tests.Reports.ReportFixtures;
using static PerfCluster.Core.Tests.Thresholds.StatisticsFixtures;

namespace PerfCluster.Core.Tests.Reports;

/// <summary>docs/report.schema.json is the schema the records generate, and the reports PerfCluster writes meet it.</summary>
public class ReportSchemaSpecs
{
    public static string PublishedPath => Path.Combine(Root(), "docs", "report.schema.json");

    [Fact]
    public void Should_publish_the_schema_the_report_records_generate()
    {
        // Renew it with: perfcluster report --schema > docs/report.schema.json
        Assert.Equal(ReportDocuments.SchemaText().TrimEnd(), File.ReadAllText(PublishedPath).TrimEnd());
    }

    public static TheoryData<string> Reports() => ["healthy", "open", "staged", "failed-thresholds", "iterations", "regression", "not-finite", "empty"];

    [Theory]
    [MemberData(nameof(Reports))]
    public void Should_write_reports_that_meet_the_published_schema(string kind)
    {
        var json = ReportDocuments.Render(Report(kind));

        var result = Schema.Evaluate(JsonDocument.Parse(json).RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });

        Assert.True(result.IsValid, Problems(result));
    }

    [Fact]
    public void Should_refuse_a_report_with_a_key_the_schema_does_not_know()
    {
        var report = JsonNode.Parse(ReportDocuments.Render(Run(ScenarioReport())))!.AsObject();
        report["load_tests"]!["checkout-flow"]!["p95_ms"] = 12;

        Assert.False(Schema.Evaluate(JsonDocument.Parse(report.ToJsonString()).RootElement).IsValid);
    }

    [Fact]
    public void Should_read_a_report_back_through_the_types_that_wrote_it()
    {
        var json = ReportDocuments.Render(Report("regression"));

        var back = ReportDocuments.Parse(json, "report.json");

        Assert.Equal(json, JsonSerializer.Serialize(back, ReportDocuments.Options) + "\n");
    }

    private static readonly JsonSchema Schema = JsonSchema.FromText(File.ReadAllText(PublishedPath));

    private static RunReport Report(string kind) => kind switch
    {
        "healthy" => Run(ScenarioReport()),
        "open" => Run(ScenarioReport(OpenScenario(), OpenStatistics() with
        {
            DroppedIterations = 3, SchedulingLag = Latency(), WarmUp = Endpoint("warm-up", 40),
        })),
        "staged" => Run(ScenarioReport(StagedScenario(), HealthyStatistics()), ScenarioReport(name: "second")),
        "failed-thresholds" => Run(ScenarioReport(thresholds: [new("p95 < 1ms"), new("p99 < 1ms", "checkout")])),
        "iterations" => Run(ScenarioReport() with
        {
            Iterations = [new IterationResult(HealthyStatistics(), []), new IterationResult(HealthyStatistics(), [])],
        }),
        "regression" => Run(ScenarioReport()) is var run
            ? run.JudgedAgainstFixture()
            : run,
        "not-finite" => Run(ScenarioReport(Statistics(Endpoint("overall", 10) with { Throughput = double.NaN, ErrorRate = double.PositiveInfinity }))),
        "empty" => Run(ScenarioReport(Statistics(Endpoint("overall", 0)))),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    private static string Problems(EvaluationResults result) =>
        string.Join("\n", (result.Details ?? []).Where(d => d.Errors is { Count: > 0 }).SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Key}: {e.Value}")));

    private static string Root()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "PerfCluster.sln"))) return dir.FullName;
        throw new InvalidOperationException($"no PerfCluster.sln above {AppContext.BaseDirectory}");
    }
}

internal static class RegressionFixtureExtensions
{
    /// <summary>The run compared with a baseline of itself 20% faster, so the verdict has failing metrics.</summary>
    public static RunReport JudgedAgainstFixture(this RunReport run) =>
        PerfCluster.Core.Runs.RunBaselines.JudgedAgainst(run,
            BaselineFixtures.Of(BaselineFixtures.Steady(throughput: 40, p95Ms: 60)), strict: false);
}
