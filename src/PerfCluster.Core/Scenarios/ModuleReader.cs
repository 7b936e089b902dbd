using PerfCluster.Core.Hocon;
using PerfCluster.Core.Input;
using PerfCluster.Core.Steps;

namespace PerfCluster.Core.Scenarios;

/// <summary>
/// Reads <c>modules</c>: each names its C# files (<c>source</c>, paths relative to the scenario file, read here once) or
/// carries them inline (<c>files</c>, the scenario's written form), optionally the <c>class</c> to use and the variables
/// it <c>sets</c>. The text travels with the scenario; workers compile it.
/// </summary>
internal static class ModuleReader
{
    /// <summary>The most source a module carries (it crosses the cluster in every share assignment).</summary>
    public const long MaxBytes = 4_000_000;

    public static IReadOnlyList<ModuleDefinition> Read(Scope scenario) =>
        NamedObjects.Read(scenario, "modules", "module", "{ source = [\"modules/Name.cs\"] }").Select(m => Module(m.Name, m.Value)).ToList();

    private static ModuleDefinition Module(string name, HoconObject obj)
    {
        var section = ScenarioKeys.Read(obj, ScenarioKeys.Module);
        var source = section.Field("source");
        var files = section.Field("files");
        if ((source is null) == (files is null))
            throw new ScenarioException($"module '{name}' needs 'source': the C# file(s) it is compiled from (e.g. source = [\"modules/{name}.cs\"])", obj.Position);
        var sources = source is not null ? FromFiles(name, source) : Inline(name, files!);
        if (sources.Count == 0) throw new ScenarioException($"module '{name}' lists no source file", (source ?? files)!.Value.Position);
        var size = sources.Sum(s => (long)s.Text.Length);
        if (size > MaxBytes)
            throw new ScenarioException($"module '{name}' has {size / 1000} kB of source; a module's source travels with the scenario, up to {MaxBytes / 1000} kB",
                (source ?? files)!.Value.Position);
        string? type = null;
        if (section.Field("class") is { } c)
        {
            type = c.Value.AsString(c.Key).Trim();
            if (type.Length == 0) throw new ScenarioException($"'{c.Key}' must name a class (e.g. class = \"MyModules.Reasoning\")", c.Value.Position);
        }
        var sets = new List<string>();
        if (section.Field("sets") is { } s)
        {
            foreach (var item in s.Value is HoconArray array ? array.Items : [s.Value])
            {
                var variable = item.AsString(s.Key).Trim();
                if (!Template.IsName(variable) || variable.Contains('.'))
                    throw new ScenarioException($"'{variable}' is not a variable name (letters, digits, '_' and '-')", item.Position);
                sets.Add(variable);
            }
        }
        return new ModuleDefinition(name, sources) { Class = type, Sets = sets, Position = obj.Position };
    }

    private static List<ModuleSource> FromFiles(string name, HoconField field)
    {
        var result = new List<ModuleSource>();
        foreach (var item in field.Value is HoconArray array ? array.Items : [field.Value])
        {
            if (!item.AsString(field.Key).Trim().EndsWith(".cs", StringComparison.OrdinalIgnoreCase))
                throw new ScenarioException($"module '{name}': '{InputEcho.Cut(item.AsString(field.Key).Trim())}' is not a C# file (.cs)", item.Position);
            var (path, text) = ScenarioFiles.Read(item, field.Key, $"module '{name}'");
            result.Add(new ModuleSource(Display(path), text));
        }
        return result;
    }

    /// <summary>A source path as diagnostics show it: relative to the working directory when it lies below it.</summary>
    private static string Display(string path)
    {
        var relative = Path.GetRelativePath(Directory.GetCurrentDirectory(), path);
        return relative.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(relative) ? path : relative;
    }

    private static List<ModuleSource> Inline(string name, HoconField field)
    {
        if (field.Value is not HoconArray array)
            throw new ScenarioException($"expected an array of {{ path, text }} for '{field.Key}' of module '{name}' but found {field.Value.Describe()}", field.Value.Position);
        var result = new List<ModuleSource>();
        foreach (var item in array.Items)
        {
            var obj = item as HoconObject ?? throw new ScenarioException($"expected {{ path = \"…\", text = \"…\" }} but found {item.Describe()}", item.Position);
            var section = ScenarioKeys.Read(obj, ScenarioKeys.ModuleFile);
            var path = section.Field("path") ?? throw new ScenarioException("an inline module file needs 'path'", obj.Position);
            var text = section.Field("text") ?? throw new ScenarioException("an inline module file needs 'text'", obj.Position);
            result.Add(new ModuleSource(path.Value.AsString(path.Key), text.Value.AsString(text.Key)));
        }
        return result;
    }
}
