using System.Security.Cryptography.X509Certificates;
using Akka.Configuration;
using PerfCluster.Engine.Security;

namespace PerfCluster.Engine.Tests.Security;

public sealed class ClusterTlsSpecs : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "perfcluster-tls-" + Guid.NewGuid().ToString("N"));
    private readonly PemPair _ca = ClusterCertificates.CreateAuthority("cluster CA");

    public ClusterTlsSpecs() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string name, string text)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    private ClusterTls Node(string name = "node")
    {
        var node = ClusterCertificates.Issue(_ca, name, []);
        return ClusterTls.Load(new ClusterTlsFiles(Write($"{name}.crt", node.Certificate), Write($"{name}.key", node.Key), null, Write("ca.crt", _ca.Certificate)));
    }

    /// <summary>A node of a CA made 100 days ago, so that certificates can be issued in the past.</summary>
    private ClusterTlsFiles FilesFor(out PemPair ca)
    {
        ca = ClusterCertificates.CreateAuthority("old CA", now: DateTimeOffset.UtcNow.AddDays(-100));
        var node = ClusterCertificates.Issue(ca, "node", []);
        return new ClusterTlsFiles(Write("old-node.crt", node.Certificate), Write("old-node.key", node.Key), null, Write("old-ca.crt", ca.Certificate));
    }

    private static X509Certificate2 Certificate(PemPair pair) => X509Certificate2.CreateFromPem(pair.Certificate, pair.Key);

    [Fact]
    public void Should_accept_a_peer_whose_certificate_the_cluster_CA_issued()
    {
        var tls = Node();
        using var peer = Certificate(ClusterCertificates.Issue(_ca, "worker-7", ["10.0.0.7"]));

        Assert.Null(tls.Rejects(peer));
        Assert.True(tls.Certificate.HasPrivateKey);
    }

    [Fact]
    public void Should_refuse_a_peer_with_a_certificate_of_another_CA_of_the_same_name()
    {
        var tls = Node();
        using var foreign = Certificate(ClusterCertificates.Issue(ClusterCertificates.CreateAuthority("cluster CA"), "node", []));

        Assert.Contains("CN=node", tls.Rejects(foreign));
    }

    [Fact]
    public void Should_refuse_a_peer_without_a_certificate_or_with_an_expired_one()
    {
        var tls = ClusterTls.Load(FilesFor(out var ca));
        using var expired = Certificate(ClusterCertificates.Issue(ca, "old", [], days: 30, now: DateTimeOffset.UtcNow.AddDays(-60)));
        using var selfSigned = Certificate(ClusterCertificates.CreateAuthority("node"));

        Assert.Equal("the peer presented no certificate", tls.Rejects(null));
        Assert.NotNull(tls.Rejects(expired));
        Assert.NotNull(tls.Rejects(selfSigned));
    }

    [Fact]
    public void Should_say_which_file_is_missing_or_does_not_belong_to_the_CA()
    {
        var node = ClusterCertificates.Issue(_ca, "node", []);
        var crt = Write("node.crt", node.Certificate);
        var ca = Write("ca.crt", _ca.Certificate);
        var other = Write("other.crt", ClusterCertificates.CreateAuthority("other").Certificate);

        var noKey = Assert.Throws<TlsFileException>(() => ClusterTls.Load(new ClusterTlsFiles(crt, null, null, ca)));
        var wrongCa = Assert.Throws<TlsFileException>(() => ClusterTls.Load(new ClusterTlsFiles(crt, Write("node.key", node.Key), null, other)));
        var noCa = Assert.Throws<TlsFileException>(() => ClusterTls.Load(new ClusterTlsFiles(crt, null, null, null)));
        var missing = Assert.Throws<TlsFileException>(() => ClusterTls.Load(new ClusterTlsFiles(Path.Combine(_dir, "none.crt"), null, null, ca)));

        Assert.Contains("cannot read cluster TLS: the node certificate", noKey.Message);
        Assert.Contains("is not a certificate of the cluster CA", wrongCa.Message);
        Assert.Contains("--tls-ca", noCa.Message);
        Assert.Contains("none.crt does not exist", missing.Message);
    }

    [Fact]
    public void Should_take_the_files_from_flags_then_the_environment_then_HOCON()
    {
        var config = ConfigurationFactory.ParseString("""
            perfcluster.cluster.tls { certificate = "/hocon/node.crt", key = "/hocon/node.key", ca = "/hocon/ca.crt" }
            """);
        var environment = new Dictionary<string, string?> { [ClusterTlsFiles.KeyVariable] = "/env/node.key", [ClusterTlsFiles.PasswordVariable] = "pw" };

        var files = ClusterTlsFiles.Resolve(config, new ClusterTlsFiles("/flag/node.crt", null, null, null), environment.GetValueOrDefault);

        Assert.Equal(new ClusterTlsFiles("/flag/node.crt", "/env/node.key", "pw", "/hocon/ca.crt"), files);
        Assert.True(ClusterTlsFiles.Resolve(ConfigurationFactory.Empty.WithFallback(EngineReference.Config), ClusterTlsFiles.None, _ => null).IsEmpty);
    }
}
