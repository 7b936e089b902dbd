using PerfCluster.Core.Reports;
using PerfCluster.Core.Runs;
using PerfCluster.Core.Scenarios;
using static PerfCluster.Core.Tests.Thresholds.StatisticsFixtures;

namespace PerfCluster.Core.Tests.Runs;

public class TestRunSpecs
{
    private static readonly TestRunId Id = new("benchmark_1764168000");

    private static TestPlan Plan(params string[] scenarios) =>
        new("plan.conf", "text", [.. scenarios.Select(name => Scenario(name, new ThresholdDefinition("p95 < 2s")))]);

    private static ScenarioRunResult Result(string scenario, bool interrupted = false, params string[] notes) =>
        new(Statistics(scenario: scenario), interrupted, null, notes);

    [Fact]
    public void Should_run_every_scenario_once_under_the_run_id_itself_when_the_plan_has_one()
    {
        var run = TestRun.Start(Id, Plan("a"), Start);

        var step = Assert.IsType<TestRunStep>(run.Next);
        run = run.Record(step, Result("a"));

        Assert.Equal("benchmark_1764168000", step.ScenarioRunId);
        Assert.Null(run.Next);
        Assert.True(run.RanToEnd);
        var report = run.ToReport(Start.AddMinutes(1));
        Assert.Equal(RunStatus.Completed, report.Status);
        Assert.Equal("benchmark_1764168000", report.RunId);
        Assert.Equal(0, report.ExitCode);
    }

    [Fact]
    public void Should_name_scenario_runs_and_iterations_with_one_scheme()
    {
        var run = TestRun.Start(Id, Plan("a", "b"), Start, iterations: 2);
        var ids = new List<string>();
        while (run.Next is { } step)
        {
            ids.Add(step.ScenarioRunId);
            run = run.Record(step, Result(step.Definition.Name));
        }

        Assert.Equal(["benchmark_1764168000~1.1", "benchmark_1764168000~1.2", "benchmark_1764168000~2.1", "benchmark_1764168000~2.2"], ids);
        var report = run.ToReport(Start.AddMinutes(4));
        Assert.All(report.Scenarios, s => Assert.Equal(2, s.Iterations.Count));
        Assert.True(ids.All(Id.Owns));
        Assert.Equal("b~1", new TestRunId("b").ScenarioRun(0, 1, 2, 1));
        Assert.False(Id.Owns("benchmark_17641680001"));
    }

    [Fact]
    public void Should_stop_after_an_interrupted_scenario_and_say_what_did_not_run()
    {
        var run = TestRun.Start(Id, Plan("a", "b", "c"), Start);
        run = run.Record(run.Next!, Result("a", notes: "worker n2 was lost"));
        run = run.Interrupt("SIGINT", Start.AddSeconds(12.3));
        Assert.Null(run.Next);

        var report = run.ToReport(Start.AddSeconds(13));

        Assert.Equal(RunStatus.Interrupted, report.Status);
        Assert.Equal(130, report.ExitCode);
        Assert.Equal("a: worker n2 was lost", report.Notes[0]);
        Assert.StartsWith("interrupted by SIGINT after 12.3 s", report.Notes[1]);
        Assert.Equal("not run: b, c", report.Notes[2]);
    }

    [Fact]
    public void Should_judge_a_run_a_review_stopped_early_instead_of_calling_it_interrupted()
    {
        var run = TestRun.Start(Id, Plan("a", "b"), Start);
        run = run.Record(run.Next!, Result("a", interrupted: true) with { StoppedEarlyBy = "abort-on-fail: throughput fell" });

        var report = run.ToReport(Start.AddSeconds(5));

        Assert.Null(run.Next);
        Assert.False(report.Scenarios[0].Interrupted);
        Assert.Equal(RunStatus.Completed, report.Status);
        Assert.Equal(["a: stopped early: abort-on-fail: throughput fell", "not run: b"], report.Notes);
    }

    [Fact]
    public void Should_end_with_the_error_of_a_scenario_that_could_not_run()
    {
        var run = TestRun.Start(Id, Plan("a", "b"), Start);
        run = run.Fail(run.Next, "only 0 of the 1 workers joined");

        var report = run.ToReport(Start.AddSeconds(5));

        Assert.Null(run.Next);
        Assert.Equal(RunStatus.Error, report.Status);
        Assert.Equal("scenario 'a' failed to run: only 0 of the 1 workers joined", run.Failure);
        Assert.Equal(["not run: a, b", run.Failure!], report.Notes);
    }

    [Fact]
    public void Should_call_a_run_that_failed_because_it_was_stopped_interrupted()
    {
        var run = TestRun.Start(Id, Plan("a"), Start);
        run = run.Interrupt("a stop request", Start.AddSeconds(1)).Fail(run.Next, "stopped before start");

        Assert.Equal(RunStatus.Interrupted, run.ToReport(Start.AddSeconds(2)).Status);
    }

    [Fact]
    public void Should_refuse_a_result_for_a_scenario_run_it_is_not_waiting_for()
    {
        var run = TestRun.Start(Id, Plan("a", "b"), Start);
        var second = new TestRunStep(1, 1, "benchmark_1764168000~2", run.Plan.Scenarios[1]);

        Assert.Throws<InvalidOperationException>(() => run.Record(second, Result("b")));
    }

    [Fact]
    public void Should_report_the_partial_run_while_it_is_going()
    {
        var run = TestRun.Start(Id, Plan("a", "b"), Start);
        run = run.Record(run.Next!, Result("a"));

        var report = run.ToReport(Start.AddSeconds(70));

        Assert.Equal("a", Assert.Single(report.Scenarios).Name);
        Assert.Empty(report.Notes);
        Assert.NotNull(run.Next);
    }

    [Theory]
    [InlineData("nightly checkout!", "sched-nightly-checkout-20261126-020000")]
    [InlineData("???", "sched-run-20261126-020000")]
    public void Should_name_a_scheduled_run_after_its_schedule(string schedule, string expected) =>
        Assert.Equal(expected, TestRunId.ForSchedule(schedule, new DateTimeOffset(2026, 11, 26, 2, 0, 0, TimeSpan.Zero)).Value);

    [Theory]
    [InlineData("")]
    [InlineData("-leading")]
    [InlineData("has space")]
    public void Should_refuse_an_id_a_run_cannot_have(string id)
    {
        Assert.False(TestRunId.IsValid(id));
        Assert.Throws<ArgumentException>(() => new TestRunId(id));
    }
}
