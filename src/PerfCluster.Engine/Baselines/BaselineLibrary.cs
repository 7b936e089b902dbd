using Akka.Actor;
using PerfCluster.Engine.Persistence;
using static PerfCluster.Engine.Baselines.BaselineEvents;
using static PerfCluster.Engine.Baselines.BaselineProtocol;

namespace PerfCluster.Engine.Baselines;

/// <summary>
/// The named, versioned baselines of this cluster (persistence id "baseline-library"). Every version is kept until
/// its name is deleted; a save is acknowledged only once its event is written.
/// </summary>
public sealed class BaselineLibrary : StoreActor<BaselineLibraryState>
{
    public const string PersistenceIdValue = "baseline-library";
    public const string ActorName = "baseline-library";

    public BaselineLibrary(int snapshotEvery) : base(PersistenceIdValue, snapshotEvery, BaselineLibraryState.Empty)
    {
        Command<SaveBaseline>(cmd =>
        {
            if (string.IsNullOrWhiteSpace(cmd.Name)) { Fail("a baseline needs a name"); return; }
            if (string.IsNullOrWhiteSpace(cmd.DocumentJson)) { Fail($"baseline '{cmd.Name}' has an empty document"); return; }
            var entry = new BaselineEntry(cmd.Name, State.NextVersion(cmd.Name), cmd.Scenario ?? "", cmd.RunId ?? "", cmd.RecordedAt, cmd.DocumentJson);
            PersistThenReply(new BaselineRecorded(entry), _ => new BaselineSaved(entry));
        });
        Command<GetBaseline>(q => Sender.Tell(State.Find(q.Name, q.Version) is { } entry
            ? new BaselineFound(entry)
            : new BaselineNotFound(q.Name, q.Version)));
        Command<ListBaselines>(_ => Sender.Tell(new BaselineList(State.Summaries())));
        Command<DeleteBaseline>(cmd =>
        {
            var count = State.VersionCount(cmd.Name);
            if (count == 0) { Sender.Tell(new BaselineNotFound(cmd.Name, null)); return; }
            PersistThenReply(new BaselineRemoved(cmd.Name, DateTimeOffset.UtcNow), _ => new BaselineDeleted(cmd.Name, count));
        });
    }

    public static Props Props(int snapshotEvery) => Akka.Actor.Props.Create<BaselineLibrary>(snapshotEvery);

    protected override BaselineLibraryState Apply(BaselineLibraryState state, IPersistedPayload evt) => state.Apply(evt);
    protected override BaselineLibraryState FromSnapshot(object snapshot) => BaselineLibraryState.FromSnapshot((BaselineLibrarySnapshot)snapshot);
    protected override IPersistedPayload ToSnapshot(BaselineLibraryState state) => state.ToSnapshot();
}

/// <summary>The registry key of this store actor (its back-off supervisor).</summary>
public sealed class BaselineLibraryKey;
