using System.Text.RegularExpressions;
using Akka.Configuration;
using k8s;
using k8s.Models;
using PerfCluster.Cli;
using PerfCluster.Core.Scenarios;
using PerfCluster.Engine.Persistence;
using PerfCluster.Engine.Security;

namespace PerfCluster.Tests.Deploy;

/// <summary>
/// The Dockerfile and the Kubernetes manifests, checked offline: the linter and the Kubernetes schemas
/// (scripts/lint-deploy.sh), strict loading with the Kubernetes object models (unknown fields and kinds), and
/// the references between the manifests and between the manifests and the binary.
/// </summary>
public class ManifestSpecs
{
    /// <summary>Environment variables the binary reads; a manifest setting any other PERFCLUSTER_ variable is a typo.</summary>
    private static readonly HashSet<string> KnownVariables =
    [
        CoordinatorCommand.TokenVariable, PersistenceSettings.ConnectionVariable, PersistenceSettings.ProviderVariable,
        PersistenceSettings.DataDirVariable, HealthCommand.UrlVariable, RemoteCoordinator.CoordinatorVariable,
        ClusterTlsFiles.CertificateVariable, ClusterTlsFiles.KeyVariable, ClusterTlsFiles.AuthorityVariable, ClusterTlsFiles.PasswordVariable,
    ];

    [LintDeployFact]
    public async Task Should_lint_the_Dockerfile_and_validate_base_and_overlays_against_the_Kubernetes_schemas()
    {
        using var dir = new TempDirectory();

        var (code, stdout, stderr) = await DeployFiles.RunScriptAsync("lint-deploy.sh", TimeSpan.FromMinutes(5), null, dir.Path);

        Assert.True(code == 0, stdout + stderr);
        Assert.Contains("Dockerfile: no findings", stdout);
        Assert.Matches(@"schema check: [1-9]\d* valid, 0 invalid", stdout);
        var overlays = Directory.GetDirectories(Path.Combine(DeployFiles.K8s, "overlays")).Select(Path.GetFileName).ToList();
        Assert.Equal(["local", "production"], overlays.Order());
        foreach (var name in overlays.Append("base"))
        {
            var objects = DeployFiles.LoadStrict(Path.Combine(dir.Path, $"{name}.yaml"));
            Assert.Empty(CrossReferenceProblems(objects).Select(p => $"{name}: {p}"));
            Assert.All(objects.OfType<IMetadata<V1ObjectMeta>>().Where(o => o is not V1Namespace),
                o => Assert.Equal("perfcluster", o.Metadata.NamespaceProperty));
        }
    }

    [LintDeployFact]
    public async Task Should_render_the_overlays_as_documented()
    {
        using var dir = new TempDirectory();
        var (code, stdout, stderr) = await DeployFiles.RunScriptAsync("lint-deploy.sh", TimeSpan.FromMinutes(5), null, dir.Path);
        Assert.True(code == 0, stdout + stderr);

        var local = DeployFiles.LoadStrict(Path.Combine(dir.Path, "local.yaml"));
        var production = DeployFiles.LoadStrict(Path.Combine(dir.Path, "production.yaml"));

        // local: scaled by hand (no HPA), SQLite on the coordinator, the nightly only on demand
        Assert.DoesNotContain(local, o => o is V2HorizontalPodAutoscaler);
        var env = local.OfType<V1StatefulSet>().Single().Spec.Template.Spec.Containers[0].Env;
        Assert.Equal("sqlite", env.Single(e => e.Name == PersistenceSettings.ProviderVariable).Value);
        Assert.DoesNotContain(env, e => e.Name == PersistenceSettings.ConnectionVariable);
        Assert.True(local.OfType<V1CronJob>().Single().Spec.Suspend);
        Assert.Equal("perfcluster:local", local.OfType<V1Deployment>().Single().Spec.Template.Spec.Containers[0].Image);
        // production: PostgreSQL from the Secret, autoscaled workers
        var prodEnv = production.OfType<V1StatefulSet>().Single().Spec.Template.Spec.Containers[0].Env;
        Assert.Equal("postgresql", prodEnv.Single(e => e.Name == PersistenceSettings.ProviderVariable).Value);
        Assert.Equal(4, production.OfType<V2HorizontalPodAutoscaler>().Single().Spec.MinReplicas);
        // production: two coordinators, so a run survives the loss of the one that runs it; local: one, on SQLite
        Assert.Equal(2, production.OfType<V1StatefulSet>().Single().Spec.Replicas);
        Assert.Equal(1, local.OfType<V1StatefulSet>().Single().Spec.Replicas);
        Assert.Null(production.OfType<V1CronJob>().Single().Spec.Suspend);
    }

    [Fact]
    public void Should_load_every_manifest_strictly_and_reference_only_existing_files_from_kustomizations()
    {
        var yamlFiles = Directory.GetFiles(DeployFiles.K8s, "*.yaml", SearchOption.AllDirectories);
        Assert.NotEmpty(yamlFiles);
        foreach (var file in yamlFiles.Where(f => Path.GetFileName(f) != "kustomization.yaml"))
        {
            var exception = Record.Exception(() => DeployFiles.LoadStrict(file));
            Assert.True(exception is null, $"{file}: {exception?.Message}");
        }
        foreach (var kustomization in yamlFiles.Where(f => Path.GetFileName(f) == "kustomization.yaml"))
        {
            var dir = Path.GetDirectoryName(kustomization)!;
            var k = Kustomization.Load(dir);
            foreach (var path in k.Resources.Concat(k.Patches).Concat(k.ConfigMaps.Values.SelectMany(f => f)))
            {
                var full = Path.GetFullPath(Path.Combine(dir, path));
                Assert.True(File.Exists(full) || File.Exists(Path.Combine(full, "kustomization.yaml")), $"{kustomization}: {path} does not exist");
            }
        }
        // Every manifest in base is used.
        var used = Kustomization.Load(DeployFiles.Base).Resources.Append("kustomization.yaml").ToHashSet();
        Assert.All(Directory.GetFiles(DeployFiles.Base, "*.yaml"), f => Assert.Contains(Path.GetFileName(f), used));
    }

    [Fact]
    public void Should_reject_an_unknown_field_when_loading_strictly()
    {
        using var dir = new TempDirectory();
        var file = dir.File("bad.yaml", "apiVersion: v1\nkind: Service\nmetadata:\n  name: x\nspec:\n  selectr:\n    a: b\n");

        Assert.ThrowsAny<Exception>(() => DeployFiles.LoadStrict(file));
    }

    [Fact]
    public void Should_keep_the_base_manifests_consistent_with_each_other_and_with_the_binary()
    {
        var objects = DeployFiles.BaseObjects();

        Assert.Empty(CrossReferenceProblems(objects));
    }

    [Fact]
    public void Should_find_a_broken_reference()
    {
        var objects = DeployFiles.BaseObjects();
        var worker = objects.OfType<V1Deployment>().Single().Spec.Template.Spec.Containers[0];
        var seed = worker.Args.IndexOf("--seed") + 1;
        worker.Args[seed] = worker.Args[seed].Replace(":4053", ":4054");
        objects.OfType<V1Service>().First().Spec.Selector["app.kubernetes.io/component"] = "nobody";

        var problems = CrossReferenceProblems(objects);

        Assert.Contains(problems, p => p.Contains("--seed"));
        Assert.Contains(problems, p => p.Contains("selects no pod"));
    }

    [Fact]
    public void Should_ship_a_nightly_scenario_and_node_settings_the_binary_accepts()
    {
        var config = Path.Combine(DeployFiles.Base, "config");

        var plan = ScenarioLoader.LoadFile(Path.Combine(config, "nightly.conf"));
        var node = ConfigurationFactory.ParseString(File.ReadAllText(Path.Combine(config, "perfcluster.conf")));
        var reference = ConfigurationFactory.ParseString(File.ReadAllText(Path.Combine(DeployFiles.Root, "src", "PerfCluster.Engine", "reference.conf")));

        Assert.Equal("Nightly", Assert.Single(plan.Scenarios).Name);
        var keys = node.AsEnumerable().Select(kv => kv.Key).ToList();
        Assert.NotEmpty(keys);
        Assert.All(keys, key => Assert.True(reference.HasPath(key), $"perfcluster.conf sets {key}, which reference.conf does not have"));
    }

    /// <summary>Everything that must line up across the objects of one deployment (base or a rendered overlay).</summary>
    public static List<string> CrossReferenceProblems(IReadOnlyList<object> objects)
    {
        var problems = new List<string>();
        void Check(bool ok, string problem) { if (!ok) problems.Add(problem); }

        var services = objects.OfType<V1Service>().ToList();
        var secrets = objects.OfType<V1Secret>().ToList();
        var configMaps = objects.OfType<V1ConfigMap>().ToList();
        var coordinator = objects.OfType<V1StatefulSet>().Single();
        var worker = objects.OfType<V1Deployment>().Single();
        var cronJob = objects.OfType<V1CronJob>().Single();
        var pods = new (string Name, V1PodTemplateSpec Template)[]
        {
            (coordinator.Metadata.Name, coordinator.Spec.Template),
            (worker.Metadata.Name, worker.Spec.Template),
            (cronJob.Metadata.Name, cronJob.Spec.JobTemplate.Spec.Template),
        };

        // Services select pods, and their target ports are ports of those pods.
        foreach (var service in services)
        {
            var selected = pods.Where(p => service.Spec.Selector.All(s => p.Template.Metadata.Labels?.TryGetValue(s.Key, out var v) == true && v == s.Value)).ToList();
            Check(selected.Count > 0, $"Service {service.Metadata.Name} selects no pod");
            foreach (var port in service.Spec.Ports)
                Check(selected.Any(p => p.Template.Spec.Containers.Any(c => Resolve(c, port.TargetPort ?? port.Port.ToString()) is { } target
                                                                            && c.Ports?.Any(cp => cp.ContainerPort == target) == true)),
                    $"Service {service.Metadata.Name} port {port.Name} targets {port.TargetPort}, which its pods do not expose");
        }
        // Selectors of the workloads, the HPA and the PDB.
        Check(coordinator.Spec.Selector.MatchLabels.All(l => coordinator.Spec.Template.Metadata.Labels[l.Key] == l.Value), "StatefulSet selector does not match its pods");
        Check(worker.Spec.Selector.MatchLabels.All(l => worker.Spec.Template.Metadata.Labels[l.Key] == l.Value), "Deployment selector does not match its pods");
        foreach (var hpa in objects.OfType<V2HorizontalPodAutoscaler>())
            Check(hpa.Spec.ScaleTargetRef.Kind == "Deployment" && hpa.Spec.ScaleTargetRef.Name == worker.Metadata.Name, "the HPA does not scale the worker Deployment");
        foreach (var pdb in objects.OfType<V1PodDisruptionBudget>())
            Check(pdb.Spec.Selector.MatchLabels.All(l => worker.Spec.Template.Metadata.Labels[l.Key] == l.Value), "the PDB does not select the workers");

        // Cluster formation: the coordinator advertises its stable DNS name; the workers' seed is that name and its cluster port.
        var headless = services.SingleOrDefault(s => s.Metadata.Name == coordinator.Spec.ServiceName);
        Check(headless is { Spec.ClusterIP: "None", Spec.PublishNotReadyAddresses: true },
            $"the StatefulSet's serviceName {coordinator.Spec.ServiceName} must be a headless Service publishing not-ready addresses");
        var coordinatorContainer = coordinator.Spec.Template.Spec.Containers.Single();
        var workerContainer = worker.Spec.Template.Spec.Containers.Single();
        var clusterPort = Arg(coordinatorContainer, "--port");
        Check(headless?.Spec.Ports.Any(p => p.Port.ToString() == clusterPort && Resolve(coordinatorContainer, p.TargetPort)?.ToString() == clusterPort) == true,
            $"the headless Service does not expose the coordinator's --port {clusterPort}");
        var stableName = $"{coordinator.Metadata.Name}-0.{coordinator.Spec.ServiceName}.$(POD_NAMESPACE).svc.cluster.local";
        Check(Arg(coordinatorContainer, "--host") == $"$(POD_NAME).{coordinator.Spec.ServiceName}.$(POD_NAMESPACE).svc.cluster.local",
            "the coordinator's --host is not its stable DNS name");
        // One coordinator, or several sharing the PostgreSQL store (one takes the runs of a lost one over); every
        // coordinator seeds the pods of the set, pod 0 first, and the workers join through them.
        var replicas = coordinator.Spec.Replicas ?? 1;
        var provider = coordinatorContainer.Env?.SingleOrDefault(e => e.Name == PersistenceSettings.ProviderVariable)?.Value;
        Check(replicas == 1 || replicas > 1 && provider == "postgresql", $"{replicas} coordinators need the shared PostgreSQL store, not {provider}");
        var coordinatorSeeds = Enumerable.Range(0, replicas)
            .Select(i => $"{coordinator.Metadata.Name}-{i}.{coordinator.Spec.ServiceName}.$(POD_NAMESPACE).svc.cluster.local:{clusterPort}").ToList();
        Check(Args(coordinatorContainer, "--seed").SequenceEqual(coordinatorSeeds),
            $"the coordinators' --seed must be every coordinator pod, pod 0 first: {string.Join(", ", coordinatorSeeds)}");
        Check(Arg(workerContainer, "--seed") == $"{stableName}:{clusterPort}", $"the workers' --seed is not {stableName}:{clusterPort}");
        Check(Args(workerContainer, "--seed").All(coordinatorSeeds.Contains), "the workers' seeds must be coordinator pods");
        Check(Arg(workerContainer, "--host") == "$(POD_IP)", "workers advertise their pod IP");
        Check(workerContainer.Env.Any(e => e.Name == "POD_IP" && e.ValueFrom?.FieldRef?.FieldPath == "status.podIP"), "POD_IP comes from the downward API");

        // The cluster transport runs mutual TLS on every node that binds it: certificate, key and CA are keys of a mounted Secret.
        foreach (var (name, template) in pods.Take(2))
        {
            var container = template.Spec.Containers.Single();
            foreach (var variable in new[] { ClusterTlsFiles.CertificateVariable, ClusterTlsFiles.KeyVariable, ClusterTlsFiles.AuthorityVariable })
            {
                var path = container.Env?.SingleOrDefault(e => e.Name == variable)?.Value;
                var mount = path is null ? null : container.VolumeMounts?.SingleOrDefault(m => path.StartsWith(m.MountPath + "/", StringComparison.Ordinal));
                var secretName = template.Spec.Volumes?.SingleOrDefault(v => v.Name == mount?.Name)?.Secret?.SecretName;
                var secret = secrets.SingleOrDefault(s => s.Metadata.Name == secretName);
                var key = path is null || mount is null ? null : path[(mount.MountPath.Length + 1)..];
                Check(key is not null && secret?.StringData?.ContainsKey(key) == true,
                    $"{name}: {variable} must name a key of a mounted Secret (got {path ?? "nothing"})");
            }
            Check(!container.Args.Contains("--insecure-cluster"), $"{name}: --insecure-cluster has no place in a deployment");
        }

        // HTTP: probes hit the endpoints the binary serves, on the port its args open.
        CheckProbes(coordinatorContainer, "--http", Check);
        CheckProbes(workerContainer, "--health", Check);
        Check(worker.Spec.Template.Spec.TerminationGracePeriodSeconds > 45, "the worker's grace period must exceed its 45 s graceful leave");

        // The CronJob: the documented command, against the HTTP Service, failing the Job when the gate fails.
        var nightly = cronJob.Spec.JobTemplate.Spec.Template.Spec.Containers.Single();
        Check(nightly.Args.Take(6).SequenceEqual(["test", "/config/nightly.conf", "--baseline", "nightly", "--coordinator", "http://perfcluster-coordinator:7070"]),
            $"the CronJob runs {string.Join(' ', nightly.Args)}");
        var api = new Uri(Arg(nightly, "--coordinator")!);
        Check(services.Any(s => s.Metadata.Name == api.Host && s.Spec.ClusterIP != "None" && s.Spec.Ports.Any(p => p.Port == api.Port)
                                && s.Spec.Selector.All(l => coordinator.Spec.Template.Metadata.Labels[l.Key] == l.Value)),
            $"{api} is not a Service of the coordinator");
        Check(cronJob.Spec.JobTemplate.Spec.BackoffLimit == 0 && cronJob.Spec.JobTemplate.Spec.Template.Spec.RestartPolicy == "Never",
            "a failed gate must fail the Job, not retry it");

        foreach (var (name, template) in pods)
        foreach (var container in template.Spec.Containers)
        {
            var where = $"{name}/{container.Name}";
            // Environment: only variables the binary reads; secrets and config maps that exist, with the keys used.
            foreach (var env in container.Env ?? [])
            {
                if (env.Name.StartsWith("PERFCLUSTER_", StringComparison.Ordinal))
                    Check(KnownVariables.Contains(env.Name), $"{where}: the binary does not read {env.Name}");
                if (env.ValueFrom?.SecretKeyRef is { } secretRef)
                    Check(secrets.Any(s => s.Metadata.Name == secretRef.Name && (s.StringData?.ContainsKey(secretRef.Key) == true || s.Data?.ContainsKey(secretRef.Key) == true)),
                        $"{where}: Secret {secretRef.Name} has no key {secretRef.Key}");
            }
            foreach (Match m in Regex.Matches(string.Join(' ', container.Args), @"\$\(([A-Z_]+)\)"))
                Check(container.Env?.Any(e => e.Name == m.Groups[1].Value) == true, $"{where}: $({m.Groups[1].Value}) is not defined");
            // Files under /config are keys of the mounted ConfigMap.
            foreach (var file in container.Args.Where(a => a.StartsWith("/config/", StringComparison.Ordinal)))
            {
                var mount = container.VolumeMounts?.SingleOrDefault(v => v.MountPath == "/config");
                var volume = template.Spec.Volumes?.SingleOrDefault(v => v.Name == mount?.Name);
                var map = configMaps.SingleOrDefault(c => c.Metadata.Name == volume?.ConfigMap?.Name);
                Check(map?.Data?.ContainsKey(file["/config/".Length..]) == true, $"{where}: {file} is not in a mounted ConfigMap");
            }
            foreach (var volume in template.Spec.Volumes ?? [])
                if (volume.ConfigMap is { } cm) Check(configMaps.Any(c => c.Metadata.Name == cm.Name), $"{where}: ConfigMap {cm.Name} does not exist");
            // The command line parses with the real CLI.
            var args = Regex.Replace(string.Join('\u0001', container.Args), @"\$\(([A-Z_]+)\)", m => m.Groups[1].Value switch
            {
                "POD_IP" => "10.1.2.3",
                "CPU_LIMIT" => "2",
                var other => other.ToLowerInvariant().Replace('_', '-'),
            }).Split('\u0001');
            var parsed = PerfClusterCli.Root().Parse(args);
            Check(parsed.Errors.Count == 0, $"{where}: `perfcluster {string.Join(' ', container.Args)}` does not parse: {string.Join("; ", parsed.Errors.Select(e => e.Message))}");
            Check(parsed.CommandResult.Command.Name == args[0], $"{where}: {args[0]} is not a perfcluster command");
            Check(container.Command is null, $"{where}: keep the image's ENTRYPOINT (set args, not command)");
        }
        return problems;
    }

    private static void CheckProbes(V1Container container, string httpOption, Action<bool, string> check)
    {
        var listen = Arg(container, httpOption);
        var port = listen is null ? (int?)null : int.Parse(listen[(listen.LastIndexOf(':') + 1)..]);
        check(port is not null, $"{container.Name}: no {httpOption} HOST:PORT for its probes");
        check(container.Ports?.Any(p => p.ContainerPort == port) == true, $"{container.Name}: {httpOption} port {port} is not a container port");
        check(container.LivenessProbe?.HttpGet is { Path: "/healthz" } l && Resolve(container, l.Port) == port, $"{container.Name}: liveness must GET /healthz on {port}");
        check(container.ReadinessProbe?.HttpGet is { Path: "/readyz" } r && Resolve(container, r.Port) == port, $"{container.Name}: readiness must GET /readyz on {port}");
        if (container.StartupProbe?.HttpGet is { } s)
            check(s.Path is "/healthz" or "/readyz" && Resolve(container, s.Port) == port, $"{container.Name}: the startup probe must GET /healthz or /readyz on {port}");
    }

    /// <summary>The value after every occurrence of <paramref name="option"/>.</summary>
    private static List<string> Args(V1Container container, string option) =>
        (container.Args ?? []).Select((a, i) => (a, i)).Where(p => p.a == option && p.i + 1 < container.Args!.Count)
            .Select(p => container.Args![p.i + 1]).ToList();

    private static string? Arg(V1Container container, string option)
    {
        var i = container.Args?.IndexOf(option) ?? -1;
        return i >= 0 && i + 1 < container.Args!.Count ? container.Args[i + 1] : null;
    }

    /// <summary>A probe's or Service's port (number or container port name) as a number.</summary>
    private static int? Resolve(V1Container container, IntOrString? port)
    {
        if (port?.Value is null) return null;
        return int.TryParse(port.Value, out var n) ? n : container.Ports?.FirstOrDefault(p => p.Name == port.Value)?.ContainerPort;
    }
}
