using System.Diagnostics;
using System.Net;
using PerfCluster.Core.Metrics;
using PerfCluster.Core.Scenarios;
using PerfCluster.Engine.Drivers;

namespace PerfCluster.Engine.Steps;

/// <summary>What one request of a journey got back: the status (0 when no answer came), the body and headers when asked for.</summary>
internal readonly record struct HttpAnswer(int Status, string? Body, List<KeyValuePair<string, string>>? Headers, ErrorKind? TransportError, bool Abandoned, long SentAt, long EndAt);

/// <summary>
/// The HTTP client of a share's journeys: the <see cref="HttpLanes"/> of each HTTP version its steps use, shared by every
/// virtual user (HTTP/1.1: connections up to the share's users, or <c>http.max-connections</c>; HTTP/2: connections ×
/// streams), no automatic cookies or redirects: each user's cookie jar is applied per request, so users never share a session.
/// </summary>
internal sealed class JourneyHttp : IDisposable
{
    private readonly ScenarioDefinition _scenario;
    private readonly int _connections;
    private readonly Action<long, long>? _onHandshake;
    /// <summary>The lanes of each HTTP version, made when a step first asks for it.</summary>
    private readonly HttpLanes?[] _lanes = new HttpLanes?[2];
    private readonly object _gate = new();
    private readonly long _maxBody;

    /// <param name="onHandshake">A new https connection's TLS handshake, from the TCP connect's end to the handshake's.</param>
    public JourneyHttp(ScenarioDefinition scenario, int connections, Action<long, long>? onHandshake = null)
    {
        _scenario = scenario;
        Target = scenario.Target;
        _connections = connections;
        _onHandshake = onHandshake;
        _maxBody = scenario.Http.MaxResponseSize;
    }

    public Uri Target { get; }

    private HttpMessageInvoker? _webSockets;

    /// <summary>
    /// The handler WebSocket upgrades go through: the scenario's TLS settings, and a pool of its own (each socket keeps
    /// its connection for as long as it is open, so sockets never take a request step's connections).
    /// </summary>
    public HttpMessageInvoker WebSocketInvoker
    {
        get
        {
            if (Volatile.Read(ref _webSockets) is { } invoker) return invoker;
            lock (_gate) return _webSockets ??= new HttpMessageInvoker(HttpLanes.Handler(_scenario, int.MaxValue, _onHandshake), disposeHandler: true);
        }
    }

    private GrpcLane[]? _grpc;

    /// <summary>
    /// The gRPC channel of <paramref name="user"/>: <c>http.max-connections</c> channels (default 1), each one HTTP/2
    /// connection of its own handler with <c>http.streams</c> call slots, a user keeping one (its index modulo the count).
    /// </summary>
    public GrpcLane GrpcLaneFor(int user)
    {
        var lanes = Volatile.Read(ref _grpc);
        if (lanes is null)
            lock (_gate)
                lanes = _grpc ??= Enumerable.Range(0, _scenario.Http.Http2Connections).Select(_ => new GrpcLane(global::Grpc.Net.Client.GrpcChannel.ForAddress(Target,
                    new global::Grpc.Net.Client.GrpcChannelOptions
                    {
                        HttpHandler = HttpLanes.Handler(_scenario, 1, _onHandshake),
                        DisposeHttpClient = true,
                        MaxReceiveMessageSize = _maxBody > 0 ? (int)Math.Min(_maxBody, int.MaxValue) : null,
                        MaxSendMessageSize = null,
                        MaxRetryAttempts = 0,
                    }), _scenario.Http.Streams)).ToArray();
        return lanes[(int)((uint)Math.Max(0, user) % (uint)lanes.Length)];
    }

    public static bool IsContentHeader(string name) => HttpDriver.ContentHeaderNames.Contains(name);

    private HttpLanes LanesOf(HttpProtocol version)
    {
        var i = (int)version;
        if (Volatile.Read(ref _lanes[i]) is { } lanes) return lanes;
        lock (_gate) return _lanes[i] ??= new HttpLanes(_scenario, version, _connections, _onHandshake);
    }

    public async Task<HttpAnswer> SendAsync(HttpProtocol version, int user, HttpMethod method, Uri uri, List<KeyValuePair<string, string>> headers, byte[]? body,
        JourneyUser? cookies, bool readBody, bool readHeaders, TimeSpan timeout, CancellationToken stop)
    {
        // Latency counts from here, a wait for a free connection included (as the fast engine does). Requests beyond
        // the connections (HTTP/2: the streams) wait on the lane, not inside the handler: a million users queued at
        // start-up hold a waiter each, not a whole request.
        var sentAt = Stopwatch.GetTimestamp();
        var lanes = LanesOf(version);
        var lane = lanes.For(user);
        try
        {
            if (!await lanes.EnterAsync(lane, timeout, stop).ConfigureAwait(false))
                return new HttpAnswer(0, null, null, ErrorKind.Timeout, false, sentAt, Stopwatch.GetTimestamp());
        }
        catch (OperationCanceledException)
        {
            return new HttpAnswer(0, null, null, null, true, sentAt, Stopwatch.GetTimestamp());
        }
        try
        {
            var left = timeout - Stopwatch.GetElapsedTime(sentAt);
            return await SendOnSlotAsync(lanes, lane, method, uri, headers, body, cookies, readBody, readHeaders,
                left > TimeSpan.Zero ? left : TimeSpan.FromTicks(1), sentAt, stop).ConfigureAwait(false);
        }
        finally
        {
            lane.Slots.Release();
        }
    }

    /// <summary>Requests that found every connection (or stream) busy and waited for one (generator health: should stay 0).</summary>
    public long ConnectionWaits => _lanes.Sum(l => l?.Waits ?? 0) + (_grpc?.Sum(g => g.Waits) ?? 0);

    private async Task<HttpAnswer> SendOnSlotAsync(HttpLanes lanes, HttpLanes.Lane lane, HttpMethod method, Uri uri, List<KeyValuePair<string, string>> headers, byte[]? body,
        JourneyUser? cookies, bool readBody, bool readHeaders, TimeSpan timeout, long sentAt, CancellationToken stop)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(stop);
        linked.CancelAfter(timeout);
        using var request = lanes.Request(method, uri);
        if (body is not null) request.Content = new ByteArrayContent(body);
        foreach (var (name, value) in headers)
        {
            if (IsContentHeader(name)) request.Content?.Headers.TryAddWithoutValidation(name, value);
            else request.Headers.TryAddWithoutValidation(name, value);
        }
        if (cookies?.Jar is { Count: > 0 } sent && sent.GetCookieHeader(uri) is { Length: > 0 } cookie) request.Headers.TryAddWithoutValidation("Cookie", cookie);

        try
        {
            using var response = await lane.Invoker.SendAsync(request, linked.Token).ConfigureAwait(false);
            string? text = null;
            if (readBody) text = await HttpDriver.ReadTextAsync(response, _maxBody, linked.Token).ConfigureAwait(false);
            else await HttpDriver.DrainAsync(response, _maxBody, linked.Token).ConfigureAwait(false);
            var end = Stopwatch.GetTimestamp();
            List<KeyValuePair<string, string>>? list = null;
            if (readHeaders || cookies is not null)
            {
                // The jar is made when the first cookie arrives: a million users of a site without cookies hold none.
                if (cookies is not null && response.Headers.TryGetValues("Set-Cookie", out var setCookies))
                {
                    var jar = cookies.Jar ??= new CookieContainer();
                    foreach (var setCookie in setCookies)
                        try { jar.SetCookies(uri, setCookie); } catch (CookieException) { }
                }
                if (readHeaders)
                {
                    list = new List<KeyValuePair<string, string>>();
                    foreach (var header in response.Headers)
                    foreach (var value in header.Value) list.Add(new(header.Key, value));
                    foreach (var header in response.Content.Headers)
                    foreach (var value in header.Value) list.Add(new(header.Key, value));
                }
            }
            return new HttpAnswer((int)response.StatusCode, text, list, null, false, sentAt, end);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            return new HttpAnswer(0, null, null, null, true, sentAt, Stopwatch.GetTimestamp());
        }
        catch (OperationCanceledException)
        {
            return new HttpAnswer(0, null, null, ErrorKind.Timeout, false, sentAt, Stopwatch.GetTimestamp());
        }
        catch (Exception e)
        {
            return new HttpAnswer(0, null, null, HttpDriver.Classify(e), false, sentAt, Stopwatch.GetTimestamp());
        }
    }

    public void Dispose()
    {
        foreach (var lanes in _lanes) lanes?.Dispose();
        _webSockets?.Dispose();
        foreach (var lane in _grpc ?? []) lane.Channel.Dispose();
    }
}

/// <summary>One gRPC channel (one HTTP/2 connection) and the slots of its concurrent calls.</summary>
internal sealed class GrpcLane(global::Grpc.Net.Client.GrpcChannel channel, int streams)
{
    private long _waits;

    public global::Grpc.Net.Client.GrpcChannel Channel { get; } = channel;
    public global::Grpc.Core.CallInvoker Invoker { get; } = channel.CreateCallInvoker();
    public SemaphoreSlim Slots { get; } = new(streams);
    public long Waits => Interlocked.Read(ref _waits);

    /// <summary>Takes a call slot, waiting at most <paramref name="timeout"/>: false when none came.</summary>
    public async ValueTask<bool> EnterAsync(TimeSpan timeout, CancellationToken stop)
    {
        if (Slots.Wait(0)) return true;
        Interlocked.Increment(ref _waits);
        return await Slots.WaitAsync(timeout, stop).ConfigureAwait(false);
    }
}
