using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace PerfCluster.Target;

/// <summary>
/// The demo target's own TLS certificate: self-signed, made in memory at start for 127.0.0.1, ::1 and localhost, valid
/// for a day. Nothing trusts it, so a scenario reaches the target's https port only with
/// <c>http.tls.accept-self-signed = ["127.0.0.1"]</c> (or by trusting it explicitly).
/// </summary>
public static class TargetCertificate
{
    public static X509Certificate2 Create(string subject = "CN=perfcluster-demo-target")
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddIpAddress(IPAddress.IPv6Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], false));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, false));
        var now = DateTimeOffset.UtcNow;
        return request.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(1));
    }
}
