using PerfCluster.Core.Input;
namespace PerfCluster.Core.Hocon;

/// <summary>A part of a value as written on one line: a node, the whitespace between nodes, or a substitution.</summary>
internal abstract record ValuePiece;

internal sealed record NodePiece(HoconNode Node) : ValuePiece;

internal sealed record WhitespacePiece(string Text) : ValuePiece;

internal sealed record SubstitutionPiece(IReadOnlyList<string> Path, bool Optional, SourcePosition Position) : ValuePiece
{
    public string PathText => string.Join('.', Path);

    public override string ToString() => Optional ? $"${{?{PathText}}}" : $"${{{PathText}}}";
}

/// <summary>
/// A value that needs substitutions (or an earlier definition of the same key) before it is known.
/// Only exists between parsing and resolution; a resolved document holds none.
/// </summary>
internal sealed class HoconUnresolved : HoconNode
{
    internal enum State { Pending, Resolving, Done }

    public HoconUnresolved(IReadOnlyList<ValuePiece> pieces, IReadOnlyList<string>? fieldPath, SourcePosition position)
        : base(position)
    {
        Pieces = pieces;
        FieldPath = fieldPath;
    }

    public IReadOnlyList<ValuePiece> Pieces { get; }

    /// <summary>The key path this value was written under (null inside arrays); <c>${same.path}</c> means <see cref="Previous"/>.</summary>
    public IReadOnlyList<string>? FieldPath { get; }

    /// <summary>What the same key held before this definition: the fallback for a missing <c>${?x}</c>, the base an object merges onto.</summary>
    public HoconNode? Previous { get; set; }

    public State Progress { get; set; }

    public HoconNode? Result { get; set; }

    public override string Describe() => "an unresolved value";
}
