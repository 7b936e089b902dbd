using PerfCluster.Core.Metrics;
using PerfCluster.Core.Scenarios;
using PerfCluster.Core.Results;
using PerfCluster.Core.Input;

namespace PerfCluster.Core.Tests.Thresholds;

/// <summary>Hand-built scenarios and statistics with known figures (latencies in seconds).</summary>
internal static class StatisticsFixtures
{
    public static readonly DateTimeOffset Start = new(2025, 11, 26, 14, 40, 0, TimeSpan.Zero);

    public static LatencySummary Latency(
        double min = 0.004, double mean = 0.060, double p50 = 0.045, double p90 = 0.120, double p95 = 0.143,
        double p99 = 0.210, double p999 = 0.480, double max = 0.950) =>
        new(min, mean, 0.030, p50, p90, p95, p99, p999, max);

    public static EndpointStatistics Endpoint(
        string name,
        long requests = 1000,
        IReadOnlyDictionary<string, long>? errorsByKind = null,
        double? throughput = null,
        LatencySummary? latency = null)
    {
        var byKind = errorsByKind ?? new Dictionary<string, long>();
        var errors = byKind.Values.Sum();
        return new EndpointStatistics(
            name,
            requests,
            errors,
            byKind,
            requests > 0 ? (double)errors / requests : 0,
            throughput ?? requests / 60.0,
            requests > 0 ? latency ?? Latency() : LatencySummary.Empty);
    }

    public static ScenarioStatistics Statistics(
        EndpointStatistics? overall = null,
        IReadOnlyList<EndpointStatistics>? endpoints = null,
        GeneratorStatistics? generator = null,
        IReadOnlyList<WindowStatistics>? timeline = null,
        long abandonedInFlight = 0,
        int peakUsers = 50,
        string scenario = "checkout-flow") =>
        new(
            scenario,
            Start,
            TimeSpan.FromSeconds(60),
            overall ?? Endpoint("overall"),
            endpoints ?? [],
            timeline ?? [],
            generator ?? new GeneratorStatistics(12.0, 20.0, 10.0, 2, 120L * 1024 * 1024),
            peakUsers,
            abandonedInFlight);

    public static ScenarioDefinition Scenario(string name = "checkout-flow", params ThresholdDefinition[] thresholds) => new()
    {
        Name = name,
        Description = "Browse then check out",
        Target = new Uri("http://shop.test:8080/"),
        Load = new ClosedLoad(50, TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(10),
            new ThinkTime(TimeSpan.FromMilliseconds(500), TimeSpan.FromMilliseconds(100)), ClosedLoad.DefaultGracefulStop),
        Endpoints =
        [
            new EndpointDefinition { Name = "home", Path = "/", Weight = 3 },
            new EndpointDefinition
            {
                Name = "checkout",
                Method = "POST",
                Path = "/checkout",
                Body = "{\"cart\":1}",
                Headers = new Dictionary<string, string> { ["Content-Type"] = "application/json" },
                ExpectedStatus = [200, 201],
            },
        ],
        Thresholds = thresholds,
    };

    public static SourcePosition At(int line, int column = 5) => new("shop.conf", line, column);
}
