using System.Diagnostics;
using System.Net;
using System.Text.Json;
using PerfCluster.Target;

namespace PerfCluster.Tests.Cli;

/// <summary>
/// Live monitoring through the real executable: alert rules act while the run goes (a webhook receives
/// the alert, abort-run stops the run), and a leaking target process is caught by the leak detector
/// from /proc and from its Prometheus endpoint.
/// </summary>
public class MonitoringEndToEndSpecs
{
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(90);

    private static JsonElement LoadTest(string outDir, string name) =>
        ReportFiles.Read(outDir).GetProperty("load_tests").GetProperty(name);

    private static JsonElement Report(string outDir) =>
        ReportFiles.Read(outDir);

    [Fact]
    public async Task Should_post_a_firing_alert_to_the_webhook_and_report_its_span_and_peak()
    {
        await using var target = await DemoTarget.StartAsync(new DemoTargetOptions(0, TimeSpan.FromMilliseconds(2), TimeSpan.Zero, ErrorRate: 0.5));
        using var hook = new WebhookReceiver();
        using var dir = new TempDirectory();
        var file = dir.File("alerts.conf", $$"""
            name = "alerts"
            target = "{{target.BaseUrl}}"
            concurrent-users = 2
            duration = 6s
            think-time = 20ms
            endpoints = [ "/api/v1/projects" ]
            sla-thresholds = []
            alert-rules = [
              { name = "too many errors", metric = error_rate, threshold = 0.2, duration = 2s, severity = critical,
                action = webhook, url = "{{hook.Url}}" }
            ]
            """);

        var (code, stdout, stderr) = await CliProcess.RunAsync(Budget, "run", file, "--out", dir.Sub("out"), "--data-dir", dir.Sub("data"));

        Assert.True(code == 0, $"exit {code}\n{stdout}\n{stderr}");
        Assert.Contains("ALERT firing: too many errors", stdout);
        var firing = Assert.Single(hook.Received, a => a.GetProperty("status").GetString() == "firing");
        Assert.Equal("too many errors", firing.GetProperty("alert").GetString());
        var alert = Assert.Single(Report(dir.Sub("out")).GetProperty("alerts").EnumerateArray(), a => a.GetProperty("type").GetString() == "alert_rule");
        Assert.Equal("too many errors", alert.GetProperty("rule").GetString());
        Assert.True(alert.GetProperty("start_second").GetInt64() >= 1, "the rule needs 2 windows, so it cannot fire in the first");
        Assert.InRange(alert.GetProperty("peak").GetDouble(), 0.2, 1.0);
        Assert.Contains("error_rate", alert.GetProperty("evidence").GetString());

        // Every window was stored as it closed: the finished run can be charted from the database.
        var runId = Report(dir.Sub("out")).GetProperty("benchmark_run_id").GetString()!;
        var (listed, json, error) = await CliProcess.RunAsync(Budget, "runs", "timeline", runId, "--format", "json", "--data-dir", dir.Sub("data"));
        Assert.True(listed == 0, $"exit {listed}\n{json}\n{error}");
        var stored = Assert.Single(JsonDocument.Parse(json).RootElement.EnumerateArray());
        var windows = stored.GetProperty("windows").EnumerateArray().ToList();
        Assert.Equal(LoadTest(dir.Sub("out"), "alerts").GetProperty("timeline").GetArrayLength(), windows.Count);
        Assert.Equal(LoadTest(dir.Sub("out"), "alerts").GetProperty("requests").GetInt64(), windows.Sum(w => w.GetProperty("requests").GetInt64()));
    }

    [Fact]
    public async Task Should_stop_a_run_early_when_an_abort_run_alert_fires_and_exit_1()
    {
        await using var target = await DemoTarget.StartAsync(new DemoTargetOptions(0, TimeSpan.FromMilliseconds(2), TimeSpan.Zero, ErrorRate: 1.0));
        using var dir = new TempDirectory();
        var file = dir.File("abort.conf", $$"""
            name = "abort"
            target = "{{target.BaseUrl}}"
            concurrent-users = 2
            duration = 40s
            think-time = 20ms
            endpoints = [ "/api/v1/projects" ]
            alert-rules = [ { name = "all failing", metric = error_rate, threshold = 0.9, for = 2s, action = abort-run } ]
            """);
        var clock = Stopwatch.StartNew();

        var (code, stdout, stderr) = await CliProcess.RunAsync(Budget, "run", file, "--out", dir.Sub("out"), "--data-dir", dir.Sub("data"));

        Assert.True(code == 1, $"exit {code}\n{stdout}\n{stderr}");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(25), $"took {clock.Elapsed}");
        var report = Report(dir.Sub("out"));
        Assert.Equal("failed", report.GetProperty("status").GetString());
        Assert.Contains(report.GetProperty("alerts").EnumerateArray(), a => a.GetProperty("type").GetString() == "aborted");
        Assert.Equal("all failing", LoadTest(dir.Sub("out"), "abort").GetProperty("monitoring").GetProperty("aborted_by").GetString());
    }

    [Fact]
    public async Task Should_suspect_a_leak_in_a_target_process_that_leaks_and_read_its_prometheus_series()
    {
        var port = FreeLoopbackPort();
        using var leaking = CliProcess.Start("target", "--port", port.ToString(), "--latency", "2ms", "--jitter", "0ms", "--leak-mb-per-min", "360");   // 6 MB/s
        await leaking.WaitForOutputAsync("listening", TimeSpan.FromSeconds(30));
        using var dir = new TempDirectory();
        var file = dir.File("leak.conf", $$"""
            name = "leak"
            target = "http://127.0.0.1:{{port}}"
            concurrent-users = 2
            duration = 20s
            think-time = 20ms
            endpoints = [ "/api/v1/tasks" ]
            monitor {
              pid = {{leaking.Pid}}
              prometheus = "http://127.0.0.1:{{port}}/metrics"
              series = [ demo_requests_total ]
              memory-growth-threshold-mb = 30
              leak-window = 30s
            }
            """);

        var (code, stdout, stderr) = await CliProcess.RunAsync(Budget, "run", file, "--out", dir.Sub("out"), "--data-dir", dir.Sub("data"));
        leaking.Signal("INT");

        Assert.True(code == 0, $"exit {code}\n{stdout}\n{stderr}");
        var monitoring = LoadTest(dir.Sub("out"), "leak").GetProperty("monitoring");
        var leak = monitoring.GetProperty("target_leak");
        Assert.True(leak.GetProperty("suspected").GetBoolean(), leak.ToString());
        Assert.InRange(leak.GetProperty("slope_mb_per_minute").GetDouble(), 200, 500);   // 6 MB/s = 360 MB/min
        Assert.Contains(Report(dir.Sub("out")).GetProperty("alerts").EnumerateArray(), a => a.GetProperty("type").GetString() == "memory_leak_suspected");
        var samples = monitoring.GetProperty("target").EnumerateArray().ToList();
        Assert.True(samples.Count >= 15, $"{samples.Count} target samples");
        Assert.Contains(samples, s => s.TryGetProperty("series", out var series) && series.GetProperty("demo_requests_total").GetDouble() > 0);
        Assert.Contains(samples, s => s.TryGetProperty("cpu_percent", out _));
    }

    private static int FreeLoopbackPort()
    {
        var l = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        l.Start();
        var port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }
}
