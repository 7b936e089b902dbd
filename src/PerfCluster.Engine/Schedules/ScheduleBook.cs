using Akka.Actor;
using PerfCluster.Core.Schedules;
using PerfCluster.Engine.Persistence;
using static PerfCluster.Engine.Schedules.ScheduleBookEvents;
using static PerfCluster.Engine.Schedules.ScheduleBookProtocol;

namespace PerfCluster.Engine.Schedules;

/// <summary>
/// The scheduled runs of this cluster (persistence id "schedule-book"): each schedule's definition, whether it is
/// enabled, and the last run the coordinator started for it. The CLI adds and removes schedules; the coordinator's
/// scheduler reads them and records its runs. Every change is acknowledged only once its event is written.
/// </summary>
public sealed class ScheduleBook : StoreActor<ScheduleBookState>
{
    public const string PersistenceIdValue = "schedule-book";
    public const string ActorName = "schedule-book";

    public ScheduleBook(int snapshotEvery) : base(PersistenceIdValue, snapshotEvery, ScheduleBookState.Empty)
    {
        Command<AddSchedule>(cmd =>
        {
            try
            {
                ScheduleDefinition.CheckName(cmd.Definition.Name, "schedule name");
                ScheduleDefinition.ParseCron(cmd.Definition.Cron);
                ScheduleDefinition.FindTimeZone(cmd.Definition.TimeZone);
            }
            catch (ScheduleException e)
            {
                Fail(e.Message);
                return;
            }
            if (State.Find(cmd.Definition.Name) is not null) { Fail($"a schedule named '{cmd.Definition.Name}' already exists"); return; }
            PersistThenReply(new ScheduleCreated(cmd.Definition), s => new ScheduleAdded(s.Find(cmd.Definition.Name)!));
        });
        Command<RemoveSchedule>(cmd =>
        {
            if (State.Find(cmd.Name) is null) { Sender.Tell(new ScheduleNotFound(cmd.Name)); return; }
            PersistThenReply(new ScheduleDeleted(cmd.Name, DateTimeOffset.UtcNow), _ => new ScheduleRemoved(cmd.Name));
        });
        Command<SetScheduleEnabled>(cmd =>
        {
            if (State.Find(cmd.Name) is not { } entry) { Sender.Tell(new ScheduleNotFound(cmd.Name)); return; }
            if (entry.Definition.Enabled == cmd.Enabled) { Sender.Tell(new ScheduleUpdated(entry)); return; }
            PersistThenReply(new ScheduleEnabledChanged(cmd.Name, cmd.Enabled, cmd.At), s => new ScheduleUpdated(s.Find(cmd.Name)!));
        });
        Command<RequestScheduleRun>(cmd =>
        {
            if (State.Find(cmd.Name) is not { } entry) { Sender.Tell(new ScheduleNotFound(cmd.Name)); return; }
            if (entry.RunRequestedAt is not null) { Sender.Tell(new ScheduleUpdated(entry)); return; }
            PersistThenReply(new ScheduleRunRequested(cmd.Name, cmd.At), s => new ScheduleUpdated(s.Find(cmd.Name)!));
        });
        Command<RecordScheduledRun>(cmd =>
        {
            if (State.Find(cmd.Name) is not { } entry) { Sender.Tell(new ScheduleNotFound(cmd.Name)); return; }
            if (entry.LastRun == cmd.Run) { Sender.Tell(new ScheduleUpdated(entry)); return; }
            PersistThenReply(new ScheduledRunRecorded(cmd.Name, cmd.Run), s => s.Find(cmd.Name) is { } e
                ? new ScheduleUpdated(e)
                : new ScheduleNotFound(cmd.Name));
        });
        Command<GetSchedule>(q => Sender.Tell(State.Find(q.Name) is { } entry ? new ScheduleFound(entry) : new ScheduleNotFound(q.Name)));
        Command<ListSchedules>(_ => Sender.Tell(new ScheduleList(State.All())));
    }

    public static Props Props(int snapshotEvery) => Akka.Actor.Props.Create<ScheduleBook>(snapshotEvery);

    protected override ScheduleBookState Apply(ScheduleBookState state, IPersistedPayload evt) => state.Apply(evt);
    protected override ScheduleBookState FromSnapshot(object snapshot) => ScheduleBookState.FromSnapshot((ScheduleBookSnapshot)snapshot);
    protected override IPersistedPayload ToSnapshot(ScheduleBookState state) => state.ToSnapshot();
}

/// <summary>The registry key of this store actor (its back-off supervisor).</summary>
public sealed class ScheduleBookKey;
