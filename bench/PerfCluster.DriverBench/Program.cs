using System.Diagnostics;
using PerfCluster.Core.Metrics;
using PerfCluster.Core.Scenarios;
using PerfCluster.Engine.Drivers;
using PerfCluster.Engine.Workers;

// One driver, N closed loops calling IRequestDriver.ExecuteAsync back to back (no actors, no think
// time), against one URL. Runs a warm-up, then measures requests/s and this process's CPU time per
// request over the measured period, and prints one line:
//   DRIVER engine=fast rps=... cpu_us=... requests=... errors=... waits=... alloc_bytes_per_request=... gen0_collections=...
// Usage: PerfCluster.DriverBench <fast|socketshttphandler> <url> [connections=64] [seconds=10] [warmup-seconds=2]
//        PerfCluster.DriverBench h2 <url> <connections> <streams> [seconds=10]   (the runtime's HTTP/2 client alone; RawHttp2)
if (args is ["h2", var h2Url, var h2Connections, var h2Streams, ..])
    return await RawHttp2.RunAsync(new Uri(h2Url), int.Parse(h2Connections), int.Parse(h2Streams), args.Length > 4 ? double.Parse(args[4]) : 10);
if (args.Length < 2 || !HttpSettings.TryParseEngine(args[0], out var engine) || engine == HttpEngine.Auto)
{
    Console.Error.WriteLine("usage: PerfCluster.DriverBench <fast|socketshttphandler> <url> [connections] [seconds] [warmup-seconds]");
    return 2;
}
var url = new Uri(args[1]);
var connections = args.Length > 2 ? int.Parse(args[2]) : 64;
var seconds = args.Length > 3 ? double.Parse(args[3]) : 10;
var warmup = args.Length > 4 ? double.Parse(args[4]) : 2;

var scenario = new ScenarioDefinition
{
    Name = "driver-bench",
    Target = new Uri(url.GetLeftPart(UriPartial.Authority)),
    Load = new ClosedLoad(connections, TimeSpan.FromSeconds(seconds), TimeSpan.Zero, ThinkTime.None, TimeSpan.Zero),
    Endpoints = [new EndpointDefinition { Name = "bench", Path = url.PathAndQuery }],
    Http = new HttpSettings { Timeout = TimeSpan.FromSeconds(10) },
};
var recorder = new MetricsRecorder(["bench"]);
using var driver = RequestDrivers.Create(scenario, recorder, connections, engine);

const int Pad = 16;   // one counter per cache line
var counts = new long[connections * Pad];
var measureFrom = Stopwatch.GetTimestamp() + (long)(warmup * Stopwatch.Frequency);
var measureTo = measureFrom + (long)(seconds * Stopwatch.Frequency);
// Every loop is bounded: it stops at the end of the measured period, and in-flight requests are
// abandoned 5 s after it at the latest.
using var abandon = new CancellationTokenSource(TimeSpan.FromSeconds(warmup + seconds + 5));

async Task Loop(int index)
{
    await Task.Yield();
    while (Stopwatch.GetTimestamp() < measureTo)
    {
        if (!await driver.ExecuteAsync(0, null, abandon.Token)) return;
        counts[index * Pad]++;
    }
}

var loops = Enumerable.Range(0, connections).Select(i => Task.Run(() => Loop(i))).ToArray();

long Total()
{
    long sum = 0;
    for (var i = 0; i < connections; i++) sum += Volatile.Read(ref counts[i * Pad]);
    return sum;
}

var process = Process.GetCurrentProcess();
await Task.Delay(TimeSpan.FromTicks(Math.Max(0, (measureFrom - Stopwatch.GetTimestamp()) * TimeSpan.TicksPerSecond / Stopwatch.Frequency)));
process.Refresh();
var cpu0 = process.TotalProcessorTime;
var alloc0 = GC.GetTotalAllocatedBytes();
var gc0 = GC.CollectionCount(0);
var n0 = Total();
var t0 = Stopwatch.GetTimestamp();
await Task.Delay(TimeSpan.FromTicks(Math.Max(0, (measureTo - Stopwatch.GetTimestamp()) * TimeSpan.TicksPerSecond / Stopwatch.Frequency)));
var n1 = Total();
var t1 = Stopwatch.GetTimestamp();
var alloc1 = GC.GetTotalAllocatedBytes();
var gc1 = GC.CollectionCount(0);
process.Refresh();
var cpu1 = process.TotalProcessorTime;
await Task.WhenAll(loops);

var requests = n1 - n0;
var elapsed = (t1 - t0) / (double)Stopwatch.Frequency;
var errors = recorder.Flush().Sum(d => d.ErrorsByKind.Sum());
var waits = driver is FastHttpDriver fast ? fast.ConnectionWaits : 0;
var name = engine == HttpEngine.Fast ? "fast" : "socketshttphandler";
Console.WriteLine(FormattableString.Invariant(
    $"DRIVER engine={name} rps={requests / elapsed:F0} cpu_us={(cpu1 - cpu0).TotalMicroseconds / Math.Max(1, requests):F2} requests={requests} errors={errors} waits={waits} alloc_bytes_per_request={(alloc1 - alloc0) / (double)Math.Max(1, requests):F0} gen0_collections={gc1 - gc0}"));
return errors == 0 ? 0 : 1;
