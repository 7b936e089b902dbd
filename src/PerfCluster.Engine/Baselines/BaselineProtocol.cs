using PerfCluster.Engine.Persistence;

namespace PerfCluster.Engine.Baselines;

/// <summary>One stored version of a named baseline. The document is the baseline file's JSON, kept as it was given.</summary>
public sealed record BaselineEntry(
    string Name,
    int Version,
    string Scenario,
    string RunId,
    DateTimeOffset RecordedAt,
    string DocumentJson);

/// <summary>One line of <c>baseline list</c>: a name and its latest version.</summary>
public sealed record BaselineSummary(
    string Name,
    int LatestVersion,
    int VersionCount,
    string Scenario,
    DateTimeOffset RecordedAt);

/// <summary>What <see cref="BaselineLibrary"/> understands and answers. Failures come back as <c>Status.Failure(StoreException)</c>.</summary>
public static class BaselineProtocol
{
    /// <summary>Stores a new version (previous highest + 1). Importing a baseline file is the same command.</summary>
    public sealed record SaveBaseline(string Name, string DocumentJson, string Scenario, string RunId, DateTimeOffset RecordedAt);
    /// <summary>Answered once the new version is durably stored.</summary>
    public sealed record BaselineSaved(BaselineEntry Entry);

    /// <summary>The latest version, or <paramref name="Version"/> when given.</summary>
    public sealed record GetBaseline(string Name, int? Version = null);
    public sealed record BaselineFound(BaselineEntry Entry);
    public sealed record BaselineNotFound(string Name, int? Version);

    public sealed record ListBaselines
    {
        public static readonly ListBaselines Instance = new();
        private ListBaselines() { }
    }
    /// <summary>One summary per name, ordered by name.</summary>
    public sealed record BaselineList(IReadOnlyList<BaselineSummary> Baselines);

    /// <summary>Removes every version of a name (an event is stored; nothing is erased from the journal).</summary>
    public sealed record DeleteBaseline(string Name);
    public sealed record BaselineDeleted(string Name, int VersionsRemoved);
}

/// <summary>The events <see cref="BaselineLibrary"/> stores.</summary>
public static class BaselineEvents
{
    public sealed record BaselineRecorded(BaselineEntry Entry) : IPersistedPayload;
    public sealed record BaselineRemoved(string Name, DateTimeOffset RemovedAt) : IPersistedPayload;
}
