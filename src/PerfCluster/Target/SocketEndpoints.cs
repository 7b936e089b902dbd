using System.Buffers;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace PerfCluster.Target;

/// <summary>
/// The demo target's WebSocket endpoints, counted so tests can compare what a run says it did with what the server saw:
/// <list type="bullet">
/// <item><c>/ws/echo</c> answers every message with the same message; <c>?close-after=N</c> closes the socket (normal
/// closure) after N echoes, <c>?silent=true</c> reads and never answers (a server that hangs).</item>
/// <item><c>/ws/subscribe</c> takes <c>{"subscribe": "topic", "count": N, "interval_ms": M}</c> and pushes N messages
/// <c>{"topic", "seq", "last"}</c>, M ms apart (default 0); a socket may subscribe again after the last.</item>
/// </list>
/// </summary>
public sealed class SocketEndpoints
{
    /// <summary>Largest message read; a longer one closes the socket with MessageTooBig.</summary>
    public const int MaxMessage = 1024 * 1024;

    private long _connections, _received, _sent, _serverCloses;

    public long Connections => Interlocked.Read(ref _connections);
    public long Received => Interlocked.Read(ref _received);
    public long Sent => Interlocked.Read(ref _sent);

    /// <summary>Sockets the server closed itself (<c>close-after</c>).</summary>
    public long ServerCloses => Interlocked.Read(ref _serverCloses);

    public object Stats => new { connections = Connections, received = Received, sent = Sent, server_closes = ServerCloses };

    public void Reset()
    {
        Interlocked.Exchange(ref _connections, 0);
        Interlocked.Exchange(ref _received, 0);
        Interlocked.Exchange(ref _sent, 0);
        Interlocked.Exchange(ref _serverCloses, 0);
    }

    public void Map(WebApplication app)
    {
        app.UseWebSockets();
        app.Map("/ws/echo", ctx => Accept(ctx, EchoAsync));
        app.Map("/ws/subscribe", ctx => Accept(ctx, SubscribeAsync));
    }

    private async Task Accept(HttpContext ctx, Func<HttpContext, WebSocket, Task> serve)
    {
        if (!ctx.WebSockets.IsWebSocketRequest)
        {
            ctx.Response.StatusCode = StatusCodes.Status426UpgradeRequired;
            await ctx.Response.WriteAsync("a WebSocket upgrade is expected here\n");
            return;
        }
        var protocol = ctx.WebSockets.WebSocketRequestedProtocols.FirstOrDefault();
        using var socket = await ctx.WebSockets.AcceptWebSocketAsync(protocol);
        Interlocked.Increment(ref _connections);
        try
        {
            await serve(ctx, socket);
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or IOException)
        {
            // The client went away.
        }
    }

    private async Task EchoAsync(HttpContext ctx, WebSocket socket)
    {
        var closeAfter = int.TryParse(ctx.Request.Query["close-after"], out var n) && n > 0 ? n : int.MaxValue;
        var silent = ctx.Request.Query["silent"] == "true";
        var echoed = 0;
        while (await ReceiveAsync(socket, ctx.RequestAborted) is { } message)
        {
            if (silent) continue;
            await SendAsync(socket, message.Bytes, message.Type, ctx.RequestAborted);
            if (++echoed < closeAfter) continue;
            Interlocked.Increment(ref _serverCloses);
            await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "close-after", ctx.RequestAborted);
            return;
        }
    }

    private async Task SubscribeAsync(HttpContext ctx, WebSocket socket)
    {
        while (await ReceiveAsync(socket, ctx.RequestAborted) is { } message)
        {
            string topic;
            int count, interval;
            try
            {
                using var request = JsonDocument.Parse(message.Bytes);
                var root = request.RootElement;
                topic = root.GetProperty("subscribe").GetString() ?? "";
                count = root.TryGetProperty("count", out var c) ? c.GetInt32() : 1;
                interval = root.TryGetProperty("interval_ms", out var i) ? i.GetInt32() : 0;
            }
            catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
            {
                await SendAsync(socket, Encoding.UTF8.GetBytes("""{"error":"expected {\"subscribe\": \"topic\", \"count\": N}"}"""), WebSocketMessageType.Text, ctx.RequestAborted);
                continue;
            }
            for (var seq = 1; seq <= Math.Clamp(count, 0, 100_000); seq++)
            {
                if (interval > 0) await Task.Delay(interval, ctx.RequestAborted);
                var push = JsonSerializer.SerializeToUtf8Bytes(new { topic, seq, last = seq == count });
                await SendAsync(socket, push, WebSocketMessageType.Text, ctx.RequestAborted);
            }
        }
    }

    /// <summary>The next whole message; null when the client closed (the close is answered).</summary>
    private async Task<(byte[] Bytes, WebSocketMessageType Type)?> ReceiveAsync(WebSocket socket, CancellationToken cancel)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            using var message = new MemoryStream();
            while (true)
            {
                var result = await socket.ReceiveAsync(buffer.AsMemory(), cancel);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    if (socket.State == WebSocketState.CloseReceived)
                        await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, cancel);
                    return null;
                }
                if (message.Length + result.Count > MaxMessage)
                {
                    await socket.CloseAsync(WebSocketCloseStatus.MessageTooBig, $"messages are at most {MaxMessage} bytes", cancel);
                    return null;
                }
                message.Write(buffer, 0, result.Count);
                if (!result.EndOfMessage) continue;
                Interlocked.Increment(ref _received);
                return (message.ToArray(), result.MessageType);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private async Task SendAsync(WebSocket socket, byte[] bytes, WebSocketMessageType type, CancellationToken cancel)
    {
        await socket.SendAsync(bytes, type, endOfMessage: true, cancel);
        Interlocked.Increment(ref _sent);
    }
}
