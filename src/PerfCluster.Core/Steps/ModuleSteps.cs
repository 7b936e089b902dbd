using System.Security.Cryptography;
using System.Text;
using PerfCluster.Core.Input;

namespace PerfCluster.Core.Steps;

/// <summary>One C# file of a module: the path it was read from (what compiler diagnostics name) and its text.</summary>
public sealed record ModuleSource(string File, string Text);

/// <summary>
/// A module of the scenario (<c>modules { reasoning { source = ["modules/Reasoning.cs"] } }</c>): the user's C# source,
/// read once by the node that loads the scenario and carried with it, so a worker compiles it (cached by
/// <see cref="Hash"/>) with nothing installed. <see cref="Class"/> names the <c>IModule</c> type when the source holds
/// more than one; <see cref="Sets"/> the variables it writes that later templates read.
/// </summary>
public sealed record ModuleDefinition(string Name, IReadOnlyList<ModuleSource> Sources)
{
    public string? Class { get; init; }

    public IReadOnlyList<string> Sets { get; init; } = [];

    public SourcePosition? Position { get; init; }

    /// <summary>SHA-256 over the class name and every file's name and text: equal source, equal assembly.</summary>
    public string Hash
    {
        get
        {
            var text = new StringBuilder().Append(Class).Append('\0');
            foreach (var s in Sources) text.Append(s.File).Append('\0').Append(s.Text).Append('\0');
            return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
        }
    }

    /// <summary>Equal when everything but where it was written is equal.</summary>
    public bool Equals(ModuleDefinition? other) => other is not null && Name == other.Name && Class == other.Class &&
        Sources.SequenceEqual(other.Sources) && Sets.SequenceEqual(other.Sets);

    public override int GetHashCode() => HashCode.Combine(Name, Class, Sources.Count);
}

/// <summary>
/// One operation of a module (<c>{ module = reasoning }</c>): a series of its own (latencies, errors by exception type,
/// checks, thresholds, baselines), named after the module unless <c>name</c> says otherwise.
/// </summary>
public sealed record ModuleStep : SeriesStep
{
    public required string Module { get; init; }

    /// <summary>Past this the operation's token is cancelled and the step fails as <c>timeout</c>; null: no limit of its own.</summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>Named checks on each operation (<c>latency-under</c>): counted like a request's, a failed one fails the operation as <c>check_failed</c>.</summary>
    public IReadOnlyList<Check> Checks { get; init; } = [];
}
