using System.Collections.Immutable;
using PerfCluster.Engine.Persistence;
using static PerfCluster.Engine.Schedules.ScheduleBookEvents;

namespace PerfCluster.Engine.Schedules;

/// <summary>Every schedule by name (ordinal), with its last run.</summary>
public sealed record ScheduleBookState(ImmutableSortedDictionary<string, ScheduleEntry> Schedules)
{
    public static readonly ScheduleBookState Empty = new(ImmutableSortedDictionary.Create<string, ScheduleEntry>(StringComparer.Ordinal));

    public ScheduleEntry? Find(string name) => Schedules.GetValueOrDefault(name);

    public IReadOnlyList<ScheduleEntry> All() => Schedules.Values.ToList();

    public ScheduleBookState Apply(object evt) => evt switch
    {
        ScheduleCreated c => this with { Schedules = Schedules.SetItem(c.Definition.Name, new ScheduleEntry(c.Definition)) },
        ScheduleDeleted d => this with { Schedules = Schedules.Remove(d.Name) },
        ScheduleEnabledChanged e when Find(e.Name) is { } entry => this with
        {
            Schedules = Schedules.SetItem(e.Name, entry with
            {
                Definition = entry.Definition with
                {
                    Enabled = e.Enabled,
                    EnabledAt = e.Enabled ? e.At : entry.Definition.EnabledAt,
                },
            }),
        },
        // A run recorded after its schedule was removed (or removed and added again) belongs to no schedule.
        // The first record of a new run (started, or refused at its start) answers a pending run-now request: events
        // are ordered, so a run recorded after the request started after it, whatever the machines' clocks say.
        ScheduledRunRecorded r when Find(r.Name) is { } entry && r.Run.StartedAt >= entry.Definition.CreatedAt =>
            this with
            {
                Schedules = Schedules.SetItem(r.Name, entry with
                {
                    LastRun = Later(entry.LastRun, r.Run),
                    RunRequestedAt = entry.LastRun?.RunId == r.Run.RunId ? entry.RunRequestedAt : null,
                }),
            },
        ScheduleRunRequested q when Find(q.Name) is { } entry =>
            this with { Schedules = Schedules.SetItem(q.Name, entry with { RunRequestedAt = entry.RunRequestedAt ?? q.At }) },
        _ => this,
    };

    /// <summary>The same run again (its outcome) replaces it; an older run never replaces a newer one.</summary>
    private static Core.Schedules.ScheduledRun Later(Core.Schedules.ScheduledRun? current, Core.Schedules.ScheduledRun run) =>
        current is null || current.RunId == run.RunId || run.StartedAt >= current.StartedAt ? run : current;

    public ScheduleBookSnapshot ToSnapshot() => new(Schedules.Values.ToList());

    public static ScheduleBookState FromSnapshot(ScheduleBookSnapshot snapshot) =>
        new(snapshot.Schedules.Aggregate(Empty.Schedules, (all, e) => all.SetItem(e.Name, e)));
}

/// <summary>The stored form of <see cref="ScheduleBookState"/>.</summary>
public sealed record ScheduleBookSnapshot(IReadOnlyList<ScheduleEntry> Schedules) : IPersistedPayload;
