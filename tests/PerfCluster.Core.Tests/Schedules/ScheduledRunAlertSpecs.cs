using System.Text.Json;
using PerfCluster.Core.Schedules;

namespace PerfCluster.Core.Tests.Schedules;

public class ScheduledRunAlertSpecs
{
    private static readonly DateTimeOffset T0 = DateTimeOffset.Parse("2026-11-27T02:00:00Z");

    private static readonly ScheduleDefinition Nightly =
        ScheduleDefinition.Create("nightly", "0 2 * * *", "Europe/Berlin", "nightly.conf", "name = x\n", "nightly", strict: false, T0,
            "http://127.0.0.1:9/hook");

    [Theory]
    [InlineData(ScheduledRunOutcomes.Failed)]
    [InlineData(ScheduledRunOutcomes.Regressed)]
    [InlineData(ScheduledRunOutcomes.Error)]
    [InlineData(ScheduledRunOutcomes.Abandoned)]
    public void Should_describe_a_failed_run_in_snake_case_json(string outcome)
    {
        var run = new ScheduledRun("sched-nightly-20261127-010000", T0, outcome, "latency_p95 +48%", T0.AddMinutes(5));

        var json = JsonDocument.Parse(ScheduledRunAlert.For(Nightly, run)!.ToJson()).RootElement;

        Assert.Equal("scheduled_run_failed", json.GetProperty("kind").GetString());
        Assert.Equal(("nightly", "0 2 * * *", "Europe/Berlin", "nightly"),
            (json.GetProperty("schedule").GetString(), json.GetProperty("cron").GetString(),
             json.GetProperty("time_zone").GetString(), json.GetProperty("baseline").GetString()));
        Assert.Equal((run.RunId, outcome, "latency_p95 +48%"),
            (json.GetProperty("run_id").GetString(), json.GetProperty("outcome").GetString(), json.GetProperty("detail").GetString()));
        Assert.Equal((T0, T0.AddMinutes(5)), (json.GetProperty("started_at").GetDateTimeOffset(), json.GetProperty("finished_at").GetDateTimeOffset()));
        Assert.Equal("/api/runs/sched-nightly-20261127-010000/report", json.GetProperty("report").GetString());
        Assert.Equal($"scheduled run {run.RunId} of 'nightly' {outcome}: latency_p95 +48%", json.GetProperty("message").GetString());
    }

    [Theory]
    [InlineData(ScheduledRunOutcomes.Passed)]
    [InlineData(ScheduledRunOutcomes.Running)]
    [InlineData(ScheduledRunOutcomes.Interrupted)]
    public void Should_have_nothing_to_say_about_a_run_that_did_not_fail(string outcome) =>
        Assert.Null(ScheduledRunAlert.For(Nightly, new ScheduledRun("r1", T0, outcome)));

    [Fact]
    public void Should_leave_out_what_an_unfinished_run_without_detail_does_not_have()
    {
        var json = ScheduledRunAlert.For(Nightly with { Baseline = null }, new ScheduledRun("r1", T0, ScheduledRunOutcomes.Abandoned))!.ToJson();

        Assert.DoesNotContain("finished_at", json);
        Assert.DoesNotContain("\"detail\"", json);
        Assert.DoesNotContain("baseline", json);
    }

    [Fact]
    public void Should_refuse_a_webhook_that_is_not_an_http_url() =>
        Assert.Throws<ScheduleException>(() =>
            ScheduleDefinition.Create("n", "0 2 * * *", null, "n.conf", "name = x\n", null, false, T0, "ftp://example/hook"));
}
