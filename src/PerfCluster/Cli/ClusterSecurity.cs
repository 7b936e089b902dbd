using System.CommandLine;
using System.Net;
using Akka.Configuration;
using PerfCluster.Engine.Hosting;
using PerfCluster.Engine.Security;
using Serilog;

namespace PerfCluster.Cli;

/// <summary>
/// The cluster-transport flags of <c>perfcluster coordinator</c> and <c>perfcluster worker</c>, and the rule they
/// follow: a node bound to anything but loopback runs mutual TLS, or says <c>--insecure-cluster</c> out loud
/// (the same rule the API token follows). Without TLS, any process that reaches the port can join the cluster as a
/// coordinator and aim the workers' load wherever it likes.
/// </summary>
public sealed class ClusterSecurity
{
    private readonly Option<string?> _certificate = new("--tls-cert")
    {
        Description = $"This node's cluster certificate: PEM (with --tls-key) or .pfx (password in ${ClusterTlsFiles.PasswordVariable}); default ${ClusterTlsFiles.CertificateVariable}.",
    };
    private readonly Option<string?> _key = new("--tls-key") { Description = $"The PEM private key of --tls-cert; default ${ClusterTlsFiles.KeyVariable}." };
    private readonly Option<string?> _authority = new("--tls-ca")
    {
        Description = $"The cluster CA's certificate: only nodes whose certificates it issued may connect; default ${ClusterTlsFiles.AuthorityVariable}.",
    };
    private readonly Option<bool> _insecure = new("--insecure-cluster")
    {
        Description = "Allow a plain-TCP cluster transport on a non-loopback address (anyone who reaches it can join and command the workers).",
    };

    public IEnumerable<Option> Options => [_certificate, _key, _authority, _insecure];

    /// <summary>
    /// The node's TLS from flags, environment or HOCON; null for plain TCP, which only loopback or --insecure-cluster allows.
    /// </summary>
    /// <exception cref="UsageException">The files are unusable, or a non-loopback address has neither TLS nor --insecure-cluster.</exception>
    public ClusterTls? Resolve(ParseResult parse, Config? nodeConfig, string host, string what)
    {
        var files = ClusterTlsFiles.Resolve(PerfClusterHosting.Effective(new NodeOptions { Config = nodeConfig }),
            new ClusterTlsFiles(parse.GetValue(_certificate), parse.GetValue(_key), null, parse.GetValue(_authority)));
        if (!files.IsEmpty)
        {
            try
            {
                return ClusterTls.Load(files);
            }
            catch (TlsFileException e)
            {
                throw new UsageException(e.Message);
            }
        }
        if (IsLoopback(host)) return null;
        if (!parse.GetValue(_insecure))
            throw new UsageException(
                $"refusing to bind the cluster transport of this {what} to {host} without TLS: any process that can reach it could join the " +
                "cluster and send the workers' load anywhere. Give --tls-cert, --tls-key and --tls-ca (made with 'perfcluster cert create-ca' " +
                $"and 'perfcluster cert issue', docs/security.md), bind --host 127.0.0.1, or pass --insecure-cluster on a network only you can reach.");
        Log.Warning("The cluster transport of this {What} listens on {Host} without TLS (--insecure-cluster): any process that reaches it " +
                    "can join the cluster and command its workers", what, host);
        return null;
    }

    public static bool IsLoopback(string host)
    {
        var h = host.Trim().Trim('[', ']');
        return h.Equals("localhost", StringComparison.OrdinalIgnoreCase) || (IPAddress.TryParse(h, out var ip) && IPAddress.IsLoopback(ip));
    }
}
