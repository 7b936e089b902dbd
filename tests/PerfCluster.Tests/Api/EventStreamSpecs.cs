using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using PerfCluster.Api.Client;

namespace PerfCluster.Tests.Api;

/// <summary>The client's event stream against a coordinator that stops sending without closing the connection.</summary>
public class EventStreamSpecs
{
    [Fact]
    public async Task Should_give_up_on_a_stream_that_goes_silent_without_closing()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        using var done = new CancellationTokenSource();
        var server = Task.Run(async () =>
        {
            // One event, then nothing: no heartbeat, no close (a machine that vanished).
            using var socket = await listener.AcceptSocketAsync();
            var request = new byte[4096];
            await socket.ReceiveAsync(request);
            await socket.SendAsync(Encoding.ASCII.GetBytes(
                "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\nevent: started\ndata: {}\n\n"));
            await Task.Delay(TimeSpan.FromSeconds(30), done.Token).ContinueWith(_ => { });
        });
        using var client = new CoordinatorClient(new Uri($"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}/"), null);
        var events = new List<string>();
        var clock = Stopwatch.StartNew();

        var error = await Assert.ThrowsAsync<IOException>(async () =>
        {
            await foreach (var item in client.StreamAsync("api/runs/x/events", idleTimeout: TimeSpan.FromSeconds(1))) events.Add(item.EventType);
        });

        Assert.Equal(["started"], events);
        Assert.Contains("nothing from the coordinator for 1 s", error.Message);
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(10));
        await done.CancelAsync();
        await server;
    }
}
