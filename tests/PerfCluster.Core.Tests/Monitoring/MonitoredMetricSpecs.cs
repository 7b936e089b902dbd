using PerfCluster.Core.Monitoring;
using PerfCluster.Core.Scenarios;
using Xunit;
using PerfCluster.Core.Input;
using PerfCluster.Core.Metrics;

namespace PerfCluster.Core.Tests.Monitoring;

public class MonitoredMetricSpecs
{
    [Theory]
    [InlineData("p95", "p95")]
    [InlineData("P95", "p95")]
    [InlineData("p(99)", "p99")]
    [InlineData("p99_9", "p99.9")]
    [InlineData("response_time.p95", "p95")]
    [InlineData("latency.max", "max")]
    [InlineData("rps", "throughput")]
    [InlineData("error-rate", "error_rate")]
    [InlineData("target-cpu-percent", "target_cpu_percent")]
    [InlineData("users", "active_users")]
    public void Should_resolve_the_spellings_a_scenario_may_use(string text, string canonical)
    {
        Assert.True(MonitoredMetrics.TryResolve(text, out var metric));
        Assert.Equal(canonical, metric.Name);
    }

    [Fact]
    public void Should_suggest_the_closest_metric()
    {
        var error = Assert.Throws<ScenarioException>(() => MonitoredMetrics.Resolve("genrator_cpu_percent"));

        Assert.Equal("unknown metric 'genrator_cpu_percent'; did you mean 'generator_cpu_percent'?", error.Message);
    }

    [Theory]
    [InlineData("p95", 1234.5, "1234.5ms")]
    [InlineData("error_rate", 0.0525, "5.25%")]
    [InlineData("throughput", 99.5, "99.5/s")]
    [InlineData("target_cpu_percent", 85.25, "85.3%")]
    [InlineData("generator_memory_mb", 512, "512MB")]
    [InlineData("active_users", 40, "40")]
    public void Should_format_values_in_their_unit(string metric, double value, string text)
    {
        Assert.Equal(text, MonitoredMetrics.Get(metric).Format(value));
    }
}
