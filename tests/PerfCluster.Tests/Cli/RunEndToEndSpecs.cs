using System.Text.Json;
using System.Xml.Linq;
using PerfCluster.Target;

namespace PerfCluster.Tests.Cli;

/// <summary>
/// The real executable against the real demo target over loopback: totals must equal what the target
/// counted, latencies must reflect the injected delay, and every exit code must happen when it should.
/// </summary>
public class RunEndToEndSpecs
{
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(90);

    private static string Scenario(Uri target, string duration, string thresholds, int users = 6, string think = "0s") => $$""""
        name = "e2e"
        target = "{{target}}"
        concurrent-users = {{users}}
        duration = {{duration}}
        ramp-up = 1s
        think-time = {{think}}
        endpoints = [
          { name = projects, path = "/api/v1/projects", weight = 0.4 }
          { name = tasks, path = "/api/v1/tasks", weight = 0.4 }
          { name = generate, method = POST, path = "/api/v1/ai/generate", weight = 0.2,
            headers { Content-Type = "application/json" }, body = """{"prompt":"e2e"}""" }
        ]
        thresholds = [ {{thresholds}} ]
        """";

    private static JsonElement LoadTest(string reportDir)
    {
        var json = ReportFiles.Read(reportDir);
        return json.GetProperty("load_tests").GetProperty("e2e");
    }

    [Fact]
    public async Task Should_report_exactly_the_requests_the_target_served_with_its_injected_latency()
    {
        await using var target = await DemoTarget.StartAsync(new DemoTargetOptions(0, TimeSpan.FromMilliseconds(20), TimeSpan.Zero));
        using var dir = new TempDirectory();
        var file = dir.File("e2e.conf", Scenario(target.BaseUrl, "4s", "\"p95 < 2s\", \"error_rate < 0.01\""));

        var (code, stdout, stderr) = await CliProcess.RunAsync(Budget, "run", file, "--out", dir.Sub("out"));

        Assert.True(code == 0, $"exit {code}\n{stdout}\n{stderr}");
        var test = LoadTest(dir.Sub("out"));
        var requests = test.GetProperty("requests").GetInt64();
        Assert.True(requests > 100, $"only {requests} requests");
        Assert.Equal(target.TotalServed, requests);
        var byPath = target.Counts;
        var paths = new Dictionary<string, string>
        {
            ["projects"] = "/api/v1/projects", ["tasks"] = "/api/v1/tasks", ["generate"] = "/api/v1/ai/generate",
        };
        foreach (var endpoint in test.GetProperty("endpoints").EnumerateObject())
            Assert.Equal(byPath.GetValueOrDefault(paths[endpoint.Name]), endpoint.Value.GetProperty("requests").GetInt64());
        // No request can finish faster than the injected 20 ms; HDR keeps 3 significant digits.
        var latency = test.GetProperty("latency");
        Assert.True(latency.GetProperty("min").GetDouble() >= 0.020 * 0.999, $"min {latency.GetProperty("min")}");
        Assert.InRange(latency.GetProperty("p50").GetDouble(), 0.020 * 0.999, 0.030);
        Assert.Equal("completed", ReportFiles.Read(dir.Sub("out")).GetProperty("status").GetString());
        Assert.Contains("PASSED", File.ReadAllText(Path.Combine(dir.Sub("out"), "summary.txt")));
        var junit = XDocument.Load(Path.Combine(dir.Sub("out"), "junit.xml"));
        Assert.Equal(2, junit.Descendants("testcase").Count());
        Assert.Empty(junit.Descendants("failure"));
    }

    [Fact]
    public async Task Should_exit_1_and_name_the_failed_threshold()
    {
        await using var target = await DemoTarget.StartAsync(new DemoTargetOptions(0, TimeSpan.FromMilliseconds(10), TimeSpan.Zero));
        using var dir = new TempDirectory();
        var file = dir.File("e2e.conf", Scenario(target.BaseUrl, "2s", "\"p95 < 1ms\", \"error_rate < 0.01\""));

        var (code, stdout, stderr) = await CliProcess.RunAsync(Budget, "run", file, "--out", dir.Sub("out"));

        Assert.True(code == 1, $"exit {code}\n{stdout}\n{stderr}");
        var junit = XDocument.Load(Path.Combine(dir.Sub("out"), "junit.xml"));
        var failure = Assert.Single(junit.Descendants("failure"));
        Assert.Contains("p95", failure.Attribute("message")!.Value);
        Assert.Equal(target.TotalServed, LoadTest(dir.Sub("out")).GetProperty("requests").GetInt64());
    }

    [Fact]
    public async Task Should_stop_on_SIGINT_write_the_partial_report_and_exit_130()
    {
        await using var target = await DemoTarget.StartAsync(new DemoTargetOptions(0, TimeSpan.FromMilliseconds(10), TimeSpan.Zero));
        using var dir = new TempDirectory();
        var file = dir.File("e2e.conf", Scenario(target.BaseUrl, "60s", "\"p95 < 2s\""));
        using var cli = CliProcess.Start("run", file, "--out", dir.Sub("out"));

        await cli.WaitForOutputAsync("started on", TimeSpan.FromSeconds(30));
        await Task.Delay(TimeSpan.FromSeconds(2));
        cli.Signal("INT");
        var code = await cli.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.True(code == 130, $"exit {code}\n{cli.Stdout}\n{cli.Stderr}");
        var report = ReportFiles.Read(dir.Sub("out"));
        Assert.Equal("interrupted", report.GetProperty("status").GetString());
        var requests = report.GetProperty("load_tests").GetProperty("e2e").GetProperty("requests").GetInt64();
        Assert.True(requests > 0);
        Assert.Equal(target.TotalServed, requests);
        Assert.Contains(report.GetProperty("notes").EnumerateArray(), n => n.GetString()!.Contains("SIGINT"));
    }

    [Fact]
    public async Task Should_load_the_guides_custom_api_json_and_run_it()
    {
        await using var target = await DemoTarget.StartAsync(new DemoTargetOptions(0, TimeSpan.FromMilliseconds(1), TimeSpan.Zero));
        using var dir = new TempDirectory();
        var json = Path.Combine(AppContext.BaseDirectory, "hocon", "scenarios", "json", "custom-api-test.json");

        var (code, stdout, stderr) = await CliProcess.RunAsync(Budget, "run", json, "--target", target.BaseUrl.ToString(),
            "--duration", "2s", "--ramp-up", "0s", "--users", "4", "--think-time", "50ms", "--out", dir.Sub("out"));

        Assert.True(code == 0, $"exit {code}\n{stdout}\n{stderr}");
        var report = ReportFiles.Read(dir.Sub("out"));
        var test = report.GetProperty("load_tests").GetProperty("Custom API Test");
        Assert.Equal(target.TotalServed, test.GetProperty("requests").GetInt64());
        Assert.Equal(3, test.GetProperty("endpoints").EnumerateObject().Count());
    }

    [Fact]
    public async Task Should_run_the_open_model_at_its_rate_and_match_the_targets_count()
    {
        await using var target = await DemoTarget.StartAsync(new DemoTargetOptions(0, TimeSpan.FromMilliseconds(5), TimeSpan.Zero));
        using var dir = new TempDirectory();
        var file = dir.File("open.conf", $$"""
            name = "open"
            target = "{{target.BaseUrl}}"
            arrival-rate = 50
            duration = 3s
            pre-allocated-users = 5
            max-users = 50
            endpoints = [ "/api/v1/projects", "/api/v1/tasks" ]
            thresholds = [ "p95 < 2s" ]
            """);

        var (code, stdout, stderr) = await CliProcess.RunAsync(Budget, "run", file, "--out", dir.Sub("out"));

        Assert.True(code == 0, $"exit {code}\n{stdout}\n{stderr}");
        var test = ReportFiles.Read(dir.Sub("out")).GetProperty("load_tests").GetProperty("open");
        Assert.Equal("open", test.GetProperty("model").GetString());
        Assert.Equal(150, test.GetProperty("requests").GetInt64());     // 50/s for 3 s from the start instant
        Assert.Equal(target.TotalServed, test.GetProperty("requests").GetInt64());
        Assert.Equal(0, test.GetProperty("dropped_iterations").GetInt64());
        // Latency counts from the intended start, service time from the send: never shorter than 5 ms.
        Assert.True(test.GetProperty("service_time").GetProperty("min").GetDouble() >= 0.005 * 0.999);
        Assert.True(test.GetProperty("latency").GetProperty("p50").GetDouble() >= test.GetProperty("service_time").GetProperty("p50").GetDouble());
    }

    [Fact]
    public async Task Should_repeat_a_scenario_and_report_each_run_with_a_confidence_interval()
    {
        await using var target = await DemoTarget.StartAsync(new DemoTargetOptions(0, TimeSpan.FromMilliseconds(5), TimeSpan.Zero));
        using var dir = new TempDirectory();
        var file = dir.File("e2e.conf", Scenario(target.BaseUrl, "1s", "\"p95 < 2s\"", users: 3));

        var (code, stdout, stderr) = await CliProcess.RunAsync(Budget, "run", file, "--iterations", "3", "--out", dir.Sub("out"));

        Assert.True(code == 0, $"exit {code}\n{stdout}\n{stderr}");
        var iterations = LoadTest(dir.Sub("out")).GetProperty("iterations");
        Assert.Equal(3, iterations.GetProperty("count").GetInt32());
        var runs = iterations.GetProperty("runs").EnumerateArray().ToList();
        Assert.Equal(target.TotalServed, runs.Sum(r => r.GetProperty("requests").GetInt64()));
        var throughput = iterations.GetProperty("summary").GetProperty("throughput");
        var mean = runs.Average(r => r.GetProperty("throughput").GetDouble());
        Assert.Equal(mean, throughput.GetProperty("mean").GetDouble(), 6);
        Assert.True(throughput.GetProperty("ci95_low").GetDouble() <= mean && mean <= throughput.GetProperty("ci95_high").GetDouble());
        Assert.Contains("Iterations", File.ReadAllText(Path.Combine(dir.Sub("out"), "summary.txt")));
    }
}
