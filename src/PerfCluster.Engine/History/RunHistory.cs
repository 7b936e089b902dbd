using Akka.Actor;
using PerfCluster.Engine.Persistence;
using static PerfCluster.Engine.History.RunHistoryEvents;
using static PerfCluster.Engine.History.RunHistoryProtocol;

namespace PerfCluster.Engine.History;

/// <summary>
/// The summaries of past runs (persistence id "run-history"), one event per scenario run: a handful of writes per
/// run, never per request or per window.
/// </summary>
public sealed class RunHistory : StoreActor<RunHistoryState>
{
    public const string PersistenceIdValue = "run-history";
    public const string ActorName = "run-history";

    public RunHistory(int snapshotEvery) : base(PersistenceIdValue, snapshotEvery, RunHistoryState.Empty)
    {
        Command<RecordRun>(cmd =>
        {
            var s = cmd.Summary;
            if (s is null || string.IsNullOrWhiteSpace(s.RunId)) { Fail("a run summary needs a run id"); return; }
            var ack = new RunRecordedAck(s.RunId, s.Scenario);
            // A resend of what is already stored (an ask that timed out, say) is acknowledged without a second event.
            if (State.Contains(s)) { Sender.Tell(ack); return; }
            PersistThenReply(new RunRecorded(s), _ => ack);
        });
        Command<GetHistory>(q => Sender.Tell(new RunList(State.Query(q.Scenario, q.Limit))));
        Command<ClaimRunId>(cmd =>
        {
            if (string.IsNullOrWhiteSpace(cmd.Wanted)) { Fail("a run id to claim is empty"); return; }
            var id = State.FreeRunId(cmd.Wanted);
            PersistThenReply(new RunIdClaimed(id, DateTimeOffset.UtcNow), _ => new RunIdGranted(id));
        });
    }

    public static Props Props(int snapshotEvery) => Akka.Actor.Props.Create<RunHistory>(snapshotEvery);

    protected override RunHistoryState Apply(RunHistoryState state, IPersistedPayload evt) => state.Apply(evt);
    protected override RunHistoryState FromSnapshot(object snapshot) => RunHistoryState.FromSnapshot((RunHistorySnapshot)snapshot);
    protected override IPersistedPayload ToSnapshot(RunHistoryState state) => state.ToSnapshot();
}

/// <summary>The registry key of this store actor (its back-off supervisor).</summary>
public sealed class RunHistoryKey;
