using System.Collections.Immutable;
using PerfCluster.Engine.Persistence;
using static PerfCluster.Engine.Baselines.BaselineEvents;

namespace PerfCluster.Engine.Baselines;

/// <summary>
/// Every stored version of every baseline, by name. Version numbers only grow: a name that is deleted and saved
/// again continues after its highest earlier version, so "nightly v4" never names two different documents.
/// </summary>
public sealed record BaselineLibraryState(
    ImmutableSortedDictionary<string, ImmutableList<BaselineEntry>> Baselines,
    ImmutableDictionary<string, int> HighestVersions)
{
    public static readonly BaselineLibraryState Empty = new(
        ImmutableSortedDictionary.Create<string, ImmutableList<BaselineEntry>>(StringComparer.Ordinal),
        ImmutableDictionary.Create<string, int>(StringComparer.Ordinal));

    public int NextVersion(string name) => HighestVersions.GetValueOrDefault(name) + 1;

    public BaselineEntry? Find(string name, int? version)
    {
        if (!Baselines.TryGetValue(name, out var versions) || versions.IsEmpty) return null;
        return version is { } v ? versions.FirstOrDefault(e => e.Version == v) : versions[^1];
    }

    public int VersionCount(string name) => Baselines.TryGetValue(name, out var versions) ? versions.Count : 0;

    public IReadOnlyList<BaselineSummary> Summaries() => Baselines.Values
        .Where(v => !v.IsEmpty)
        .Select(v => new BaselineSummary(v[^1].Name, v[^1].Version, v.Count, v[^1].Scenario, v[^1].RecordedAt))
        .ToList();

    public BaselineLibraryState Apply(object evt) => evt switch
    {
        BaselineRecorded r => this with
        {
            Baselines = Baselines.SetItem(r.Entry.Name,
                Baselines.GetValueOrDefault(r.Entry.Name, ImmutableList<BaselineEntry>.Empty).Add(r.Entry)),
            HighestVersions = HighestVersions.SetItem(r.Entry.Name, Math.Max(r.Entry.Version, HighestVersions.GetValueOrDefault(r.Entry.Name))),
        },
        BaselineRemoved d => this with { Baselines = Baselines.Remove(d.Name) },
        _ => this,
    };

    public BaselineLibrarySnapshot ToSnapshot() => new(
        Baselines.Values.SelectMany(v => v).ToList(),
        HighestVersions.OrderBy(p => p.Key, StringComparer.Ordinal).ToDictionary(p => p.Key, p => p.Value));

    public static BaselineLibraryState FromSnapshot(BaselineLibrarySnapshot snapshot)
    {
        var state = Empty with { HighestVersions = Empty.HighestVersions.SetItems(snapshot.HighestVersions) };
        foreach (var entry in snapshot.Entries.OrderBy(e => e.Version)) state = state.Apply(new BaselineRecorded(entry));
        return state;
    }
}

/// <summary>The stored form of <see cref="BaselineLibraryState"/>: plain lists, so the row stays readable JSON.</summary>
public sealed record BaselineLibrarySnapshot(
    IReadOnlyList<BaselineEntry> Entries,
    IReadOnlyDictionary<string, int> HighestVersions) : IPersistedPayload;
