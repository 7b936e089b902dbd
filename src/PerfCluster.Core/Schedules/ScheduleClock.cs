namespace PerfCluster.Core.Schedules;

/// <summary>
/// A schedule that is due: the latest occurrence it runs for, and how many occurrences that one run covers (counting
/// stops at <see cref="ScheduleClock.MaxCountedOccurrences"/>; the occurrence is then the last one counted).
/// </summary>
public sealed record DueSchedule(ScheduleDefinition Schedule, DateTimeOffset Occurrence, int Occurrences);

/// <summary>
/// When schedules run. Occurrences are computed by Cronos in the schedule's time zone, which settles the two days a
/// year the clocks change: a time that does not exist (02:30 on the spring-forward night in Europe/Berlin) runs at
/// the first instant after the gap (03:00 local), and a time that exists twice (02:30 on the fall-back night) runs
/// once, at its first instance. Expressions that step through the hours ("0 */2 * * *") run in both instances.
/// </summary>
public static class ScheduleClock
{
    /// <summary>How many missed occurrences <see cref="Due"/> counts before it stops counting.</summary>
    public const int MaxCountedOccurrences = 1000;

    /// <summary>The first occurrence strictly after <paramref name="after"/>, with the zone's offset; null when there is none.</summary>
    public static DateTimeOffset? Next(ScheduleDefinition schedule, DateTimeOffset after)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        return ScheduleDefinition.ParseCron(schedule.Cron).GetNextOccurrence(after, ScheduleDefinition.FindTimeZone(schedule.TimeZone));
    }

    /// <summary>The next <paramref name="count"/> occurrences after <paramref name="after"/>, in order.</summary>
    public static IReadOnlyList<DateTimeOffset> Occurrences(ScheduleDefinition schedule, DateTimeOffset after, int count)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var cron = ScheduleDefinition.ParseCron(schedule.Cron);
        var zone = ScheduleDefinition.FindTimeZone(schedule.TimeZone);
        var list = new List<DateTimeOffset>(count);
        var from = after;
        while (list.Count < count && cron.GetNextOccurrence(from, zone) is { } next)
        {
            list.Add(next);
            from = next;
        }
        return list;
    }

    /// <summary>
    /// When the coordinator will next start <paramref name="schedule"/>: its next occurrence after the later of its
    /// last run and <see cref="ScheduleDefinition.ActiveSince"/>. It may lie before <paramref name="now"/> (a missed
    /// occurrence, started at the next check); null when disabled or when the expression never fires again.
    /// </summary>
    public static DateTimeOffset? NextRun(ScheduleDefinition schedule, DateTimeOffset? lastRun)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        return schedule.Enabled ? Next(schedule, Reference(schedule, lastRun)) : null;
    }

    /// <summary>
    /// The enabled schedules with an occurrence after their reference point (the later of the last run and
    /// <see cref="ScheduleDefinition.ActiveSince"/>) that is not after <paramref name="now"/>.
    /// Occurrences missed while no coordinator was running are not run one by one: however many were missed, the
    /// schedule is due once, for the latest of them (<see cref="DueSchedule.Occurrences"/> says how many it
    /// covers). Once that run is recorded (at <paramref name="now"/>), the schedule waits for its next occurrence.
    /// </summary>
    public static IReadOnlyList<DueSchedule> Due(IEnumerable<ScheduleDefinition> schedules, IReadOnlyDictionary<string, DateTimeOffset> lastRuns,
        DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(schedules);
        ArgumentNullException.ThrowIfNull(lastRuns);
        var due = new List<DueSchedule>();
        foreach (var schedule in schedules.Where(s => s.Enabled))
        {
            var cron = ScheduleDefinition.ParseCron(schedule.Cron);
            var zone = ScheduleDefinition.FindTimeZone(schedule.TimeZone);
            var from = Reference(schedule, lastRuns.TryGetValue(schedule.Name, out var last) ? last : null);
            DateTimeOffset? latest = null;
            var count = 0;
            while (count < MaxCountedOccurrences && cron.GetNextOccurrence(from, zone) is { } next && next <= now)
            {
                latest = next;
                from = next;
                count++;
            }
            if (latest is { } occurrence) due.Add(new DueSchedule(schedule, occurrence, count));
        }
        return due;
    }

    private static DateTimeOffset Reference(ScheduleDefinition schedule, DateTimeOffset? lastRun) =>
        lastRun is { } l && l > schedule.ActiveSince ? l : schedule.ActiveSince;
}
