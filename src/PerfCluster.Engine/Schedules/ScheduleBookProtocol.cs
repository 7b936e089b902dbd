using PerfCluster.Core.Schedules;
using PerfCluster.Engine.Persistence;

namespace PerfCluster.Engine.Schedules;

/// <summary>
/// One schedule as the book holds it: its definition, the last run the coordinator started for it, and when a run
/// outside the cron was asked for (<c>schedule run-now</c>) that no run has answered yet.
/// </summary>
public sealed record ScheduleEntry(ScheduleDefinition Definition, ScheduledRun? LastRun = null, DateTimeOffset? RunRequestedAt = null)
{
    public string Name => Definition.Name;
}

/// <summary>What <see cref="ScheduleBook"/> understands and answers. Failures come back as <c>Status.Failure(StoreException)</c>.</summary>
public static class ScheduleBookProtocol
{
    /// <summary>Adds a schedule; a name that is taken is refused.</summary>
    public sealed record AddSchedule(ScheduleDefinition Definition);
    public sealed record ScheduleAdded(ScheduleEntry Entry);

    public sealed record RemoveSchedule(string Name);
    public sealed record ScheduleRemoved(string Name);

    public sealed record SetScheduleEnabled(string Name, bool Enabled, DateTimeOffset At);
    /// <summary>The schedule after an enable, disable or recorded run.</summary>
    public sealed record ScheduleUpdated(ScheduleEntry Entry);

    /// <summary>Asks the coordinator to run the schedule at its next check, outside the cron (and even when disabled).</summary>
    public sealed record RequestScheduleRun(string Name, DateTimeOffset At);

    /// <summary>Records a run of the schedule (started, or finished with its outcome); a run with the same id replaces it.</summary>
    public sealed record RecordScheduledRun(string Name, ScheduledRun Run);

    public sealed record GetSchedule(string Name);
    public sealed record ScheduleFound(ScheduleEntry Entry);
    public sealed record ScheduleNotFound(string Name);

    public sealed record ListSchedules
    {
        public static readonly ListSchedules Instance = new();
        private ListSchedules() { }
    }
    /// <summary>Every schedule, ordered by name.</summary>
    public sealed record ScheduleList(IReadOnlyList<ScheduleEntry> Schedules);
}

/// <summary>The events <see cref="ScheduleBook"/> stores.</summary>
public static class ScheduleBookEvents
{
    public sealed record ScheduleCreated(ScheduleDefinition Definition) : IPersistedPayload;
    public sealed record ScheduleDeleted(string Name, DateTimeOffset DeletedAt) : IPersistedPayload;
    public sealed record ScheduleEnabledChanged(string Name, bool Enabled, DateTimeOffset At) : IPersistedPayload;
    public sealed record ScheduledRunRecorded(string Name, ScheduledRun Run) : IPersistedPayload;
    public sealed record ScheduleRunRequested(string Name, DateTimeOffset At) : IPersistedPayload;
}
