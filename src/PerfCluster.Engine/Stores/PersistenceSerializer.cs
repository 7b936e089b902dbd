using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Akka.Actor;
using Akka.Serialization;
using PerfCluster.Core.Scenarios;
using PerfCluster.Engine.Baselines;
using PerfCluster.Engine.Coordination;
using PerfCluster.Engine.History;
using PerfCluster.Engine.Schedules;
using SerializationException = System.Runtime.Serialization.SerializationException;
using PerfCluster.Engine.Persistence;
using PerfCluster.Engine.Recovery;

namespace PerfCluster.Engine.Stores;

/// <summary>
/// Stores events and snapshots as UTF-8 System.Text.Json (camelCase) with a short, fixed manifest per type
/// ("baseline-recorded", ...). A row can be read with any SQL client, and renaming or moving a C# type does not
/// orphan stored rows: the manifest, not the type name, says what a row is. A new persisted type needs an entry in
/// <see cref="Manifests"/> (a spec checks every <see cref="IPersistedPayload"/> has one).
/// </summary>
public sealed class PersistenceSerializer : SerializerWithStringManifest
{
    /// <summary>Next to <see cref="Serialization.ClusterMessageSerializer.Id"/> (4711).</summary>
    public const int Id = 4712;

    internal static readonly IReadOnlyDictionary<Type, string> Manifests = new Dictionary<Type, string>
    {
        [typeof(BaselineEvents.BaselineRecorded)] = "baseline-recorded",
        [typeof(BaselineEvents.BaselineRemoved)] = "baseline-removed",
        [typeof(BaselineLibrarySnapshot)] = "baseline-library-snapshot",
        [typeof(RunHistoryEvents.RunRecorded)] = "run-recorded",
        [typeof(RunHistoryEvents.RunIdClaimed)] = "run-id-claimed",
        [typeof(RunHistorySnapshot)] = "run-history-snapshot",
        [typeof(RunTimelineEvents.WindowRecorded)] = "run-window-recorded",
        [typeof(ScheduleBookEvents.ScheduleCreated)] = "schedule-created",
        [typeof(ScheduleBookEvents.ScheduleDeleted)] = "schedule-deleted",
        [typeof(ScheduleBookEvents.ScheduleEnabledChanged)] = "schedule-enabled-changed",
        [typeof(ScheduleBookEvents.ScheduledRunRecorded)] = "scheduled-run-recorded",
        [typeof(ScheduleBookEvents.ScheduleRunRequested)] = "schedule-run-requested",
        [typeof(ScheduleBookSnapshot)] = "schedule-book-snapshot",
        [typeof(RunCheckpointsEvents.RunBegun)] = "run-begun",
        [typeof(RunCheckpointsEvents.DeltasMerged)] = "run-deltas-merged",
        [typeof(RunCheckpointsEvents.RunNoted)] = "run-noted",
        [typeof(RunCheckpointsEvents.RowsLeased)] = "rows-leased",
        [typeof(RunCheckpointsEvents.RunStopped)] = "run-stopped",
        [typeof(RunCheckpointsEvents.RunOpened)] = "run-opened",
        [typeof(RunCheckpointsEvents.RunClosed)] = "run-closed",
        [typeof(OpenRunsSnapshot)] = "run-ledger-snapshot",
        [typeof(Optimisation.StudyJournalEvents.StudyBegun)] = "optimisation-study-begun",
        [typeof(Optimisation.StudyJournalEvents.TrialRecorded)] = "optimisation-trial-recorded",
    };

    private static readonly IReadOnlyDictionary<string, Type> Types = Manifests.ToDictionary(p => p.Value, p => p.Key);

    /// <summary>The options of rows stored before scenarios were stored in their written form (<see cref="ScenarioJson"/>).</summary>
    private static readonly JsonSerializerOptions LegacyOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DictionaryKeyPolicy = null,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    internal static readonly JsonSerializerOptions Options = new(LegacyOptions)
    {
        // A scenario (the run journal's RunBegun) is stored in its one written form, which the scenario loader reads.
        Converters = { new ScenarioJson.Converter(LegacyOptions) },
    };

    public PersistenceSerializer(ExtendedActorSystem system) : base(system) { }

    public override int Identifier => Id;

    public override string Manifest(object o) =>
        Manifests.TryGetValue(o.GetType(), out var manifest)
            ? manifest
            : throw new ArgumentException($"{o.GetType()} has no persistence manifest", nameof(o));

    public override byte[] ToBinary(object obj)
    {
        if (obj is not IPersistedPayload || !Manifests.ContainsKey(obj.GetType()))
            throw new ArgumentException($"{obj.GetType()} is not a PerfCluster persisted event or snapshot", nameof(obj));
        return JsonSerializer.SerializeToUtf8Bytes(obj, obj.GetType(), Options);
    }

    public override object FromBinary(byte[] bytes, string manifest)
    {
        if (!Types.TryGetValue(manifest, out var type))
            throw new SerializationException($"'{manifest}' is not a PerfCluster persisted event or snapshot");
        try
        {
            return JsonSerializer.Deserialize(bytes, type, Options)
                   ?? throw new SerializationException($"empty payload for {manifest}");
        }
        catch (JsonException e)
        {
            throw new SerializationException($"stored {manifest} is not readable: {e.Message} ({Preview(bytes)})", e);
        }
    }

    private static string Preview(byte[] bytes)
    {
        var text = Encoding.UTF8.GetString(bytes, 0, Math.Min(bytes.Length, 120));
        return bytes.Length > 120 ? text + "..." : text;
    }
}
