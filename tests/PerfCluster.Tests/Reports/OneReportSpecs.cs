using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using PerfCluster.Api;
using PerfCluster.Cli;
using PerfCluster.Core.Reports;
using PerfCluster.Core.Scenarios;
using PerfCluster.Engine.Coordination;
using PerfCluster.Target;

namespace PerfCluster.Tests.Reports;

/// <summary>
/// One run, one report: the CLI, the API and the scheduler assemble a run's report through the same
/// <c>TestRun</c>. Fed the same scenario runs, their reports are identical apart from where they were requested
/// (the run id, the instants, the host).
/// </summary>
public class OneReportSpecs
{
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Should_assemble_the_same_report_for_the_same_run_in_the_cli_the_api_and_the_scheduler()
    {
        await using var target = await DemoTarget.StartAsync(new DemoTargetOptions(0, TimeSpan.FromMilliseconds(2), TimeSpan.Zero));
        using var dir = new TempDirectory();
        var plan = ScenarioLoader.LoadText($$"""
            scenarios = [
              { name = browse, target = "{{target.BaseUrl}}", concurrent-users = 2, duration = 1s, endpoints = ["/api/v1/projects"],
                thresholds = ["p95 < 2s", "error_rate < 0.01"] }
              { name = search, target = "{{target.BaseUrl}}", concurrent-users = 2, duration = 1s, endpoints = ["/api/v1/tasks"],
                thresholds = ["p99 < 1ms"] }
            ]
            """, "two.conf");
        // Real scenario runs on an embedded node, recorded once and replayed to each caller.
        var outcomes = new Dictionary<string, ScenarioOutcome>();
        await using (var node = await LocalNode.StartAsync(null, verbose: false, dataDir: dir.Sub("data")))
        {
            foreach (var scenario in plan.Scenarios)
                outcomes[scenario.Name] = (await RunClient.RunAsync(node.System, node.RunManager, $"record-{scenario.Name}", scenario, _ => { },
                    CancellationToken.None).WaitAsync(Budget)) with { Notes = [$"{scenario.Name} ran on the embedded node"] };
        }
        ScenarioExecutor replay = (_, scenario, onEvent, _) => Task.FromResult(outcomes[scenario.Name]);

        var code = await RunCommand.RunPlanAsync(plan, dir.Sub("cli"), replay);
        var cli = JsonNode.Parse(ReportFiles.Read(dir.Sub("cli")).GetRawText())!;

        var record = new RunRecord("run-api", plan, DateTimeOffset.UtcNow);
        await RunLauncher.DriveAsync(record, replay, NullLogger.Instance);
        var api = JsonNode.Parse(ReportFiles.Parse(ReportDocuments.Render(record.Report(DateTimeOffset.UtcNow)), "the API").GetRawText())!;
        var scheduled = JsonNode.Parse(ReportFiles.Parse(
            ReportDocuments.Render(Scheduler.Report(record, baseline: null, strict: false, DateTimeOffset.UtcNow)), "the scheduler").GetRawText())!;

        Assert.Equal(1, code);   // search's p99 < 1ms fails
        Assert.Equal("failed", cli["status"]!.GetValue<string>());
        var notes = cli["notes"]!.AsArray().Select(n => n!.GetValue<string>()).ToList();
        Assert.Contains("browse: browse ran on the embedded node", notes);
        Assert.Contains("search: search ran on the embedded node", notes);
        Assert.Equal(Normalised(cli), Normalised(api));
        Assert.Equal(Normalised(cli), Normalised(scheduled));
    }

    /// <summary>The report without what says where and when it was requested.</summary>
    private static string Normalised(JsonNode report)
    {
        var copy = report.DeepClone().AsObject();
        foreach (var key in new[] { "benchmark_run_id", "timestamp", "started_at", "finished_at", "duration_seconds", "host" })
            copy.Remove(key);
        if (copy["environment"] is JsonObject environment) environment.Remove("host");
        return copy.ToJsonString();
    }
}
