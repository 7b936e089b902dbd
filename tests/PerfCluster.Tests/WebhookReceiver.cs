using System.Net;
using System.Net.Sockets;
using System.Text.Json;

namespace PerfCluster.Tests;

/// <summary>Collects the JSON bodies POSTed to http://127.0.0.1:port/hook.</summary>
public sealed class WebhookReceiver : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly List<JsonElement> _received = new();

    public WebhookReceiver()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        Port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        _listener.Start();
        _ = AcceptAsync();
    }

    public int Port { get; }
    public Uri Url => new($"http://127.0.0.1:{Port}/hook");

    public IReadOnlyList<JsonElement> Received { get { lock (_received) return _received.ToList(); } }

    private async Task AcceptAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext ctx;
            try { ctx = await _listener.GetContextAsync(); }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException) { return; }
            using (var reader = new StreamReader(ctx.Request.InputStream))
            {
                var body = await reader.ReadToEndAsync();
                lock (_received) _received.Add(JsonDocument.Parse(body).RootElement.Clone());
            }
            ctx.Response.StatusCode = 204;
            ctx.Response.Close();
        }
    }

    public void Dispose() => _listener.Close();
}
