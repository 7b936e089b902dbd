using PerfCluster.Core.Metrics;
using PerfCluster.Core.Reports;
using PerfCluster.Core.Scenarios;
using PerfCluster.Core.Thresholds;
using static PerfCluster.Core.Tests.Thresholds.StatisticsFixtures;
using PerfCluster.Core.Results;

namespace PerfCluster.Core.Tests.Reports;

/// <summary>A healthy run and the means to spoil it: every figure here is asserted somewhere.</summary>
internal static class ReportFixtures
{
    public const string SourceText = "scenario \"checkout-flow\" {\n  users = 50\n  thresholds = [\"p95 < 2s\"]\n}\n";

    public static readonly ThresholdDefinition[] DefaultThresholds =
    [
        new("p95 < 2s", null, At(3)),
        new("error_rate < 5%", null, At(4)),
        new("p95 < 2s", "checkout", At(5)),
    ];

    /// <summary>1200 requests at 20 req/s, no errors; home 1000, checkout 200; generator at 10% of 2 cores.</summary>
    public static ScenarioStatistics HealthyStatistics(string scenario = "checkout-flow") => Statistics(
        Endpoint("overall", 1200, throughput: 20),
        [Endpoint("home", 1000, throughput: 16.67, latency: Latency(p50: 0.040, p95: 0.120, p99: 0.180)),
         Endpoint("checkout", 200, throughput: 3.33, latency: Latency(p50: 0.080, p95: 0.250, p99: 0.390))],
        timeline:
        [
            new WindowStatistics(0, 10, 0, 10, 5, Latency(), new Dictionary<string, long> { ["home"] = 8, ["checkout"] = 2 }),
            new WindowStatistics(1, 20, 1, 20, 10, Latency(p50: 0.050), new Dictionary<string, long> { ["home"] = 17, ["checkout"] = 3 }),
            new WindowStatistics(2, 0, 0, 0, 10, LatencySummary.Empty, new Dictionary<string, long>()),
        ],
        scenario: scenario);

    public static ScenarioReport ScenarioReport(
        ScenarioStatistics? statistics = null,
        ThresholdDefinition[]? thresholds = null,
        bool interrupted = false,
        string name = "checkout-flow")
    {
        var definition = Scenario(name, thresholds ?? DefaultThresholds);
        var stats = statistics ?? HealthyStatistics(name);
        return new ScenarioReport(definition, stats, ThresholdEvaluator.Evaluate(definition, stats), interrupted);
    }

    /// <summary>The checkout scenario in the open model: 50 iterations/s (unless given) on a pool of 10..200 users, after a 10 s warm-up.</summary>
    public static ScenarioDefinition OpenScenario(OpenLoad? open = null) => Scenario("checkout-flow", DefaultThresholds) with
    {
        Load = new ClosedLoad(200, TimeSpan.FromSeconds(60), TimeSpan.Zero, ThinkTime.None, ClosedLoad.DefaultGracefulStop),
        Open = open ?? new OpenLoad(50, 10, 200),
        WarmUp = TimeSpan.FromSeconds(10),
    };

    /// <summary>The checkout scenario in the closed model with the guide's spike as stages (300 users, 120 s, think time 1 s).</summary>
    public static ScenarioDefinition StagedScenario() => Scenario("checkout-flow", DefaultThresholds) with
    {
        Load = new ClosedLoad(300, TimeSpan.FromSeconds(120), TimeSpan.Zero, new ThinkTime(TimeSpan.FromSeconds(1), TimeSpan.Zero),
            ClosedLoad.DefaultGracefulStop)
        {
            Stages =
            [
                new(TimeSpan.Zero, 10), new(TimeSpan.FromSeconds(10), 10), new(TimeSpan.Zero, 300),
                new(TimeSpan.FromSeconds(60), 300), new(TimeSpan.Zero, 10), new(TimeSpan.FromSeconds(50), 10),
            ],
        },
    };

    /// <summary>
    /// Healthy open-model figures: service times below the latencies (overall and per endpoint), scheduling lag p99
    /// 4 ms, no dropped iterations, no connection waits, and 100 warm-up requests.
    /// </summary>
    public static ScenarioStatistics OpenStatistics()
    {
        var healthy = HealthyStatistics();
        return healthy with
        {
            Overall = healthy.Overall with { ServiceTime = Latency(p50: 0.030, p95: 0.100, p99: 0.150, max: 0.400) },
            Endpoints = healthy.Endpoints
                .Select(e => e with { ServiceTime = Latency(p50: 0.020, p95: 0.090, p99: 0.140, max: 0.300) })
                .ToList(),
            SchedulingLag = new LatencySummary(0.0001, 0.0008, 0.0005, 0.0006, 0.0015, 0.002, 0.004, 0.006, 0.008),
            WarmUp = Endpoint("warm-up", 100, Errors((ErrorKind.Timeout, 2)), throughput: 10, latency: Latency(p95: 0.300)),
        };
    }

    /// <summary>A report of one scenario as defined, with its thresholds evaluated on the statistics.</summary>
    public static ScenarioReport ScenarioReport(ScenarioDefinition definition, ScenarioStatistics statistics) =>
        new(definition, statistics, ThresholdEvaluator.Evaluate(definition, statistics), false);

    public static RunReport Run(params ScenarioReport[] scenarios)
    {
        var list = scenarios.Length == 0 ? [ScenarioReport()] : scenarios;
        return new RunReport
        {
            RunId = PerfCluster.Core.Runs.TestRunId.ForCli(Start).Value,
            Status = RunReport.StatusOf(list),
            StartedAt = Start,
            FinishedAt = Start.AddSeconds(65),
            ToolVersion = "0.1.0",
            Host = "load-01",
            SourceFile = "scenarios/shop.conf",
            SourceText = SourceText,
            Scenarios = list,
        };
    }

    public static IReadOnlyDictionary<string, long> Errors(params (ErrorKind Kind, long Count)[] counts) =>
        counts.ToDictionary(c => c.Kind.Key(), c => c.Count);
}
