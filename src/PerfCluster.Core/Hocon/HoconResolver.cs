using PerfCluster.Core.Input;
namespace PerfCluster.Core.Hocon;

/// <summary>
/// Replaces every <c>${path}</c> / <c>${?path}</c> after parsing: a path in the document first, else an
/// environment variable of that name. A missing <c>${?x}</c> falls back to the key's earlier value or removes it.
/// </summary>
internal sealed class HoconResolver
{
    private const int MaxDepth = 256;

    private readonly HoconObject _root;
    private readonly HashSet<HoconNode> _done = [];
    private readonly HashSet<HoconNode> _open = [];
    private int _depth;

    private HoconResolver(HoconObject root) => _root = root;

    public static void Resolve(HoconObject root) => new HoconResolver(root).Container(root, root.Position);

    /// <summary>Resolves every value inside an object or array, once per node.</summary>
    private void Container(HoconNode node, SourcePosition at)
    {
        if (_done.Contains(node)) return;
        if (!_open.Add(node))
            throw new ScenarioException("substitution cycle: a value includes the object or array that contains it", at);
        Enter(at);
        switch (node)
        {
            case HoconObject obj:
                foreach (var key in obj.Keys.ToList())
                {
                    if (obj.TryGetField(key) is not { } field) continue;
                    var value = field.Value;
                    var site = value.Position;
                    if (value is HoconUnresolved unresolved)
                    {
                        var resolved = Resolve(unresolved);
                        if (resolved is null)
                        {
                            obj.Remove(key);
                            continue;
                        }
                        obj.Set(key, field.KeyPosition, resolved);
                        value = resolved;
                        site = unresolved.Position;
                    }
                    if (value is HoconObject or HoconArray) Container(value, site);
                }
                break;
            case HoconArray array:
                var items = array.MutableItems;
                for (var i = 0; i < items.Count;)
                {
                    var item = items[i];
                    var site = item.Position;
                    if (item is HoconUnresolved unresolved)
                    {
                        var resolved = Resolve(unresolved);
                        if (resolved is null)
                        {
                            items.RemoveAt(i);
                            continue;
                        }
                        items[i] = resolved;
                        item = resolved;
                        site = unresolved.Position;
                    }
                    if (item is HoconObject or HoconArray) Container(item, site);
                    i++;
                }
                break;
        }
        Leave();
        _open.Remove(node);
        _done.Add(node);
    }

    private HoconNode? Resolve(HoconUnresolved value)
    {
        switch (value.Progress)
        {
            case HoconUnresolved.State.Done:
                return value.Result;
            case HoconUnresolved.State.Resolving:
                var name = value.Pieces.OfType<SubstitutionPiece>().FirstOrDefault()?.ToString() ?? "a value";
                throw new ScenarioException($"substitution cycle: {name} depends on itself", value.Position);
        }
        value.Progress = HoconUnresolved.State.Resolving;
        Enter(value.Position);

        var parts = new List<ValuePiece>();
        foreach (var piece in value.Pieces)
        {
            switch (piece)
            {
                case NodePiece { Node: HoconUnresolved inner }:
                    if (Resolve(inner) is { } resolvedInner) parts.Add(new NodePiece(resolvedInner));
                    break;
                case SubstitutionPiece substitution:
                    var found = Lookup(substitution, value);
                    if (found is not null) parts.Add(new NodePiece(found));
                    else if (!substitution.Optional)
                        throw new ScenarioException(
                            $"unresolved substitution '{substitution}': '{substitution.PathText}' is not set in this file "
                            + "nor as an environment variable",
                            substitution.Position);
                    break;
                default:
                    parts.Add(piece);
                    break;
            }
        }

        var result = HoconMerge.Concatenate(parts, value.Position, copy: true);
        if (result is null) result = Previous(value);
        else if (result is HoconObject overlay && Previous(value) is HoconObject before)
            result = HoconMerge.MergeCopy(before, overlay);

        Leave();
        value.Result = result;
        value.Progress = HoconUnresolved.State.Done;
        return result;
    }

    private HoconNode? Previous(HoconUnresolved value) =>
        value.Previous is HoconUnresolved earlier ? Resolve(earlier) : value.Previous;

    private HoconNode? Lookup(SubstitutionPiece substitution, HoconUnresolved owner)
    {
        HoconNode? found;
        if (owner.FieldPath is { } own && own.SequenceEqual(substitution.Path))
            found = Previous(owner);   // "key = ${key} ..." refers to what the key held before
        else
            found = Walk(substitution.Path);
        if (found is HoconScalar scalar)
            return new HoconScalar(scalar.Raw, scalar.Kind, substitution.Position);
        if (found is not null) return found;

        var environment = Environment.GetEnvironmentVariable(substitution.PathText);
        return environment is null ? null : new HoconScalar(environment, HoconScalarKind.String, substitution.Position);
    }

    private HoconNode? Walk(IReadOnlyList<string> path)
    {
        HoconNode? node = _root;
        foreach (var key in path)
        {
            if (node is not HoconObject obj) return null;
            node = obj.TryGet(key);
            if (node is HoconUnresolved unresolved) node = Resolve(unresolved);
            if (node is null) return null;
        }
        return node;
    }

    private void Enter(SourcePosition at)
    {
        if (++_depth > MaxDepth) throw new ScenarioException("substitutions are nested too deeply", at);
    }

    private void Leave() => _depth--;
}
