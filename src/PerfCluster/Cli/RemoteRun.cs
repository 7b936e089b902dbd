using System.Net;
using System.Net.ServerSentEvents;
using System.Text.Json;
using PerfCluster.Api;
using PerfCluster.Api.Client;
using PerfCluster.Core.Scenarios;
using PerfCluster.Engine.Coordination;
using Serilog;
using static PerfCluster.Engine.Protocol.RunProtocol;

namespace PerfCluster.Cli;

/// <summary>
/// One scenario run on a coordinator's API, followed from its event stream to its result. When the coordinator is
/// lost mid-run (its stream breaks or ends early), the run is looked for on every coordinator the client was given,
/// the one that failed included (behind a Kubernetes Service that address reaches whichever is alive), until one of
/// them has taken it over; the stream is followed there. Events seen before are not handed on twice.
/// </summary>
internal sealed class RemoteRun : IDisposable
{
    /// <summary>
    /// How long a lost run is looked for. With the defaults a takeover shows up about 20 s after the loss, and the
    /// workers keep their shares for at most 60 s (<c>coordinator-takeover-timeout</c>) waiting for one.
    /// </summary>
    public static readonly TimeSpan ReconnectTimeout = TimeSpan.FromSeconds(120);
    private static readonly TimeSpan RetryInterval = TimeSpan.FromSeconds(1);

    private readonly IReadOnlyList<CoordinatorClient> _clients;
    private readonly ScenarioDefinition _scenario;
    private readonly Action<object> _onEvent;
    private readonly HashSet<string> _seen = new(StringComparer.Ordinal);
    private readonly List<string> _notes = [];
    private CoordinatorClient _client;
    private string _id = "";
    private TimeSpan _lastProgress = TimeSpan.MinValue;
    private ScenarioResult? _result;
    private volatile bool _stopRequested;

    public RemoteRun(IReadOnlyList<Uri> coordinators, string? token, ScenarioDefinition scenario, Action<object> onEvent)
    {
        if (coordinators.Count == 0) throw new ArgumentException("no coordinator", nameof(coordinators));
        _clients = coordinators.Select(c => new CoordinatorClient(c.AbsolutePath.EndsWith('/') ? c : new Uri(c + "/"), token)).ToList();
        _client = _clients[0];
        _scenario = scenario;
        _onEvent = onEvent;
    }

    private string Path => $"api/runs/{Uri.EscapeDataString(_id)}";

    public async Task<ScenarioOutcome> RunAsync(string runId, CancellationToken interrupt)
    {
        await CreateAsync(runId);
        using var giveUp = new CancellationTokenSource();
        await using var stop = interrupt.Register(() =>
        {
            _stopRequested = true;
            giveUp.CancelAfter(RemoteCoordinator.StopConfirmationTimeout);
            _ = Task.Run(RequestStopAsync);
        });

        try
        {
            while (true)
            {
                var (outcome, lost) = await FollowAsync(giveUp.Token);
                if (outcome is not null) return outcome;
                Log.Warning("{Lost}; looking for the coordinator that takes run {RunId} over", lost, _id);
                var lostAt = DateTime.UtcNow;
                _client = await FindRunAsync(giveUp.Token) ?? throw new RunFailedException(
                    $"{lost}; no coordinator ({string.Join(", ", _clients.Select(c => RemoteCoordinator.Display(c.Coordinator)))}) had run {_id} " +
                    $"within {ReconnectTimeout.TotalSeconds:0} s; see 'perfcluster runs show {_id}'");
                Log.Warning("Following run {RunId} on the coordinator at {Coordinator}", _id, RemoteCoordinator.Display(_client.Coordinator));
                _notes.Add($"this client lost its coordinator mid-run ({lost}) and followed the run on the coordinator at " +
                           $"{RemoteCoordinator.Display(_client.Coordinator)} {(DateTime.UtcNow - lostAt).TotalSeconds:0.0} s later");
                if (_stopRequested) await RequestStopAsync();
            }
        }
        catch (OperationCanceledException) when (giveUp.IsCancellationRequested)
        {
            throw new RunFailedException(
                $"the coordinator did not report the stopped run within {RemoteCoordinator.StopConfirmationTimeout.TotalSeconds:0} s; see 'perfcluster runs show {_id}'");
        }
    }

    /// <summary>Creates the run under <paramref name="runId"/> (suffixed when taken) on the first coordinator that answers.</summary>
    private async Task CreateAsync(string runId)
    {
        var unreachable = new List<string>();
        foreach (var client in _clients)
        {
            try
            {
                _id = (await RemoteCoordinator.CreateAsync(client, runId, _scenario)).Id;
                _client = client;
                return;
            }
            catch (CoordinatorUnreachableException e)
            {
                unreachable.Add(e.Message);
            }
        }
        throw new UsageException(string.Join("; ", unreachable));
    }

    /// <summary>
    /// Follows the stream of the current coordinator: the outcome once the run has ended, or why the coordinator was
    /// lost before it did. A failed run, or an answer that is not a loss, throws <see cref="RunFailedException"/>.
    /// </summary>
    private async Task<(ScenarioOutcome? Outcome, string Lost)> FollowAsync(CancellationToken giveUp)
    {
        try
        {
            await foreach (var item in _client.StreamAsync($"{Path}/events", giveUp))
            {
                if (Handle(item) is { } outcome) return (outcome, "");
            }
            return (null, $"the coordinator at {RemoteCoordinator.Display(_client.Coordinator)} closed the event stream before the run finished");
        }
        catch (CoordinatorUnreachableException e)
        {
            return (null, e.Message);
        }
        catch (Exception e) when (e is HttpRequestException or IOException)
        {
            return (null, $"lost the connection to the coordinator at {RemoteCoordinator.Display(_client.Coordinator)}: {e.Message}");
        }
        catch (CoordinatorApiException e)
        {
            throw new RunFailedException(e.Message);
        }
        catch (JsonException e)
        {
            throw new RunFailedException($"unexpected event from the coordinator: {e.Message}");
        }
    }

    /// <summary>Hands one event on (unless it was seen before) and returns the outcome once the run has ended.</summary>
    private ScenarioOutcome? Handle(SseItem<string> item)
    {
        if (item.EventType != ApiEvents.Progress && !_seen.Add($"{item.EventType}\n{item.Data}")) return null;
        switch (item.EventType)
        {
            case ApiEvents.Started:
                _onEvent(ApiJson.Deserialize<RunStarted>(item.Data));
                break;
            case ApiEvents.Progress:
                var progress = ApiJson.Deserialize<RunProgress>(item.Data);
                if (progress.Elapsed <= _lastProgress) break;   // replayed by a coordinator followed again
                _lastProgress = progress.Elapsed;
                _onEvent(progress);
                break;
            case ApiEvents.Shares:
                _onEvent(ApiJson.Deserialize<SharesAssigned>(item.Data));
                break;
            case ApiEvents.Alert:
                _onEvent(ApiJson.Deserialize<AlertRaised>(item.Data));
                break;
            case ApiEvents.ScenarioCompleted:
                _result = ApiJson.Deserialize<ScenarioResult>(item.Data);
                break;
            case ApiEvents.RunCompleted:
                var ended = ApiJson.Deserialize<RunEnded>(item.Data);
                if (_result is null)
                {
                    var error = ended.Error ?? "the run ended without a result";
                    _onEvent(new RunFailed(_id, error));
                    throw new RunFailedException(error);
                }
                var notes = _result.Notes.Concat(ended.Notes).Concat(_notes).ToList();
                _onEvent(new RunCompleted(_id, _result.Statistics, _result.Interrupted, _result.Reason) { Notes = notes });
                return new ScenarioOutcome(_scenario, _result.Statistics, _result.Interrupted, _result.Reason) { Notes = notes };
            case ApiEvents.RunFailed:
                var failed = ApiJson.Deserialize<RunEnded>(item.Data);
                _onEvent(new RunFailed(_id, failed.Error ?? "the run failed"));
                throw new RunFailedException(failed.Error ?? "the run failed");
        }
        return null;
    }

    /// <summary>Asks each coordinator in turn for the run, once a second, until one has it or the time is up.</summary>
    private async Task<CoordinatorClient?> FindRunAsync(CancellationToken giveUp)
    {
        var until = DateTime.UtcNow + ReconnectTimeout;
        while (DateTime.UtcNow < until)
        {
            foreach (var client in _clients)
            {
                try
                {
                    await client.GetAsync<RunDetail>(Path, giveUp);
                    return client;
                }
                catch (CoordinatorApiException e) when (e.Status == HttpStatusCode.NotFound)
                {
                    // not taken over there (yet)
                }
                catch (CoordinatorUnreachableException)
                {
                }
            }
            await Task.Delay(RetryInterval, giveUp);
        }
        return null;
    }

    private async Task RequestStopAsync()
    {
        try
        {
            await _client.SendAsync<RunDetail>(HttpMethod.Delete, Path, null);
        }
        catch (CoordinatorApiException e) when (e.Status == HttpStatusCode.Conflict)
        {
            // the run finished before the stop arrived
        }
        catch (Exception e) when (e is CoordinatorApiException or CoordinatorUnreachableException or ObjectDisposedException)
        {
            Log.Warning("Could not ask the coordinator to stop run {RunId}: {Error}", _id, e.Message);
        }
    }

    public void Dispose()
    {
        foreach (var client in _clients) client.Dispose();
    }
}
