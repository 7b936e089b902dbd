using System.Diagnostics;
using k8s;
using k8s.Models;

namespace PerfCluster.Tests.Deploy;

/// <summary>The repository's deployment files (Dockerfile, k8s/, scripts/) and the Kubernetes objects in them.</summary>
public static partial class DeployFiles
{
    public static string Root { get; } = FindRoot();

    public static string K8s => Path.Combine(Root, "k8s");
    public static string Base => Path.Combine(K8s, "base");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "PerfCluster.sln"))) return dir.FullName;
        throw new InvalidOperationException($"no PerfCluster.sln above {AppContext.BaseDirectory}");
    }

    /// <summary>
    /// Every document of a manifest file, as the typed Kubernetes model; an unknown field or kind throws.
    /// Strategic-merge directives (<c>$patch: delete</c>) in overlay patches are for kustomize and are left out.
    /// </summary>
    public static List<object> LoadStrict(string file) =>
        KubernetesYaml.LoadAllFromString(PatchDirective().Replace(File.ReadAllText(file), ""), strict: true);

    [System.Text.RegularExpressions.GeneratedRegex(@"^[ \t]*\$patch: *\w+[ \t]*\r?\n?", System.Text.RegularExpressions.RegexOptions.Multiline)]
    private static partial System.Text.RegularExpressions.Regex PatchDirective();

    /// <summary>
    /// k8s/base as kustomize builds it, without kustomize: its resources as they are, plus the ConfigMap its
    /// configMapGenerator makes (under the generator's name; kustomize adds a hash and rewrites the references).
    /// </summary>
    public static List<object> BaseObjects()
    {
        var kustomization = Kustomization.Load(Base);
        var objects = kustomization.Resources.SelectMany(r => LoadStrict(Path.Combine(Base, r))).ToList();
        foreach (var (name, files) in kustomization.ConfigMaps)
            objects.Add(new V1ConfigMap
            {
                Metadata = new V1ObjectMeta { Name = name },
                Data = files.ToDictionary(f => Path.GetFileName(f), f => File.ReadAllText(Path.Combine(Base, f))),
            });
        return objects;
    }

    /// <summary>Runs a script of the repository; returns its exit code and output.</summary>
    public static Task<(int Code, string Stdout, string Stderr)> RunScriptAsync(
        string script, TimeSpan timeout, IReadOnlyDictionary<string, string>? environment = null, params string[] args) =>
        ChildProcess.RunAsync("bash", [Path.Combine(Root, "scripts", script), .. args], Root, timeout,
            environment?.ToDictionary(p => p.Key, p => (string?)p.Value));
}

/// <summary>The parts of a kustomization.yaml these specs check.</summary>
public sealed record Kustomization(List<string> Resources, List<string> Patches, Dictionary<string, List<string>> ConfigMaps)
{
    public static Kustomization Load(string dir)
    {
        var yaml = new YamlDotNet.RepresentationModel.YamlStream();
        yaml.Load(new StringReader(File.ReadAllText(Path.Combine(dir, "kustomization.yaml"))));
        var root = (YamlDotNet.RepresentationModel.YamlMappingNode)yaml.Documents[0].RootNode;
        List<string> Strings(string key) => root.Children.TryGetValue(key, out var node)
            ? ((YamlDotNet.RepresentationModel.YamlSequenceNode)node).Select(n => n switch
            {
                YamlDotNet.RepresentationModel.YamlScalarNode s => s.Value!,
                YamlDotNet.RepresentationModel.YamlMappingNode m => ((YamlDotNet.RepresentationModel.YamlScalarNode)m.Children["path"]).Value!,
                _ => throw new InvalidOperationException($"unexpected {key} entry {n}"),
            }).ToList()
            : [];
        var maps = new Dictionary<string, List<string>>();
        if (root.Children.TryGetValue("configMapGenerator", out var generators))
            foreach (var g in ((YamlDotNet.RepresentationModel.YamlSequenceNode)generators).Cast<YamlDotNet.RepresentationModel.YamlMappingNode>())
                maps[((YamlDotNet.RepresentationModel.YamlScalarNode)g.Children["name"]).Value!] =
                    ((YamlDotNet.RepresentationModel.YamlSequenceNode)g.Children["files"]).Select(f => ((YamlDotNet.RepresentationModel.YamlScalarNode)f).Value!).ToList();
        return new Kustomization(Strings("resources"), Strings("patches"), maps);
    }
}

/// <summary>
/// A fact that needs scripts/lint-deploy.sh's tools (npm packages, kubectl's kustomize): skipped, with the
/// script's reason, when they cannot be installed here.
/// </summary>
public sealed class LintDeployFactAttribute : FactAttribute
{
    private static readonly Lazy<string?> Unavailable = new(() =>
    {
        var (code, _, stderr) = DeployFiles.RunScriptAsync("lint-deploy.sh", TimeSpan.FromMinutes(5), null, "--install-only").GetAwaiter().GetResult();
        return code == 3 ? "lint-deploy.sh cannot install its tools here: " + stderr.Trim() : null;
    });

    public LintDeployFactAttribute()
    {
        if (Unavailable.Value is { } reason) Skip = reason;
    }
}
