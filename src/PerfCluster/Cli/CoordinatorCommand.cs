using System.CommandLine;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using PerfCluster.Api;
using PerfCluster.Engine.Security;
using Serilog;

namespace PerfCluster.Cli;

/// <summary>
/// <c>perfcluster coordinator</c>: forms the cluster workers join (<c>perfcluster worker --seed HOST:PORT</c>)
/// and serves the HTTP API until SIGINT/SIGTERM, then leaves the cluster gracefully and exits 0.
/// </summary>
public static class CoordinatorCommand
{
    public const string TokenVariable = "PERFCLUSTER_API_TOKEN";
    public const string HttpsCertificateVariable = "PERFCLUSTER_API_CERT";
    public const string HttpsKeyVariable = "PERFCLUSTER_API_KEY";
    public const string HttpsPasswordVariable = "PERFCLUSTER_API_CERT_PASSWORD";

    public static Command Create()
    {
        var host = new Option<string>("--host") { Description = "Cluster transport address workers connect to.", DefaultValueFactory = _ => "127.0.0.1" };
        var port = new Option<int>("--port") { Description = "Cluster transport port (0 picks a free one).", DefaultValueFactory = _ => 4053 };
        var http = new Option<string>("--http") { Description = "HTTP API endpoint HOST:PORT (a non-loopback host needs a token).", DefaultValueFactory = _ => "127.0.0.1:7070" };
        var config = new Option<FileInfo?>("--config") { Description = "Node settings (HOCON) layered over the built-in defaults." };
        var seeds = new Option<string[]>("--seed", "-s")
        {
            Description = "Seed node host:port of a cluster to join, e.g. another coordinator (repeat for several); none: this node forms the cluster.",
            AllowMultipleArgumentsPerToken = true,
        };
        var token = new Option<string?>("--token") { Description = $"Bearer token every /api request must carry (default: ${TokenVariable})." };
        var httpsCert = new Option<string?>("--api-cert")
        {
            Description = $"Serve the API over HTTPS with this certificate: PEM (with --api-key) or .pfx (password in ${HttpsPasswordVariable}); default ${HttpsCertificateVariable}.",
        };
        var httpsKey = new Option<string?>("--api-key") { Description = $"The PEM private key of --api-cert; default ${HttpsKeyVariable}." };
        var verbose = PerfClusterCli.Verbose();
        var logFormat = PerfClusterCli.LogFormat();
        var security = new ClusterSecurity();
        var command = new Command("coordinator", "Run a coordinator node: it forms the cluster, runs load tests on the workers that join, and serves the HTTP API.")
        {
            host, port, http, seeds, config, token, httpsCert, httpsKey, verbose, logFormat,
        };
        foreach (var option in security.Options) command.Options.Add(option);
        command.SetAction(async (parse, _) =>
        {
            Logging.Configure(parse.GetValue(verbose), parse.GetValue(logFormat)!);
            var clusterPort = parse.GetValue(port);
            if (clusterPort is < 0 or > 65535) throw new UsageException($"--port must be between 0 and 65535 (got {clusterPort})");
            var clusterHost = parse.GetValue(host)!.Trim();
            if (clusterHost.Length == 0) throw new UsageException("--host must not be empty");
            var (httpHost, endpoint) = ParseHttp(parse.GetValue(http)!);
            var apiToken = ResolveToken(parse.GetValue(token));
            if (apiToken is null && !IPAddress.IsLoopback(endpoint.Address))
                throw new UsageException(
                    $"refusing to serve the API on {parse.GetValue(http)} without a token: anyone who can reach it could start load tests " +
                    $"and remove cluster members. Pass --token or set {TokenVariable}, or bind --http to 127.0.0.1.");
            var nodeConfig = LocalNode.LoadNodeConfig(parse.GetValue(config)?.FullName);
            var tls = security.Resolve(parse, nodeConfig, clusterHost, "coordinator");
            var https = HttpsCertificate(parse.GetValue(httpsCert), parse.GetValue(httpsKey), nodeConfig);
            EnsurePortFree(clusterHost, clusterPort, "the cluster transport");
            if (endpoint.Port != 0) EnsurePortFree(endpoint.Address, endpoint.Port, "the HTTP API");
            var options = new CoordinatorServerOptions
            {
                ClusterHost = clusterHost,
                ClusterPort = clusterPort,
                Http = endpoint,
                HttpHost = httpHost,
                Token = apiToken,
                NodeConfig = nodeConfig,
                Tls = tls,
                HttpsCertificate = https,
                Verbose = parse.GetValue(verbose),
                Seeds = (parse.GetValue(seeds) ?? []).Select(s => WorkerCommand.SeedAddress(s, tls is not null)).ToList(),
            };

            CoordinatorServer server;
            try
            {
                server = await CoordinatorServer.StartAsync(options);
            }
            catch (OperationCanceledException)
            {
                Console.Error.WriteLine("The coordinator stopped before it was ready.");
                return ExitCodes.BadInput;
            }
            catch (Exception e) when (e is IOException or SocketException or InvalidOperationException or Akka.Remote.RemoteTransportException)
            {
                throw new UsageException($"the coordinator could not start: {e.Message}");
            }
            await using (server)
            {
                Console.Out.WriteLine($"Coordinator ready: cluster {server.ClusterAddress}, API {server.ApiUrl}".TrimEnd('/'));
                using var stopping = server.Stopping.Register(() => Console.Out.WriteLine("Coordinator stopping: leaving the cluster..."));
                await server.WaitForShutdownAsync();
            }
            Console.Out.WriteLine("Coordinator stopped.");
            Log.CloseAndFlush();
            return ExitCodes.Passed;
        });
        return command;
    }

    /// <summary>
    /// The cluster transport binds with address reuse, so on Linux a second node on a taken port would start
    /// and share it silently; a plain bind first tells the user instead (and spares the host's stack trace
    /// when the HTTP port is taken).
    /// </summary>
    private static void EnsurePortFree(string host, int port, string what)
    {
        if (port == 0) return;
        IPAddress address;
        try
        {
            address = IPAddress.TryParse(host, out var ip) ? ip : Dns.GetHostAddresses(host).First();
        }
        catch (Exception e) when (e is SocketException or InvalidOperationException)
        {
            throw new UsageException($"--host {host} cannot be resolved: {e.Message}");
        }
        EnsurePortFree(address, port, what);
    }

    private static void EnsurePortFree(IPAddress address, int port, string what)
    {
        var probe = new TcpListener(address, port);
        try
        {
            probe.Start();
        }
        catch (SocketException e)
        {
            throw new UsageException($"cannot listen on {new IPEndPoint(address, port)} for {what}: {e.Message}");
        }
        finally
        {
            probe.Stop();
        }
    }

    /// <summary>The API's certificate from --api-cert/--api-key, else PERFCLUSTER_API_CERT/_KEY, else perfcluster.api.tls; null: HTTP.</summary>
    private static X509Certificate2? HttpsCertificate(string? certificate, string? key, Akka.Configuration.Config? nodeConfig)
    {
        var config = PerfCluster.Engine.Hosting.PerfClusterHosting.Effective(new PerfCluster.Engine.Hosting.NodeOptions { Config = nodeConfig });
        string? Pick(string? flag, string variable, string setting)
        {
            var value = flag ?? Environment.GetEnvironmentVariable(variable) ?? config.GetString($"perfcluster.api.tls.{setting}", "");
            return string.IsNullOrWhiteSpace(value) ? null : value.Trim();
        }
        var path = Pick(certificate, HttpsCertificateVariable, "certificate");
        var keyPath = Pick(key, HttpsKeyVariable, "key");
        if (path is null)
            return keyPath is null ? null : throw new UsageException("--api-key needs --api-cert (the certificate it belongs to)");
        try
        {
            return CertificateFiles.LoadWithKey(path, keyPath, Pick(null, HttpsPasswordVariable, "password"), "the API certificate");
        }
        catch (TlsFileException e)
        {
            throw new UsageException(e.Message);
        }
    }

    /// <summary>--token, else $PERFCLUSTER_API_TOKEN; empty means none.</summary>
    public static string? ResolveToken(string? option)
    {
        var value = option ?? Environment.GetEnvironmentVariable(TokenVariable);
        return string.IsNullOrWhiteSpace(value) ? null : value.Trim();
    }

    /// <summary>
    /// HOST:PORT (or http://HOST:PORT): an IP address, * / 0.0.0.0 for every interface, or a host name,
    /// bound at the address it resolves to (IPv4 first).
    /// </summary>
    public static (string Host, IPEndPoint Endpoint) ParseHttp(string text)
    {
        var trimmed = text.Trim();
        foreach (var scheme in new[] { "http://", "https://" })
            if (trimmed.StartsWith(scheme, StringComparison.OrdinalIgnoreCase)) trimmed = trimmed[scheme.Length..].TrimEnd('/');
        var colon = trimmed.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(trimmed[(colon + 1)..], out var port) || port is < 0 or > 65535)
            throw new UsageException($"--http must be HOST:PORT, e.g. 127.0.0.1:7070 (got '{text}')");
        var host = trimmed[..colon].Trim('[', ']');
        if (host is "*" or "+") return ("0.0.0.0", new IPEndPoint(IPAddress.Any, port));
        if (IPAddress.TryParse(host, out var ip)) return (host, new IPEndPoint(ip, port));
        if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase)) return (host, new IPEndPoint(IPAddress.Loopback, port));
        IPAddress[] addresses;
        try
        {
            addresses = Dns.GetHostAddresses(host);
        }
        catch (Exception e) when (e is SocketException or ArgumentException)
        {
            throw new UsageException($"--http host '{host}' cannot be resolved: {e.Message}");
        }
        var address = addresses.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork) ?? addresses.FirstOrDefault()
            ?? throw new UsageException($"--http host '{host}' resolves to no address");
        return (host, new IPEndPoint(address, port));
    }
}
