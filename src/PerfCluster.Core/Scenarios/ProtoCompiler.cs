using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using PerfCluster.Core.Input;
using PerfCluster.Core.Steps;

namespace PerfCluster.Core.Scenarios;

/// <summary>
/// Runs protoc over a scenario's .proto files: once for the descriptors of every file they need (imports included),
/// once for the C# message classes of every file that is not one of the well-known types Google.Protobuf ships. The
/// files' text is what travels with the scenario: wherever it is read back (a worker), protoc runs again
/// (<see cref="CompileCarried"/>), so the only C# PerfCluster compiles for a contract is protoc's.
/// protoc is the one Grpc.Tools ships, copied beside PerfCluster at build (<c>protoc/linux_x64/protoc</c>, with the
/// well-known types under <c>protoc/include</c>); <c>PERFCLUSTER_PROTOC</c> names another, else one on the PATH.
/// A .proto protoc refuses is a <see cref="ScenarioException"/> at protoc's own file, line and column.
/// </summary>
public static partial class ProtoCompiler
{
    public const string ProtocVariable = "PERFCLUSTER_PROTOC";

    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);

    [GeneratedRegex(@"^(?<file>[^:\r\n]+):(?<line>\d+):(?<column>\d+):\s*(?<message>.+)$", RegexOptions.Multiline)]
    private static partial Regex Diagnostic();

    /// <param name="protos">Absolute paths of the files the scenario names.</param>
    /// <param name="importPaths">Absolute directories imports are looked up in; each proto's own directory comes first.</param>
    /// <param name="at">Where the scenario names them (for errors that are not in a .proto).</param>
    public static GrpcDefinition Compile(IReadOnlyList<string> protos, IReadOnlyList<string> importPaths, SourcePosition at)
    {
        var (protoc, include) = Locate(at);
        var roots = protos.Select(p => Path.GetDirectoryName(p)!).Concat(importPaths).Where(d => d.Length > 0).Distinct().ToList();
        var descriptorSet = Describe(protoc, [.. roots, include], protos, at);
        // Every file the contract needs, by the name it is imported as, with its text: what travels with the scenario.
        var files = new List<ModuleSource>();
        foreach (var name in OwnFiles(descriptorSet))
        {
            var path = roots.Select(r => Path.Combine(r, name)).FirstOrDefault(File.Exists)
                ?? protos.FirstOrDefault(p => p.EndsWith(name, StringComparison.Ordinal))
                ?? throw new ScenarioException($"protoc used '{name}', which is in none of the import paths", at);
            files.Add(new ModuleSource(name, File.ReadAllText(path)));
        }
        return Generate(protoc, include, files, descriptorSet, at);
    }

    /// <summary>
    /// The contract again from the files a written scenario carries (each by its import name): on a worker, or wherever a
    /// written scenario is read. Only protoc's own output is ever compiled: a scenario cannot carry C# this way.
    /// </summary>
    public static GrpcDefinition CompileCarried(IReadOnlyList<ModuleSource> files, SourcePosition at)
    {
        var (protoc, include) = Locate(at);
        var work = Directory.CreateTempSubdirectory("perfcluster-protos-");
        try
        {
            foreach (var file in files)
            {
                var path = Path.GetFullPath(Path.Combine(work.FullName, file.File));
                if (!path.StartsWith(work.FullName + Path.DirectorySeparatorChar, StringComparison.Ordinal) || !file.File.EndsWith(".proto", StringComparison.Ordinal))
                    throw new ScenarioException($"'{file.File}' is not the import name of a .proto file", at);
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                File.WriteAllText(path, file.Text);
            }
            var paths = files.Select(f => Path.Combine(work.FullName, f.File)).ToList();
            var descriptorSet = Describe(protoc, [work.FullName, include], paths, at);
            return Generate(protoc, include, files, descriptorSet, at, work.FullName);
        }
        finally
        {
            try { work.Delete(recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    /// <summary>The descriptors of the files and everything they import.</summary>
    private static byte[] Describe(string protoc, IReadOnlyList<string> roots, IReadOnlyList<string> protos, SourcePosition at)
    {
        var work = Directory.CreateTempSubdirectory("perfcluster-protoc-");
        try
        {
            var set = Path.Combine(work.FullName, "set.pb");
            Run(protoc, roots, ["--include_imports", $"--descriptor_set_out={set}", .. protos], at);
            return File.ReadAllBytes(set);
        }
        finally
        {
            try { work.Delete(recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    /// <summary>The files of a descriptor set that are not the well-known types Google.Protobuf ships.</summary>
    private static List<string> OwnFiles(byte[] descriptorSet) =>
        FileDescriptorSet.Parser.ParseFrom(descriptorSet).File.Select(f => f.Name).Where(n => !n.StartsWith("google/protobuf/", StringComparison.Ordinal)).ToList();

    /// <summary>protoc's C# classes for every file of the contract (imports included: a message may use another file's).</summary>
    private static GrpcDefinition Generate(string protoc, string include, IReadOnlyList<ModuleSource> files, byte[] descriptorSet, SourcePosition at, string? written = null)
    {
        var work = Directory.CreateTempSubdirectory("perfcluster-protoc-");
        try
        {
            var source = written ?? Path.Combine(work.FullName, "in");
            if (written is null)
                foreach (var file in files)
                {
                    var path = Path.Combine(source, file.File);
                    Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                    File.WriteAllText(path, file.Text);
                }
            var output = Directory.CreateDirectory(Path.Combine(work.FullName, "cs")).FullName;
            Run(protoc, [source, include], [$"--csharp_out={output}", "--csharp_opt=file_extension=.g.cs", .. files.Select(f => Path.Combine(source, f.File))], at);
            var generated = Directory.GetFiles(output, "*.g.cs", SearchOption.AllDirectories).Order(StringComparer.Ordinal)
                .Select(f => new ModuleSource(Path.GetFileName(f), File.ReadAllText(f))).ToList();
            return new GrpcDefinition(files, descriptorSet, generated) { Methods = MethodsOf(descriptorSet) };
        }
        finally
        {
            try { work.Delete(recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    /// <summary>Every method of every service the descriptor set declares, by <c>package.Service/Method</c>.</summary>
    public static IReadOnlyDictionary<string, GrpcMethod> MethodsOf(byte[] descriptorSet)
    {
        var set = FileDescriptorSet.Parser.ParseFrom(descriptorSet);
        var files = FileDescriptor.BuildFromByteStrings(set.File.Select(f => f.ToByteString()));
        var methods = new Dictionary<string, GrpcMethod>(StringComparer.Ordinal);
        foreach (var service in files.SelectMany(f => f.Services))
        foreach (var m in service.Methods)
        {
            var method = new GrpcMethod(service.FullName, m.Name, m.InputType.FullName, m.OutputType.FullName, m.IsClientStreaming, m.IsServerStreaming);
            methods[method.FullName] = method;
        }
        return methods;
    }

    /// <summary>protoc and the directory of the well-known .proto files it imports.</summary>
    private static (string Protoc, string Include) Locate(SourcePosition at)
    {
        if (Environment.GetEnvironmentVariable(ProtocVariable) is { Length: > 0 } named)
            return File.Exists(named) ? (named, Path.Combine(Path.GetDirectoryName(named)!, "include"))
                : throw new ScenarioException($"{ProtocVariable} names '{named}', which does not exist", at);
        var platform = RuntimeInformation.OSArchitecture == Architecture.Arm64 ? "linux_arm64" : "linux_x64";
        var shipped = Path.Combine(AppContext.BaseDirectory, "protoc", platform, "protoc");
        if (File.Exists(shipped))
        {
            if (!OperatingSystem.IsWindows() && (File.GetUnixFileMode(shipped) & UnixFileMode.UserExecute) == 0)
                File.SetUnixFileMode(shipped, File.GetUnixFileMode(shipped) | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
            return (shipped, Path.Combine(AppContext.BaseDirectory, "protoc", "include"));
        }
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
            if (File.Exists(Path.Combine(dir, "protoc"))) return (Path.Combine(dir, "protoc"), "/usr/include");
        throw new ScenarioException($"gRPC steps need protoc, which is not beside PerfCluster ({shipped}) nor on the PATH; set {ProtocVariable}", at);
    }

    private static void Run(string protoc, IReadOnlyList<string> roots, IReadOnlyList<string> arguments, SourcePosition at)
    {
        var start = new ProcessStartInfo(protoc) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var root in roots) start.ArgumentList.Add($"--proto_path={root}");
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start) ?? throw new ScenarioException($"protoc ({protoc}) could not be started", at);
        var stderr = process.StandardError.ReadToEndAsync();
        _ = process.StandardOutput.ReadToEndAsync();
        if (!process.WaitForExit(Limit))
        {
            process.Kill(entireProcessTree: true);
            throw new ScenarioException($"protoc did not finish within {Limit.TotalSeconds:0} s", at);
        }
        if (process.ExitCode == 0) return;
        var error = stderr.Result.Trim();
        if (Diagnostic().Match(error) is { Success: true } d)
        {
            var file = d.Groups["file"].Value;
            var path = Path.IsPathRooted(file) ? file : roots.Select(r => Path.Combine(r, file)).FirstOrDefault(File.Exists) ?? file;
            throw new ScenarioException($"the .proto does not compile: {d.Groups["message"].Value.Trim()}",
                new SourcePosition(path, int.Parse(d.Groups["line"].Value), int.Parse(d.Groups["column"].Value)));
        }
        throw new ScenarioException($"protoc refused the .proto files: {(error.Length > 0 ? error : $"exit code {process.ExitCode}")}", at);
    }
}
