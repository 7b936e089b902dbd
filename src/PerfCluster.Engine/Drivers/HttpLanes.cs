using System.Diagnostics;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using PerfCluster.Core.Scenarios;

namespace PerfCluster.Engine.Drivers;

/// <summary>
/// The connections one share sends a scenario's requests over, in the shape the scenario asks for. HTTP/1.1: one
/// handler whose pool holds <c>connections</c> connections, each carrying one request at a time. HTTP/2: <c>C</c>
/// handlers of exactly one connection each (<c>http.max-connections</c>, default 1), each carrying at most <c>S</c>
/// concurrent streams (<c>http.streams</c>): the load is C × S, as h2load's <c>-c C -m S</c>. A user keeps one lane (its
/// index modulo C), so its requests share a connection the way a browser's do. Requests beyond a lane's slots wait on
/// it, counted in <see cref="Waits"/>; latency counts from before that wait.
/// </summary>
internal sealed class HttpLanes : IDisposable
{
    /// <summary>The moment a new connection's TCP connect finished, kept on the request that opened it.</summary>
    private static readonly HttpRequestOptionsKey<long> ConnectedAt = new("perfcluster.connected-at");

    private readonly Lane[] _lanes;
    private long _waits;
    private int _next;

    /// <param name="onHandshake">A new https connection finished its TLS handshake: from the TCP connect's end to the handshake's.</param>
    public HttpLanes(ScenarioDefinition scenario, HttpProtocol protocol, int connections, Action<long, long>? onHandshake)
    {
        Protocol = protocol;
        Version = protocol == HttpProtocol.Http2 ? System.Net.HttpVersion.Version20 : System.Net.HttpVersion.Version11;
        if (protocol == HttpProtocol.Http2)
        {
            var streams = scenario.Http.Streams;
            _lanes = Enumerable.Range(0, scenario.Http.Http2Connections)
                .Select(_ => new Lane(new HttpMessageInvoker(Handler(scenario, 1, onHandshake), disposeHandler: true), streams)).ToArray();
        }
        else
        {
            var pool = Math.Max(1, connections);
            _lanes = [new Lane(new HttpMessageInvoker(Handler(scenario, pool, onHandshake), disposeHandler: true), pool)];
        }
    }

    public HttpProtocol Protocol { get; }

    /// <summary>The version requests are sent with; always exact (h2c with prior knowledge, or ALPN that must pick h2).</summary>
    public Version Version { get; }

    /// <summary>Requests that found their lane's connections or streams all busy and waited (generator health: should stay 0).</summary>
    public long Waits => Interlocked.Read(ref _waits);

    /// <summary>The lane of user <paramref name="user"/>; for a negative user (a request mix, whose requests belong to no
    /// user) the lane with the most free slots, looked for from the next lane in turn.</summary>
    public Lane For(int user)
    {
        if (_lanes.Length == 1) return _lanes[0];
        if (user >= 0) return _lanes[user % _lanes.Length];
        var start = (int)((uint)Interlocked.Increment(ref _next) % (uint)_lanes.Length);
        var best = _lanes[start];
        for (var i = 1; i < _lanes.Length; i++)
        {
            var lane = _lanes[(start + i) % _lanes.Length];
            if (lane.Slots.CurrentCount > best.Slots.CurrentCount) best = lane;
        }
        return best;
    }

    /// <summary>Takes a slot of <paramref name="lane"/>, waiting at most <paramref name="timeout"/>: false when none came.</summary>
    /// <exception cref="OperationCanceledException"><paramref name="stop"/> was cancelled.</exception>
    public async ValueTask<bool> EnterAsync(Lane lane, TimeSpan timeout, CancellationToken stop)
    {
        if (lane.Slots.Wait(0)) return true;
        Interlocked.Increment(ref _waits);
        return await lane.Slots.WaitAsync(timeout, stop).ConfigureAwait(false);
    }

    /// <summary>A request message of this lane set's version, never downgraded or upgraded.</summary>
    public HttpRequestMessage Request(HttpMethod method, Uri uri) =>
        new(method, uri) { Version = Version, VersionPolicy = HttpVersionPolicy.RequestVersionExact };

    // The semaphores are not disposed: requests still finishing after the share ends release their slot into them.
    public void Dispose()
    {
        foreach (var lane in _lanes) lane.Invoker.Dispose();
    }

    /// <summary>One handler (HTTP/2: one connection) and the slots of its concurrent requests.</summary>
    internal sealed class Lane(HttpMessageInvoker invoker, int slots)
    {
        public HttpMessageInvoker Invoker { get; } = invoker;
        public SemaphoreSlim Slots { get; } = new(slots);
    }

    /// <summary>
    /// A tuned handler: no proxy, cookies, redirects or decompression (the user's jar and the steps do that), pooled
    /// connections kept for the run, and for https the scenario's TLS settings.
    /// </summary>
    public static SocketsHttpHandler Handler(ScenarioDefinition scenario, int connections, Action<long, long>? onHandshake = null)
    {
        var http = scenario.Http;
        var handler = new SocketsHttpHandler
        {
            MaxConnectionsPerServer = Math.Max(1, connections),
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
            ConnectTimeout = http.Timeout,
            UseProxy = false,
            UseCookies = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            EnableMultipleHttp2Connections = false,
        };
        if (scenario.Target.Scheme != Uri.UriSchemeHttps) return handler;

        var tls = http.Tls;
        var acceptSelfSigned = tls.AcceptsSelfSignedFor(scenario.Target.Host);
        handler.SslOptions = new SslClientAuthenticationOptions
        {
            TargetHost = tls.ServerName,
            EnabledSslProtocols = SslProtocols.None,
            // Only a certificate whose chain fails (self-signed, or an unknown root) is let through, and only for a host
            // the scenario names; a wrong name or a missing certificate still fails.
            RemoteCertificateValidationCallback = (_, _, _, errors) =>
                errors == SslPolicyErrors.None || (acceptSelfSigned && errors == SslPolicyErrors.RemoteCertificateChainErrors),
        };
        if (tls.ClientCertificatePem is { } pem && tls.ClientKeyPem is { } key)
            handler.SslOptions.ClientCertificates = [X509Certificate2.CreateFromPem(pem, key)];
        if (onHandshake is null) return handler;

        // The handshake is timed between the two hooks SocketsHttpHandler gives a new connection: the TCP connect's end
        // (ConnectCallback) and the TLS stream's readiness (PlaintextStreamFilter), both on the request that opened it.
        handler.ConnectCallback = async (context, token) =>
        {
            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(context.DnsEndPoint, token).ConfigureAwait(false);
                context.InitialRequestMessage.Options.Set(ConnectedAt, Stopwatch.GetTimestamp());
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        };
        handler.PlaintextStreamFilter = (context, _) =>
        {
            if (context.InitialRequestMessage.Options.TryGetValue(ConnectedAt, out var at)) onHandshake(at, Stopwatch.GetTimestamp());
            return ValueTask.FromResult(context.PlaintextStream);
        };
        return handler;
    }
}

/// <summary>
/// The TLS handshakes of an https scenario's new connections, recorded as one more timing series of its share's recorder
/// (<c>tls-handshake</c> among the groups: count and durations, merged exactly like every other), so handshake time is
/// reported apart from the requests' latency.
/// </summary>
public static class HandshakeTiming
{
    public const string Name = "tls-handshake";

    /// <summary>The series to add to a share's timings: one for an https target, none otherwise.</summary>
    public static IEnumerable<(string Name, bool Group)> Of(ScenarioDefinition scenario) =>
        scenario.Target.Scheme == Uri.UriSchemeHttps ? [(Name, true)] : [];

    /// <summary>Its index when the timings before it number <paramref name="before"/>; null for an http target.</summary>
    public static int? IndexIn(ScenarioDefinition scenario, int before) => scenario.Target.Scheme == Uri.UriSchemeHttps ? before : null;
}
