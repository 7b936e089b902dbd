using PerfCluster.Core.Hocon;
using PerfCluster.Core.Input;
using PerfCluster.Core.Steps;

namespace PerfCluster.Core.Scenarios;

/// <summary>
/// Reads the scenario's <c>grpc</c> block: <c>protos</c> (or <c>proto</c>), the .proto files relative to the scenario,
/// and <c>import-paths</c>, directories their imports are found in besides each file's own. protoc compiles them here,
/// once (<see cref="ProtoCompiler"/>). The written form carries every file's text by its import name (<c>files</c>),
/// and protoc compiles them again where it is read.
/// </summary>
internal static class GrpcReader
{
    /// <summary>The most generated source a contract carries (it crosses the cluster in every share assignment).</summary>
    public const long MaxBytes = 8_000_000;

    public static GrpcDefinition? Read(Scope scenario)
    {
        if (scenario.Get("grpc") is not { } field) return null;
        var obj = field.Value as HoconObject
            ?? throw new ScenarioException($"expected an object for 'grpc' (e.g. grpc {{ protos = [\"protos/greeter.proto\"] }}) but found {field.Value.Describe()}", field.Value.Position);
        var section = ScenarioKeys.Read(obj, ScenarioKeys.Grpc);
        if (section.Field("files") is { } written)
        {
            if ((section.Field("protos") ?? section.Field("proto")) is { } both)
                throw new ScenarioException("the grpc block names its .proto files with 'protos' (paths) or carries them with 'files' (the written form), not both", both.KeyPosition);
            return Written(written, obj.Position);
        }

        var protos = section.Field("protos") ?? section.Field("proto")
            ?? throw new ScenarioException("the grpc block needs 'protos': the .proto files of the services called (e.g. protos = [\"protos/greeter.proto\"])", obj.Position);
        var paths = new List<string>();
        foreach (var item in protos.Value is HoconArray list ? list.Items : [protos.Value])
        {
            if (!item.AsString(protos.Key).Trim().EndsWith(".proto", StringComparison.OrdinalIgnoreCase))
                throw new ScenarioException($"'{InputEcho.Cut(item.AsString(protos.Key).Trim())}' is not a .proto file", item.Position);
            paths.Add(ScenarioFiles.Read(item, protos.Key, "grpc").Path);
        }
        if (paths.Count == 0) throw new ScenarioException("'protos' lists no file", protos.Value.Position);
        var imports = new List<string>();
        if (section.Field("import-paths") is { } i)
            foreach (var item in i.Value is HoconArray list ? list.Items : [i.Value])
            {
                var dir = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(Path.GetFullPath(item.Position.File)) ?? ".", item.AsString(i.Key).Trim()));
                if (!Directory.Exists(dir)) throw new ScenarioException($"import path '{item.AsString(i.Key).Trim()}' is not a directory (looked for {dir})", item.Position);
                imports.Add(dir);
            }
        var definition = ProtoCompiler.Compile(paths, imports, protos.Value.Position);
        if (definition.Generated.Sum(g => (long)g.Text.Length) > MaxBytes)
            throw new ScenarioException($"the protos generate more than {MaxBytes / 1000} kB of classes; a contract travels with the scenario", protos.Value.Position);
        return definition;
    }

    private static GrpcDefinition Written(HoconField files, SourcePosition at) => ProtoCompiler.CompileCarried(Inline(files), at);

    private static List<ModuleSource> Inline(HoconField field)
    {
        if (field.Value is not HoconArray array)
            throw new ScenarioException($"expected an array of {{ path, text }} for '{field.Key}' but found {field.Value.Describe()}", field.Value.Position);
        return array.Items.Select(item =>
        {
            var obj = item as HoconObject ?? throw new ScenarioException($"expected {{ path = \"…\", text = \"…\" }} but found {item.Describe()}", item.Position);
            var section = ScenarioKeys.Read(obj, ScenarioKeys.ModuleFile);
            return new ModuleSource(section.Field("path")?.Value.AsString("path") ?? "", section.Field("text")?.Value.AsString("text") ?? "");
        }).ToList();
    }
}
