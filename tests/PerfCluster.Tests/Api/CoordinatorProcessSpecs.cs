using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace PerfCluster.Tests.Api;

/// <summary>The coordinator command itself: the token, refusing an open API, and a graceful exit on SIGTERM.</summary>
public class CoordinatorProcessSpecs
{
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(60);

    private static async Task<(HttpStatusCode Status, string MediaType, string Body)> GetAsync(CoordinatorProcess c, string path, string? token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var client = new HttpClient { BaseAddress = c.Api };
        using var response = await client.SendAsync(request);
        return (response.StatusCode, response.Content.Headers.ContentType?.MediaType ?? "", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Should_require_the_token_on_every_api_request_but_not_on_health()
    {
        const string token = "s3cret-token";
        await using var coordinator = await CoordinatorProcess.StartAsync(token: token);

        var missing = await GetAsync(coordinator, "api/runs", null);
        var wrong = await GetAsync(coordinator, "api/cluster/members", "s3cret-tokem");
        var events = await GetAsync(coordinator, "api/cluster/events", null);
        var right = await GetAsync(coordinator, "api/cluster/members", token);
        var health = await GetAsync(coordinator, "healthz", null);
        var ready = await GetAsync(coordinator, "readyz", null);

        Assert.Equal(HttpStatusCode.Unauthorized, missing.Status);
        Assert.Equal("application/problem+json", missing.MediaType);
        Assert.Equal(401, JsonDocument.Parse(missing.Body).RootElement.GetProperty("status").GetInt32());
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.Status);
        Assert.Equal(HttpStatusCode.Unauthorized, events.Status);
        Assert.Equal(HttpStatusCode.OK, right.Status);
        Assert.Contains(coordinator.ClusterAddress, right.Body);
        Assert.Equal(HttpStatusCode.OK, health.Status);
        Assert.Equal(HttpStatusCode.OK, ready.Status);

        // The dashboard's EventSource cannot send headers: ?access_token= opens event streams, and nothing else.
        Assert.Equal(HttpStatusCode.Unauthorized, (await GetAsync(coordinator, "api/cluster/events?access_token=wrong", null)).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await GetAsync(coordinator, $"api/runs?access_token={token}", null)).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await GetAsync(coordinator, $"metrics?access_token={token}", null)).Status);
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(coordinator, "metrics", token)).Status);
        using (var client = new HttpClient { BaseAddress = coordinator.Api })
        using (var stream = await client.GetAsync($"api/cluster/events?access_token={token}", HttpCompletionOption.ResponseHeadersRead))
            Assert.Equal(HttpStatusCode.OK, stream.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(coordinator, "", null)).Status);   // the dashboard page itself is open

        var (withToken, stdout, _) = await coordinator.CliAsync("cluster", "show", "--token", token);
        var (without, _, stderr) = await coordinator.CliAsync("runs", "list");
        Assert.Equal(0, withToken);
        Assert.Contains("coordinator", stdout);
        Assert.Equal(2, without);
        Assert.Contains("refused the request", stderr);
        Assert.Contains("PERFCLUSTER_API_TOKEN", stderr);
    }

    [Fact]
    public async Task Should_take_the_token_from_PERFCLUSTER_API_TOKEN()
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { CliProcess.Executable, "coordinator", "--port", "0", "--http", "127.0.0.1:0" }) info.ArgumentList.Add(a);
        info.Environment["PERFCLUSTER_API_TOKEN"] = "from-env";
        using var process = Process.Start(info)!;
        var stdout = new StringBuilder();
        process.OutputDataReceived += (_, e) => { lock (stdout) stdout.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            var until = DateTime.UtcNow + CoordinatorProcess.StartBudget;
            Match ready;
            while (!(ready = Regex.Match(Text(), @"API (http://[\d.]+:\d+)")).Success)
            {
                Assert.False(process.HasExited || DateTime.UtcNow > until, Text());
                await Task.Delay(50);
            }
            using var client = new HttpClient { BaseAddress = new Uri(ready.Groups[1].Value) };

            using var without = await client.GetAsync("/api/runs");
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "from-env");
            using var with = await client.GetAsync("/api/runs");

            Assert.Equal(HttpStatusCode.Unauthorized, without.StatusCode);
            Assert.Equal(HttpStatusCode.OK, with.StatusCode);
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        string Text()
        {
            lock (stdout) return stdout.ToString();
        }
    }

    [Fact]
    public async Task Should_serve_an_open_api_on_loopback_without_a_token()
    {
        await using var coordinator = await CoordinatorProcess.StartAsync();

        var runs = await GetAsync(coordinator, "api/runs", null);

        Assert.Equal(HttpStatusCode.OK, runs.Status);
        Assert.Equal("[]", runs.Body);
    }

    [Fact]
    public async Task Should_count_localhost_as_loopback()
    {
        using var coordinator = CliProcess.Start("coordinator", "--port", "0", "--http", "localhost:0");

        await coordinator.WaitForOutputAsync("Coordinator ready", CoordinatorProcess.StartBudget);
        coordinator.Signal("TERM");
        var code = await coordinator.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Matches(@"API http://localhost:\d+", coordinator.Stdout);
        Assert.Equal(0, code);
    }

    [Theory]
    [InlineData("0.0.0.0:0")]
    [InlineData("*:0")]
    [InlineData("[::]:0")]
    public async Task Should_refuse_to_serve_a_non_loopback_api_without_a_token(string http)
    {
        var (code, stdout, stderr) = await CliProcess.RunAsync(Budget, "coordinator", "--port", "0", "--http", http);

        Assert.Equal(2, code);
        Assert.Contains("without a token", stderr);
        Assert.Contains("--token", stderr);
        Assert.DoesNotContain("Coordinator ready", stdout);
    }

    [Theory]
    [InlineData("--http", "nonsense", "--http must be HOST:PORT")]
    [InlineData("--http", "no-such-host.invalid:7070", "--http host 'no-such-host.invalid' cannot be resolved")]
    [InlineData("--port", "70000", "--port must be between 0 and 65535")]
    public async Task Should_refuse_bad_command_line_values(string option, string value, string expected)
    {
        var (code, _, stderr) = await CliProcess.RunAsync(Budget, "coordinator", option, value);

        Assert.Equal(2, code);
        Assert.Contains(expected, stderr);
    }

    [Fact]
    public async Task Should_refuse_to_start_when_its_api_or_cluster_port_is_taken()
    {
        await using var first = await CoordinatorProcess.StartAsync();
        var clusterPort = first.Seed.Split(':')[1];

        var (apiCode, apiStdout, apiStderr) = await CliProcess.RunAsync(Budget, "coordinator", "--port", "0", "--http", $"127.0.0.1:{first.Api.Port}");
        var (clusterCode, clusterStdout, clusterStderr) = await CliProcess.RunAsync(Budget, "coordinator", "--port", clusterPort, "--http", "127.0.0.1:0");

        Assert.Equal(2, apiCode);
        Assert.Contains($"cannot listen on 127.0.0.1:{first.Api.Port} for the HTTP API", apiStderr);
        Assert.DoesNotContain(" at ", apiStderr);
        Assert.DoesNotContain("Coordinator ready", apiStdout);
        Assert.Equal(2, clusterCode);
        Assert.Contains($"cannot listen on 127.0.0.1:{clusterPort}", clusterStderr);
        Assert.DoesNotContain("Coordinator ready", clusterStdout);
    }

    [Theory]
    [InlineData("TERM")]
    [InlineData("INT")]
    public async Task Should_leave_the_cluster_and_exit_0_on_a_signal(string signal)
    {
        var coordinator = await CoordinatorProcess.StartAsync();

        coordinator.Process.Signal(signal);
        var code = await coordinator.Process.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.True(code == 0, $"exit {code}\n{coordinator.Process.Stdout}\n{coordinator.Process.Stderr}");
        Assert.Contains("Coordinator stopped.", coordinator.Process.Stdout);
        await coordinator.DisposeAsync();
    }
}
