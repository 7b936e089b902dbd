using System.Text.Json;
using PerfCluster.Core.Metrics;
using PerfCluster.Core.Reports;
using PerfCluster.Core.Scenarios;
using Xunit;
using static PerfCluster.Core.Tests.Reports.ReportFixtures;
using static PerfCluster.Core.Tests.Thresholds.StatisticsFixtures;
using PerfCluster.Core.Results;

namespace PerfCluster.Core.Tests.Reports;

/// <summary>The workload model, the generator-health figures, service time and warm-up in report.json and summary.txt.</summary>
public class WorkloadModelReportSpecs
{
    private const string OpenNote =
        "latency is measured from each iteration's intended start (coordinated omission corrected); service_time is measured from the actual send";

    private const string ClosedNote =
        "latencies are per-user service times: in the closed model a slow response delays that user's next request, so the target is "
        + "never asked for more than it answers (coordinated omission)";

    private static readonly string[] LatencyKeys = ["min", "mean", "stddev", "p50", "p90", "p95", "p99", "p99_9", "max"];

    private static JsonElement LoadTest(ScenarioReport scenario)
    {
        using var document = JsonDocument.Parse(ReportDocuments.Render(Run(scenario)));
        return document.RootElement.GetProperty("load_tests").GetProperty("checkout-flow").Clone();
    }

    private static string[] SummaryLines(ScenarioReport scenario) =>
        SummaryReportWriter.Render(Run(scenario)).TrimEnd('\n').Split('\n');

    private static ScenarioReport Open(ScenarioStatistics? stats = null, OpenLoad? open = null) =>
        ScenarioReport(OpenScenario(open), stats ?? OpenStatistics());

    private static ScenarioReport ClosedWithoutThinkTime()
    {
        var definition = Scenario("checkout-flow", DefaultThresholds);
        return ScenarioReport(definition with { Load = definition.Load with { Think = ThinkTime.None } }, HealthyStatistics());
    }

    private static readonly OpenLoad Ramping = new(100, 10, 200)
    {
        StartRate = 0,
        Stages = [new(TimeSpan.FromSeconds(20), 100), new(TimeSpan.FromSeconds(40), 100), new(TimeSpan.FromSeconds(10), 0)],
    };

    // report.json

    [Fact]
    public void Should_write_a_closed_linear_load_test_with_empty_stages_and_zero_generator_figures()
    {
        var test = LoadTest(ClosedWithoutThinkTime());

        Assert.Equal("closed", test.GetProperty("model").GetString());
        Assert.Equal(0, test.GetProperty("dropped_iterations").GetInt64());
        Assert.Equal(0, test.GetProperty("connection_waits").GetInt64());
        Assert.False(test.TryGetProperty("scheduling_lag", out _));
        Assert.False(test.TryGetProperty("service_time", out _));
        Assert.False(test.TryGetProperty("warm_up", out _));
        Assert.False(test.TryGetProperty("latency_note", out _));
        Assert.False(test.GetProperty("endpoints").GetProperty("home").TryGetProperty("service_time", out _));
        var scenario = test.GetProperty("scenario");
        Assert.False(scenario.TryGetProperty("stages", out _));
        Assert.Equal("0s", scenario.GetProperty("warm_up").GetString());
        Assert.False(scenario.TryGetProperty("arrival_rate", out _));
    }

    [Fact]
    public void Should_note_coordinated_omission_for_a_closed_model_with_think_time()
    {
        var test = LoadTest(ScenarioReport());

        Assert.Equal(ClosedNote, test.GetProperty("latency_note").GetString());
    }

    [Fact]
    public void Should_write_the_closed_model_stages()
    {
        var test = LoadTest(ScenarioReport(StagedScenario(), HealthyStatistics()));

        var stages = test.GetProperty("scenario").GetProperty("stages").EnumerateArray()
            .Select(s => (s.GetProperty("duration").GetString(), s.GetProperty("target").GetDouble()));
        Assert.Equal([("0s", 10.0), ("10s", 10.0), ("0s", 300.0), ("60s", 300.0), ("0s", 10.0), ("50s", 10.0)], stages);
        Assert.Equal(300, test.GetProperty("scenario").GetProperty("concurrent_users").GetInt32());
        Assert.Equal("closed", test.GetProperty("model").GetString());
        Assert.Equal(ClosedNote, test.GetProperty("latency_note").GetString());
    }

    [Fact]
    public void Should_write_the_open_model_its_arrival_rate_and_warm_up()
    {
        var test = LoadTest(Open());

        Assert.Equal("open", test.GetProperty("model").GetString());
        Assert.Equal(OpenNote, test.GetProperty("latency_note").GetString());
        var scenario = test.GetProperty("scenario");
        Assert.Equal("10s", scenario.GetProperty("warm_up").GetString());
        Assert.False(scenario.TryGetProperty("stages", out _));
        Assert.False(scenario.TryGetProperty("concurrent_users", out _));
        Assert.Equal(50, scenario.GetProperty("arrival_rate").GetDouble());
        Assert.Equal(10, scenario.GetProperty("pre_allocated_users").GetInt32());
        Assert.Equal(200, scenario.GetProperty("max_users").GetInt32());
    }

    [Fact]
    public void Should_write_the_rate_stages_of_a_ramping_open_model()
    {
        var rate = LoadTest(Open(open: Ramping with { StartRate = 5 })).GetProperty("scenario").GetProperty("arrival_rate");

        Assert.Equal(5, rate.GetProperty("start").GetDouble());
        Assert.Equal([("20s", 100.0), ("40s", 100.0), ("10s", 0.0)], rate.GetProperty("stages").EnumerateArray()
            .Select(s => (s.GetProperty("duration").GetString(), s.GetProperty("target").GetDouble())));
    }

    [Fact]
    public void Should_write_the_generator_health_figures()
    {
        var stats = OpenStatistics() with { DroppedIterations = 120, ConnectionWaits = 7 };

        var test = LoadTest(Open(stats));

        Assert.Equal(120, test.GetProperty("dropped_iterations").GetInt64());
        Assert.Equal(7, test.GetProperty("connection_waits").GetInt64());
        var lag = test.GetProperty("scheduling_lag");
        Assert.Equal(["p50", "p95", "p99", "max"], lag.EnumerateObject().Select(p => p.Name));
        Assert.Equal((0.0006, 0.002, 0.004, 0.008),
            (lag.GetProperty("p50").GetDouble(), lag.GetProperty("p95").GetDouble(), lag.GetProperty("p99").GetDouble(), lag.GetProperty("max").GetDouble()));
    }

    [Fact]
    public void Should_write_service_time_beside_latency_overall_and_per_endpoint()
    {
        var test = LoadTest(Open());

        var overall = test.GetProperty("service_time");
        Assert.Equal(LatencyKeys, overall.EnumerateObject().Select(p => p.Name));
        Assert.Equal(LatencyKeys, test.GetProperty("latency").EnumerateObject().Select(p => p.Name));
        Assert.Equal(0.030, overall.GetProperty("p50").GetDouble());
        Assert.Equal(0.150, overall.GetProperty("p99").GetDouble());
        Assert.Equal(0.143, test.GetProperty("latency").GetProperty("p95").GetDouble());
        var checkout = test.GetProperty("endpoints").GetProperty("checkout").GetProperty("service_time");
        Assert.Equal(LatencyKeys, checkout.EnumerateObject().Select(p => p.Name));
        Assert.Equal(0.090, checkout.GetProperty("p95").GetDouble());
    }

    [Fact]
    public void Should_write_null_service_times_when_nothing_was_measured()
    {
        var stats = OpenStatistics() with { Overall = Endpoint("overall", 0, throughput: 0) with { ServiceTime = LatencySummary.Empty } };

        var service = LoadTest(Open(stats)).GetProperty("service_time");

        Assert.All(service.EnumerateObject(), p => Assert.Equal(JsonValueKind.Null, p.Value.ValueKind));
    }

    [Fact]
    public void Should_write_the_warm_up_figures_as_an_endpoint_block()
    {
        var test = LoadTest(Open());

        var warmUp = test.GetProperty("warm_up");
        Assert.Equal(100, warmUp.GetProperty("requests").GetInt64());
        Assert.Equal(2, warmUp.GetProperty("errors").GetInt64());
        Assert.Equal(0.02, warmUp.GetProperty("error_rate").GetDouble(), 12);
        Assert.Equal(10, warmUp.GetProperty("throughput").GetDouble());
        Assert.Equal(0.300, warmUp.GetProperty("latency").GetProperty("p95").GetDouble());
        Assert.Equal(2, warmUp.GetProperty("errors_by_kind").GetProperty("timeout").GetInt64());
        Assert.Equal(LatencyKeys, warmUp.GetProperty("latency").EnumerateObject().Select(p => p.Name));
        // The warm-up is kept out of the totals.
        Assert.Equal(1200, test.GetProperty("requests").GetInt64());
    }

    // summary.txt

    [Fact]
    public void Should_summarise_a_constant_open_model()
    {
        var lines = SummaryLines(Open());

        Assert.Contains("  Open model: 50 iterations/s, pool 10..200 users", lines);
        Assert.Contains("  Users:      peak 50 in a pool of 10..200, planned 1 min 00 s, measured 1 min 00 s", lines);
        Assert.Contains("  Latency:    p50 45 ms, p95 143 ms, p99 210 ms, max 950 ms", lines);
        Assert.Contains("  Service:    p50 30 ms, p95 100 ms, p99 150 ms, max 400 ms (service time, from the actual send)", lines);
        Assert.Contains("  Warm-up:    10.0 s: 100 requests, 2 errors, p95 300 ms (kept out of every other figure)", lines);
        Assert.Contains("  Generator:  CPU 10% of 2 cores, peak memory 120.0 MiB, scheduling lag p99 4 ms", lines);
        Assert.DoesNotContain(lines, l => l.StartsWith("  Dropped:", StringComparison.Ordinal));
        var note = Array.FindIndex(lines, l => l.StartsWith("  Note:", StringComparison.Ordinal));
        Assert.Equal(
            "  Note:       latency is measured from each iteration's intended start (coordinated omission",
            lines[note]);
        Assert.Equal("              corrected); service_time is measured from the actual send", lines[note + 1]);
    }

    [Fact]
    public void Should_summarise_dropped_iterations_and_connection_waits()
    {
        var lines = SummaryLines(Open(OpenStatistics() with { DroppedIterations = 120, ConnectionWaits = 1500 }));

        Assert.Contains("  Dropped:    120 iterations (9.09% of 1,320 scheduled) found no free user and were not sent", lines);
        Assert.Contains("  Generator:  CPU 10% of 2 cores, peak memory 120.0 MiB, scheduling lag p99 4 ms, 1,500 connection waits", lines);
    }

    [Fact]
    public void Should_summarise_a_ramping_open_model_within_the_width()
    {
        var lines = SummaryLines(Open(open: Ramping));

        var first = Array.FindIndex(lines, l => l.StartsWith("  Open model: ", StringComparison.Ordinal));
        var model = string.Join(" ", lines.Skip(first).TakeWhile((l, i) => i == 0 || l.StartsWith("              ", StringComparison.Ordinal))
            .Select(l => l.Trim()));
        Assert.Equal("Open model: from 0/s, ramp to 100/s over 20s, hold 100/s for 40s, ramp to 0/s over 10s; "
            + "peak 100 iterations/s, pool 10..200 users", model);
        Assert.All(lines, l => Assert.True(l.Length <= 100, $"too wide: {l}"));
    }

    [Fact]
    public void Should_summarise_the_closed_model_stages_without_a_ramp_up()
    {
        var lines = SummaryLines(ScenarioReport(StagedScenario(), HealthyStatistics()));

        var first = Array.FindIndex(lines, l => l.StartsWith("  Closed model: ", StringComparison.Ordinal));
        Assert.True(first > 0);
        var model = string.Join(" ", lines.Skip(first).TakeWhile((l, i) => i == 0 || l.StartsWith("                ", StringComparison.Ordinal))
            .Select(l => l.Trim()));
        Assert.Equal("Closed model: stages from 0 users, jump to 10 users, hold 10 users for 10s, jump to 300 users, "
            + "hold 300 users for 60s, jump to 10 users, hold 10 users for 50s; think time 1s", model);
        Assert.Contains("  Users:      300 (peak 50), planned 2 min 00 s, measured 1 min 00 s", lines);
        Assert.Contains(lines, l => l.StartsWith("  Note:       latencies are per-user service times", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.StartsWith("  Service:", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.StartsWith("  Warm-up:", StringComparison.Ordinal));
        Assert.All(lines, l => Assert.True(l.Length <= 100, $"too wide: {l}"));
    }

    [Fact]
    public void Should_summarise_the_closed_linear_model_and_leave_out_the_note_without_think_time()
    {
        var withThink = SummaryLines(ScenarioReport());
        var withoutThink = SummaryLines(ClosedWithoutThinkTime());

        Assert.Contains("  Closed model: 50 users, ramp-up 10s, think time 500ms ± 100ms", withThink);
        Assert.Contains("  Users:      50 (peak 50), ramp-up 10.0 s, planned 1 min 00 s, measured 1 min 00 s", withThink);
        Assert.Contains(withThink, l => l.StartsWith("  Note:       latencies are per-user service times", StringComparison.Ordinal));
        Assert.Contains("  Closed model: 50 users, ramp-up 10s, no think time", withoutThink);
        Assert.DoesNotContain(withoutThink, l => l.StartsWith("  Note:", StringComparison.Ordinal));
    }

    [Fact]
    public void Should_name_a_planned_warm_up_without_figures()
    {
        var stats = OpenStatistics() with { WarmUp = null };

        Assert.Contains("  Warm-up:    10.0 s (kept out of every other figure)", SummaryLines(Open(stats)));
    }

    [Fact]
    public void Should_give_the_notes_for_each_model()
    {
        Assert.Equal(OpenNote, LatencyNotes.For(OpenScenario()));
        Assert.Equal(ClosedNote, LatencyNotes.For(Scenario()));
        Assert.Equal(ClosedNote, LatencyNotes.For(StagedScenario()));
        Assert.Null(LatencyNotes.For(Scenario() with { Load = Scenario().Load with { Think = ThinkTime.None } }));
    }
}
