using System.Diagnostics;
using System.Net;

/// <summary>
/// The runtime's HTTP/2 client alone: C SocketsHttpHandlers of one connection each, S loops per connection, no
/// recording. PerfCluster's HTTP/2 steps run on this client, so its requests/s is their ceiling at that shape.
/// Prints "rps cpu_us_per_request" after a 1 s warm-up.
/// </summary>
internal static class RawHttp2
{
    public static async Task<int> RunAsync(Uri url, int connections, int streams, double seconds)
    {
        var invokers = Enumerable.Range(0, connections)
            .Select(_ => new HttpMessageInvoker(new SocketsHttpHandler { EnableMultipleHttp2Connections = false, UseCookies = false, UseProxy = false, AllowAutoRedirect = false }))
            .ToArray();
        var from = Stopwatch.GetTimestamp() + Stopwatch.Frequency;
        var to = from + (long)(seconds * Stopwatch.Frequency);
        long counted = 0;
        TimeSpan cpuFrom = default;
        var buffer = new byte[16 * 1024];

        async Task Loop(HttpMessageInvoker invoker)
        {
            await Task.Yield();
            for (var now = Stopwatch.GetTimestamp(); now < to; now = Stopwatch.GetTimestamp())
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, url) { Version = HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionExact };
                using var response = await invoker.SendAsync(request, CancellationToken.None);
                await using var body = await response.Content.ReadAsStreamAsync();
                while (await body.ReadAsync(buffer) > 0) { }
                if (now >= from) Interlocked.Increment(ref counted);
            }
        }

        var loops = Enumerable.Range(0, connections * streams).Select(i => Task.Run(() => Loop(invokers[i % connections]))).ToArray();
        await Task.Delay(TimeSpan.FromSeconds(1));
        cpuFrom = Process.GetCurrentProcess().TotalProcessorTime;
        await Task.WhenAll(loops);
        var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuFrom;
        Console.WriteLine(FormattableString.Invariant($"{counted / seconds:F0} {cpu.TotalMilliseconds * 1000 / Math.Max(1, counted):F2}"));
        foreach (var invoker in invokers) invoker.Dispose();
        return 0;
    }
}
