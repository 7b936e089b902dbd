using PerfCluster.Core.Reports;
using PerfCluster.Core.Scenarios;
using Xunit;
using static PerfCluster.Core.Tests.Reports.ReportFixtures;
using static PerfCluster.Core.Tests.Thresholds.StatisticsFixtures;

namespace PerfCluster.Core.Tests.Reports;

public class RunReportSpecs
{
    private static readonly ThresholdDefinition[] Failing = [new("p95 < 100ms")];

    [Fact]
    public void Should_pass_with_exit_code_0_when_every_threshold_passed()
    {
        var report = Run();

        Assert.True(report.Passed);
        Assert.False(report.Interrupted);
        Assert.Equal(0, report.ExitCode);
        Assert.Equal(RunStatus.Completed, report.Status);
    }

    [Fact]
    public void Should_fail_with_exit_code_1_when_a_threshold_failed()
    {
        var report = Run(ScenarioReport(thresholds: Failing));

        Assert.False(report.Passed);
        Assert.Equal(1, report.ExitCode);
        Assert.Equal(RunStatus.Failed, report.Status);
    }

    [Fact]
    public void Should_exit_130_when_interrupted_even_if_a_threshold_failed()
    {
        var report = Run(ScenarioReport(thresholds: Failing, interrupted: true));

        Assert.True(report.Interrupted);
        Assert.False(report.Passed);
        Assert.Equal(130, report.ExitCode);
        Assert.Equal(RunStatus.Interrupted, report.Status);
    }

    [Fact]
    public void Should_exit_130_when_the_run_status_says_interrupted()
    {
        var report = Run() with { Status = RunStatus.Interrupted };

        Assert.Equal(130, report.ExitCode);
        Assert.False(report.Passed);
    }

    [Fact]
    public void Should_not_pass_a_run_that_ended_in_error_or_ran_nothing()
    {
        Assert.Equal(1, (Run() with { Status = RunStatus.Error }).ExitCode);
        Assert.Equal(1, (Run() with { Scenarios = [] }).ExitCode);
    }

    [Fact]
    public void Should_not_pass_a_scenario_that_completed_no_requests()
    {
        var empty = ScenarioReport(Statistics(Endpoint("overall", 0, throughput: 0)), thresholds: []);
        var report = Run(empty);

        Assert.True(empty.CompletedNoRequests);
        Assert.False(report.Passed);
        Assert.Equal(1, report.ExitCode);
    }

    [Fact]
    public void Should_name_runs_after_their_start_in_unix_seconds()
    {
        Assert.Equal("benchmark_1764168000", PerfCluster.Core.Runs.TestRunId.ForCli(new DateTimeOffset(2025, 11, 26, 14, 40, 0, TimeSpan.Zero)).Value);
    }

    [Fact]
    public void Should_compute_duration_and_default_host_and_version()
    {
        var report = new RunReport
        {
            RunId = "benchmark_1",
            Status = RunStatus.Completed,
            StartedAt = Start,
            FinishedAt = Start.AddSeconds(12.5),
        };

        Assert.Equal(TimeSpan.FromSeconds(12.5), report.Duration);
        Assert.Equal(Environment.MachineName, report.Host);
        Assert.Matches(@"^\d+\.\d+\.\d+", report.ToolVersion);
        Assert.DoesNotContain("+", report.ToolVersion);
    }
}
