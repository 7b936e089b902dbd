using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace PerfCluster.Api;

/// <summary>
/// Writes a <c>text/event-stream</c>: <c>event: NAME</c> + one <c>data:</c> line of JSON per event, and a
/// comment line every <see cref="Heartbeat"/> so proxies keep the connection and a gone client is noticed.
/// </summary>
public static class ServerSentEvents
{
    public static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(10);

    public static async Task BeginAsync(HttpResponse response, CancellationToken cancellationToken)
    {
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "text/event-stream; charset=utf-8";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
        response.HttpContext.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        await response.Body.FlushAsync(cancellationToken);
    }

    public static async Task WriteAsync(HttpResponse response, ServerEvent e, CancellationToken cancellationToken)
    {
        var data = JsonSerializer.Serialize(e.Data, e.Data.GetType(), ApiJson.Options);
        await response.WriteAsync($"event: {e.Name}\ndata: {data}\n\n", Encoding.UTF8, cancellationToken);
        await response.Body.FlushAsync(cancellationToken);
    }

    /// <summary>Writes every event of <paramref name="live"/> until it completes or <paramref name="cancellationToken"/> fires.</summary>
    public static async Task PumpAsync(HttpResponse response, ChannelReader<ServerEvent> live, CancellationToken cancellationToken)
    {
        Task<bool>? pending = null;
        while (true)
        {
            pending ??= live.WaitToReadAsync(cancellationToken).AsTask();
            using var heartbeat = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var first = await Task.WhenAny(pending, Task.Delay(Heartbeat, heartbeat.Token));
            await heartbeat.CancelAsync();
            if (first != pending)
            {
                cancellationToken.ThrowIfCancellationRequested();
                await response.WriteAsync(": keep-alive\n\n", Encoding.UTF8, cancellationToken);
                await response.Body.FlushAsync(cancellationToken);
                continue;
            }
            if (!await pending) return;
            pending = null;
            while (live.TryRead(out var e)) await WriteAsync(response, e, cancellationToken);
        }
    }
}
