using System.Text.Json;
using PerfCluster.Target;
using PerfCluster.Tests.Otlp;

namespace PerfCluster.Tests.Cli;

/// <summary>
/// A run with <c>outputs.otlp</c> exports its merged per-second metrics through the OpenTelemetry SDK to a real OTLP/HTTP
/// receiver: the requests, errors by kind, latency histograms and checks it received add up exactly to the report's,
/// per step and per worker node, every point tagged with the run.
/// </summary>
public sealed class OtlpExportEndToEndSpecs
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task Should_export_what_the_report_counts_per_step_and_node_to_an_otlp_receiver(int workers)
    {
        await using var target = await DemoTarget.StartAsync(new DemoTargetOptions(0, TimeSpan.FromMilliseconds(2), TimeSpan.Zero, ErrorRate: 0.1));
        using var receiver = new OtlpReceiver();
        using var dir = new TempDirectory();
        var file = dir.File("otlp.conf", $$"""
            target = "{{target.BaseUrl}}"
            concurrent-users = 6
            duration = 3s
            outputs { otlp { endpoint = "{{receiver.Url}}", interval = 1s, temporality = delta } }
            flow = [
              { request { name = projects, path = "/api/v1/projects", check { ok { json = "ok", equals = "true" } }, on-failure = continue } }
              { request { name = tasks, path = "/api/v1/tasks", on-failure = continue } }
            ]
            """);
        string[] args = ["run", file, "--out", dir.Sub("out"), .. workers > 1 ? new[] { "--workers", "2" } : []];
        var (code, stdout, stderr) = await CliProcess.RunAsync(TimeSpan.FromSeconds(120), args);

        Assert.True(code is 0 or 1, $"exit {code}\n{stdout}\n{stderr}");
        var report = ReportFiles.Read(dir.Sub("out"));
        var entry = report.GetProperty("load_tests").EnumerateObject().Single();
        var test = entry.Value;
        long Steps(string step, string property) => test.GetProperty("endpoints").GetProperty(step).GetProperty(property).GetInt64();

        var requests = receiver.Points("perfcluster.requests").ToList();
        Assert.NotEmpty(requests);
        Assert.All(requests, p => Assert.True(p.Metric.Sum.IsMonotonic && p.Metric.Sum.AggregationTemporality == AggregationTemporality.Delta));
        foreach (var step in new[] { "projects", "tasks" })
        {
            Assert.Equal(Steps(step, "requests"), requests.Where(p => p.Attributes["perfcluster.step"] == step).Sum(p => ((NumberDataPoint)p.Point).AsInt));
            var errors = receiver.Points("perfcluster.errors").Where(p => p.Attributes["perfcluster.step"] == step).ToList();
            Assert.Equal(Steps(step, "errors"), errors.Sum(p => ((NumberDataPoint)p.Point).AsInt));
            Assert.All(errors, p => Assert.Equal("http_5xx", p.Attributes["error.kind"]));
            var latency = receiver.Points("perfcluster.latency").Where(p => p.Attributes["perfcluster.step"] == step).Select(p => (HistogramDataPoint)p.Point).ToList();
            Assert.Equal((ulong)Steps(step, "requests"), latency.Aggregate(0UL, (n, h) => n + h.Count));
            Assert.All(latency, h => Assert.Equal(h.Count, h.BucketCounts.Aggregate(0UL, (n, b) => n + b)));
        }
        Assert.True(Steps("tasks", "errors") > 0, "the injected failures are there to be counted");
        Assert.Equal("s", receiver.Points("perfcluster.latency").First().Metric.Unit);

        var checks = receiver.Points("perfcluster.checks").ToList();
        Assert.Equal(test.GetProperty("journey").GetProperty("checks").GetProperty("ok").GetProperty("passes").GetInt64(),
            checks.Where(p => p.Attributes["outcome"] == "pass").Sum(p => ((NumberDataPoint)p.Point).AsInt));
        Assert.Equal(test.GetProperty("journey").GetProperty("flows").GetProperty("main").GetProperty("iterations").GetInt64(),
            receiver.Points("perfcluster.iterations").Sum(p => ((NumberDataPoint)p.Point).AsInt));
        Assert.NotEmpty(receiver.Points("perfcluster.users"));

        // One run, named on every point and on the resource; as many nodes as generated the load.
        var all = requests.Concat(receiver.Points("perfcluster.latency")).Concat(checks).ToList();
        var runIds = all.Select(p => p.Attributes["perfcluster.run_id"]).Distinct().ToList();
        Assert.Single(runIds);
        Assert.All(all, p => Assert.Equal(entry.Name, p.Attributes["perfcluster.scenario"]));
        Assert.Equal(workers, requests.Select(p => p.Attributes["perfcluster.node"]).Distinct().Count());
        var resource = OtlpReceiver.Attributes(receiver.Received.SelectMany(r => r.ResourceMetrics).First().Resource.Attributes);
        Assert.Equal("perfcluster", resource["service.name"]);
        Assert.Equal(runIds[0], resource["perfcluster.run_id"]);
    }

    [Fact]
    public async Task Should_reject_a_bad_otlp_block_with_exit_2_and_the_line()
    {
        using var dir = new TempDirectory();
        var file = dir.File("bad.conf", "target = \"http://127.0.0.1:9\"\nconcurrent-users = 2\nduration = 2s\nendpoints = [\"/\"]\noutputs { otlp { endpoint = \"udp://x\" } }\n");
        var (code, stdout, stderr) = await CliProcess.RunAsync(TimeSpan.FromSeconds(60), "run", file, "--out", dir.Sub("out"));

        Assert.Equal(2, code);
        Assert.Contains($"{file}:5:", stderr);
        Assert.Contains("must be an http(s) URL", stderr);
        Assert.DoesNotContain("   at ", stderr + stdout);
    }
}
