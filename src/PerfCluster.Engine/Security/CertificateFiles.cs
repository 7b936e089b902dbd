using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace PerfCluster.Engine.Security;

/// <summary>Certificates read from files: PEM (with its key in the same or another file) or PKCS#12 (.pfx, .p12).</summary>
public static class CertificateFiles
{
    /// <summary>A certificate with its private key, usable by the TLS stack as a server or client certificate.</summary>
    /// <exception cref="TlsFileException">The file is missing or unreadable, or holds no private key.</exception>
    public static X509Certificate2 LoadWithKey(string path, string? key, string? password, string what)
    {
        Exists(path, what);
        if (key is not null) Exists(key, $"{what}'s key");
        try
        {
            if (path.EndsWith(".pfx", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".p12", StringComparison.OrdinalIgnoreCase))
                return WithKey(X509CertificateLoader.LoadPkcs12FromFile(path, password), path, what);
            using var loaded = password is null
                ? X509Certificate2.CreateFromPemFile(path, key ?? path)
                : X509Certificate2.CreateFromEncryptedPemFile(path, password, key ?? path);
            // A key read from PEM lives only in memory; exported and read back as PKCS#12 it can be used by the TLS stack
            // on every platform.
            return WithKey(X509CertificateLoader.LoadPkcs12(loaded.Export(X509ContentType.Pkcs12), null), path, what);
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException or IOException)
        {
            throw new TlsFileException($"cannot read {what} {path}{(key is null ? "" : $" with the key {key}")}: {e.Message}");
        }
    }

    /// <summary>A certificate without its key (a CA's), PEM or DER.</summary>
    public static X509Certificate2 Load(string path, string what)
    {
        Exists(path, what);
        try
        {
            return X509CertificateLoader.LoadCertificateFromFile(path);
        }
        catch (CryptographicException e)
        {
            throw new TlsFileException($"cannot read {what} {path}: {e.Message}");
        }
    }

    /// <summary>
    /// Whether <paramref name="peer"/> chains to <paramref name="authority"/> alone (not the system's trust store) and is
    /// valid now; null when it does, else why not.
    /// </summary>
    public static string? ChainProblem(X509Certificate2? peer, X509Certificate2 authority)
    {
        if (peer is null) return "the peer presented no certificate";
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(authority);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.DisableCertificateDownloads = true;
        if (!chain.Build(peer))
        {
            var status = chain.ChainStatus.Select(s => s.StatusInformation.Trim()).Where(s => s.Length > 0).Distinct();
            return $"{peer.Subject}: {string.Join("; ", status)}";
        }
        var root = chain.ChainElements[^1].Certificate;
        return root.PublicKey.ExportSubjectPublicKeyInfo().AsSpan().SequenceEqual(authority.PublicKey.ExportSubjectPublicKeyInfo())
            ? null
            : $"{peer.Subject} chains to {root.Subject}, not to {authority.Subject}";
    }

    private static X509Certificate2 WithKey(X509Certificate2 certificate, string path, string what) =>
        certificate.HasPrivateKey ? certificate : throw new TlsFileException($"{what} {path} holds no private key");

    private static void Exists(string path, string what)
    {
        if (!File.Exists(path)) throw new TlsFileException($"{what} {path} does not exist");
    }
}

/// <summary>A certificate or key file is missing, unreadable or does not belong with the others.</summary>
public sealed class TlsFileException(string message) : Exception(message);
