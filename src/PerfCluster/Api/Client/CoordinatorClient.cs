using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using PerfCluster.Engine.Security;
using System.Net;
using System.Net.Http.Headers;
using System.Net.ServerSentEvents;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;

namespace PerfCluster.Api.Client;

/// <summary>The coordinator could not be reached at all (refused, no route, no answer).</summary>
public sealed class CoordinatorUnreachableException(Uri coordinator, string reason, Exception inner)
    : Exception($"cannot reach coordinator at {coordinator.ToString().TrimEnd('/')}: {reason}", inner);

/// <summary>The coordinator answered with an error: <see cref="Detail"/> is its problem+json detail.</summary>
public sealed class CoordinatorApiException(HttpStatusCode status, string detail)
    : Exception($"the coordinator answered {(int)status} {status}: {detail}")
{
    public HttpStatusCode Status { get; } = status;
    public string Detail { get; } = detail;
}

/// <summary>HTTP client of the coordinator API: JSON requests, problem+json errors, and SSE streams.</summary>
public sealed class CoordinatorClient : IDisposable
{
    public static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(5);

    /// <summary>A PEM file with the CA that issued the coordinator's HTTPS certificate, when it is not one the system trusts.</summary>
    public const string AuthorityVariable = "PERFCLUSTER_COORDINATOR_CA";

    private static readonly Lazy<X509Certificate2?> Authority = new(() =>
        Environment.GetEnvironmentVariable(AuthorityVariable) is { Length: > 0 } path
            ? CertificateFiles.Load(path, $"the coordinator's CA (${AuthorityVariable})")
            : null);

    private readonly HttpClient _http;

    /// <exception cref="TlsFileException">PERFCLUSTER_COORDINATOR_CA names a file that is not a certificate.</exception>
    public CoordinatorClient(Uri coordinator, string? token)
    {
        Coordinator = coordinator;
        var handler = new SocketsHttpHandler { ConnectTimeout = ConnectTimeout };
        if (Authority.Value is { } authority)
            handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
                errors == SslPolicyErrors.None
                || (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) == SslPolicyErrors.None
                   && CertificateFiles.ChainProblem(certificate as X509Certificate2, authority) is null;
        _http = new HttpClient(handler)
        {
            BaseAddress = coordinator,
            Timeout = Timeout.InfiniteTimeSpan,
        };
        if (!string.IsNullOrEmpty(token)) _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
    }

    public Uri Coordinator { get; }

    public Task<T> GetAsync<T>(string path, CancellationToken cancellationToken = default) =>
        SendAsync<T>(HttpMethod.Get, path, null, cancellationToken);

    public async Task<T> SendAsync<T>(HttpMethod method, string path, object? body, CancellationToken cancellationToken = default)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(RequestTimeout);
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
            request.Content = new StringContent(JsonSerializer.Serialize(body, body.GetType(), ApiJson.Options), Encoding.UTF8, "application/json");
        using var response = await SendRawAsync(request, HttpCompletionOption.ResponseContentRead, timeout.Token, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(timeout.Token);
        if (!response.IsSuccessStatusCode) throw Error(response.StatusCode, text);
        try
        {
            return ApiJson.Deserialize<T>(text);
        }
        catch (JsonException e)
        {
            throw new CoordinatorApiException(response.StatusCode, $"unexpected answer from {path}: {e.Message}");
        }
    }

    /// <summary>How long an event stream may stay silent: three of the coordinator's heartbeats.</summary>
    public static readonly TimeSpan StreamIdleTimeout = ServerSentEvents.Heartbeat * 3;

    /// <summary>
    /// Follows a server-sent event stream until the server ends it or <paramref name="cancellationToken"/> fires. A
    /// stream that brings nothing, not even the coordinator's heartbeat, for <paramref name="idleTimeout"/> (default
    /// <see cref="StreamIdleTimeout"/>) fails with an <see cref="IOException"/>: its coordinator is gone without
    /// closing the connection.
    /// </summary>
    public async IAsyncEnumerable<SseItem<string>> StreamAsync(
        string path, [EnumeratorCancellation] CancellationToken cancellationToken = default, TimeSpan? idleTimeout = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        using var response = await SendRawAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken, cancellationToken);
        if (!response.IsSuccessStatusCode) throw Error(response.StatusCode, await response.Content.ReadAsStringAsync(cancellationToken));
        await using var stream = new IdleTimeoutStream(await response.Content.ReadAsStreamAsync(cancellationToken), idleTimeout ?? StreamIdleTimeout);
        await foreach (var item in SseParser.Create(stream).EnumerateAsync(cancellationToken)) yield return item;
    }

    private async Task<HttpResponseMessage> SendRawAsync(
        HttpRequestMessage request, HttpCompletionOption completion, CancellationToken token, CancellationToken caller)
    {
        try
        {
            return await _http.SendAsync(request, completion, token);
        }
        catch (HttpRequestException e) when (e.StatusCode is null)
        {
            throw new CoordinatorUnreachableException(Coordinator, Reason(e), e);
        }
        catch (OperationCanceledException e) when (!caller.IsCancellationRequested)
        {
            throw new CoordinatorUnreachableException(Coordinator, $"no answer within {RequestTimeout.TotalSeconds:0} s", e);
        }
    }

    private static string Reason(HttpRequestException e) => e.InnerException switch
    {
        SocketException { SocketErrorCode: SocketError.ConnectionRefused } => "connection refused",
        SocketException { SocketErrorCode: SocketError.HostNotFound or SocketError.NoData or SocketError.TryAgain } => "host name not found",
        SocketException s => s.Message,
        OperationCanceledException or TimeoutException => $"no connection within {ConnectTimeout.TotalSeconds:0} s",
        _ => e.Message,
    };

    private static CoordinatorApiException Error(HttpStatusCode status, string body)
    {
        var detail = body.Trim();
        try
        {
            using var problem = JsonDocument.Parse(body);
            if (problem.RootElement.ValueKind == JsonValueKind.Object &&
                problem.RootElement.TryGetProperty("detail", out var d) && d.ValueKind == JsonValueKind.String)
                detail = d.GetString()!;
        }
        catch (JsonException)
        {
            // not problem+json: keep the text
        }
        return new CoordinatorApiException(status, detail.Length > 0 ? detail : status.ToString());
    }

    public void Dispose() => _http.Dispose();
}

/// <summary>A read-only stream whose reads fail with an <see cref="IOException"/> when no byte arrives within <c>idle</c>.</summary>
internal sealed class IdleTimeoutStream(Stream inner, TimeSpan idle) : Stream
{
    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(idle);
        try
        {
            return await inner.ReadAsync(buffer, timeout.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new IOException($"nothing from the coordinator for {idle.TotalSeconds:0.#} s, not even its heartbeat");
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count, CancellationToken.None).GetAwaiter().GetResult();

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing) inner.Dispose();
        base.Dispose(disposing);
    }

    public override ValueTask DisposeAsync() => inner.DisposeAsync();
}
