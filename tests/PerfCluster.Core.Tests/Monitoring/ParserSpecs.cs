using PerfCluster.Core.Monitoring;
using Xunit;

namespace PerfCluster.Core.Tests.Monitoring;

public class ProcStatParserSpecs
{
    // A real-shaped line whose command holds a space and a ')'.
    private const string Stat =
        "4242 (my app) x) S 1 4242 4242 0 -1 4194560 21456 0 12 0 1500 250 0 0 20 0 17 0 987654 1258291200 30720 " +
        "18446744073709551615 1 1 0 0 0 0 0 4096 0 0 0 17 3 0 0 0 0 0\n";

    [Fact]
    public void Should_parse_stat_after_the_last_parenthesis()
    {
        var stat = ProcStatParser.ParseStat(Stat);

        Assert.Equal(new ProcStat(4242, "my app) x", 'S', 1500, 250, 17, 30720, 987654), stat);
        Assert.Equal(1750, stat.CpuTicks);
    }

    [Fact]
    public void Should_parse_status_lines()
    {
        var status = ProcStatParser.ParseStatus(
            "Name:\tnginx\nUmask:\t0022\nState:\tS (sleeping)\nVmHWM:\t  204800 kB\nVmRSS:\t  122880 kB\nThreads:\t9\n");

        Assert.Equal(new ProcStatus("nginx", 122880, 204800, 9), status);
        Assert.Equal(120, status.RssMb);
        Assert.Null(ProcStatParser.ParseStatus("Name:\tkthreadd\nThreads:\t1\n").VmRssKb);
    }

    [Fact]
    public void Should_compute_cpu_as_a_percentage_of_all_cores()
    {
        var before = ProcStatParser.ParseStat(Stat);
        var after = before with { UserTicks = before.UserTicks + 300, SystemTicks = before.SystemTicks + 100 };

        // 400 ticks at 100/s = 4 CPU seconds over 2 s on 4 cores = 50%.
        Assert.Equal(50, ProcStatParser.CpuPercent(before, after, TimeSpan.FromSeconds(2), 4));
        Assert.Null(ProcStatParser.CpuPercent(before, after with { StartTicks = 1 }, TimeSpan.FromSeconds(2), 4));
        Assert.Null(ProcStatParser.CpuPercent(before, after, TimeSpan.Zero, 4));
    }

    [Theory]
    [InlineData("", "expected 'pid (command) state ...' in /proc/<pid>/stat")]
    [InlineData("12 (x) S 1 2 3", "/proc/<pid>/stat has 6 fields; expected at least 24")]
    [InlineData("abc (x) S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22", "expected an integer for pid but found 'abc'")]
    public void Should_reject_malformed_stat(string text, string message)
    {
        Assert.Equal(message, Assert.Throws<FormatException>(() => ProcStatParser.ParseStat(text)).Message);
    }

    [Fact]
    public void Should_reject_a_status_size_without_kb()
    {
        var error = Assert.Throws<FormatException>(() => ProcStatParser.ParseStatus("VmRSS:\t12 MB\n"));

        Assert.Equal("expected '<number> kB' for VmRSS in /proc/<pid>/status but found '12 MB'", error.Message);
    }
}

public class PrometheusTextParserSpecs
{
    [Fact]
    public void Should_parse_samples_labels_escapes_and_special_values()
    {
        var samples = PrometheusTextParser.Parse("""
            # HELP http_requests_total The total number of HTTP requests.
            # TYPE http_requests_total counter
            http_requests_total{method="post",code="200"} 1027 1395066363000
            http_requests_total{method="post",code="400"}    3 1395066363000

            msdos_file_access_time_seconds{path="C:\\DIR\\FILE.TXT",error="Cannot find file:\n\"FILE.TXT\""} 1.458255915e9
            process_resident_memory_bytes 1.2582912e+08
            go_gc_duration_seconds{quantile="1",} +Inf
            weird_gauge NaN
            node:cpu:rate{ cpu = "0" } -Inf
            """);

        Assert.Equal(7, samples.Count);
        Assert.Equal(new Dictionary<string, string> { ["method"] = "post", ["code"] = "200" }, samples[0].Labels);
        Assert.Equal((1027.0, (long?)1395066363000), (samples[0].Value, samples[0].TimestampMs));
        Assert.Equal(3, samples[1].Value);
        Assert.Equal("C:\\DIR\\FILE.TXT", samples[2].Labels["path"]);
        Assert.Equal("Cannot find file:\n\"FILE.TXT\"", samples[2].Labels["error"]);
        Assert.Equal(125829120, samples[3].Value);
        Assert.Empty(samples[3].Labels);
        Assert.Null(samples[3].TimestampMs);
        Assert.Equal(double.PositiveInfinity, samples[4].Value);
        Assert.True(double.IsNaN(samples[5].Value));
        Assert.Equal(("node:cpu:rate", double.NegativeInfinity), (samples[6].Name, samples[6].Value));
        Assert.Equal("http_requests_total{code=\"200\",method=\"post\"}", samples[0].Series);
    }

    [Fact]
    public void Should_select_the_series_a_scenario_asks_for()
    {
        var samples = PrometheusTextParser.Parse("a 1\nb{x=\"1\"} 2\nb{x=\"2\"} 3\nc 4\n");

        Assert.Equal([2.0, 3.0], PrometheusTextParser.Select(samples, ["b"]).Select(s => s.Value));
    }

    [Theory]
    [InlineData("ok 1\n{a=\"b\"} 1", "line 2: expected a metric name at the start of '{a=\"b\"} 1'")]
    [InlineData("m{a=\"b\" 1", "line 1: expected ',' or '}' after label a")]
    [InlineData("m{a=b} 1", "line 1: expected a quoted value for label a")]
    [InlineData("m{a=\"b} 1", "line 1: unterminated value for label a")]
    [InlineData("m{a=\"\\t\"} 1", "line 1: unknown escape '\\t' in label a")]
    [InlineData("m{a=\"1\",a=\"2\"} 1", "line 1: label a is set twice")]
    [InlineData("m one", "line 1: expected a number, +Inf, -Inf or NaN but found 'one'")]
    [InlineData("m 1 soon", "line 1: expected an integer timestamp (ms) but found 'soon'")]
    [InlineData("m", "line 1: expected a value and an optional timestamp after m but found ''")]
    public void Should_reject_malformed_lines_with_their_number(string text, string message)
    {
        Assert.Equal(message, Assert.Throws<FormatException>(() => PrometheusTextParser.Parse(text)).Message);
    }
}
