using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Akka.Configuration;
using Akka.Event;

namespace PerfCluster.Engine.Security;

/// <summary>
/// Where a node's cluster certificate comes from: a PEM certificate with its key (or one PFX file with a
/// password) issued by the cluster's CA, and the CA's certificate that every peer must chain to.
/// Flags win over environment variables, which win over <c>perfcluster.cluster.tls</c> in HOCON.
/// </summary>
public sealed record ClusterTlsFiles(string? Certificate, string? Key, string? Password, string? Authority)
{
    public const string CertificateVariable = "PERFCLUSTER_TLS_CERT";
    public const string KeyVariable = "PERFCLUSTER_TLS_KEY";
    public const string PasswordVariable = "PERFCLUSTER_TLS_PASSWORD";
    public const string AuthorityVariable = "PERFCLUSTER_TLS_CA";

    public static ClusterTlsFiles None { get; } = new(null, null, null, null);

    /// <summary>Nothing named anywhere: the transport is plain TCP (allowed on loopback only, or with --insecure-cluster).</summary>
    public bool IsEmpty => Certificate is null && Authority is null;

    /// <summary>Flags first, then PERFCLUSTER_TLS_*, then <c>perfcluster.cluster.tls</c>.</summary>
    public static ClusterTlsFiles Resolve(Config config, ClusterTlsFiles flags, Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        string? Pick(string? flag, string variable, string key)
        {
            var value = flag ?? environment(variable) ?? config.GetString($"perfcluster.cluster.tls.{key}", "");
            return string.IsNullOrWhiteSpace(value) ? null : value.Trim();
        }
        return new ClusterTlsFiles(
            Pick(flags.Certificate, CertificateVariable, "certificate"),
            Pick(flags.Key, KeyVariable, "key"),
            Pick(flags.Password, PasswordVariable, "password"),
            Pick(flags.Authority, AuthorityVariable, "ca"));
    }
}

/// <summary>
/// Mutual TLS on the cluster transport: this node presents <see cref="Certificate"/> and accepts a peer only
/// when the peer's certificate chains to <see cref="Authority"/>, the cluster's own CA (not the system's trust
/// store, so a certificate any public CA issued is refused too). Both directions are checked: the node that
/// connects checks the one it reaches, and the one reached demands and checks a client certificate.
/// </summary>
public sealed class ClusterTls
{
    private ClusterTls(X509Certificate2 certificate, X509Certificate2 authority)
    {
        Certificate = certificate;
        Authority = authority;
    }

    public X509Certificate2 Certificate { get; }
    public X509Certificate2 Authority { get; }

    /// <summary>Loads and checks the files: a readable certificate with its private key, issued by the CA named.</summary>
    /// <exception cref="TlsFileException">A file is missing or unreadable, the key is absent, or the CA did not issue the certificate.</exception>
    public static ClusterTls Load(ClusterTlsFiles files)
    {
        if (files.Certificate is null)
            throw new TlsFileException($"cluster TLS: a CA is named but no node certificate (--tls-cert, {ClusterTlsFiles.CertificateVariable} or perfcluster.cluster.tls.certificate)");
        if (files.Authority is null)
            throw new TlsFileException($"cluster TLS: a node certificate is named but not the cluster's CA certificate (--tls-ca, {ClusterTlsFiles.AuthorityVariable} or perfcluster.cluster.tls.ca)");
        var authority = ReadCertificate(files.Authority, "the CA certificate");
        var certificate = ReadNodeCertificate(files);
        var tls = new ClusterTls(certificate, authority);
        if (tls.Rejects(certificate) is { } why)
            throw new TlsFileException($"cluster TLS: {files.Certificate} is not a certificate of the cluster CA {files.Authority}: {why}");
        return tls;
    }

    /// <summary>Why a peer's certificate is refused, or null when it chains to the cluster CA and is valid now.</summary>
    public string? Rejects(X509Certificate2? peer) => CertificateFiles.ChainProblem(peer, Authority);

    /// <summary>The transport's validation callback: the chain is built again against the cluster CA alone.</summary>
    public bool Validate(X509Certificate2? peer, X509Chain? chain, string remote, SslPolicyErrors errors, ILoggingAdapter log)
    {
        var why = Rejects(peer);
        if (why is null) return true;
        log.Warning("Cluster TLS: refused the peer at {Remote}: {Reason}", remote, why);
        return false;
    }

    private static X509Certificate2 ReadNodeCertificate(ClusterTlsFiles files) =>
        CertificateFiles.LoadWithKey(files.Certificate!, files.Key, files.Password, "cluster TLS: the node certificate");

    private static X509Certificate2 ReadCertificate(string path, string what) => CertificateFiles.Load(path, $"cluster TLS: {what}");
}
