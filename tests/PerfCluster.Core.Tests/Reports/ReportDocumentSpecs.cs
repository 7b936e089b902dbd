using System.Text.Json;
using PerfCluster.Core.Metrics;
using PerfCluster.Core.Reports;
using PerfCluster.Core.Scenarios;
using Xunit;
using static PerfCluster.Core.Tests.Reports.ReportFixtures;
using static PerfCluster.Core.Tests.Thresholds.StatisticsFixtures;

namespace PerfCluster.Core.Tests.Reports;

public class ReportDocumentSpecs
{
    private static JsonElement Parse(RunReport report)
    {
        using var document = JsonDocument.Parse(ReportDocuments.Render(report));
        return document.RootElement.Clone();
    }

    private static JsonElement LoadTest(JsonElement root, string name = "checkout-flow") =>
        root.GetProperty("load_tests").GetProperty(name);

    [Fact]
    public void Should_keep_the_guide_structure()
    {
        var root = Parse(Run());

        Assert.Equal("benchmark_1764168000", root.GetProperty("benchmark_run_id").GetString());
        Assert.Equal("completed", root.GetProperty("status").GetString());
        var test = LoadTest(root);
        Assert.Equal(20, test.GetProperty("throughput").GetDouble());
        Assert.Equal(0, test.GetProperty("error_rate").GetDouble());
        var latency = test.GetProperty("latency");
        Assert.Equal(0.004, latency.GetProperty("min").GetDouble());
        Assert.Equal(0.060, latency.GetProperty("mean").GetDouble());
        Assert.Equal(0.045, latency.GetProperty("p50").GetDouble());
        Assert.Equal(0.120, latency.GetProperty("p90").GetDouble());
        Assert.Equal(0.143, latency.GetProperty("p95").GetDouble());
        Assert.Equal(0.210, latency.GetProperty("p99").GetDouble());
        Assert.Equal(0.480, latency.GetProperty("p99_9").GetDouble());
        Assert.Equal(0.950, latency.GetProperty("max").GetDouble());
        Assert.Equal(JsonValueKind.Array, root.GetProperty("alerts").ValueKind);
        Assert.Equal(JsonValueKind.Array, root.GetProperty("recommendations").ValueKind);
    }

    [Fact]
    public void Should_add_the_verdict_timing_tool_host_notes_and_source()
    {
        var root = Parse(Run() with { Notes = ["interrupted after 12.3 s: the last unflushed second may be missing"] });

        Assert.True(root.GetProperty("passed").GetBoolean());
        Assert.Equal(0, root.GetProperty("exit_code").GetInt32());
        Assert.Equal(Start, root.GetProperty("started_at").GetDateTimeOffset());
        Assert.Equal(Start.AddSeconds(65), root.GetProperty("finished_at").GetDateTimeOffset());
        Assert.Equal(65, root.GetProperty("duration_seconds").GetDouble());
        Assert.Equal("perfcluster", root.GetProperty("tool").GetProperty("name").GetString());
        Assert.Equal("0.1.0", root.GetProperty("tool").GetProperty("version").GetString());
        Assert.Equal("load-01", root.GetProperty("host").GetString());
        Assert.Equal("interrupted after 12.3 s: the last unflushed second may be missing", root.GetProperty("notes")[0].GetString());
        Assert.Equal("scenarios/shop.conf", root.GetProperty("source").GetProperty("file").GetString());
        Assert.Equal(SourceText, root.GetProperty("source").GetProperty("text").GetString());
    }

    [Fact]
    public void Should_add_counts_errors_by_kind_and_run_facts_per_load_test()
    {
        var stats = Statistics(
            Endpoint("overall", 1200, Errors((ErrorKind.Timeout, 20), (ErrorKind.Http5xx, 4)), throughput: 20),
            [Endpoint("home", 1000), Endpoint("checkout", 200)],
            generator: new GeneratorStatistics(12.5, 20.8, 10.4, 2, 125_829_120),
            abandonedInFlight: 3,
            peakUsers: 48);

        var test = LoadTest(Parse(Run(ScenarioReport(stats))));

        Assert.Equal(1200, test.GetProperty("requests").GetInt64());
        Assert.Equal(24, test.GetProperty("errors").GetInt64());
        Assert.Equal(0.02, test.GetProperty("error_rate").GetDouble(), 12);
        var byKind = test.GetProperty("errors_by_kind");
        Assert.Equal(ErrorKinds.All.Select(k => k.Key()), byKind.EnumerateObject().Select(p => p.Name));
        Assert.Equal(20, byKind.GetProperty("timeout").GetInt64());
        Assert.Equal(4, byKind.GetProperty("http_5xx").GetInt64());
        Assert.Equal(0, byKind.GetProperty("refused").GetInt64());
        Assert.Equal(48, test.GetProperty("peak_users").GetInt32());
        Assert.Equal(3, test.GetProperty("abandoned_in_flight").GetInt64());
        Assert.False(test.GetProperty("interrupted").GetBoolean());
        Assert.Equal(60, test.GetProperty("measured_duration_seconds").GetDouble());
        var generator = test.GetProperty("generator");
        Assert.Equal(12.5, generator.GetProperty("cpu_seconds").GetDouble());
        Assert.Equal(20.8, generator.GetProperty("cpu_percent_of_one_core").GetDouble());
        Assert.Equal(10.4, generator.GetProperty("cpu_percent_of_machine").GetDouble());
        Assert.Equal(2, generator.GetProperty("processor_count").GetInt32());
        Assert.Equal(125_829_120, generator.GetProperty("peak_working_set_bytes").GetInt64());
    }

    [Fact]
    public void Should_give_each_endpoint_the_same_figures()
    {
        var endpoints = LoadTest(Parse(Run())).GetProperty("endpoints");

        Assert.Equal(["home", "checkout"], endpoints.EnumerateObject().Select(p => p.Name));
        var checkout = endpoints.GetProperty("checkout");
        Assert.Equal(200, checkout.GetProperty("requests").GetInt64());
        Assert.Equal(3.33, checkout.GetProperty("throughput").GetDouble());
        Assert.Equal(0.250, checkout.GetProperty("latency").GetProperty("p95").GetDouble());
        Assert.Equal(0.390, checkout.GetProperty("latency").GetProperty("p99").GetDouble());
        Assert.Equal(0, checkout.GetProperty("errors").GetInt64());
        Assert.Equal(0, checkout.GetProperty("error_rate").GetDouble());
        Assert.Equal(ErrorKinds.Count, checkout.GetProperty("errors_by_kind").EnumerateObject().Count());
    }

    [Fact]
    public void Should_write_the_timeline_second_by_second()
    {
        var timeline = LoadTest(Parse(Run())).GetProperty("timeline");

        Assert.Equal(3, timeline.GetArrayLength());
        var second = timeline[1];
        Assert.Equal(1, second.GetProperty("second").GetInt64());
        Assert.Equal(20, second.GetProperty("requests").GetInt64());
        Assert.Equal(1, second.GetProperty("errors").GetInt64());
        Assert.Equal(20, second.GetProperty("throughput").GetDouble());
        Assert.Equal(10, second.GetProperty("active_users").GetInt32());
        Assert.Equal(0.050, second.GetProperty("latency").GetProperty("p50").GetDouble());
        Assert.Equal(0.143, second.GetProperty("latency").GetProperty("p95").GetDouble());
        Assert.Equal(0.210, second.GetProperty("latency").GetProperty("p99").GetDouble());
        Assert.Equal(0.950, second.GetProperty("latency").GetProperty("max").GetDouble());
        Assert.Equal(17, second.GetProperty("requests_by_endpoint").GetProperty("home").GetInt64());
        Assert.Equal(JsonValueKind.Null, timeline[2].GetProperty("latency").GetProperty("p95").ValueKind);
    }

    [Fact]
    public void Should_write_every_threshold_with_limit_and_actual_in_canonical_units()
    {
        var thresholds = LoadTest(Parse(Run(ScenarioReport(thresholds: [new("p(99) <= 300ms"), new("error_rate < 5%", "checkout")]))))
            .GetProperty("thresholds");

        Assert.Equal(2, thresholds.GetArrayLength());
        var p99 = thresholds[0];
        Assert.Equal("overall", p99.GetProperty("scope").GetString());
        Assert.Equal(JsonValueKind.Null, p99.GetProperty("endpoint").ValueKind);
        Assert.Equal("p(99) <= 300ms", p99.GetProperty("expression").GetString());
        Assert.Equal("p99", p99.GetProperty("metric").GetString());
        Assert.Equal("<=", p99.GetProperty("operator").GetString());
        Assert.Equal(0.3, p99.GetProperty("limit").GetDouble());
        Assert.Equal(0.210, p99.GetProperty("actual").GetDouble());
        Assert.True(p99.GetProperty("passed").GetBoolean());
        Assert.Equal("p(99) <= 300ms — actual 0.21s — passed", p99.GetProperty("description").GetString());
        Assert.Equal("checkout", thresholds[1].GetProperty("endpoint").GetString());
        Assert.Equal(0.05, thresholds[1].GetProperty("limit").GetDouble());
    }

    [Fact]
    public void Should_write_the_scenario_as_run_in_the_form_the_loader_reads_back()
    {
        var report = Run();
        var scenario = LoadTest(Parse(report)).GetProperty("scenario");

        Assert.Equal("checkout-flow", scenario.GetProperty("name").GetString());
        Assert.Equal("Browse then check out", scenario.GetProperty("description").GetString());
        Assert.Equal("http://shop.test:8080/", scenario.GetProperty("target").GetString());
        Assert.Equal(50, scenario.GetProperty("concurrent_users").GetInt32());
        Assert.Equal("60s", scenario.GetProperty("duration").GetString());
        Assert.Equal("10s", scenario.GetProperty("ramp_up").GetString());
        Assert.Equal("500ms", scenario.GetProperty("think_time").GetProperty("mean").GetString());
        var checkout = scenario.GetProperty("endpoints")[1];
        Assert.Equal("POST", checkout.GetProperty("method").GetString());
        Assert.Equal([200, 201], checkout.GetProperty("expect_status").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal("application/json", checkout.GetProperty("headers").GetProperty("Content-Type").GetString());
        // The block is a scenario file: every report can be run again as it is.
        var again = ScenarioJson.Read(scenario.GetRawText());
        var original = report.Scenarios[0].Definition;
        Assert.Equal(original.Load, again.Load with { Stages = original.Load.Stages });
        Assert.Equal(original.Endpoints.Select(e => (e.Name, e.Method, e.Path, e.Weight, e.Body)), again.Endpoints.Select(e => (e.Name, e.Method, e.Path, e.Weight, e.Body)));
        Assert.Equal(original.Thresholds.Select(t => (t.Expression, t.Endpoint)), again.Thresholds.Select(t => (t.Expression, t.Endpoint)));
    }

    [Fact]
    public void Should_write_alerts_and_recommendations_of_a_failed_run()
    {
        var stats = HealthyStatistics() with { Generator = new GeneratorStatistics(100, 186, 93, 2, 1) };
        var root = Parse(Run(ScenarioReport(stats, thresholds: [new("p95 < 2s", "checkout"), new("p95 < 100ms", "checkout")])));

        Assert.Equal("failed", root.GetProperty("status").GetString());
        Assert.False(root.GetProperty("passed").GetBoolean());
        Assert.Equal(1, root.GetProperty("exit_code").GetInt32());
        var alerts = root.GetProperty("alerts").EnumerateArray().ToList();
        var latency = Assert.Single(alerts, a => a.GetProperty("type").GetString() == "high_latency");
        Assert.Equal("warning", latency.GetProperty("severity").GetString());
        Assert.Equal("checkout-flow", latency.GetProperty("scenario").GetString());
        Assert.Equal("checkout", latency.GetProperty("endpoint").GetString());
        Assert.Contains("actual 0.25s", latency.GetProperty("message").GetString());
        var generator = Assert.Single(alerts, a => a.GetProperty("type").GetString() == "generator_saturated");
        Assert.Equal(JsonValueKind.Null, generator.GetProperty("endpoint").ValueKind);
        Assert.Equal(JsonValueKind.Null, generator.GetProperty("rule").ValueKind);
        Assert.StartsWith("add workers", root.GetProperty("recommendations")[0].GetString());
    }

    [Fact]
    public void Should_write_null_for_NaN_and_infinite_figures()
    {
        var overall = Endpoint("overall", 1200) with
        {
            Throughput = double.NaN,
            ErrorRate = double.PositiveInfinity,
            Latency = Latency(p95: double.NaN, max: double.NegativeInfinity),
        };
        var stats = Statistics(overall) with { Generator = new GeneratorStatistics(double.NaN, double.NaN, double.NaN, 2, 0) };

        var json = ReportDocuments.Render(Run(ScenarioReport(stats, thresholds: [new("throughput > 1"), new("p95 < 1s")])));
        var test = LoadTest(JsonDocument.Parse(json).RootElement);

        Assert.DoesNotContain("NaN", json);
        Assert.DoesNotContain("Infinity", json);
        Assert.Equal(JsonValueKind.Null, test.GetProperty("throughput").ValueKind);
        Assert.Equal(JsonValueKind.Null, test.GetProperty("error_rate").ValueKind);
        Assert.Equal(JsonValueKind.Null, test.GetProperty("latency").GetProperty("p95").ValueKind);
        Assert.Equal(JsonValueKind.Null, test.GetProperty("latency").GetProperty("max").ValueKind);
        Assert.Equal(0.045, test.GetProperty("latency").GetProperty("p50").GetDouble());
        Assert.Equal(JsonValueKind.Null, test.GetProperty("generator").GetProperty("cpu_percent_of_machine").ValueKind);
        Assert.Equal(JsonValueKind.Null, test.GetProperty("thresholds")[0].GetProperty("actual").ValueKind);
        Assert.False(test.GetProperty("thresholds")[1].GetProperty("passed").GetBoolean());
    }

    [Fact]
    public void Should_write_null_latencies_for_a_load_test_without_requests()
    {
        var stats = Statistics(Endpoint("overall", 0, throughput: 0), [Endpoint("home", 0, throughput: 0)]);

        var root = Parse(Run(ScenarioReport(stats, thresholds: [new("p95 < 2s")])));
        var test = LoadTest(root);

        Assert.All(test.GetProperty("latency").EnumerateObject(), p => Assert.Equal(JsonValueKind.Null, p.Value.ValueKind));
        Assert.All(test.GetProperty("endpoints").GetProperty("home").GetProperty("latency").EnumerateObject(),
            p => Assert.Equal(JsonValueKind.Null, p.Value.ValueKind));
        Assert.Equal(0, test.GetProperty("requests").GetInt64());
        Assert.Equal(JsonValueKind.Null, test.GetProperty("thresholds")[0].GetProperty("actual").ValueKind);
        Assert.Equal("no_requests", root.GetProperty("alerts")[0].GetProperty("type").GetString());
        Assert.Equal("critical", root.GetProperty("alerts")[0].GetProperty("severity").GetString());
    }

    [Fact]
    public void Should_keep_scenarios_with_the_same_name_apart()
    {
        var root = Parse(Run(ScenarioReport(), ScenarioReport()));

        Assert.Equal(["checkout-flow", "checkout-flow (2)"], root.GetProperty("load_tests").EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public void Should_round_trip_awkward_text()
    {
        const string text = "name = \"ünïcode ✓ <tag> & \\\\ back\"\n\ttab\u0001";
        var root = Parse(Run() with { SourceText = text, Host = "host \"quoted\"" });

        Assert.Equal(text, root.GetProperty("source").GetProperty("text").GetString());
        Assert.Equal("host \"quoted\"", root.GetProperty("host").GetString());
    }

    [Fact]
    public void Should_write_status_names_in_lowercase()
    {
        Assert.Equal("interrupted", Parse(Run(ScenarioReport(interrupted: true))).GetProperty("status").GetString());
        Assert.Equal("error", Parse(Run() with { Status = RunStatus.Error }).GetProperty("status").GetString());
        Assert.Equal("\"failed\"", JsonSerializer.Serialize(RunStatus.Failed));
        Assert.Equal(130, Parse(Run(ScenarioReport(interrupted: true))).GetProperty("exit_code").GetInt32());
    }

    [Fact]
    public void Should_use_snake_case_keys_only()
    {
        var root = Parse(Run(ScenarioReport(HealthyStatistics() with { AbandonedInFlight = 1 })));

        var keys = new List<string>();
        void Collect(JsonElement element, bool userKeys)
        {
            if (element.ValueKind == JsonValueKind.Array)
            {
                foreach (var item in element.EnumerateArray()) Collect(item, false);
            }
            if (element.ValueKind != JsonValueKind.Object) return;
            foreach (var property in element.EnumerateObject())
            {
                if (!userKeys) keys.Add(property.Name);
                // Scenario, endpoint and header names are data, not schema.
                var dataKeyed = property.Name is "load_tests" or "endpoints" or "headers" or "requests_by_endpoint";
                Collect(property.Value, dataKeyed && property.Value.ValueKind == JsonValueKind.Object);
            }
        }
        Collect(root, false);

        Assert.Contains("benchmark_run_id", keys);
        Assert.All(keys, k => Assert.Matches("^[a-z][a-z0-9_]*$", k));
    }
}
