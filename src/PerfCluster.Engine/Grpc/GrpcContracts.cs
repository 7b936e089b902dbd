using System.Collections.Concurrent;
using System.Reflection;
using System.Runtime.Loader;
using System.Text;
using System.Text.RegularExpressions;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using PerfCluster.Core.Input;
using PerfCluster.Core.Steps;
using PerfCluster.Engine.Modules;

namespace PerfCluster.Engine.Grpc;

/// <summary>A contract's message classes, compiled and loaded: each message's descriptor (with its parser) by full name.</summary>
public sealed class CompiledContract(IReadOnlyDictionary<string, MessageDescriptor> messages)
{
    private static readonly JsonParser Parser = new(JsonParser.Settings.Default.WithIgnoreUnknownFields(false));
    private static readonly JsonFormatter Formatter = new(JsonFormatter.Settings.Default.WithFormatDefaultValues(true));

    public MessageDescriptor Message(string fullName) =>
        messages.TryGetValue(fullName, out var d) ? d : throw new InvalidOperationException($"no class for message {fullName}");

    /// <summary>A JSON text as the binary message of <paramref name="type"/> (Google.Protobuf's JSON mapping).</summary>
    /// <exception cref="InvalidProtocolBufferException">It does not fit: an unknown field, a value of the wrong type.</exception>
    /// <exception cref="InvalidJsonException">It is not JSON.</exception>
    public static byte[] Encode(MessageDescriptor type, string json) => Parser.Parse(json, type).ToByteArray();

    /// <summary>A binary message of <paramref name="type"/> as JSON (fields at their default values included, so they can be extracted).</summary>
    public static string Decode(MessageDescriptor type, byte[] bytes) => Formatter.Format(type.Parser.ParseFrom(bytes));
}

/// <summary>
/// Compiles a scenario's gRPC message classes (protoc's C# output, carried in the scenario) with Roslyn, once per
/// process and contract (cached by its hash), and checks each grpc step's message template against its type at load.
/// </summary>
public static partial class GrpcContracts
{
    private static readonly ConcurrentDictionary<string, Lazy<CompiledContract>> Cache = new(StringComparer.Ordinal);

    /// <summary>Every message type Google.Protobuf ships (the well-known types a contract may use as a method's input or output).</summary>
    private static readonly Lazy<IReadOnlyList<MessageDescriptor>> WellKnown = new(() => MessagesOf(typeof(Google.Protobuf.WellKnownTypes.Empty).Assembly));

    public static CompiledContract Compile(GrpcDefinition contract) =>
        Cache.GetOrAdd(contract.Hash, _ => new Lazy<CompiledContract>(() => Build(contract), LazyThreadSafetyMode.ExecutionAndPublication)).Value;

    public static bool IsCompiled(Journey journey) =>
        journey.Grpc is not { } g || !journey.UsesGrpc || (Cache.TryGetValue(g.Hash, out var lazy) && lazy.IsValueCreated);

    /// <summary>Compiles the journey's contract (when it calls one) and checks every grpc step's message: exit 2 material.</summary>
    public static void CompileAndCheck(Journey journey)
    {
        if (journey.Grpc is not { } contract || !journey.UsesGrpc) return;
        var compiled = Compile(contract);
        foreach (var step in journey.Series.OfType<GrpcStep>()) Check(compiled, step);
    }

    [GeneratedRegex(@"(?<quoted>""[^""\\]*(?:\\.[^""\\]*)*"")|\{\{.*?\}\}")]
    private static partial Regex TemplateParts();

    /// <summary>
    /// The message template with its placeholders filled (inside a string with "0", alone with 0) must parse as the
    /// method's input type: JSON syntax and field names are then checked exactly. A placeholder that stands for a whole
    /// value may be meant as something other than a number, so a type mismatch there is left to run time
    /// (<c>bad_message</c>); one in a template without placeholders is an error here.
    /// </summary>
    private static void Check(CompiledContract contract, GrpcStep step)
    {
        var type = contract.Message(step.Method.InputType);
        var text = step.Message.Text;
        var bare = false;
        var sample = TemplateParts().Replace(text, m =>
        {
            if (m.Groups["quoted"].Success) return Regex.Replace(m.Value, @"\{\{.*?\}\}", "0");
            bare = true;
            return "0";
        });
        try
        {
            CompiledContract.Encode(type, sample);
        }
        catch (Exception e) when (e is InvalidJsonException or InvalidProtocolBufferException or FormatException)
        {
            var unknownField = e.Message.Contains("Unknown field", StringComparison.OrdinalIgnoreCase);
            if (bare && !unknownField && e is not InvalidJsonException) return;
            throw new ScenarioException($"step '{step.Name}': the message does not fit {step.Method.InputType}: {e.Message}", step.MessagePosition ?? step.Position);
        }
    }

    private static CompiledContract Build(GrpcDefinition contract)
    {
        var parse = new CSharpParseOptions(LanguageVersion.Latest);
        var trees = contract.Generated.Select(s => CSharpSyntaxTree.ParseText(s.Text, parse, path: s.File, encoding: Encoding.UTF8)).ToList();
        var compilation = CSharpCompilation.Create($"PerfCluster.UserModule.Grpc.{contract.Hash[..12]}", trees, ModuleCompiler.ApplicationReferences,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, optimizationLevel: OptimizationLevel.Release, concurrentBuild: false));
        using var pe = new MemoryStream();
        var emitted = compilation.Emit(pe);
        var error = emitted.Diagnostics.FirstOrDefault(d => d.Severity == DiagnosticSeverity.Error);
        if (!emitted.Success || error is not null)
            throw new ScenarioException($"the classes protoc generated do not compile: {error?.GetMessage(System.Globalization.CultureInfo.InvariantCulture) ?? "no diagnostic"}");
        var assembly = AssemblyLoadContext.Default.LoadFromStream(new MemoryStream(pe.ToArray()));
        var messages = new Dictionary<string, MessageDescriptor>(StringComparer.Ordinal);
        foreach (var d in WellKnown.Value.Concat(MessagesOf(assembly))) messages[d.FullName] = d;
        return new CompiledContract(messages);
    }

    private static List<MessageDescriptor> MessagesOf(Assembly assembly) =>
        assembly.GetTypes()
            .Where(t => t is { IsClass: true, IsAbstract: false } && typeof(IMessage).IsAssignableFrom(t))
            .Select(t => t.GetProperty("Descriptor", BindingFlags.Public | BindingFlags.Static)?.GetValue(null) as MessageDescriptor)
            .OfType<MessageDescriptor>()
            .ToList();
}
