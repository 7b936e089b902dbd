using System.Diagnostics;
using System.Net;
using PerfCluster.Core.Metrics;
using PerfCluster.Core.Scenarios;
using PerfCluster.Engine.Drivers;

namespace PerfCluster.Engine.Steps;

/// <summary>What one request of a journey got back: the status (0 when no answer came), the body and headers when asked for.</summary>
internal readonly record struct HttpAnswer(int Status, string? Body, List<KeyValuePair<string, string>>? Headers, ErrorKind? TransportError, bool Abandoned, long SentAt, long EndAt);

/// <summary>
/// The HTTP client of a share's journeys: one tuned <see cref="SocketsHttpHandler"/> for every virtual user (connections
/// up to the share's users, or <c>http.max-connections</c>), no automatic cookies or redirects: each user's cookie jar is
/// applied per request, so users never share a session.
/// </summary>
internal sealed class JourneyHttp : IDisposable
{
    private readonly HttpMessageInvoker _invoker;
    /// <summary>One slot per connection of the pool.</summary>
    private readonly SemaphoreSlim _slots;
    private long _waits;
    private readonly long _maxBody;

    public JourneyHttp(Uri target, int connections, TimeSpan connectTimeout, long maxBody = HttpSettings.DefaultMaxResponseSize)
    {
        Target = target;
        _maxBody = maxBody;
        _slots = new SemaphoreSlim(Math.Max(1, connections));
        var handler = new SocketsHttpHandler
        {
            MaxConnectionsPerServer = Math.Max(1, connections),
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
            ConnectTimeout = connectTimeout,
            UseProxy = false,
            UseCookies = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
        };
        _invoker = new HttpMessageInvoker(handler, disposeHandler: true);
    }

    public Uri Target { get; }

    public static bool IsContentHeader(string name) => HttpDriver.ContentHeaderNames.Contains(name);

    public async Task<HttpAnswer> SendAsync(HttpMethod method, Uri uri, List<KeyValuePair<string, string>> headers, byte[]? body,
        JourneyUser? cookies, bool readBody, bool readHeaders, TimeSpan timeout, CancellationToken stop)
    {
        // Latency counts from here, a wait for a free connection included (as the fast engine does). Requests beyond
        // the connections wait on the semaphore, not inside the handler: a million users queued at start-up hold a
        // waiter each, not a whole request.
        var sentAt = Stopwatch.GetTimestamp();
        if (!_slots.Wait(0))
        {
            Interlocked.Increment(ref _waits);
            try
            {
                if (!await _slots.WaitAsync(timeout, stop).ConfigureAwait(false))
                    return new HttpAnswer(0, null, null, ErrorKind.Timeout, false, sentAt, Stopwatch.GetTimestamp());
            }
            catch (OperationCanceledException)
            {
                return new HttpAnswer(0, null, null, null, true, sentAt, Stopwatch.GetTimestamp());
            }
        }
        try
        {
            var left = timeout - Stopwatch.GetElapsedTime(sentAt);
            return await SendOnSlotAsync(method, uri, headers, body, cookies, readBody, readHeaders,
                left > TimeSpan.Zero ? left : TimeSpan.FromTicks(1), sentAt, stop).ConfigureAwait(false);
        }
        finally
        {
            _slots.Release();
        }
    }

    /// <summary>Requests that found every connection busy and waited for one (generator health: should stay 0).</summary>
    public long ConnectionWaits => Interlocked.Read(ref _waits);

    private async Task<HttpAnswer> SendOnSlotAsync(HttpMethod method, Uri uri, List<KeyValuePair<string, string>> headers, byte[]? body,
        JourneyUser? cookies, bool readBody, bool readHeaders, TimeSpan timeout, long sentAt, CancellationToken stop)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(stop);
        linked.CancelAfter(timeout);
        using var request = new HttpRequestMessage(method, uri);
        if (body is not null) request.Content = new ByteArrayContent(body);
        foreach (var (name, value) in headers)
        {
            if (IsContentHeader(name)) request.Content?.Headers.TryAddWithoutValidation(name, value);
            else request.Headers.TryAddWithoutValidation(name, value);
        }
        if (cookies?.Jar is { Count: > 0 } sent && sent.GetCookieHeader(uri) is { Length: > 0 } cookie) request.Headers.TryAddWithoutValidation("Cookie", cookie);

        try
        {
            using var response = await _invoker.SendAsync(request, linked.Token).ConfigureAwait(false);
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

    // The semaphore is not disposed: requests still finishing after the share ends release their slot into it.
    public void Dispose() => _invoker.Dispose();
}
