using PerfCluster.Core.Hocon;
using PerfCluster.Core.Input;
using PerfCluster.Core.Steps;

namespace PerfCluster.Core.Scenarios;

/// <summary>
/// A block of name → object (<c>feeders</c>, <c>databases</c>, <c>modules</c>): the names are variable-like (letters,
/// digits, '_' and '-'), each value an object; anything else is an error at its line.
/// </summary>
internal static class NamedObjects
{
    /// <param name="what">"feeder", "database", "module": what one entry is, for the messages.</param>
    /// <param name="example">The object an entry should be, e.g. <c>{ provider = postgresql, connection = "..." }</c>.</param>
    public static IEnumerable<(string Name, HoconObject Value)> Read(Scope scenario, string key, string what, string example)
    {
        if (scenario.Get(key) is not { } field) yield break;
        if (field.Value is not HoconObject map)
            throw new ScenarioException($"expected an object of name → {what} for '{field.Key}' but found {field.Value.Describe()}", field.Value.Position);
        foreach (var entry in map.Fields)
        {
            if (!Template.IsName(entry.Key) || entry.Key.Contains('.'))
                throw new ScenarioException($"'{entry.Key}' is not a {what} name (letters, digits, '_' and '-')", entry.KeyPosition);
            if (entry.Value is not HoconObject obj)
                throw new ScenarioException($"expected {example} for {what} '{entry.Key}' but found {entry.Value.Describe()}", entry.Value.Position);
            yield return (entry.Key, obj);
        }
    }
}
