using System.Text.Json;
using System.Text.RegularExpressions;
using PerfCluster.Engine.Security;
using PerfCluster.Target;
using PerfCluster.Tests.Api;

namespace PerfCluster.Tests.Cluster;

/// <summary>
/// The cluster's back door, with real processes on loopback: a coordinator and a worker on mutual TLS, nodes that try
/// to join without a certificate or with one from another CA, a worker that refuses a share outside its allow-list,
/// and nodes that will not bind a non-loopback address without TLS. The target counts every request it gets.
/// </summary>
public partial class ClusterSecurityEndToEndSpecs
{
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(60);

    private static string Scenario(Uri target) => $$"""
        name = "guarded"
        target = "{{target}}"
        concurrent-users = 2
        duration = 3s
        endpoints = [ "/api/v1/projects" ]
        """;

    /// <summary>A CA with a coordinator's and a worker's certificate, and an impostor's from a CA of its own.</summary>
    private sealed record Certificates(string[] Coordinator, string[] Worker, string[] Impostor);

    private static Certificates MakeCertificates(TempDirectory dir)
    {
        var ca = ClusterCertificates.CreateAuthority("cluster CA");
        var other = ClusterCertificates.CreateAuthority("cluster CA");
        string[] Node(string name, PemPair authority, string caName)
        {
            var node = ClusterCertificates.Issue(authority, name, ["127.0.0.1"]);
            return
            [
                "--tls-cert", dir.File($"{name}.crt", node.Certificate), "--tls-key", dir.File($"{name}.key", node.Key),
                "--tls-ca", dir.File(caName, authority.Certificate),
            ];
        }
        return new Certificates(Node("coordinator", ca, "ca.crt"), Node("worker", ca, "ca.crt"), Node("impostor", other, "other-ca.crt"));
    }

    [GeneratedRegex(@"Worker ready: (?<address>akka(\.ssl)?\.tcp://perfcluster@127\.0\.0\.1:(?<port>\d+))")]
    private static partial Regex WorkerReady();

    private static async Task<List<string>> MemberAddresses(CoordinatorProcess coordinator)
    {
        var (status, body, _) = await coordinator.GetAsync("api/cluster/members");
        Assert.Equal(200, status);
        return body.EnumerateArray().Select(m => m.GetProperty("address").GetString()!).ToList();
    }

    [Fact]
    public async Task Should_let_no_node_without_a_certificate_of_the_cluster_CA_join_or_command_a_worker()
    {
        await using var target = await DemoTarget.StartAsync(new DemoTargetOptions(0, TimeSpan.Zero, TimeSpan.Zero));
        using var dir = new TempDirectory();
        var certs = MakeCertificates(dir);
        await using var coordinator = await CoordinatorProcess.StartAsync(null, null, null, [], certs.Coordinator);
        Assert.StartsWith("akka.ssl.tcp://", coordinator.ClusterAddress);
        using var worker = CliProcess.Start(["worker", "--seed", coordinator.Seed, .. certs.Worker]);
        await worker.WaitForOutputAsync("Worker ready", Budget);
        var workerSeed = $"127.0.0.1:{WorkerReady().Match(worker.Stdout).Groups["port"].Value}";

        // Impostors seed both real nodes, each with its own API and no token: one speaks plain TCP, one TLS with a
        // certificate of another CA. Neither may become a member, so neither can hand the worker a share.
        using var plain = CliProcess.Start("coordinator", "--port", "0", "--http", "127.0.0.1:0", "--seed", coordinator.Seed, "--seed", workerSeed);
        using var foreign = CliProcess.Start(["coordinator", "--port", "0", "--http", "127.0.0.1:0", "--seed", coordinator.Seed, "--seed", workerSeed,
            .. certs.Impostor]);
        await Task.Delay(TimeSpan.FromSeconds(15));

        Assert.DoesNotContain("Coordinator ready", plain.Stdout);
        Assert.DoesNotContain("Coordinator ready", foreign.Stdout);
        var members = await MemberAddresses(coordinator);
        Assert.Equal(2, members.Count);
        Assert.Contains(coordinator.ClusterAddress, members);
        Assert.Contains(WorkerReady().Match(worker.Stdout).Groups["address"].Value, members);
        Assert.Contains("refused the peer", coordinator.Process.Stderr + worker.Stderr);
        Assert.Equal(0, target.TotalServed);

        // The proper nodes run load over TLS, and every request the target served is in the report.
        var file = dir.File("guarded.conf", Scenario(target.BaseUrl));
        var (code, stdout, stderr) = await coordinator.CliAsync("run", file, "--out", dir.Sub("out"));
        Assert.True(code == 0, $"exit {code}\n{stdout}\n{stderr}");
        var requests = ReportFiles.Read(dir.Sub("out")).GetProperty("load_tests").GetProperty("guarded").GetProperty("requests").GetInt64();
        Assert.True(requests > 0);
        Assert.Equal(target.TotalServed, requests);

        worker.Signal("TERM");
        Assert.Equal(0, await worker.WaitAsync(Budget));
    }

    [Fact]
    public async Task Should_have_a_worker_refuse_a_share_for_a_target_outside_its_allow_list_and_the_run_say_why()
    {
        await using var target = await DemoTarget.StartAsync(new DemoTargetOptions(0, TimeSpan.Zero, TimeSpan.Zero));
        using var dir = new TempDirectory();
        await using var coordinator = await CoordinatorProcess.StartAsync(CoordinatorProcess.FastConfig(dir));
        using var worker = CliProcess.Start("worker", "--seed", coordinator.Seed, "--allow-target", "10.0.0.0/8");
        await worker.WaitForOutputAsync("Worker ready", Budget);

        var file = dir.File("guarded.conf", Scenario(target.BaseUrl));
        var (code, stdout, stderr) = await coordinator.CliAsync("run", file, "--out", dir.Sub("out"));

        Assert.Equal(2, code);
        Assert.Contains("refused its share", stderr + stdout);
        Assert.Contains("perfcluster.worker.allowed-targets", stderr + stdout);
        Assert.Contains("refusing the share", worker.Stderr);
        Assert.Equal(0, target.TotalServed);

        // The API's view of the run says the same.
        var (_, runs, _) = await coordinator.GetAsync("api/runs");
        var run = Assert.Single(runs.EnumerateArray());
        Assert.Equal("failed", run.GetProperty("state").GetString());
        Assert.Contains("refused its share", run.GetRawText());
        worker.Signal("TERM");
        await worker.WaitAsync(Budget);
    }

    [Theory]
    [InlineData("coordinator", "--host", "0.0.0.0", "--port", "0", "--http", "127.0.0.1:0")]
    [InlineData("worker", "--host", "0.0.0.0", "--seed", "127.0.0.1:1")]
    public async Task Should_refuse_a_non_loopback_cluster_address_without_TLS(params string[] args)
    {
        var (code, stdout, stderr) = await CliProcess.RunAsync(Budget, args);

        Assert.True(code == 2, $"exit {code}\n{stdout}\n{stderr}");
        Assert.Contains("without TLS", stderr);
        Assert.Contains("--insecure-cluster", stderr);
        Assert.DoesNotContain("   at ", stderr);
    }

    [Fact]
    public async Task Should_say_which_certificate_file_is_wrong()
    {
        using var dir = new TempDirectory();
        var certs = MakeCertificates(dir);
        var missing = await CliProcess.RunAsync(Budget, "worker", "--seed", "127.0.0.1:1", "--tls-cert", dir.Sub("nope.crt"), "--tls-ca", certs.Worker[5]);
        // A certificate of another CA than the one the node is told to trust.
        var mismatched = await CliProcess.RunAsync(Budget, "worker", "--seed", "127.0.0.1:1",
            "--tls-cert", certs.Impostor[1], "--tls-key", certs.Impostor[3], "--tls-ca", certs.Worker[5]);

        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("nope.crt does not exist", missing.Stderr);
        Assert.Equal(2, mismatched.ExitCode);
        Assert.Contains("is not a certificate of the cluster CA", mismatched.Stderr);
        Assert.DoesNotContain("   at ", missing.Stderr + mismatched.Stderr);
    }

    [Fact]
    public async Task Should_make_a_CA_and_node_certificates_from_the_command_line_that_load_as_the_cluster_TLS()
    {
        using var dir = new TempDirectory();
        var certs = dir.Sub("certs");

        var ca = await CliProcess.RunAsync(Budget, "cert", "create-ca", "--dir", certs);
        var node = await CliProcess.RunAsync(Budget, new Dictionary<string, string?> { [ClusterTlsFiles.PasswordVariable] = "pfx-pass" },
            "cert", "issue", "worker-1", "--dir", certs, "--san", "10.0.0.7", "--san", "worker-1.internal", "--pfx", "--days", "30");
        var again = await CliProcess.RunAsync(Budget, "cert", "issue", "worker-1", "--dir", certs);

        Assert.True(ca.ExitCode == 0, ca.Stderr);
        Assert.True(node.ExitCode == 0, node.Stderr);
        Assert.Equal(2, again.ExitCode);
        Assert.Contains("exists already", again.Stderr);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(certs, "ca.key")));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(certs, "worker-1.key")));
        }

        var pem = ClusterTls.Load(new ClusterTlsFiles(Path.Combine(certs, "worker-1.crt"), Path.Combine(certs, "worker-1.key"), null, Path.Combine(certs, "ca.crt")));
        var pfx = ClusterTls.Load(new ClusterTlsFiles(Path.Combine(certs, "worker-1.pfx"), null, "pfx-pass", Path.Combine(certs, "ca.crt")));
        Assert.Equal(pem.Certificate.Thumbprint, pfx.Certificate.Thumbprint);
        Assert.InRange((pem.Certificate.NotAfter - DateTime.Now).TotalDays, 29, 30.1);
        var names = pem.Certificate.Extensions.OfType<System.Security.Cryptography.X509Certificates.X509SubjectAlternativeNameExtension>().Single();
        Assert.Contains("worker-1.internal", names.EnumerateDnsNames());
        Assert.Contains(System.Net.IPAddress.Parse("10.0.0.7"), names.EnumerateIPAddresses());
    }
}
