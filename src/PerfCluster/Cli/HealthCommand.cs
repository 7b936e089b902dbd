using System.CommandLine;

namespace PerfCluster.Cli;

/// <summary>
/// <c>perfcluster health --url URL [--timeout 3s]</c>: one GET, exit 0 on HTTP 200 and 1 otherwise (another
/// status, a refused connection, a time-out). The container image's HEALTHCHECK uses it because the runtime
/// image has no curl.
/// </summary>
public static class HealthCommand
{
    /// <summary>The image sets it per role: the coordinator's API port, or the worker's --health port.</summary>
    public const string UrlVariable = "PERFCLUSTER_HEALTH_URL";
    public const string DefaultUrl = "http://127.0.0.1:7070/healthz";

    public static Command Create()
    {
        var url = new Option<string>("--url")
        {
            Description = $"Health endpoint to GET (default: ${UrlVariable}, else {DefaultUrl}).",
            DefaultValueFactory = _ => Environment.GetEnvironmentVariable(UrlVariable) is { Length: > 0 } fromEnv ? fromEnv : DefaultUrl,
        };
        var timeout = new Option<string>("--timeout") { Description = "Give up after this long, e.g. 3s or 500ms.", DefaultValueFactory = _ => "3s" };
        var command = new Command("health", "Check a node's health endpoint: exit 0 when it answers 200, 1 otherwise.") { url, timeout };
        command.SetAction(async (parse, cancel) =>
        {
            var text = parse.GetValue(url)!.Trim();
            if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
                throw new UsageException($"--url must be an absolute http(s) URL (got '{text}')");
            var limit = PerfClusterCli.ParseDuration(parse.GetValue(timeout)!, "--timeout");
            if (limit <= TimeSpan.Zero) throw new UsageException("--timeout must be positive");
            return await CheckAsync(uri, limit, cancel);
        });
        return command;
    }

    public static async Task<int> CheckAsync(Uri uri, TimeSpan timeout, CancellationToken cancel = default)
    {
        using var http = new HttpClient { Timeout = timeout };
        try
        {
            using var response = await http.GetAsync(uri, cancel);
            var body = await response.Content.ReadAsStringAsync(cancel);
            Console.Out.WriteLine($"{(int)response.StatusCode} {body}".TrimEnd());
            return response.StatusCode == System.Net.HttpStatusCode.OK ? ExitCodes.Passed : ExitCodes.Failed;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            Console.Error.WriteLine($"unhealthy: {uri}: {(e is TaskCanceledException ? $"no answer within {timeout.TotalSeconds:0.###}s" : e.Message)}");
            return ExitCodes.Failed;
        }
    }
}
