using System.Net;
using System.Net.Sockets;
using k8s.Models;

namespace PerfCluster.Tests.Deploy;

/// <summary>
/// What the image does in Kubernetes, without Docker: scripts/run-as-image.sh starts the coordinator and a
/// worker with the manifests' args and environment on 127.0.0.1, waits for both /readyz with the image's
/// health command, and runs the CronJob's command through the coordinator.
/// </summary>
public class RunAsImageSpecs
{
    [Fact]
    public async Task Should_run_the_manifests_commands_as_local_processes_through_readiness_and_a_nightly_run()
    {
        using var dir = new TempDirectory();
        var ports = FreePorts(5);
        var results = dir.Sub("results");
        var env = new Dictionary<string, string>
        {
            ["PERFCLUSTER_DLL"] = CliProcess.Executable,
            ["CLUSTER_PORT"] = ports[0].ToString(), ["WORKER_PORT"] = ports[1].ToString(), ["HTTP_PORT"] = ports[2].ToString(),
            ["HEALTH_PORT"] = ports[3].ToString(), ["TARGET_PORT"] = ports[4].ToString(),
            ["DURATION"] = "2s", ["KEEP_RESULTS"] = results,
            ["PERFCLUSTER_DB_CONNECTION"] = "",
        };

        var (code, stdout, stderr) = await DeployFiles.RunScriptAsync("run-as-image.sh", TimeSpan.FromMinutes(3), env);

        // 0 passed, 1 the regression gate failed (two short runs may differ): either way the gate ran.
        Assert.True(code is 0 or 1, $"exit {code}\n{stdout}\n{stderr}");
        Assert.Contains($"ready: coordinator (http://127.0.0.1:{ports[2]}/readyz)", stdout);
        Assert.Contains($"ready: worker (http://127.0.0.1:{ports[3]}/readyz)", stdout);
        Assert.Contains("Comparing with baseline 'nightly' version 1", stdout);
        Assert.Contains($"nightly: exit {code}", stdout);
        Assert.True(File.Exists(Path.Combine(results, "nightly", "report.json")), stdout);
        ReportFiles.Read(Path.Combine(results, "nightly"));

        // The processes ran the manifests' command lines, with only the host-specific values replaced.
        var objects = DeployFiles.BaseObjects();
        var config = Path.Combine(DeployFiles.Base, "config");
        string Local(IEnumerable<string> args) => string.Join(' ', args)
            .Replace("$(POD_NAME).perfcluster-coordinator-headless.$(POD_NAMESPACE).svc.cluster.local", "127.0.0.1")
            .Replace("perfcluster-coordinator-0.perfcluster-coordinator-headless.$(POD_NAMESPACE).svc.cluster.local:4053", $"127.0.0.1:{ports[0]}")
            .Replace("$(POD_IP) --port 4053", $"127.0.0.1 --port {ports[1]}")
            .Replace("--port 4053", $"--port {ports[0]}")
            .Replace("0.0.0.0:7070", $"127.0.0.1:{ports[2]}")
            .Replace("0.0.0.0:8080", $"127.0.0.1:{ports[3]}")
            .Replace("$(CPU_LIMIT)", "1")
            .Replace("http://perfcluster-coordinator:7070", $"http://127.0.0.1:{ports[2]}")
            .Replace("/config/", config + "/");
        var lines = stdout.Split('\n').Where(l => l.StartsWith("run: ", StringComparison.Ordinal)).Select(l => l["run: ".Length..]).ToList();
        Assert.Contains(Local(objects.OfType<V1StatefulSet>().Single().Spec.Template.Spec.Containers[0].Args), lines);
        // The worker also sends load to the local target, where the pods' allow-list names the system under test.
        Assert.Contains(Local(objects.OfType<V1Deployment>().Single().Spec.Template.Spec.Containers[0].Args) + " --allow-target 127.0.0.1", lines);
        var nightly = objects.OfType<V1CronJob>().Single().Spec.JobTemplate.Spec.Template.Spec.Containers[0].Args;
        var outAt = nightly.IndexOf("--out");
        Assert.Contains(lines, l => l.StartsWith(Local(nightly.Take(outAt)) + " --out ", StringComparison.Ordinal) && l.Contains("/results/nightly --target "));
    }

    [Fact]
    public async Task Should_exit_1_from_the_health_command_when_nothing_answers_and_0_on_200()
    {
        var closed = FreePorts(1)[0];
        var down = await CliProcess.RunAsync(TimeSpan.FromSeconds(30), "health", "--url", $"http://127.0.0.1:{closed}/healthz", "--timeout", "2s");

        await using var target = await PerfCluster.Target.DemoTarget.StartAsync(new PerfCluster.Target.DemoTargetOptions(0, TimeSpan.Zero, TimeSpan.Zero));
        var up = await CliProcess.RunAsync(TimeSpan.FromSeconds(30), new Dictionary<string, string?> { ["PERFCLUSTER_HEALTH_URL"] = new Uri(target.BaseUrl, "/api/v1/projects").ToString() }, "health");
        var missing = await CliProcess.RunAsync(TimeSpan.FromSeconds(30), "health", "--url", new Uri(target.BaseUrl, "/no-such-path").ToString());

        Assert.True(down.ExitCode == 1, down.Stdout + down.Stderr);
        Assert.Contains("unhealthy:", down.Stderr);
        Assert.True(up.ExitCode == 0, up.Stdout + up.Stderr);
        Assert.StartsWith("200 ", up.Stdout);
        Assert.True(missing.ExitCode == 1, missing.Stdout + missing.Stderr);
    }

    private static int[] FreePorts(int count)
    {
        var listeners = Enumerable.Range(0, count).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToList();
        listeners.ForEach(l => l.Start());
        var ports = listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port).ToArray();
        listeners.ForEach(l => l.Stop());
        return ports;
    }
}
