using System.Text;
using PerfCluster.Core.Input;

namespace PerfCluster.Core.Hocon;

/// <summary>How values combine: duplicate keys (objects merge, otherwise the later wins) and concatenation on one line.</summary>
internal static class HoconMerge
{
    /// <summary>
    /// The value of a key written again: <paramref name="next"/> laid over <paramref name="previous"/>.
    /// While parsing (<paramref name="copy"/> false) nodes are fresh and may be changed in place; during
    /// resolution they may be shared, so new nodes are built instead.
    /// </summary>
    public static HoconNode Layer(HoconNode? previous, HoconNode next, bool copy)
    {
        switch (previous, next)
        {
            case (null, _):
                return next;
            case (HoconObject before, HoconObject after):
                return copy ? MergeCopy(before, after) : MergeInto(before, after);
            case (_, HoconUnresolved later) when !copy && later.Previous is null:
                later.Previous = previous;
                return later;
            case (_, HoconUnresolved later):
                return new HoconUnresolved([new NodePiece(later)], null, later.Position) { Previous = previous };
            case (HoconUnresolved, HoconObject after):
                return new HoconUnresolved([new NodePiece(after)], null, after.Position) { Previous = previous };
            default:
                return next;
        }
    }

    public static HoconObject MergeInto(HoconObject target, HoconObject source)
    {
        foreach (var field in source.Fields)
            target.Set(field.Key, field.KeyPosition, Layer(target.TryGet(field.Key), field.Value, copy: false));
        return target;
    }

    public static HoconObject MergeCopy(HoconObject before, HoconObject after)
    {
        var result = before.ShallowCopy(before.Position);
        foreach (var field in after.Fields)
            result.Set(field.Key, field.KeyPosition, Layer(result.TryGet(field.Key), field.Value, copy: true));
        return result;
    }

    /// <summary>
    /// Values written side by side on one line: strings join (keeping the whitespace between them),
    /// objects merge, arrays append. Pieces must hold no substitutions.
    /// </summary>
    public static HoconNode? Concatenate(IReadOnlyList<ValuePiece> pieces, SourcePosition position, bool copy)
    {
        var from = 0;
        var to = pieces.Count;
        while (from < to && pieces[from] is WhitespacePiece) from++;
        while (to > from && pieces[to - 1] is WhitespacePiece) to--;
        var nodes = new List<HoconNode>();
        for (var i = from; i < to; i++)
            if (pieces[i] is NodePiece piece) nodes.Add(piece.Node);
        if (nodes.Count == 0) return null;
        if (nodes.Count == 1) return nodes[0];

        var first = nodes[0];
        var clash = nodes.FirstOrDefault(n => n.GetType() != first.GetType());
        if (clash is not null)
            throw new ScenarioException(
                $"cannot join {first.Describe()} and {clash.Describe()} in one value; quote strings, and separate fields with a new line or ','",
                clash.Position);

        switch (first)
        {
            case HoconScalar:
                var text = new StringBuilder();
                for (var i = from; i < to; i++)
                {
                    text.Append(pieces[i] switch
                    {
                        WhitespacePiece w => w.Text,
                        NodePiece { Node: HoconScalar s } => s.Raw,
                        _ => "",
                    });
                }
                return new HoconScalar(text.ToString(), HoconScalarKind.String, position);
            case HoconObject:
                var merged = (HoconObject)nodes[0];
                foreach (var next in nodes.Skip(1).Cast<HoconObject>())
                    merged = copy ? MergeCopy(merged, next) : MergeInto(merged, next);
                return merged;
            default:
                var items = nodes.Cast<HoconArray>().SelectMany(a => a.Items).ToList();
                return new HoconArray(position, items);
        }
    }
}
