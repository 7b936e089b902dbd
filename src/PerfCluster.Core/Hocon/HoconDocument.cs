namespace PerfCluster.Core.Hocon;

/// <summary>
/// A strict HOCON reader for scenario files (JSON is a subset). Every node keeps its source position, and
/// bad input always ends in a <see cref="ScenarioException"/> saying what was expected, what was found and where.
/// </summary>
public static class HoconDocument
{
    /// <summary>Parses <paramref name="text"/> and resolves its substitutions; returns the root object.</summary>
    public static HoconObject Parse(string text, string fileName)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(fileName);
        var root = HoconParser.Parse(text, fileName);
        HoconResolver.Resolve(root);
        return root;
    }
}
