using System.Buffers;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using PerfCluster.Core.Metrics;
using PerfCluster.Core.Scenarios;

namespace PerfCluster.Engine.Drivers;

/// <summary>
/// Sends one scenario's requests through a single tuned <see cref="SocketsHttpHandler"/> and records
/// each one (latency from before the send to the last body byte, status, error kind) into the share's
/// <see cref="MetricsRecorder"/>. Requests are prepared once; nothing but the request message is
/// allocated per call.
/// </summary>
public sealed class HttpDriver : IRequestDriver
{
    private sealed record Prepared(HttpMethod Method, Uri Uri, KeyValuePair<string, string>[] Headers,
        KeyValuePair<string, string>[] ContentHeaders, byte[]? Body, EndpointDefinition Endpoint);

    /// <summary>Headers that belong on the request content, not the request (the journey client uses them too).</summary>
    internal static readonly HashSet<string> ContentHeaderNames = new(StringComparer.OrdinalIgnoreCase)
    {
        "Content-Type", "Content-Encoding", "Content-Language", "Content-MD5", "Content-Disposition", "Content-Range",
    };

    private readonly HttpLanes _lanes;
    private readonly Prepared[] _requests;
    private readonly TimeSpan _timeout;
    private readonly long _maxBody;
    private readonly MetricsRecorder _recorder;

    /// <param name="handshakeTiming">The recorder's timing series of TLS handshakes (https targets); null: not timed.</param>
    public HttpDriver(ScenarioDefinition scenario, MetricsRecorder recorder, int connections, int? handshakeTiming = null)
    {
        _recorder = recorder;
        _timeout = scenario.Http.Timeout;
        _maxBody = scenario.Http.MaxResponseSize;
        _requests = scenario.Endpoints.Select(e => Prepare(scenario.Target, e)).ToArray();
        _lanes = new HttpLanes(scenario, scenario.Http.Version, scenario.Http.MaxConnections > 0 ? scenario.Http.MaxConnections : connections,
            handshakeTiming is { } h ? (from, to) => recorder.RecordTiming(h, from, to, false) : null);
        recorder.ConnectionWaits = () => _lanes.Waits;
    }

    private static Prepared Prepare(Uri target, EndpointDefinition e)
    {
        var uri = new Uri(target, e.Path);
        var headers = e.Headers.Where(h => !ContentHeaderNames.Contains(h.Key)).ToArray();
        var content = e.Headers.Where(h => ContentHeaderNames.Contains(h.Key)).ToArray();
        return new Prepared(new HttpMethod(e.Method), uri, headers, content, e.Body is null ? null : Encoding.UTF8.GetBytes(e.Body), e);
    }

    /// <summary>A closed-model request: latency from the send.</summary>
    public Task<bool> ExecuteAsync(int endpoint, CancellationToken stop) => ExecuteAsync(endpoint, null, stop);

    /// <summary>
    /// Sends one request to endpoint <paramref name="endpoint"/> and records it. Returns false when
    /// <paramref name="stop"/> cut it off: such a request is counted as abandoned, not as a result.
    /// </summary>
    public async Task<bool> ExecuteAsync(int endpoint, long? intendedStart, CancellationToken stop)
    {
        var p = _requests[endpoint];
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stop);
        timeout.CancelAfter(_timeout);
        using var request = _lanes.Request(p.Method, p.Uri);
        foreach (var h in p.Headers) request.Headers.TryAddWithoutValidation(h.Key, h.Value);
        if (p.Body is not null)
        {
            request.Content = new ByteArrayContent(p.Body);
            foreach (var h in p.ContentHeaders) request.Content.Headers.TryAddWithoutValidation(h.Key, h.Value);
        }

        var start = Stopwatch.GetTimestamp();
        var lane = _lanes.For(-1);
        ErrorKind? error;
        var entered = false;
        try
        {
            if (!(entered = await _lanes.EnterAsync(lane, _timeout, stop).ConfigureAwait(false))) throw new TimeoutException();
            using var response = await lane.Invoker.SendAsync(request, timeout.Token).ConfigureAwait(false);
            await DrainAsync(response, _maxBody, timeout.Token).ConfigureAwait(false);
            var status = (int)response.StatusCode;
            error = p.Endpoint.IsExpected(status) ? null : ErrorKinds.ForStatus(status);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            _recorder.RecordAbandoned();
            return false;
        }
        catch (OperationCanceledException)
        {
            error = ErrorKind.Timeout;
        }
        catch (Exception ex)
        {
            error = Classify(ex);
        }
        finally
        {
            if (entered) lane.Slots.Release();
        }
        _recorder.Record(endpoint, intendedStart, start, Stopwatch.GetTimestamp(), error);
        return true;
    }

    /// <summary>
    /// Reads a body to its end into a pooled buffer, keeping nothing; past <paramref name="maxBody"/> bytes (0: no limit)
    /// it stops with <see cref="ResponseTooLargeException"/>, and the connection goes with the response.
    /// </summary>
    internal static async Task DrainAsync(HttpResponseMessage response, long maxBody, CancellationToken token)
    {
        CheckDeclaredLength(response, maxBody);
        await using var stream = await response.Content.ReadAsStreamAsync(token).ConfigureAwait(false);
        var buffer = ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            long total = 0;
            int n;
            while ((n = await stream.ReadAsync(buffer.AsMemory(), token).ConfigureAwait(false)) > 0)
                if ((total += n) > maxBody && maxBody > 0) throw new ResponseTooLargeException(maxBody);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>The body as UTF-8 text (a journey step that extracts from it), within the same limit.</summary>
    internal static async Task<string> ReadTextAsync(HttpResponseMessage response, long maxBody, CancellationToken token)
    {
        CheckDeclaredLength(response, maxBody);
        await using var stream = await response.Content.ReadAsStreamAsync(token).ConfigureAwait(false);
        using var text = new MemoryStream();
        var buffer = ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            int n;
            while ((n = await stream.ReadAsync(buffer.AsMemory(), token).ConfigureAwait(false)) > 0)
            {
                if (maxBody > 0 && text.Length + n > maxBody) throw new ResponseTooLargeException(maxBody);
                text.Write(buffer, 0, n);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        return Encoding.UTF8.GetString(text.GetBuffer(), 0, (int)text.Length);
    }

    private static void CheckDeclaredLength(HttpResponseMessage response, long maxBody)
    {
        if (maxBody > 0 && response.Content.Headers.ContentLength > maxBody) throw new ResponseTooLargeException(maxBody);
    }

    /// <summary>Maps a transport failure to an error kind by walking the exception chain.</summary>
    public static ErrorKind Classify(Exception ex)
    {
        for (var e = ex; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case System.Security.Authentication.AuthenticationException:
                    return ErrorKind.Tls;
                case HttpRequestException { HttpRequestError: HttpRequestError.VersionNegotiationError }:
                case HttpProtocolException { ErrorCode: 0xd }:   // HTTP_1_1_REQUIRED: an HTTP/1.1-only server refused h2c
                    return ErrorKind.HttpVersion;
                // The server answered the h2c preface with something that is not HTTP/2 (the runtime gives it no error code).
                case HttpRequestException { HttpRequestError: HttpRequestError.Unknown, InnerException: null } r
                    when r.Message.Contains("HTTP/2 handshake", StringComparison.Ordinal):
                    return ErrorKind.HttpVersion;
                case HttpProtocolException:
                    return ErrorKind.Protocol;
                case SocketException { SocketErrorCode: SocketError.ConnectionRefused }:
                    return ErrorKind.Refused;
                case SocketException { SocketErrorCode: SocketError.ConnectionReset or SocketError.ConnectionAborted or SocketError.Shutdown }:
                    return ErrorKind.Reset;
                case SocketException { SocketErrorCode: SocketError.TimedOut }:
                    return ErrorKind.Timeout;
                case TimeoutException:
                    return ErrorKind.Timeout;
                case HttpRequestException { HttpRequestError: HttpRequestError.ResponseEnded }:
                    return ErrorKind.Reset;
                case ResponseTooLargeException:
                case HttpRequestException { HttpRequestError: HttpRequestError.ConfigurationLimitExceeded }:
                case HttpIOException { HttpRequestError: HttpRequestError.ConfigurationLimitExceeded }:
                    return ErrorKind.TooLarge;
                case HttpRequestException { HttpRequestError: HttpRequestError.InvalidResponse }:
                case HttpIOException { HttpRequestError: HttpRequestError.InvalidResponse }:
                    return ErrorKind.Protocol;   // a malformed answer is a protocol error, not a dropped connection
            }
        }
        return ex is IOException ? ErrorKind.Reset : ErrorKind.Other;
    }

    public void Dispose() => _lanes.Dispose();
}

/// <summary>An answer's body passed <c>http.max-response-size</c>.</summary>
public sealed class ResponseTooLargeException(long limit) : IOException($"the response body is larger than {limit} bytes");
