using PerfCluster.Core.Metrics;
using PerfCluster.Core.Scenarios;
using PerfCluster.Engine.Drivers;
using PerfCluster.Engine.Workers;

namespace PerfCluster.Engine.Tests.Drivers;

/// <summary>What a driver recorded: requests (histogram count), errors by kind, abandoned requests, latency range.</summary>
public sealed record DriverOutcome(long Requests, long[] Errors, long Abandoned, double MinLatencySeconds, double MaxLatencySeconds)
{
    public long this[ErrorKind kind] => Errors[(int)kind];
    public long ErrorCount => Errors.Sum();
    public long Successes => Requests - ErrorCount;

    public override string ToString() =>
        $"requests={Requests} abandoned={Abandoned} errors=[{string.Join(", ", ErrorKinds.All.Where(k => this[k] > 0).Select(k => $"{k.Key()}={this[k]}"))}]";
}

public static class DriverRuns
{
    public static ScenarioDefinition Scenario(Uri target, string method = "GET", string path = "/a",
        IReadOnlyDictionary<string, string>? headers = null, string? body = null, IReadOnlyList<int>? expect = null,
        TimeSpan? timeout = null, int maxConnections = 0) => new()
    {
        Name = "driver",
        Target = target,
        Load = new ClosedLoad(1, TimeSpan.FromSeconds(1), TimeSpan.Zero, ThinkTime.None, TimeSpan.FromSeconds(1)),
        Endpoints =
        [
            new EndpointDefinition
            {
                Name = "a", Method = method, Path = path, Headers = headers ?? new Dictionary<string, string>(),
                Body = body, ExpectedStatus = expect ?? [],
            },
        ],
        Http = new HttpSettings { Timeout = timeout ?? TimeSpan.FromSeconds(5), MaxConnections = maxConnections },
    };

    /// <summary>Sends <paramref name="requests"/> requests one after another through a new driver of <paramref name="engine"/>.</summary>
    public static async Task<DriverOutcome> Sequential(HttpEngine engine, ScenarioDefinition scenario, int requests = 1,
        int connections = 1, CancellationToken stop = default)
    {
        var recorder = new MetricsRecorder(["a"]);
        using var driver = RequestDrivers.Create(scenario, recorder, connections, engine);
        for (var i = 0; i < requests; i++) await driver.ExecuteAsync(0, null, stop);
        return Collect(recorder);
    }

    public static DriverOutcome Collect(MetricsRecorder recorder)
    {
        var abandoned = recorder.TakeAbandoned();
        var errors = new long[ErrorKinds.Count];
        long count = 0;
        double min = 0, max = 0;
        foreach (var delta in recorder.Flush())
        {
            var histogram = Latency.Decode(delta.Histogram);
            count += histogram.TotalCount;
            if (histogram.TotalCount > 0)
            {
                min = Latency.MicrosToSeconds(histogram.GetValueAtPercentile(0));
                max = Latency.MicrosToSeconds(histogram.GetValueAtPercentile(100));
            }
            for (var k = 0; k < errors.Length; k++) errors[k] += delta.ErrorsByKind[k];
        }
        return new DriverOutcome(count, errors, abandoned, min, max);
    }
}
