using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace PerfCluster.Engine.Tests.Drivers;

/// <summary>How a scripted reply ends: the connection stays open, is closed (FIN), reset (RST), or the reply never comes.</summary>
public enum ReplyEnd { KeepOpen, Close, Reset, Hang }

/// <summary>
/// Exactly the bytes to answer one request with, written in pieces of <see cref="PieceSize"/> bytes
/// (0: all at once) with a pause between pieces (<see cref="Pause"/>, 1 ms unless set) so that each arrives
/// in its own TCP read; then <see cref="Endless"/>, when set, again and again until the client goes away.
/// </summary>
public sealed record ScriptedReply(byte[] Bytes, ReplyEnd End = ReplyEnd.KeepOpen, int PieceSize = 0)
{
    public TimeSpan Pause { get; init; } = TimeSpan.FromMilliseconds(1);

    /// <summary>Written over and over after <see cref="Bytes"/>: a body that never ends.</summary>
    public byte[]? Endless { get; init; }

    public static ScriptedReply Of(string text, ReplyEnd end = ReplyEnd.KeepOpen, int pieceSize = 0) =>
        new(Encoding.ASCII.GetBytes(text), end, pieceSize);

    /// <summary>One byte at a time, <paramref name="pause"/> apart.</summary>
    public static ScriptedReply Trickle(string text, TimeSpan pause) => Of(text, pieceSize: 1) with { Pause = pause };

    /// <summary><paramref name="head"/>, then <paramref name="repeated"/> forever.</summary>
    public static ScriptedReply Forever(string head, string repeated) => Of(head) with { Endless = Encoding.ASCII.GetBytes(repeated) };

    public static readonly ScriptedReply Hang = new([], ReplyEnd.Hang);
}

/// <summary>One request as the server read it, with the connection (0-based, in accept order) it came on.</summary>
public sealed record ScriptedRequest(int Index, int Connection, byte[] Raw)
{
    public string Text => Encoding.ASCII.GetString(Raw);
    public string RequestLine => Text[..Text.IndexOf("\r\n", StringComparison.Ordinal)];
}

/// <summary>
/// A TCP server on 127.0.0.1 that reads HTTP/1.1 requests (head, and a body by Content-Length) and
/// answers each with the bytes a script returns for it, so that specs control every byte a client
/// sees: framing, splits across reads, closes and resets. It counts accepted connections.
/// </summary>
public sealed class ScriptedHttpServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Func<ScriptedRequest, ScriptedReply> _script;
    private readonly ConcurrentQueue<ScriptedRequest> _requests = new();
    private readonly ConcurrentBag<Task> _serving = [];
    private readonly Task _accepting;
    private int _accepts;
    private int _requestCount;

    public ScriptedHttpServer(Func<ScriptedRequest, ScriptedReply> script)
    {
        _script = script;
        _listener.Start();
        _accepting = AcceptAsync();
    }

    /// <summary>Answers every request with the same reply.</summary>
    public ScriptedHttpServer(ScriptedReply reply) : this(_ => reply) { }

    public Uri BaseUrl => new($"http://127.0.0.1:{Port}/");
    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;
    public int Accepts => Volatile.Read(ref _accepts);
    public IReadOnlyList<ScriptedRequest> Requests => _requests.ToArray();

    private async Task AcceptAsync()
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                var connection = Interlocked.Increment(ref _accepts) - 1;
                _serving.Add(ServeAsync(client, connection));
            }
        }
        catch (OperationCanceledException) { }
        catch (SocketException) { }
        catch (ObjectDisposedException) { }
    }

    private async Task ServeAsync(TcpClient client, int connection)
    {
        using var _ = client;
        client.NoDelay = true;
        var stream = client.GetStream();
        var pending = new List<byte>();
        var buffer = new byte[4096];
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var raw = await ReadRequestAsync(stream, pending, buffer);
                if (raw is null) return;
                var request = new ScriptedRequest(Interlocked.Increment(ref _requestCount) - 1, connection, raw);
                _requests.Enqueue(request);
                var reply = _script(request);
                if (reply.End == ReplyEnd.Hang)
                {
                    await Task.Delay(Timeout.Infinite, _stop.Token);
                    return;
                }
                var piece = reply.PieceSize > 0 ? reply.PieceSize : Math.Max(1, reply.Bytes.Length);
                for (var offset = 0; offset < reply.Bytes.Length; offset += piece)
                {
                    if (offset > 0) await Task.Delay(reply.Pause, _stop.Token);
                    await stream.WriteAsync(reply.Bytes.AsMemory(offset, Math.Min(piece, reply.Bytes.Length - offset)), _stop.Token);
                    await stream.FlushAsync(_stop.Token);
                }
                if (reply.Endless is { } endless)
                    while (true) await stream.WriteAsync(endless, _stop.Token);   // until the client closes: an IOException ends it
                if (reply.End == ReplyEnd.Reset)
                {
                    client.Client.LingerState = new LingerOption(true, 0);   // RST instead of FIN
                    return;
                }
                if (reply.End == ReplyEnd.Close)
                {
                    client.Client.Shutdown(SocketShutdown.Send);
                    return;
                }
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or SocketException or ObjectDisposedException) { }
    }

    /// <summary>Reads one request (head and Content-Length body); null when the client closed first.</summary>
    private async Task<byte[]?> ReadRequestAsync(NetworkStream stream, List<byte> pending, byte[] buffer)
    {
        while (true)
        {
            var end = IndexOfHeadEnd(pending);
            if (end >= 0)
            {
                var head = Encoding.ASCII.GetString(pending.ToArray(), 0, end);
                var length = head.Split("\r\n").Select(l => l.Split(':', 2))
                    .Where(p => p.Length == 2 && p[0].Trim().Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
                    .Select(p => int.Parse(p[1].Trim())).FirstOrDefault();
                var total = end + 4 + length;
                while (pending.Count < total)
                {
                    var more = await stream.ReadAsync(buffer, _stop.Token);
                    if (more == 0) return null;
                    pending.AddRange(buffer.AsSpan(0, more).ToArray());
                }
                var raw = pending.GetRange(0, total).ToArray();
                pending.RemoveRange(0, total);
                return raw;
            }
            var read = await stream.ReadAsync(buffer, _stop.Token);
            if (read == 0) return null;
            pending.AddRange(buffer.AsSpan(0, read).ToArray());
        }
    }

    private static int IndexOfHeadEnd(List<byte> bytes)
    {
        for (var i = 0; i + 3 < bytes.Count; i++)
            if (bytes[i] == '\r' && bytes[i + 1] == '\n' && bytes[i + 2] == '\r' && bytes[i + 3] == '\n') return i;
        return -1;
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        await _accepting;
        await Task.WhenAll(_serving.ToArray());
        _stop.Dispose();
    }
}
