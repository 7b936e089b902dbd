using System.Net.Http.Headers;
using System.Net.ServerSentEvents;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace PerfCluster.Tests.Api;

/// <summary>A real <c>perfcluster coordinator</c> process on loopback (free ports), with an HTTP client for its API.</summary>
public sealed class CoordinatorProcess : IAsyncDisposable
{
    public static readonly TimeSpan StartBudget = TimeSpan.FromSeconds(60);

    private CoordinatorProcess(CliProcess process, Uri api, string clusterAddress, string? token)
    {
        Process = process;
        Api = api;
        ClusterAddress = clusterAddress;
        Http = new HttpClient { BaseAddress = api, Timeout = TimeSpan.FromSeconds(30) };
        if (token is not null) Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
    }

    public CliProcess Process { get; }
    /// <summary>The API base URL, e.g. http://127.0.0.1:41311/.</summary>
    public Uri Api { get; }
    public string ApiText => Api.ToString().TrimEnd('/');
    /// <summary>akka.tcp://perfcluster@127.0.0.1:PORT (akka.ssl.tcp with cluster TLS)</summary>
    public string ClusterAddress { get; }
    /// <summary>127.0.0.1:PORT, what a worker's --seed takes.</summary>
    public string Seed => ClusterAddress[(ClusterAddress.IndexOf('@') + 1)..];
    public HttpClient Http { get; }

    /// <summary>Starts a coordinator on free loopback ports with <paramref name="config"/> as its node settings, if given.</summary>
    public static Task<CoordinatorProcess> StartAsync(string? config = null, string? token = null) => StartAsync(config, token, null, []);

    /// <summary>
    /// Starts a coordinator with <paramref name="environment"/> over the inherited variables (see <see cref="CliProcess"/>),
    /// joining the cluster of <paramref name="seeds"/> (host:port) when any are given.
    /// </summary>
    public static async Task<CoordinatorProcess> StartAsync(
        string? config, string? token, IReadOnlyDictionary<string, string?>? environment, IReadOnlyList<string> seeds,
        IReadOnlyList<string>? extraArgs = null)
    {
        var args = new List<string> { "coordinator", "--port", "0", "--http", "127.0.0.1:0" };
        args.AddRange(extraArgs ?? []);
        if (config is not null) args.AddRange(["--config", config]);
        if (token is not null) args.AddRange(["--token", token]);
        foreach (var seed in seeds) args.AddRange(["--seed", seed]);
        var process = CliProcess.Start(environment, args.ToArray());
        try
        {
            await process.WaitForOutputAsync("Coordinator ready", StartBudget);
            var match = ReadyLine().Match(process.Stdout);
            Assert.True(match.Success, process.Stdout);
            return new CoordinatorProcess(process, new Uri(match.Groups["api"].Value + "/"), match.Groups["cluster"].Value, token);
        }
        catch
        {
            process.Dispose();
            throw;
        }
    }

    private static readonly Regex ReadyPattern = new(@"Coordinator ready: cluster (?<cluster>akka(\.ssl)?\.tcp://perfcluster@[\d.]+:\d+), API (?<api>https?://[\d.]+:\d+)");

    private static Regex ReadyLine() => ReadyPattern;

    /// <summary>A node settings file with a short worker wait, so runs without workers fail fast.</summary>
    public static string FastConfig(TempDirectory dir, string workerWait = "4s") =>
        dir.File("node.conf", $"perfcluster.run.worker-wait-timeout = {workerWait}\n");

    public async Task<(int Status, JsonElement Body, string MediaType)> SendAsync(HttpMethod method, string path, string? json = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (json is not null) request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        using var response = await Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        var body = text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
        return ((int)response.StatusCode, body, response.Content.Headers.ContentType?.MediaType ?? "");
    }

    public Task<(int Status, JsonElement Body, string MediaType)> GetAsync(string path) => SendAsync(HttpMethod.Get, path);

    /// <summary>Creates a run from scenario text; returns its id.</summary>
    public async Task<string> CreateRunAsync(string scenario, string? id = null, object? overrides = null)
    {
        var body = new Dictionary<string, object?> { ["scenario"] = scenario, ["file_name"] = "test.conf" };
        if (id is not null) body["id"] = id;
        if (overrides is not null) body["overrides"] = overrides;
        var (status, json, _) = await SendAsync(HttpMethod.Post, "api/runs", JsonSerializer.Serialize(body));
        Assert.True(status == 201, $"POST /api/runs answered {status}: {json}");
        return json.GetProperty("id").GetString()!;
    }

    /// <summary>Reads server-sent events from <paramref name="path"/> until <paramref name="until"/> says stop or the stream ends.</summary>
    public async Task<List<SseItem<string>>> ReadEventsAsync(string path, TimeSpan timeout, Func<SseItem<string>, bool>? until = null)
    {
        using var cts = new CancellationTokenSource(timeout);
        using var client = new HttpClient { BaseAddress = Api, Timeout = Timeout.InfiniteTimeSpan };
        client.DefaultRequestHeaders.Authorization = Http.DefaultRequestHeaders.Authorization;
        using var response = await client.GetAsync(path, HttpCompletionOption.ResponseHeadersRead, cts.Token);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        await using var stream = await response.Content.ReadAsStreamAsync(cts.Token);
        var items = new List<SseItem<string>>();
        try
        {
            await foreach (var item in SseParser.Create(stream).EnumerateAsync(cts.Token))
            {
                items.Add(item);
                if (until?.Invoke(item) == true) break;
            }
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"events of {path} did not end within {timeout}; got: {string.Join(", ", items.Select(i => i.EventType))}");
        }
        return items;
    }

    /// <summary>Polls <c>GET /api/runs/{id}</c> until the run is in a final state.</summary>
    public async Task<JsonElement> WaitForRunAsync(string id, TimeSpan timeout)
    {
        var until = DateTime.UtcNow + timeout;
        while (true)
        {
            var (_, run, _) = await GetAsync($"api/runs/{id}");
            if (run.GetProperty("state").GetString() is "completed" or "interrupted" or "failed") return run;
            if (DateTime.UtcNow > until) throw new TimeoutException($"run {id} still {run.GetProperty("state")} after {timeout}");
            await Task.Delay(200);
        }
    }

    /// <summary>Runs a perfcluster client command against this coordinator.</summary>
    public Task<(int ExitCode, string Stdout, string Stderr)> CliAsync(params string[] args) =>
        CliProcess.RunAsync(TimeSpan.FromSeconds(60), [.. args, "--coordinator", ApiText]);

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        try
        {
            Process.Signal("TERM");
            await Process.WaitAsync(TimeSpan.FromSeconds(20));
        }
        catch (TimeoutException)
        {
            // killed below
        }
        Process.Dispose();
    }
}
