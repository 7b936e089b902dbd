using System.Net.Security;
using System.Security.Cryptography;
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
    private readonly byte[] _authorityKey;

    private ClusterTls(X509Certificate2 certificate, X509Certificate2 authority)
    {
        Certificate = certificate;
        Authority = authority;
        _authorityKey = authority.PublicKey.ExportSubjectPublicKeyInfo();
    }

    public X509Certificate2 Certificate { get; }
    public X509Certificate2 Authority { get; }

    /// <summary>Loads and checks the files: a readable certificate with its private key, issued by the CA named.</summary>
    /// <exception cref="ClusterTlsException">A file is missing or unreadable, the key is absent, or the CA did not issue the certificate.</exception>
    public static ClusterTls Load(ClusterTlsFiles files)
    {
        if (files.Certificate is null)
            throw new ClusterTlsException($"cluster TLS: a CA is named but no node certificate (--tls-cert, {ClusterTlsFiles.CertificateVariable} or perfcluster.cluster.tls.certificate)");
        if (files.Authority is null)
            throw new ClusterTlsException($"cluster TLS: a node certificate is named but not the cluster's CA certificate (--tls-ca, {ClusterTlsFiles.AuthorityVariable} or perfcluster.cluster.tls.ca)");
        var authority = ReadCertificate(files.Authority, "the CA certificate");
        var certificate = ReadNodeCertificate(files);
        var tls = new ClusterTls(certificate, authority);
        if (tls.Rejects(certificate) is { } why)
            throw new ClusterTlsException($"cluster TLS: {files.Certificate} is not a certificate of the cluster CA {files.Authority}: {why}");
        return tls;
    }

    /// <summary>Why a peer's certificate is refused, or null when it chains to the cluster CA and is valid now.</summary>
    public string? Rejects(X509Certificate2? peer)
    {
        if (peer is null) return "the peer presented no certificate";
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(Authority);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.DisableCertificateDownloads = true;
        if (!chain.Build(peer))
        {
            var status = chain.ChainStatus.Select(s => s.StatusInformation.Trim()).Where(s => s.Length > 0).Distinct();
            return $"{peer.Subject}: {string.Join("; ", status)}";
        }
        var root = chain.ChainElements[^1].Certificate;
        return root.PublicKey.ExportSubjectPublicKeyInfo().AsSpan().SequenceEqual(_authorityKey)
            ? null
            : $"{peer.Subject} chains to {root.Subject}, not to the cluster CA";
    }

    /// <summary>The transport's validation callback: the chain is built again against the cluster CA alone.</summary>
    public bool Validate(X509Certificate2? peer, X509Chain? chain, string remote, SslPolicyErrors errors, ILoggingAdapter log)
    {
        var why = Rejects(peer);
        if (why is null) return true;
        log.Warning("Cluster TLS: refused the peer at {Remote}: {Reason}", remote, why);
        return false;
    }

    private static X509Certificate2 ReadNodeCertificate(ClusterTlsFiles files)
    {
        var path = files.Certificate!;
        Exists(path, "the node certificate");
        try
        {
            if (path.EndsWith(".pfx", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".p12", StringComparison.OrdinalIgnoreCase))
                return WithKey(X509CertificateLoader.LoadPkcs12FromFile(path, files.Password), path);
            var key = files.Key ?? path;
            if (files.Key is not null) Exists(key, "the node key");
            var loaded = files.Password is null
                ? X509Certificate2.CreateFromPemFile(path, key)
                : X509Certificate2.CreateFromEncryptedPemFile(path, files.Password, key);
            // A key created from PEM lives only in memory; exported and read back as PKCS#12 it can be used by the TLS stack
            // on every platform.
            using (loaded)
                return WithKey(X509CertificateLoader.LoadPkcs12(loaded.Export(X509ContentType.Pkcs12), null), path);
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException or IOException)
        {
            throw new ClusterTlsException($"cluster TLS: cannot read the node certificate {path}{(files.Key is null ? "" : $" with the key {files.Key}")}: {e.Message}");
        }
    }

    private static X509Certificate2 WithKey(X509Certificate2 certificate, string path) =>
        certificate.HasPrivateKey ? certificate : throw new ClusterTlsException($"cluster TLS: {path} holds no private key");

    private static X509Certificate2 ReadCertificate(string path, string what)
    {
        Exists(path, what);
        try
        {
            return X509CertificateLoader.LoadCertificateFromFile(path);
        }
        catch (CryptographicException e)
        {
            throw new ClusterTlsException($"cluster TLS: cannot read {what} {path}: {e.Message}");
        }
    }

    private static void Exists(string path, string what)
    {
        if (!File.Exists(path)) throw new ClusterTlsException($"cluster TLS: {what} {path} does not exist");
    }
}

/// <summary>The cluster's TLS files are missing, unreadable or do not belong together.</summary>
public sealed class ClusterTlsException(string message) : Exception(message);
