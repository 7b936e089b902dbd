using System.CommandLine;
using System.Net;
using System.Security.Cryptography;
using PerfCluster.Api;
using PerfCluster.Api.Client;
using PerfCluster.Core.Scenarios;
using PerfCluster.Engine.Coordination;

namespace PerfCluster.Cli;

/// <summary>
/// The client side of a remote coordinator: the <c>--coordinator</c>/<c>--token</c> options every client
/// command shares, the translation of API failures into CLI errors (exit 2), and
/// <see cref="RunScenarioAsync"/>, which runs one scenario on a coordinator the way the embedded node does.
/// </summary>
public static class RemoteCoordinator
{
    public const string CoordinatorVariable = "PERFCLUSTER_COORDINATOR";
    public static readonly Uri DefaultCoordinator = new("http://127.0.0.1:7070");
    /// <summary>After an interrupt, how long the coordinator has to report the stopped run before the client gives up.</summary>
    public static readonly TimeSpan StopConfirmationTimeout = TimeSpan.FromSeconds(60);

    public static Option<string?> CoordinatorOption() => new("--coordinator")
    {
        Description = $"Coordinator API URL; several, comma-separated, let 'run' follow its run to the coordinator that " +
                      $"takes it over (default: ${CoordinatorVariable}, else {DefaultCoordinator.ToString().TrimEnd('/')}).",
    };

    public static Option<string?> TokenOption() => new("--token")
    {
        Description = $"API token (default: ${CoordinatorCommand.TokenVariable}).",
    };

    /// <summary>
    /// --coordinator, else $PERFCLUSTER_COORDINATOR, else http://127.0.0.1:7070: one absolute http(s) URL or several,
    /// comma-separated (the coordinators of one cluster, for <c>run</c> to follow its run when one is lost).
    /// </summary>
    public static IReadOnlyList<Uri> ResolveCoordinators(string? option)
    {
        var text = option ?? Environment.GetEnvironmentVariable(CoordinatorVariable);
        if (string.IsNullOrWhiteSpace(text)) return [DefaultCoordinator];
        return text.Split(',', StringSplitOptions.TrimEntries).Select(one => Parse(one, option ?? text)).Distinct().ToList();
    }

    /// <summary>The first of <see cref="ResolveCoordinators"/>: the coordinator a one-off request goes to.</summary>
    public static Uri ResolveCoordinator(string? option) => ResolveCoordinators(option)[0];

    private static Uri Parse(string one, string given)
    {
        var text = one.Contains("://", StringComparison.Ordinal) ? one : "http://" + one;
        if (one.Length > 0 && Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" && uri.Host.Length > 0)
            return uri.AbsolutePath.EndsWith('/') ? uri : new Uri(uri + "/");
        throw new UsageException($"--coordinator must be an http(s) URL such as http://127.0.0.1:7070, or several separated by commas (got '{given}')");
    }

    public static CoordinatorClient Connect(ParseResult parse, Option<string?> coordinator, Option<string?> token) =>
        new(ResolveCoordinator(parse.GetValue(coordinator)), CoordinatorCommand.ResolveToken(parse.GetValue(token)));

    /// <summary>Runs an API call; an unreachable coordinator or an error answer becomes a <see cref="UsageException"/> (exit 2).</summary>
    public static async Task<T> CallAsync<T>(CoordinatorClient client, Func<CoordinatorClient, Task<T>> call)
    {
        try
        {
            return await call(client);
        }
        catch (Exception e) when (e is CoordinatorUnreachableException or CoordinatorApiException)
        {
            throw Translate(client, e);
        }
    }

    private static UsageException Translate(CoordinatorClient client, Exception e) => e switch
    {
        CoordinatorApiException { Status: HttpStatusCode.Unauthorized } api => new UsageException(
            $"the coordinator at {Display(client.Coordinator)} refused the request: {api.Detail}; pass --token or set {CoordinatorCommand.TokenVariable}"),
        CoordinatorApiException api => new UsageException(api.Detail),
        _ => new UsageException(e.Message),
    };

    /// <summary>A coordinator's URL as messages show it: without the trailing slash.</summary>
    internal static string Display(Uri coordinator) => coordinator.ToString().TrimEnd('/');

    /// <summary>
    /// Runs one scenario on the first of <paramref name="coordinators"/> that answers: sends it (as a scenario file in
    /// JSON, with every override already applied), follows the run's event stream and hands
    /// <paramref name="onEvent"/> the same <see cref="RunProtocol"/> records the embedded node produces, on whichever
    /// coordinator takes the run over when its own is lost (<see cref="RemoteRun"/>). An interrupt asks the
    /// coordinator to stop the run, which then completes with the partial results.
    /// Matches <see cref="RunCommand.ScenarioExecutor"/> once <paramref name="coordinators"/> and <paramref name="token"/> are bound.
    /// </summary>
    public static async Task<ScenarioOutcome> RunScenarioAsync(
        IReadOnlyList<Uri> coordinators, string? token, string runId, ScenarioDefinition scenario, Action<object> onEvent, CancellationToken interrupt)
    {
        using var run = new RemoteRun(coordinators, token, scenario, onEvent);
        return await run.RunAsync(runId, interrupt);
    }

    /// <summary>
    /// Creates the run under <paramref name="runId"/>, or under a suffixed id when that one is taken. An unreachable
    /// coordinator throws <see cref="CoordinatorUnreachableException"/>, so the caller may try another.
    /// </summary>
    internal static async Task<RunCreated> CreateAsync(CoordinatorClient client, string runId, ScenarioDefinition scenario)
    {
        var text = ScenarioJson.Write(scenario, secrets: true);
        var id = RunRequestReader.IsValidId(runId) ? runId : null;
        for (var attempt = 0; ; attempt++)
        {
            var body = new Dictionary<string, object?> { ["scenario"] = text, ["file_name"] = $"{scenario.Name}.json", ["id"] = id };
            try
            {
                return await client.SendAsync<RunCreated>(HttpMethod.Post, "api/runs", body);
            }
            catch (CoordinatorApiException e) when (e.Status == HttpStatusCode.Conflict && id is not null && attempt < 3)
            {
                id = $"{runId}-{Convert.ToHexString(RandomNumberGenerator.GetBytes(2)).ToLowerInvariant()}";
            }
            catch (CoordinatorApiException e) when (e.Status == HttpStatusCode.BadRequest)
            {
                throw new UsageException($"the coordinator refused the scenario: {e.Detail}");
            }
            catch (CoordinatorApiException e)
            {
                throw Translate(client, e);
            }
        }
    }
}
