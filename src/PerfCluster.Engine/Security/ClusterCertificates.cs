using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace PerfCluster.Engine.Security;

/// <summary>A certificate and its private key, as PEM text.</summary>
public sealed record PemPair(string Certificate, string Key);

/// <summary>
/// The cluster's own certificate authority and the node certificates it issues (<c>perfcluster cert</c>).
/// Keys are ECDSA P-256; the CA may sign only node certificates (path length 0), and a node certificate is
/// good for both ends of a TLS connection, since every node both accepts and opens cluster connections.
/// </summary>
public static class ClusterCertificates
{
    public const int AuthorityDays = 3650;
    public const int NodeDays = 365;

    public static PemPair CreateAuthority(string name, int days = AuthorityDays, DateTimeOffset? now = null)
    {
        var from = (now ?? DateTimeOffset.UtcNow).AddMinutes(-5);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(Subject(name), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        using var certificate = request.CreateSelfSigned(from, from.AddDays(days));
        return new PemPair(certificate.ExportCertificatePem(), key.ExportPkcs8PrivateKeyPem());
    }

    /// <summary>
    /// A node certificate signed by the CA. <paramref name="names"/> become subject alternative names (DNS names or
    /// IP addresses); peers check the chain to the CA, not the names, so they are for the operator's eyes and other tools.
    /// </summary>
    public static PemPair Issue(PemPair authority, string name, IEnumerable<string> names, int days = NodeDays, DateTimeOffset? now = null)
    {
        using var caKey = ECDsa.Create();
        caKey.ImportFromPem(authority.Key);
        using var caPublic = X509Certificate2.CreateFromPem(authority.Certificate);
        using var ca = caPublic.CopyWithPrivateKey(caKey);
        var from = (now ?? DateTimeOffset.UtcNow).AddMinutes(-5);
        // A node certificate lies within its CA's validity.
        if (from < ca.NotBefore) from = ca.NotBefore;
        var until = from.AddDays(days);
        if (until > ca.NotAfter) until = ca.NotAfter;

        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(Subject(name), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyAgreement, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid("1.3.6.1.5.5.7.3.1", "Server Authentication"), new Oid("1.3.6.1.5.5.7.3.2", "Client Authentication")], false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, true, false));
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName(name);
        foreach (var n in names.Where(n => !string.IsNullOrWhiteSpace(n)).Select(n => n.Trim()))
        {
            if (IPAddress.TryParse(n, out var ip)) san.AddIpAddress(ip);
            else san.AddDnsName(n);
        }
        request.CertificateExtensions.Add(san.Build());
        using var certificate = request.Create(ca, from, until, RandomNumberGenerator.GetBytes(16));
        return new PemPair(certificate.ExportCertificatePem(), key.ExportPkcs8PrivateKeyPem());
    }

    /// <summary>The node certificate and key as one PKCS#12 file, for tools that take PFX.</summary>
    public static byte[] ToPfx(PemPair node, string? password)
    {
        using var certificate = X509Certificate2.CreateFromPem(node.Certificate, node.Key);
        return certificate.Export(X509ContentType.Pkcs12, password);
    }

    private static X500DistinguishedName Subject(string name)
    {
        var subject = new X500DistinguishedNameBuilder();
        subject.AddOrganizationName("PerfCluster");
        subject.AddCommonName(name);
        return subject.Build();
    }
}
