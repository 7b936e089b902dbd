using System.Net;
using System.Net.Sockets;
using System.Text;

namespace PerfCluster.Engine.Tests;

/// <summary>
/// A minimal HTTP/1.1 server on 127.0.0.1 for driver and engine specs: answers every request with a
/// fixed status after a delay, or drops the connection, and counts what it received.
/// </summary>
public sealed class LoopbackServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private long _requests;

    public LoopbackServer(int status = 200, TimeSpan? delay = null, bool reset = false)
    {
        Status = status;
        Delay = delay ?? TimeSpan.Zero;
        Reset = reset;
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public int Status { get; }
    public TimeSpan Delay { get; }
    public bool Reset { get; }
    public Uri BaseUrl => new($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/");
    public long Requests => Interlocked.Read(ref _requests);

    private async Task AcceptAsync()
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                _ = ServeAsync(client);
            }
        }
        catch (OperationCanceledException) { }
        catch (SocketException) { }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using var _ = client;
        var stream = client.GetStream();
        var buffer = new byte[8192];
        var pending = new StringBuilder();
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var read = await stream.ReadAsync(buffer, _stop.Token);
                if (read == 0) return;
                pending.Append(Encoding.ASCII.GetString(buffer, 0, read));
                int end;
                while ((end = pending.ToString().IndexOf("\r\n\r\n", StringComparison.Ordinal)) >= 0)
                {
                    var head = pending.ToString(0, end);
                    var length = head.Split("\r\n").Select(l => l.Split(':', 2))
                        .Where(p => p.Length == 2 && p[0].Trim().Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
                        .Select(p => int.Parse(p[1].Trim())).FirstOrDefault();
                    while (pending.Length < end + 4 + length)
                    {
                        read = await stream.ReadAsync(buffer, _stop.Token);
                        if (read == 0) return;
                        pending.Append(Encoding.ASCII.GetString(buffer, 0, read));
                    }
                    pending.Remove(0, end + 4 + length);
                    Interlocked.Increment(ref _requests);
                    if (Reset)
                    {
                        client.Client.LingerState = new LingerOption(true, 0);   // RST instead of FIN
                        return;
                    }
                    if (Delay > TimeSpan.Zero) await Task.Delay(Delay, _stop.Token);
                    var response = $"HTTP/1.1 {Status} X\r\nContent-Length: 2\r\nContent-Type: text/plain\r\n\r\nok";
                    await stream.WriteAsync(Encoding.ASCII.GetBytes(response), _stop.Token);
                }
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or SocketException) { }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        await _accepting;
    }
}
