using System.CommandLine;
using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using PerfCluster.Api;
using PerfCluster.Api.Client;
using PerfCluster.Core.Scenarios;
using PerfCluster.Engine.Coordination;
using Serilog;
using static PerfCluster.Engine.Coordination.RunProtocol;

namespace PerfCluster.Cli;

/// <summary>
/// The client side of a remote coordinator: the <c>--coordinator</c>/<c>--token</c> options every client
/// command shares, the translation of API failures into CLI errors (exit 2), and
/// <see cref="RunScenarioAsync"/>, which runs one scenario on the coordinator the way the embedded node does.
/// </summary>
public static class RemoteCoordinator
{
    public const string CoordinatorVariable = "PERFCLUSTER_COORDINATOR";
    public static readonly Uri DefaultCoordinator = new("http://127.0.0.1:7070");
    /// <summary>After an interrupt, how long the coordinator has to report the stopped run before the client gives up.</summary>
    public static readonly TimeSpan StopConfirmationTimeout = TimeSpan.FromSeconds(60);

    public static Option<string?> CoordinatorOption() => new("--coordinator")
    {
        Description = $"Coordinator API URL (default: ${CoordinatorVariable}, else {DefaultCoordinator.ToString().TrimEnd('/')}).",
    };

    public static Option<string?> TokenOption() => new("--token")
    {
        Description = $"API token (default: ${CoordinatorCommand.TokenVariable}).",
    };

    /// <summary>--coordinator, else $PERFCLUSTER_COORDINATOR, else http://127.0.0.1:7070; must be an absolute http(s) URL.</summary>
    public static Uri ResolveCoordinator(string? option)
    {
        var text = option ?? Environment.GetEnvironmentVariable(CoordinatorVariable);
        if (string.IsNullOrWhiteSpace(text)) return DefaultCoordinator;
        text = text.Trim();
        if (!text.Contains("://", StringComparison.Ordinal)) text = "http://" + text;
        if (Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" && uri.Host.Length > 0)
            return uri.AbsolutePath.EndsWith('/') ? uri : new Uri(uri + "/");
        throw new UsageException($"--coordinator must be an http(s) URL such as http://127.0.0.1:7070 (got '{option}')");
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

    private static string Display(Uri coordinator) => coordinator.ToString().TrimEnd('/');

    /// <summary>
    /// Runs one scenario on the coordinator at <paramref name="coordinator"/>: sends it (as a scenario file in
    /// JSON, with every override already applied), follows the run's event stream and hands
    /// <paramref name="onEvent"/> the same <see cref="RunProtocol"/> records the embedded node produces. An
    /// interrupt asks the coordinator to stop the run, which then completes with the partial results.
    /// Matches <see cref="RunCommand.ScenarioExecutor"/> once <paramref name="coordinator"/> and <paramref name="token"/> are bound.
    /// </summary>
    public static async Task<ScenarioOutcome> RunScenarioAsync(
        Uri coordinator, string? token, string runId, ScenarioDefinition scenario, Action<object> onEvent, CancellationToken interrupt)
    {
        using var client = new CoordinatorClient(coordinator.AbsolutePath.EndsWith('/') ? coordinator : new Uri(coordinator + "/"), token);
        var created = await CreateAsync(client, runId, scenario);
        var path = $"api/runs/{Uri.EscapeDataString(created.Id)}";

        using var giveUp = new CancellationTokenSource();
        await using var stop = interrupt.Register(() =>
        {
            giveUp.CancelAfter(StopConfirmationTimeout);
            _ = Task.Run(async () =>
            {
                try
                {
                    await client.SendAsync<RunDetail>(HttpMethod.Delete, path, null);
                }
                catch (CoordinatorApiException e) when (e.Status == HttpStatusCode.Conflict)
                {
                    // the run finished before the stop arrived
                }
                catch (Exception e) when (e is CoordinatorApiException or CoordinatorUnreachableException or ObjectDisposedException)
                {
                    Log.Warning("Could not ask the coordinator to stop run {RunId}: {Error}", created.Id, e.Message);
                }
            });
        });

        ScenarioResult? result = null;
        try
        {
            await foreach (var item in client.StreamAsync($"{path}/events", giveUp.Token))
            {
                switch (item.EventType)
                {
                    case ApiEvents.Started:
                        onEvent(ApiJson.Deserialize<RunStarted>(item.Data));
                        break;
                    case ApiEvents.Progress:
                        onEvent(ApiJson.Deserialize<RunProgress>(item.Data));
                        break;
                    case ApiEvents.Shares:
                        onEvent(ApiJson.Deserialize<SharesAssigned>(item.Data));
                        break;
                    case ApiEvents.Alert:
                        onEvent(ApiJson.Deserialize<AlertRaised>(item.Data));
                        break;
                    case ApiEvents.ScenarioCompleted:
                        result = ApiJson.Deserialize<ScenarioResult>(item.Data);
                        break;
                    case ApiEvents.RunCompleted:
                        var ended = ApiJson.Deserialize<RunEnded>(item.Data);
                        if (result is null)
                        {
                            var error = ended.Error ?? "the run ended without a result";
                            onEvent(new RunFailed(created.Id, error));
                            throw new RunFailedException(error);
                        }
                        var notes = result.Notes.Concat(ended.Notes).ToList();
                        onEvent(new RunCompleted(created.Id, result.Statistics, result.Interrupted, result.Reason) { Notes = notes });
                        return new ScenarioOutcome(scenario, result.Statistics, result.Interrupted, result.Reason) { Notes = notes };
                    case ApiEvents.RunFailed:
                        var failed = ApiJson.Deserialize<RunEnded>(item.Data);
                        onEvent(new RunFailed(created.Id, failed.Error ?? "the run failed"));
                        throw new RunFailedException(failed.Error ?? "the run failed");
                }
            }
        }
        catch (OperationCanceledException) when (giveUp.IsCancellationRequested)
        {
            throw new RunFailedException(
                $"the coordinator did not report the stopped run within {StopConfirmationTimeout.TotalSeconds:0} s; see 'perfcluster runs show {created.Id}'");
        }
        catch (CoordinatorUnreachableException e)
        {
            throw new RunFailedException(e.Message);
        }
        catch (Exception e) when (e is HttpRequestException or IOException)
        {
            throw new RunFailedException($"lost the connection to the coordinator at {Display(client.Coordinator)}: {e.Message}");
        }
        catch (CoordinatorApiException e)
        {
            throw new RunFailedException(e.Message);
        }
        catch (JsonException e)
        {
            throw new RunFailedException($"unexpected event from the coordinator: {e.Message}");
        }
        throw new RunFailedException("the coordinator closed the event stream before the run finished");
    }

    /// <summary>Creates the run under <paramref name="runId"/>, or under a suffixed id when that one is taken.</summary>
    private static async Task<RunCreated> CreateAsync(CoordinatorClient client, string runId, ScenarioDefinition scenario)
    {
        var text = ScenarioJsonWriter.Write(scenario);
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
            catch (Exception e) when (e is CoordinatorUnreachableException or CoordinatorApiException)
            {
                throw Translate(client, e);
            }
        }
    }
}
