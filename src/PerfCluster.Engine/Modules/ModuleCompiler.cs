using System.Collections.Concurrent;
using System.Reflection;
using ModuleDefinition = PerfCluster.Core.Steps.ModuleDefinition;
using System.Runtime.Loader;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Emit;
using PerfCluster.Core.Input;
using PerfCluster.Core.Steps;
using PerfCluster.Modules;

namespace PerfCluster.Engine.Modules;

/// <summary>A module compiled and loaded: the <see cref="IModule"/> type to make one instance of per virtual user.</summary>
public sealed class CompiledModule(ModuleDefinition definition, Type type, Func<IModule> create)
{
    public ModuleDefinition Definition { get; } = definition;
    public Type Type { get; } = type;

    /// <summary>A new instance (one per virtual user).</summary>
    public IModule Create() => create();
}

/// <summary>
/// Compiles a scenario's C# module with Roslyn against the framework and every assembly PerfCluster ships (so a module
/// may use System.Text.Json, Npgsql, StackExchange.Redis, … but no NuGet package of its own), and loads it with its
/// debug information, so a stack trace from it names the module's file and line. Each process compiles one source once:
/// the result (or the error) is cached by the source's content hash.
/// </summary>
public static class ModuleCompiler
{
    private static readonly ConcurrentDictionary<string, Lazy<CompiledModule>> Cache = new(StringComparer.Ordinal);
    private static readonly Lazy<IReadOnlyList<MetadataReference>> References = new(LoadReferences);

    /// <summary>The framework and the application's assemblies, for other code PerfCluster compiles (gRPC message classes).</summary>
    internal static IReadOnlyList<MetadataReference> ApplicationReferences => References.Value;

    /// <summary>The most compiler errors an exception lists.</summary>
    private const int MaxErrorsShown = 8;

    /// <summary>The compiled module; the first call per source compiles it.</summary>
    /// <exception cref="ScenarioException">It does not compile, or holds no (or more than one) usable <see cref="IModule"/> class: the message names the file, line and column.</exception>
    public static CompiledModule Compile(ModuleDefinition module)
    {
        var lazy = Cache.GetOrAdd(module.Hash, _ => new Lazy<CompiledModule>(() => Build(module), LazyThreadSafetyMode.ExecutionAndPublication));
        return lazy.Value;
    }

    /// <summary>Whether every module of <paramref name="journey"/> is compiled in this process (true without modules).</summary>
    public static bool AreCompiled(Journey journey) =>
        journey.Modules.All(m => Cache.TryGetValue(m.Hash, out var lazy) && lazy.IsValueCreated);

    /// <summary>Compiles every module of <paramref name="journey"/>; the first error is thrown.</summary>
    public static IReadOnlyDictionary<string, CompiledModule> CompileAll(Journey journey) =>
        journey.Modules.ToDictionary(m => m.Name, Compile, StringComparer.Ordinal);

    /// <summary>
    /// Loads Roslyn and the reference set in the background (a first compile otherwise takes a few seconds), so a worker
    /// that accepts modules compiles a share's module in a fraction of a second.
    /// </summary>
    public static void WarmUpInBackground() => _ = Task.Run(() =>
    {
        try
        {
            Build(new ModuleDefinition("warm-up", [new ModuleSource("warm-up.cs",
                "public sealed class WarmUp : PerfCluster.Modules.IModule { public System.Threading.Tasks.ValueTask InvokeAsync(PerfCluster.Modules.ModuleContext c, System.Threading.CancellationToken t) => default; }")]));
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            Serilog.Log.Debug(e, "Module compiler warm-up failed");
        }
    });

    private static CompiledModule Build(ModuleDefinition module)
    {
        var parse = new CSharpParseOptions(LanguageVersion.Latest);
        var trees = module.Sources.Select(s => CSharpSyntaxTree.ParseText(s.Text, parse, path: s.File, encoding: Encoding.UTF8)).ToList();
        var implicitUsings = CSharpSyntaxTree.ParseText(ImplicitUsings, parse, path: "<implicit usings>", encoding: Encoding.UTF8);
        var compilation = CSharpCompilation.Create(
            $"PerfCluster.UserModule.{module.Name}.{module.Hash[..12]}",
            [implicitUsings, .. trees],
            References.Value,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, optimizationLevel: OptimizationLevel.Release,
                nullableContextOptions: NullableContextOptions.Enable, allowUnsafe: false, concurrentBuild: false));

        using var pe = new MemoryStream();
        using var pdb = new MemoryStream();
        var emitted = compilation.Emit(pe, pdb, options: new EmitOptions(debugInformationFormat: DebugInformationFormat.PortablePdb));
        var errors = emitted.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        if (!emitted.Success || errors.Count > 0) throw CompileError(module, errors);

        var assembly = AssemblyLoadContext.Default.LoadFromStream(new MemoryStream(pe.ToArray()), new MemoryStream(pdb.ToArray()));
        var type = Pick(module, compilation, assembly);
        var constructor = type.GetConstructor(Type.EmptyTypes)
            ?? throw new ScenarioException($"module '{module.Name}': class {type.FullName} needs a public constructor without parameters (one instance is made per virtual user)",
                PositionOf(compilation, type.FullName!));
        Func<IModule> create = () => (IModule)constructor.Invoke(null);
        return new CompiledModule(module, type, create);
    }

    /// <summary>The class to use: the one named by <c>class</c>, else the only public non-abstract class implementing <see cref="IModule"/>.</summary>
    private static Type Pick(ModuleDefinition module, CSharpCompilation compilation, Assembly assembly)
    {
        var candidates = assembly.GetTypes().Where(t => t is { IsPublic: true, IsAbstract: false, IsClass: true } && typeof(IModule).IsAssignableFrom(t)).ToList();
        var first = new SourcePosition(module.Sources[0].File, 1, 1);
        if (module.Class is { } wanted)
        {
            var named = assembly.GetTypes().Where(t => t.FullName == wanted || t.Name == wanted).ToList();
            if (named.Count == 0)
                throw new ScenarioException($"module '{module.Name}': no class '{wanted}' in its source" +
                    (candidates.Count == 0 ? "" : $" (classes implementing IModule: {string.Join(", ", candidates.Select(c => c.FullName))})"), first);
            if (named.Count > 1)
                throw new ScenarioException($"module '{module.Name}': class = \"{wanted}\" matches {string.Join(" and ", named.Select(n => n.FullName))}; give the full name", first);
            var type = named[0];
            if (!candidates.Contains(type))
                throw new ScenarioException($"module '{module.Name}': class {type.FullName} must be public, not abstract, and implement PerfCluster.Modules.IModule",
                    PositionOf(compilation, type.FullName!) ?? first);
            return type;
        }
        return candidates.Count switch
        {
            1 => candidates[0],
            0 => throw new ScenarioException(
                $"module '{module.Name}': its source has no public non-abstract class implementing PerfCluster.Modules.IModule " +
                "(public sealed class MyModule : IModule { public ValueTask InvokeAsync(ModuleContext context, CancellationToken cancellationToken) … })", first),
            _ => throw new ScenarioException(
                $"module '{module.Name}': its source has {candidates.Count} classes implementing IModule " +
                $"({string.Join(", ", candidates.Select(c => $"{c.FullName} at {PositionOf(compilation, c.FullName!)}"))}); name the one to use with class = \"…\"",
                PositionOf(compilation, candidates[1].FullName!) ?? first),
        };
    }

    /// <summary>Where a type is declared, from the compilation's symbols.</summary>
    private static SourcePosition? PositionOf(CSharpCompilation compilation, string fullName)
    {
        var symbol = compilation.GetTypeByMetadataName(fullName);
        var location = symbol?.Locations.FirstOrDefault(l => l.IsInSource);
        if (location is null) return null;
        var span = location.GetLineSpan();
        return new SourcePosition(span.Path, span.StartLinePosition.Line + 1, span.StartLinePosition.Character + 1);
    }

    private static ScenarioException CompileError(ModuleDefinition module, IReadOnlyList<Diagnostic> errors)
    {
        if (errors.Count == 0) return new ScenarioException($"module '{module.Name}' did not compile (no diagnostic given)", module.Position);
        string Line(Diagnostic d)
        {
            var span = d.Location.GetLineSpan();
            return $"{span.Path}:{span.StartLinePosition.Line + 1}:{span.StartLinePosition.Character + 1}: error {d.Id}: {d.GetMessage(System.Globalization.CultureInfo.InvariantCulture)}";
        }
        var first = errors[0].Location.GetLineSpan();
        var text = new StringBuilder($"module '{module.Name}' does not compile: error {errors[0].Id}: {errors[0].GetMessage(System.Globalization.CultureInfo.InvariantCulture)}");
        foreach (var more in errors.Skip(1).Take(MaxErrorsShown - 1)) text.Append(Environment.NewLine).Append("  ").Append(Line(more));
        if (errors.Count > MaxErrorsShown) text.Append(Environment.NewLine).Append($"  … and {errors.Count - MaxErrorsShown} more error(s)");
        var position = errors[0].Location.IsInSource
            ? new SourcePosition(first.Path, first.StartLinePosition.Line + 1, first.StartLinePosition.Character + 1)
            : module.Position;
        return new ScenarioException(text.ToString(), position);
    }

    /// <summary>What a console project's implicit usings give, plus the contract's namespace.</summary>
    private const string ImplicitUsings = """
        global using System;
        global using System.Collections.Generic;
        global using System.IO;
        global using System.Linq;
        global using System.Net.Http;
        global using System.Threading;
        global using System.Threading.Tasks;
        global using PerfCluster.Modules;
        """;

    /// <summary>The framework and the application's own assemblies (the host's trusted platform assemblies), and the contract.</summary>
    private static IReadOnlyList<MetadataReference> LoadReferences()
    {
        var paths = ((AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") as string) ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Append(typeof(IModule).Assembly.Location)
            .Where(p => p.Length > 0 && File.Exists(p) && !Path.GetFileName(p).StartsWith("PerfCluster.UserModule.", StringComparison.Ordinal))
            .Distinct(StringComparer.Ordinal);
        var references = new List<MetadataReference>();
        foreach (var path in paths)
        {
            try
            {
                using var stream = File.OpenRead(path);
                if (!IsManagedAssembly(stream)) continue;
            }
            catch (IOException)
            {
                continue;
            }
            references.Add(MetadataReference.CreateFromFile(path));
        }
        return references;
    }

    private static bool IsManagedAssembly(Stream stream)
    {
        try
        {
            using var reader = new System.Reflection.PortableExecutable.PEReader(stream, System.Reflection.PortableExecutable.PEStreamOptions.LeaveOpen);
            return reader.HasMetadata && System.Reflection.Metadata.PEReaderExtensions.GetMetadataReader(reader).IsAssembly;
        }
        catch (BadImageFormatException)
        {
            return false;
        }
    }
}
