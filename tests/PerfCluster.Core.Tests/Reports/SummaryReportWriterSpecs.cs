using PerfCluster.Core.Metrics;
using PerfCluster.Core.Reports;
using Xunit;
using static PerfCluster.Core.Tests.Reports.ReportFixtures;
using static PerfCluster.Core.Tests.Thresholds.StatisticsFixtures;

namespace PerfCluster.Core.Tests.Reports;

public class SummaryReportWriterSpecs
{
    private static string[] Lines(RunReport report) => SummaryReportWriter.Render(report).TrimEnd('\n').Split('\n');

    [Fact]
    public void Should_open_with_the_verdict_run_id_when_and_how_long()
    {
        var lines = Lines(Run());

        Assert.Equal("PerfCluster run benchmark_1764168000: PASSED (exit code 0)", lines[0]);
        Assert.Equal("When:         2025-11-26 14:40:00 UTC → 2025-11-26 14:41:05 UTC (1 min 05 s)", lines[1]);
        Assert.Equal("Host:         load-01, perfcluster 0.1.0", lines[2]);
        Assert.Equal("Source:       scenarios/shop.conf", lines[3]);
    }

    [Fact]
    public void Should_give_the_figures_of_each_scenario()
    {
        var stats = HealthyStatistics() with
        {
            Overall = Endpoint("overall", 1200, Errors((ErrorKind.Http5xx, 6), (ErrorKind.Timeout, 18)), throughput: 20),
        };

        var text = SummaryReportWriter.Render(Run(ScenarioReport(stats)));

        Assert.Contains("Scenario checkout-flow — passed", text);
        Assert.Contains("  Target:     http://shop.test:8080/", text);
        Assert.Contains("  Users:      50 (peak 50), ramp-up 10.0 s, planned 1 min 00 s, measured 1 min 00 s", text);
        Assert.Contains("  Requests:   1,200, 24 errors (error rate 2%)", text);
        Assert.Contains("  Errors:     timeout 18, http_5xx 6", text);
        Assert.Contains("  Throughput: 20.0 req/s", text);
        Assert.Contains("  Latency:    p50 45 ms, p95 143 ms, p99 210 ms, max 950 ms", text);
        Assert.Contains("  Generator:  CPU 10% of 2 cores, peak memory 120.0 MiB", text);
    }

    [Fact]
    public void Should_align_the_endpoint_table()
    {
        var lines = Lines(Run());

        var header = Assert.Single(lines, l => l.TrimStart().StartsWith("Endpoint", StringComparison.Ordinal));
        var home = Assert.Single(lines, l => l.TrimStart().StartsWith("home ", StringComparison.Ordinal));
        var checkout = Assert.Single(lines, l => l.TrimStart().StartsWith("checkout ", StringComparison.Ordinal));
        Assert.Equal("  Endpoint  Requests  Error rate  Req/s    p50     p95     p99", header);
        Assert.Equal("  home         1,000          0%   16.7  40 ms  120 ms  180 ms", home);
        Assert.Equal("  checkout       200          0%    3.3  80 ms  250 ms  390 ms", checkout);
    }

    [Fact]
    public void Should_mark_thresholds_passed_and_failed()
    {
        var report = Run(ScenarioReport(thresholds: [new("p95 < 2s"), new("p95 < 100ms", "checkout")]));
        var lines = Lines(report);

        Assert.Equal("PerfCluster run benchmark_1764168000: FAILED (exit code 1)", lines[0]);
        Assert.Contains("  Thresholds: 1 of 2 passed", lines);
        Assert.Contains("    ✓  overall   p95 < 2s     actual 0.143s", lines);
        Assert.Contains("    ✗  checkout  p95 < 100ms  actual 0.25s", lines);
    }

    [Fact]
    public void Should_list_alerts_and_recommendations_with_their_figures()
    {
        var stats = HealthyStatistics() with { Generator = new GeneratorStatistics(100, 186, 93, 2, 1) };

        var text = SummaryReportWriter.Render(Run(ScenarioReport(stats, thresholds: [new("error_rate < 5%")])));

        Assert.Contains("\nAlerts\n  - [warning] the load generator, not the target, may be the bottleneck: CPU 93% of 2 cores\n", text);
        Assert.Contains("\nRecommendations\n  - add workers: the generator ran at CPU 93% of 2 cores while driving 50 users", text);
        Assert.DoesNotContain("Notes", text);
    }

    [Fact]
    public void Should_say_INTERRUPTED_and_show_the_notes()
    {
        var report = Run(ScenarioReport(thresholds: [new("p95 < 1ms")], interrupted: true)) with
        {
            Notes = ["interrupted after 12.3 s: the last unflushed second may be missing"],
        };

        var text = SummaryReportWriter.Render(report);

        Assert.StartsWith("PerfCluster run benchmark_1764168000: INTERRUPTED (exit code 130)\n", text);
        Assert.Contains("Scenario checkout-flow — interrupted", text);
        Assert.Contains("\nNotes\n  - interrupted after 12.3 s: the last unflushed second may be missing\n", text);
    }

    [Fact]
    public void Should_show_no_latency_for_a_scenario_without_requests()
    {
        var text = SummaryReportWriter.Render(Run(ScenarioReport(Statistics(Endpoint("overall", 0, throughput: 0)), thresholds: [])));

        Assert.Contains("  Latency:    n/a (no requests)", text);
        Assert.Contains("  Thresholds: none defined", text);
        Assert.Contains("[critical] no requests completed", text);
        Assert.StartsWith("PerfCluster run benchmark_1764168000: FAILED", text);
    }

    [Fact]
    public void Should_stay_short_and_plain_for_one_scenario()
    {
        var stats = HealthyStatistics() with
        {
            Overall = Endpoint("overall", 1200, Errors((ErrorKind.Timeout, 18), (ErrorKind.Http5xx, 6), (ErrorKind.Refused, 3)),
                latency: Latency(p50: 0.010, p99: 0.900)),
            Generator = new GeneratorStatistics(100, 186, 93, 2, 1),
            AbandonedInFlight = 4,
        };
        var report = Run(ScenarioReport(stats, thresholds: [new("p95 < 2s"), new("error_rate < 1%"), new("p95 < 2s", "home"),
            new("throughput > 100"), new("errors == 0")], interrupted: true)) with { Notes = ["one", "two"] };

        var lines = Lines(report);

        Assert.InRange(lines.Length, 30, 60);
        Assert.All(lines, l => Assert.True(l.Length <= 110, $"too wide: {l}"));
        Assert.All(lines, l => Assert.Equal(l.TrimEnd(), l));
        Assert.DoesNotContain('\t', SummaryReportWriter.Render(report));
    }

    [Fact]
    public void Should_write_a_run_error_as_failed()
    {
        Assert.Equal("FAILED (run error)", SummaryReportWriter.Verdict(Run() with { Status = RunStatus.Error }));
    }
}
