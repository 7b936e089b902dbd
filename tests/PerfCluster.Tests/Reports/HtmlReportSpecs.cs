using System.Diagnostics;
using System.Text.RegularExpressions;
using PerfCluster.Core.Alerts;
using PerfCluster.Core.Metrics;
using PerfCluster.Core.Monitoring;
using PerfCluster.Core.Regression;
using PerfCluster.Core.Reports;
using PerfCluster.Core.Scenarios;
using PerfCluster.Core.Thresholds;
using PerfCluster.Reports;
using PerfCluster.Target;
using Xunit.Abstractions;
using PerfCluster.Core.Results;

namespace PerfCluster.Tests.Reports;

/// <summary>
/// report.html: the figures of the run in a page that opens offline (inline SVG charts, no script, no external
/// reference, every value escaped), written after a run and rendered again by <c>perfcluster report</c>.
/// </summary>
public partial class HtmlReportSpecs(ITestOutputHelper output)
{
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(90);
    private static readonly DateTimeOffset Start = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);
    internal const string Chromium = "/usr/bin/chromium";

    private static ScenarioDefinition Definition(string name) => ScenarioLoader.LoadText($$"""
        name = "{{name.Replace("\"", "\\\"", StringComparison.Ordinal)}}"
        target = "http://127.0.0.1:9/"
        concurrent-users = 8
        duration = 5s
        endpoints = [
          { name = "list-projects", path = "/api/v1/projects", weight = 0.75 }
          { name = "create-task", method = POST, path = "/api/v1/tasks", weight = 0.25 }
        ]
        thresholds = [ "p95 < 250ms", "error_rate < 0.05" ]
        """, "synthetic.conf").Scenarios[0];

    private static LatencySummary Latency(double p50, double p95, double p99) =>
        new(p50 / 4, p50 * 1.1, p50 / 2, p50, (p50 + p95) / 2, p95, p99, p99 * 1.5, p99 * 2);

    /// <summary>12,345 requests, p95 87.6 ms, two endpoints, two worker nodes with CPU in every window, an alert and a regression.</summary>
    private static RunReport SyntheticReport(string name = "checkout-flow")
    {
        var timeline = Enumerable.Range(0, 5).Select(s => new WindowStatistics(
            s, 2400 + s * 10, s, 2400 + s * 10, 8, Latency(0.030 + s * 0.001, 0.080 + s * 0.002, 0.120),
            new Dictionary<string, long> { ["list-projects"] = 1800, ["create-task"] = 600 })
        {
            Nodes = [new NodeWindow("worker-a", 0.40 + s * 0.01, 150_000_000, null), new NodeWindow("worker-b", 0.35, 140_000_000, null)],
        }).ToList();
        var stats = new ScenarioStatistics(
            name, Start, TimeSpan.FromSeconds(5),
            new EndpointStatistics("overall", 12_345, 10, new Dictionary<string, long> { ["http_5xx"] = 10 }, 10 / 12_345.0, 2469, Latency(0.0312, 0.0876, 0.1234)),
            [
                new EndpointStatistics("list-projects", 9_259, 4, new Dictionary<string, long> { ["http_5xx"] = 4 }, 4 / 9_259.0, 1851.8, Latency(0.025, 0.070, 0.100)),
                new EndpointStatistics("create-task", 3_086, 6, new Dictionary<string, long> { ["http_5xx"] = 6 }, 6 / 3_086.0, 617.2, Latency(0.050, 0.110, 0.150)),
            ],
            timeline, new GeneratorStatistics(4.2, 84, 42, 2, 300_000_000), 8, 0)
        {
            Workers = [new WorkerStatistics("worker-a", 6_200, 5, 2.1, 5, 4), new WorkerStatistics("worker-b", 6_145, 5, 2.1, 5, 4)],
            Monitoring = new MonitoringResult
            {
                Alerts = new AlertSummary(
                    [new AlertRecord("slow-p99", AlertKind.Rule, AlertSeverity.Warning, "latency_p99 > 100ms", "latency_p99", null,
                        1, 2, 4, 4, false, 0.1234, "123.4 ms", "p99 above 100 ms for 2 windows")], 4),
            },
        };
        var definition = Definition(name);
        var scenario = new ScenarioReport(definition, stats, ThresholdEvaluator.Evaluate(definition, stats), false)
        {
            Regression = new RegressionVerdict
            {
                BaselineName = "nightly",
                BaselineVersion = 3,
                BaselineRunId = "benchmark_1700000000",
                Metrics =
                [
                    new MetricComparison
                    {
                        Metric = "latency_p95", Direction = MetricDirection.HigherIsWorse, Baseline = 70.1, Current = 87.6,
                        ChangePercent = 24.96, WarningThreshold = 10, FailureThreshold = 20, Outcome = RegressionOutcome.Fail,
                        Test = RegressionTests.MannWhitneyU, SampleSource = "windows", PValue = 0.0021, BaselineSamples = 5, CurrentSamples = 5,
                    },
                ],
            },
        };
        return new RunReport
        {
            RunId = PerfCluster.Core.Runs.TestRunId.ForCli(Start).Value,
            Status = RunReport.StatusOf([scenario]),
            StartedAt = Start,
            FinishedAt = Start.AddSeconds(6),
            Host = "load-01",
            SourceFile = "synthetic.conf",
            SourceText = "name = \"checkout-flow\"\nthresholds = [ \"p95 < 250ms\" ]\n",
            Scenarios = [scenario],
            Notes = ["a note about this run"],
        };
    }

    private static string Html(RunReport report) => HtmlReportWriter.Render(ReportDocuments.From(report));

    [Fact]
    public void Should_contain_the_runs_figures_thresholds_endpoints_and_comparison()
    {
        var html = Html(SyntheticReport());

        Assert.Contains("12,345", html);                          // requests
        Assert.Contains("87.6 ms", html);                         // p95
        Assert.Contains("p95 &lt; 250ms", html);                  // a threshold expression, escaped
        Assert.Contains("list-projects", html);                   // an endpoint
        Assert.Contains("create-task", html);
        Assert.Contains("worker-b", html);                        // a worker
        Assert.Contains("latency_p95", html);                     // the regression table
        Assert.Contains("+25%", html);
        Assert.Contains("p=0.0021", html);
        Assert.Contains("slow-p99", html);                        // a monitoring alert with its peak and evidence
        Assert.Contains("123.4 ms", html);
        Assert.Contains("p99 above 100 ms for 2 windows", html);
        Assert.Contains("a note about this run", html);
        Assert.Contains("FAILED", html);                          // the regression failed the run
    }

    [Fact]
    public void Should_inline_svg_charts_and_reference_nothing_outside_the_file()
    {
        var html = Html(SyntheticReport());

        // latency, throughput, users, percentile spectrum, CPU per node
        Assert.Equal(5, Regex.Matches(html, "<svg[ >]").Count);
        Assert.DoesNotContain("chart-note\">", html);
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<link", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("@import", html, StringComparison.OrdinalIgnoreCase);
        var external = ExternalReference().Matches(html).Select(m => m.Value).ToList();
        Assert.True(external.Count == 0, "external references: " + string.Join(", ", external));
        // The SVG element ids of different charts must not collide on one page.
        var ids = Regex.Matches(html, " id=\"([^\"]+)\"").Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(ids.Count, ids.Distinct().Count());
    }

    [Fact]
    public void Should_escape_a_scenario_name_that_holds_markup()
    {
        var html = Html(SyntheticReport("evil <script>alert('x')</script> & co"));

        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("evil &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; co", html);
    }

    [Fact]
    public void Should_place_percentiles_on_a_log_scale_of_one_over_one_minus_p()
    {
        Assert.Equal(0, ReportCharts.SpectrumX(0), 9);
        Assert.Equal(1, ReportCharts.SpectrumX(90), 9);
        Assert.Equal(2, ReportCharts.SpectrumX(99), 9);
        Assert.Equal(3, ReportCharts.SpectrumX(99.9), 9);
        Assert.Equal(4, ReportCharts.SpectrumX(99.99), 9);
    }

    [Theory]
    [InlineData("{\"hello\": 1}", "benchmark_run_id")]
    [InlineData("[1, 2, 3]", "not a JSON object")]
    [InlineData("name = \"not json\"", "not valid JSON")]
    [InlineData("{\"benchmark_run_id\": \"x\", \"tool\": {\"name\": \"k6\"}, \"load_tests\": {}}", "written by 'k6'")]
    public void Should_reject_what_is_not_a_perfcluster_report(string text, string why)
    {
        var e = Assert.Throws<InvalidDataException>(() => ReportDocuments.Parse(text, "some/file.json"));

        Assert.Contains("some/file.json", e.Message);
        Assert.Contains(why, e.Message);
        Assert.Contains("expected the report.json", e.Message);
    }

    [Fact]
    public async Task Should_write_report_html_after_a_run_and_render_it_again_from_the_json()
    {
        await using var target = await DemoTarget.StartAsync(new DemoTargetOptions(0, TimeSpan.FromMilliseconds(20), TimeSpan.Zero));
        using var dir = new TempDirectory();
        var file = dir.File("e2e.conf", Scenario(target.BaseUrl));
        var outDir = dir.Sub("out");

        var (code, stdout, stderr) = await CliProcess.RunAsync(Budget, "run", file, "--out", outDir);

        Assert.True(code == 0, $"exit {code}\n{stdout}\n{stderr}");
        Assert.Contains("  report.html", stdout);
        var htmlPath = Path.Combine(outDir, "report.html");
        var written = File.ReadAllText(htmlPath);
        var (requests, p95) = KeyNumbers(outDir);
        Assert.Contains(requests, written);
        Assert.Contains(p95, written);
        // latency, throughput, users and the percentile spectrum at least (CPU per node when the timeline has nodes)
        Assert.True(Regex.Matches(written, "<svg[ >]").Count >= 4, written);
        Assert.DoesNotContain("chart-note\">", written);

        File.Delete(htmlPath);
        var (again, stdout2, stderr2) = await CliProcess.RunAsync(Budget, "report", Path.Combine(outDir, "report.json"));

        Assert.True(again == 0, $"exit {again}\n{stdout2}\n{stderr2}");
        Assert.Contains(htmlPath, stdout2);
        var regenerated = File.ReadAllText(htmlPath);
        Assert.Contains(requests, regenerated);
        Assert.Contains(p95, regenerated);
        Assert.Contains("projects", regenerated);
        Assert.Equal(StripSvg(written), StripSvg(regenerated));

        var elsewhere = dir.Sub("elsewhere/page.html");
        var (third, stdout3, stderr3) = await CliProcess.RunAsync(Budget, "report", Path.Combine(outDir, "report.json"), "--html", elsewhere);
        Assert.True(third == 0, $"exit {third}\n{stdout3}\n{stderr3}");
        Assert.Contains(requests, File.ReadAllText(elsewhere));
    }

    [Fact]
    public async Task Should_exit_2_naming_the_file_when_it_is_not_a_report()
    {
        using var dir = new TempDirectory();
        var notReport = dir.File("package.json", "{\"name\": \"left-pad\", \"version\": \"1.3.0\"}");

        var (code, stdout, stderr) = await CliProcess.RunAsync(Budget, "report", notReport);

        Assert.True(code == 2, $"exit {code}\n{stdout}\n{stderr}");
        Assert.Contains("package.json", stderr);
        Assert.Contains("not a PerfCluster report.json", stderr);
        Assert.False(File.Exists(dir.Sub("report.html")));

        var (missing, _, stderrMissing) = await CliProcess.RunAsync(Budget, "report", dir.Sub("nope.json"));
        Assert.Equal(2, missing);
        Assert.Contains("nope.json", stderrMissing);
    }

    [ChromiumFact]
    public async Task Should_open_in_headless_chromium_without_console_errors()
    {
        using var dir = new TempDirectory();
        var report = SyntheticReport();
        var page = HtmlReportWriter.WriteFile(Html(report), dir.Sub("report.html"));

        var watch = Stopwatch.StartNew();
        var (code, dom, log) = await RunChromiumAsync(dir.Sub("profile"), page);
        output.WriteLine($"chromium --dump-dom took {watch.ElapsedMilliseconds} ms");

        Assert.True(code == 0, $"chromium exit {code}\n{log}");
        Assert.Contains("12,345", dom);
        Assert.Contains("87.6 ms", dom);
        Assert.Contains("list-projects", dom);
        Assert.Equal(5, Regex.Matches(dom, "<svg[ >]").Count);
        // The page has no script, so any console line is a fault: Chromium logs them as "INFO:CONSOLE(…)"/"ERROR:CONSOLE(…)".
        var consoleErrors = log.Split('\n').Where(l => l.Contains(":CONSOLE", StringComparison.Ordinal) ||
                                                       l.Contains("Uncaught", StringComparison.Ordinal)).ToList();
        Assert.True(consoleErrors.Count == 0, string.Join("\n", consoleErrors));
    }

    private static async Task<(int Code, string Stdout, string Stderr)> RunChromiumAsync(string profile, string page)
    {
        var info = new ProcessStartInfo(Chromium)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[]
                 {
                     "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                     "--disable-sync", "--enable-logging=stderr", "--v=0", $"--user-data-dir={profile}", "--dump-dom",
                     new Uri(Path.GetFullPath(page)).AbsoluteUri,
                 })
            info.ArgumentList.Add(arg);
        using var process = Process.Start(info) ?? throw new InvalidOperationException("could not start chromium");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
        return (process.ExitCode, await stdout, await stderr);
    }

    private static string Scenario(Uri target) => $$"""
        name = "e2e"
        target = "{{target}}"
        concurrent-users = 4
        duration = 3s
        ramp-up = 0s
        think-time = 0s
        endpoints = [
          { name = projects, path = "/api/v1/projects", weight = 0.5 }
          { name = tasks, path = "/api/v1/tasks", weight = 0.5 }
        ]
        thresholds = [ "p95 < 2s" ]
        """;

    /// <summary>Requests and p95 as the page shows them ("1,234", "20.1 ms"), read from the run's report.json.</summary>
    private static (string Requests, string P95) KeyNumbers(string reportDir)
    {
        var test = ReportFiles.Read(reportDir).GetProperty("load_tests").GetProperty("e2e");
        var requests = test.GetProperty("requests").GetInt64();
        var p95 = test.GetProperty("latency").GetProperty("p95").GetDouble();
        Assert.True(requests > 0);
        return (requests.ToString("#,0", System.Globalization.CultureInfo.InvariantCulture),
            (p95 * 1000).ToString("0.#", System.Globalization.CultureInfo.InvariantCulture) + " ms");
    }

    /// <summary>The page without its chart markup (compared separately: the renderer's clip ids count per process).</summary>
    private static string StripSvg(string html) => Regex.Replace(html, "<svg.*?</svg>", "<svg/>", RegexOptions.Singleline);

    [GeneratedRegex("\\b(?:src|href)\\s*=\\s*[\"']?(?!#)[a-z]+:", RegexOptions.IgnoreCase)]
    private static partial Regex ExternalReference();
}

/// <summary>A fact that is skipped, saying why, where Debian's chromium is not installed.</summary>
public sealed class ChromiumFactAttribute : FactAttribute
{
    public ChromiumFactAttribute()
    {
        if (!File.Exists(HtmlReportSpecs.Chromium))
            Skip = $"{HtmlReportSpecs.Chromium} is not installed (apt-get install chromium): the page is not opened in a browser";
    }
}
