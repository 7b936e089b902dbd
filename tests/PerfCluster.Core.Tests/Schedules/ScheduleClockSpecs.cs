using PerfCluster.Core.Schedules;

namespace PerfCluster.Core.Tests.Schedules;

public class ScheduleClockSpecs
{
    private static readonly DateTimeOffset Created = DateTimeOffset.Parse("2026-03-01T00:00:00Z");

    private static ScheduleDefinition Schedule(string cron, string zone = "UTC", string name = "nightly") =>
        ScheduleDefinition.Create(name, cron, zone, "nightly.conf", "name = x", null, false, Created);

    private static readonly IReadOnlyDictionary<string, DateTimeOffset> NoRuns = new Dictionary<string, DateTimeOffset>();

    [Fact]
    public void Should_read_the_cron_fields_on_the_wall_clock_of_the_schedules_zone()
    {
        var berlin = Schedule("0 2 * * *", "Europe/Berlin");

        var next = ScheduleClock.Next(berlin, DateTimeOffset.Parse("2026-01-10T12:00:00Z"))!.Value;

        Assert.Equal(DateTimeOffset.Parse("2026-01-11T02:00:00+01:00"), next);
        Assert.Equal(TimeSpan.FromHours(1), next.Offset);
        Assert.Equal(DateTimeOffset.Parse("2026-07-11T00:00:00Z"), ScheduleClock.Next(berlin, DateTimeOffset.Parse("2026-07-10T12:00:00Z")));
    }

    [Fact]
    public void Should_run_a_time_skipped_by_spring_forward_at_the_end_of_the_gap()
    {
        // 29 March 2026 in Europe/Berlin: 02:00 CET jumps to 03:00 CEST, so 02:00 does not exist that night.
        var berlin = Schedule("0 2 * * *", "Europe/Berlin");

        var occurrences = ScheduleClock.Occurrences(berlin, DateTimeOffset.Parse("2026-03-27T12:00:00Z"), 4);

        Assert.Equal(
        [
            DateTimeOffset.Parse("2026-03-28T02:00:00+01:00"),
            DateTimeOffset.Parse("2026-03-29T03:00:00+02:00"),
            DateTimeOffset.Parse("2026-03-30T02:00:00+02:00"),
            DateTimeOffset.Parse("2026-03-31T02:00:00+02:00"),
        ], occurrences);
        Assert.Equal(DateTimeOffset.Parse("2026-03-29T01:00:00Z"), occurrences[1].ToUniversalTime());
    }

    [Fact]
    public void Should_run_a_time_repeated_by_fall_back_once_but_an_hourly_step_in_both_hours()
    {
        // 25 October 2026 in Europe/Berlin: 03:00 CEST falls back to 02:00 CET, so 02:00-03:00 happens twice.
        var daily = Schedule("30 2 * * *", "Europe/Berlin");
        var hourly = Schedule("0 * * * *", "Europe/Berlin");
        var from = DateTimeOffset.Parse("2026-10-24T12:00:00Z");

        Assert.Equal(
            [DateTimeOffset.Parse("2026-10-25T02:30:00+02:00"), DateTimeOffset.Parse("2026-10-26T02:30:00+01:00")],
            ScheduleClock.Occurrences(daily, from, 2));
        var night = ScheduleClock.Occurrences(hourly, DateTimeOffset.Parse("2026-10-24T22:30:00Z"), 4);
        Assert.Equal(
        [
            DateTimeOffset.Parse("2026-10-25T01:00:00+02:00"),
            DateTimeOffset.Parse("2026-10-25T02:00:00+02:00"),
            DateTimeOffset.Parse("2026-10-25T02:00:00+01:00"),
            DateTimeOffset.Parse("2026-10-25T03:00:00+01:00"),
        ], night);
    }

    [Fact]
    public void Should_not_be_due_before_its_first_occurrence_after_creation()
    {
        var schedule = Schedule("0 2 * * *");

        Assert.Empty(ScheduleClock.Due([schedule], NoRuns, DateTimeOffset.Parse("2026-03-01T01:59:59Z")));
        var due = Assert.Single(ScheduleClock.Due([schedule], NoRuns, DateTimeOffset.Parse("2026-03-01T02:00:00Z")));
        Assert.Equal((schedule, DateTimeOffset.Parse("2026-03-01T02:00:00Z"), 1), (due.Schedule, due.Occurrence, due.Occurrences));
    }

    [Fact]
    public void Should_not_be_due_again_once_the_run_of_its_occurrence_is_recorded()
    {
        var schedule = Schedule("0 2 * * *");
        var ranAt = DateTimeOffset.Parse("2026-03-02T02:00:07Z");
        var lastRuns = new Dictionary<string, DateTimeOffset> { ["nightly"] = ranAt };

        Assert.Empty(ScheduleClock.Due([schedule], lastRuns, ranAt.AddSeconds(15)));
        Assert.Empty(ScheduleClock.Due([schedule], lastRuns, DateTimeOffset.Parse("2026-03-03T01:59:59Z")));
        Assert.Single(ScheduleClock.Due([schedule], lastRuns, DateTimeOffset.Parse("2026-03-03T02:00:00Z")));
    }

    [Fact]
    public void Should_run_occurrences_missed_while_the_coordinator_was_down_once_for_the_latest()
    {
        var schedule = Schedule("0 2 * * *");
        var lastRuns = new Dictionary<string, DateTimeOffset> { ["nightly"] = DateTimeOffset.Parse("2026-03-02T02:00:05Z") };
        // Down from 3 March until 6 March 09:00: the runs of 3, 4, 5 and 6 March were missed.
        var startUp = DateTimeOffset.Parse("2026-03-06T09:00:00Z");

        var due = Assert.Single(ScheduleClock.Due([schedule], lastRuns, startUp));

        Assert.Equal((DateTimeOffset.Parse("2026-03-06T02:00:00Z"), 4), (due.Occurrence, due.Occurrences));
        // The one catch-up run is recorded at start-up: nothing more is due until 7 March.
        lastRuns["nightly"] = startUp;
        Assert.Empty(ScheduleClock.Due([schedule], lastRuns, startUp.AddHours(12)));
        Assert.Equal(DateTimeOffset.Parse("2026-03-07T02:00:00Z"), ScheduleClock.NextRun(schedule, startUp));
    }

    [Fact]
    public void Should_leave_out_disabled_schedules_and_not_catch_up_what_they_missed_while_disabled()
    {
        var schedule = Schedule("0 2 * * *");
        var now = DateTimeOffset.Parse("2026-03-10T12:00:00Z");

        Assert.Empty(ScheduleClock.Due([schedule with { Enabled = false }], NoRuns, now));
        Assert.Null(ScheduleClock.NextRun(schedule with { Enabled = false }, null));
        var enabledAgain = schedule with { EnabledAt = DateTimeOffset.Parse("2026-03-10T08:00:00Z") };
        Assert.Empty(ScheduleClock.Due([enabledAgain], NoRuns, now));
        Assert.Equal(DateTimeOffset.Parse("2026-03-11T02:00:00Z"), ScheduleClock.NextRun(enabledAgain, null));
    }

    [Fact]
    public void Should_judge_each_schedule_on_its_own_last_run()
    {
        var nightly = Schedule("0 2 * * *");
        var hourly = Schedule("0 * * * *", name: "hourly");
        var now = DateTimeOffset.Parse("2026-03-02T10:30:00Z");
        var lastRuns = new Dictionary<string, DateTimeOffset> { ["hourly"] = DateTimeOffset.Parse("2026-03-02T10:00:02Z") };

        var due = ScheduleClock.Due([nightly, hourly], lastRuns, now);

        Assert.Equal(["nightly"], due.Select(d => d.Schedule.Name));
    }

    [Fact]
    public void Should_count_missed_occurrences_only_up_to_a_limit()
    {
        var everyMinute = Schedule("* * * * *");

        var due = Assert.Single(ScheduleClock.Due([everyMinute], NoRuns, Created.AddDays(30)));

        Assert.Equal(ScheduleClock.MaxCountedOccurrences, due.Occurrences);
    }
}
