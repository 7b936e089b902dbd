using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using PerfCluster.Api;
using PerfCluster.Api.Client;
using PerfCluster.Engine.Security;

namespace PerfCluster.Tests.Api;

/// <summary>
/// The API against a client that guesses: failed attempts are limited per client address, the dashboard gets headers
/// that keep it from being framed or made to run other scripts, and the API may be served over HTTPS.
/// </summary>
public class ApiHardeningSpecs
{
    private const string Token = "a-long-random-token";

    /// <summary>A client whose connections come from <paramref name="source"/> (any address of 127.0.0.0/8 is loopback).</summary>
    private static HttpClient ClientFrom(IPAddress source, Uri api, string? token)
    {
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (context, cancellationToken) =>
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                socket.Bind(new IPEndPoint(source, 0));
                await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            },
        };
        var client = new HttpClient(handler) { BaseAddress = api };
        if (token is not null) client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    [Fact]
    public async Task Should_answer_429_to_a_client_after_its_failed_attempts_and_keep_serving_other_clients()
    {
        using var dir = new TempDirectory();
        var config = dir.File("node.conf", "perfcluster.api { auth-failure-limit = 3, auth-failure-window = 1m }\n");
        await using var coordinator = await CoordinatorProcess.StartAsync(config, Token);
        using var guesser = ClientFrom(IPAddress.Parse("127.0.0.1"), coordinator.Api, "guess");
        using var guesserWithToken = ClientFrom(IPAddress.Parse("127.0.0.1"), coordinator.Api, Token);
        using var other = ClientFrom(IPAddress.Parse("127.0.0.2"), coordinator.Api, Token);

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 5; i++)
        {
            using var answer = await guesser.GetAsync("api/runs");
            statuses.Add(answer.StatusCode);
            if (answer.StatusCode == HttpStatusCode.TooManyRequests) Assert.Equal(60, (int)answer.Headers.RetryAfter!.Delta!.Value.TotalSeconds);
        }
        using var lockedOut = await guesserWithToken.GetAsync("api/runs");
        using var elsewhere = await other.GetAsync("api/runs");
        using var health = await guesser.GetAsync("healthz");

        Assert.Equal([HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized,
            HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests], statuses);
        Assert.Equal(HttpStatusCode.TooManyRequests, lockedOut.StatusCode);
        Assert.Contains("Too many failed attempts", await lockedOut.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, elsewhere.StatusCode);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    [Fact]
    public async Task Should_send_the_dashboard_with_a_script_hash_policy_and_no_framing()
    {
        await using var coordinator = await CoordinatorProcess.StartAsync();

        using var page = await coordinator.Http.GetAsync("");
        using var api = await coordinator.Http.GetAsync("api/runs");

        var policy = string.Join(";", page.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("script-src 'sha256-", policy);
        Assert.DoesNotContain("unsafe-eval", policy);
        Assert.Contains("frame-ancestors 'none'", policy);
        Assert.Equal("DENY", page.Headers.GetValues("X-Frame-Options").Single());
        Assert.Equal("nosniff", page.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("no-referrer", page.Headers.GetValues("Referrer-Policy").Single());
        Assert.True(api.Headers.CacheControl?.NoStore);
    }

    [Fact]
    public async Task Should_serve_the_API_over_HTTPS_to_clients_that_trust_its_CA()
    {
        using var dir = new TempDirectory();
        var ca = ClusterCertificates.CreateAuthority("API CA");
        var api = ClusterCertificates.Issue(ca, "coordinator-api", ["127.0.0.1"]);
        var caFile = dir.File("ca.crt", ca.Certificate);
        await using var coordinator = await CoordinatorProcess.StartAsync(null, Token, null, [],
            ["--api-cert", dir.File("api.crt", api.Certificate), "--api-key", dir.File("api.key", api.Key)]);
        Assert.Equal("https", coordinator.Api.Scheme);
        using var authority = X509CertificateLoader.LoadCertificate(System.Text.Encoding.ASCII.GetBytes(ca.Certificate));
        using var handler = new HttpClientHandler
        {
            ServerCertificateCustomValidationCallback = (_, certificate, _, _) => CertificateFiles.ChainProblem(certificate, authority) is null,
        };
        using var client = new HttpClient(handler) { BaseAddress = coordinator.Api };

        using var health = await client.GetAsync("healthz");
        var trusted = await CliProcess.RunAsync(TimeSpan.FromSeconds(60), new Dictionary<string, string?> { [CoordinatorClient.AuthorityVariable] = caFile },
            "runs", "list", "--coordinator", coordinator.ApiText, "--token", Token);
        var untrusted = await CliProcess.RunAsync(TimeSpan.FromSeconds(60), "runs", "list", "--coordinator", coordinator.ApiText, "--token", Token);

        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.StartsWith("max-age=", health.Headers.GetValues("Strict-Transport-Security").Single());
        Assert.True(trusted.ExitCode == 0, trusted.Stdout + trusted.Stderr);
        Assert.Equal(2, untrusted.ExitCode);
        Assert.DoesNotContain("   at ", untrusted.Stderr);
    }

    [Fact]
    public void Should_match_only_the_exact_token_whatever_its_length()
    {
        using var guard = new ApiGuard(Token, 10, TimeSpan.FromMinutes(1));
        using var open = new ApiGuard(null, 10, TimeSpan.FromMinutes(1));

        Assert.True(guard.Matches(Token));
        Assert.False(guard.Matches(Token + "x"));
        Assert.False(guard.Matches(Token[..^1]));
        Assert.False(guard.Matches(""));
        Assert.False(guard.Matches(null));
        Assert.False(open.RequiresToken);
    }
}
