using System.Text.Json;
using PerfCluster.Api;
using PerfCluster.Core.Coordination;
using PerfCluster.Core.Metrics;
using PerfCluster.Core.Reports;
using PerfCluster.Core.Scenarios;
using PerfCluster.Core.Thresholds;
using static PerfCluster.Engine.Protocol.RunProtocol;
using PerfCluster.Core.Results;

namespace PerfCluster.Tests.Api;

/// <summary>
/// What travels between a coordinator and a remote client must come back exactly: statistics (so the client
/// writes the same report), the live records, and the scenario itself (written as JSON, read by the loader).
/// </summary>
public class ApiJsonSpecs
{
    private static LatencySummary Latency(double scale) => new(
        Min: 0.0031 * scale, Mean: 0.00712345678901 * scale, StdDev: 0.0012345 * scale, P50: 0.006719 * scale,
        P90: 0.0085 * scale, P95: 0.009215 * scale, P99: 0.010751 * scale, P999: 0.153087 * scale, Max: 0.153087 * scale);

    private static Dictionary<string, long> Errors(long http5xx) =>
        ErrorKinds.All.ToDictionary(k => k.Key(), k => k == ErrorKind.Http5xx ? http5xx : 0L);

    private static ScenarioStatistics Statistics() => new(
        Scenario: "Light Load",
        StartedAt: new DateTimeOffset(2025, 3, 14, 15, 9, 26, 535, TimeSpan.Zero).AddTicks(8979),
        MeasuredDuration: TimeSpan.FromTicks(200_012_345),
        Overall: new EndpointStatistics("overall", 1931, 7, Errors(7), 7 / 1931.0, 96.54321, Latency(1)),
        Endpoints:
        [
            new EndpointStatistics("/api/v1/projects", 1200, 7, Errors(7), 7 / 1200.0, 60.0, Latency(0.9)),
            new EndpointStatistics("POST /api/v1/tasks", 731, 0, Errors(0), 0, 36.55, Latency(1.1)),
            new EndpointStatistics("never called", 0, 0, Errors(0), double.NaN, 0, LatencySummary.Empty),
        ],
        Timeline:
        [
            new WindowStatistics(0, 6, 0, 6, 6, Latency(1), new Dictionary<string, long> { ["/api/v1/projects"] = 4, ["POST /api/v1/tasks"] = 2 }),
            new WindowStatistics(1, 96, 7, 96, 10, Latency(1.2), new Dictionary<string, long> { ["/api/v1/projects"] = 60 }),
        ],
        Generator: new GeneratorStatistics(1.9, 9.5, 4.75, 2, 123_456_789),
        PeakUsers: 10,
        AbandonedInFlight: 3);

    private static ScenarioDefinition Scenario() => ScenarioLoader.LoadText("""
        name = "Light Load"
        target = "http://127.0.0.1:8000"
        concurrent-users = 10
        duration = 20s
        endpoints = [ "/api/v1/projects", "POST /api/v1/tasks", { name = "never called", path = "/x", weight = 0 } ]
        thresholds = [ "p95 < 2s", "error_rate < 0.01", { endpoint = "/api/v1/projects", threshold = "p99 < 1ms" } ]
        """, "light.conf").Scenarios[0];

    private static string Report(ScenarioDefinition scenario, ScenarioStatistics stats) => ReportDocuments.Render(new RunReport
    {
        RunId = "benchmark_1",
        Status = RunStatus.Completed,
        StartedAt = stats.StartedAt,
        FinishedAt = stats.StartedAt + stats.MeasuredDuration,
        Host = "test",
        Scenarios = [new ScenarioReport(scenario, stats, ThresholdEvaluator.Evaluate(scenario, stats), false)],
    });

    [Fact]
    public void Should_round_trip_scenario_statistics_so_the_client_writes_the_same_report()
    {
        var stats = Statistics();

        var json = ApiJson.Serialize(stats);
        var back = ApiJson.Deserialize<ScenarioStatistics>(json);

        Assert.Equal(json, ApiJson.Serialize(back));
        Assert.Equal(stats.StartedAt, back.StartedAt);
        Assert.Equal(stats.MeasuredDuration, back.MeasuredDuration);
        Assert.Equal(stats.Overall.Latency, back.Overall.Latency);
        Assert.Equal(stats.Endpoints.Select(e => e.Latency), back.Endpoints.Select(e => e.Latency));
        Assert.True(double.IsNaN(back.Endpoints[2].ErrorRate));
        Assert.Equal(stats.Timeline[0].RequestsByEndpoint, back.Timeline[0].RequestsByEndpoint);
        Assert.Equal(stats.Generator, back.Generator);
        Assert.Equal(7, back.Overall.ErrorsByKind["http_5xx"]);
        Assert.Equal(3, back.AbandonedInFlight);
        var scenario = Scenario();
        Assert.Equal(Report(scenario, stats), Report(scenario, back));
    }

    [Fact]
    public void Should_write_snake_case_names_and_keep_endpoint_names_as_keys()
    {
        using var json = JsonDocument.Parse(ApiJson.Serialize(Statistics()));
        var root = json.RootElement;

        Assert.True(root.TryGetProperty("measured_duration", out _));
        Assert.True(root.GetProperty("overall").TryGetProperty("errors_by_kind", out _));
        Assert.Equal(4, root.GetProperty("timeline")[0].GetProperty("requests_by_endpoint").GetProperty("/api/v1/projects").GetInt64());
        Assert.Equal("NaN", root.GetProperty("endpoints")[2].GetProperty("error_rate").GetString());
    }

    [Fact]
    public void Should_round_trip_the_live_records_a_remote_client_hands_to_its_progress_view()
    {
        var progress = new RunProgress("r-1", "Light Load", TimeSpan.FromMilliseconds(2500), TimeSpan.FromSeconds(20), 7,
            Statistics().Timeline[1], Statistics().Overall);
        var shares = new SharesAssigned("r-1", DateTimeOffset.UtcNow,
            [new WorkerShare("akka.tcp://perfcluster@10.0.0.5:4053", new UserShare(0, 6), 2), new WorkerShare("akka.tcp://perfcluster@10.0.0.6:4053", new UserShare(6, 10), 1.5)],
            "worker akka.tcp://perfcluster@10.0.0.6:4053 joined");
        var started = new RunStarted("r-1", "Light Load", DateTimeOffset.UtcNow, 2);

        var progressBack = ApiJson.Deserialize<RunProgress>(ApiJson.Serialize(progress));
        var sharesBack = ApiJson.Deserialize<SharesAssigned>(ApiJson.Serialize(shares));

        Assert.Equal(ApiJson.Serialize(progress), ApiJson.Serialize(progressBack));
        Assert.Equal(progress.Elapsed, progressBack.Elapsed);
        Assert.Equal(progress.Totals.Latency, progressBack.Totals.Latency);
        Assert.Equal(shares.Shares, sharesBack.Shares);
        Assert.Equal(shares.At, sharesBack.At);
        Assert.Equal(4, sharesBack.Shares[1].Share.Count);
        Assert.Equal(started, ApiJson.Deserialize<RunStarted>(ApiJson.Serialize(started)));
    }

    [Fact]
    public void Should_round_trip_a_scenario_result_with_its_notes()
    {
        var result = new ScenarioResult("Light Load", Statistics(), true, "interrupted", ["worker a left", "degraded span 3-5 s"]);

        var back = ApiJson.Deserialize<ScenarioResult>(ApiJson.Serialize(result));

        Assert.Equal(ApiJson.Serialize(result), ApiJson.Serialize(back));
        Assert.True(back.Interrupted);
        Assert.Equal(result.Notes, back.Notes);
    }

    private static string Comparable(ScenarioDefinition s) => ApiJson.Serialize(s with
    {
        Thresholds = s.Thresholds.Select(t => t with { Position = null }).ToList(),
        SlaThresholds = s.SlaThresholds.Select(t => t with { Position = null }).ToList(),
        AlertRules = s.AlertRules.Select(r => r with { Position = null }).ToList(),
        Monitor = s.Monitor is null ? null : s.Monitor with { Position = null },
        ModuleTargets = s.ModuleTargets.Select(t => t with { Position = null }).ToList(),
        Journey = null,
    }) + (s.Journey is { } j ? j.Source + string.Join(";", j.Feeders.Select(f => $"{f.Name}:{f.Mode}:{f.Take}:{string.Join(",", f.Fields)}:{string.Join("|", f.Rows.Select(r => string.Join(",", r)))}")) +
        string.Join(";", j.Modules.Select(m => $"{m.Name}:{m.Hash}")) : "");

    [Fact]
    public void Should_write_a_scenario_the_loader_reads_back_unchanged()
    {
        var text = """"
            name = "Checkout"
            description = "Peak \"hour\" checkout — mix ✓"
            target = "http://127.0.0.1:8000/base/"
            concurrent-users = 50
            duration = 1.5m
            ramp-up = 1234567us
            think-time = { mean = 1s, jitter = 250ms }
            graceful-stop = 7s
            http { timeout = 10s, max-connections = 8, engine = sockets-http-handler }
            regression-thresholds { throughput-degradation-percent = { warning = 3, failure = 7 }, latency-percentiles = [p50, p99_9], abort-on-fail = true }
            sla-thresholds = [ { metric = p95, value = 750ms, comparison = lt, severity = critical, description = "fast" } ]
            alert-rules = [ { name = errs, metric = error_rate, threshold = 0.1, for = 5s, action = webhook, url = "http://127.0.0.1:9/h" } ]
            monitor { process-name = nginx, prometheus = "http://127.0.0.1:9113/metrics", series = [ a_total ], leak-window = 2m }
            endpoints = [
              "/api/v1/projects"
              "POST /api/v1/tasks"
              { name = generate, method = POST, path = "/api/v1/ai/generate", weight = 0.2,
                headers { Content-Type = "application/json", "X-Trace.Id" = "a b" }, body = """{"prompt":"hi \"there\"\n"}""",
                expect-status = [200, 201] }
            ]
            request-patterns { distribution = round-robin, weights { "/api/v1/projects" = 0.4, "/api/v1/tasks" = 0.35 } }
            thresholds = [ "p95 < 2s", "error_rate < 5%", { endpoint = generate, threshold = "p99 < 500ms" } ]
            environment-config { required-services = [ { name = database, host = localhost, port = 5432 } ] }
            """";
        var original = ScenarioLoader.LoadText(text, "checkout.conf").Scenarios[0];

        var written = ScenarioJson.Write(original);
        var back = ScenarioLoader.LoadText(written, "checkout.json").Scenarios.Single();

        Assert.Equal(Comparable(original), Comparable(back));
        Assert.Equal(TimeSpan.FromTicks(12_345_670), back.Load.RampUp);
        Assert.Equal("a b", back.Endpoints[2].Headers["X-Trace.Id"]);
        Assert.Equal(SelectionMode.RoundRobin, back.Distribution);
        Assert.Equal(HttpEngine.SocketsHttpHandler, back.Http.Engine);
        Assert.True(back.Regression.AbortOnFail);
        Assert.Equal(750, back.SlaThresholds.Single().Value);
        Assert.Equal(TimeSpan.FromSeconds(5), back.AlertRules.Single().Duration);
        Assert.Equal("nginx", back.Monitor!.ProcessName);
    }

    [Fact]
    public void Should_write_every_shipped_scenario_so_it_reads_back_unchanged()
    {
        var dir = Path.Combine(AppContext.BaseDirectory, "hocon", "scenarios");
        var files = Directory.GetFiles(dir, "*.*", SearchOption.AllDirectories).Where(f => f.EndsWith(".conf") || f.EndsWith(".json")).ToList();
        Assert.NotEmpty(files);
        var overrides = new ScenarioOverrides(Target: new Uri("http://127.0.0.1:8000"));
        foreach (var file in files)
        {
            foreach (var scenario in ScenarioLoader.LoadFile(file, overrides).Scenarios)
            {
                var back = ScenarioLoader.LoadText(ScenarioJson.Write(scenario), "x.json").Scenarios.Single();
                Assert.True(Comparable(scenario) == Comparable(back), $"{file}: {scenario.Name}");
            }
        }
    }

    [Theory]
    [InlineData(0, "0s")]
    [InlineData(30_000, "30s")]
    [InlineData(1_500, "1500ms")]
    public void Should_write_durations_exactly(int milliseconds, string expected) =>
        Assert.Equal(expected, ScenarioJson.Duration(TimeSpan.FromMilliseconds(milliseconds)));

    [Fact]
    public void Should_write_sub_millisecond_durations_in_nanoseconds() =>
        Assert.Equal("1234567800ns", ScenarioJson.Duration(TimeSpan.FromTicks(12_345_678)));
}
