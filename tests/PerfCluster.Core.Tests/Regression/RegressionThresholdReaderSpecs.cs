using PerfCluster.Core.Regression;
using PerfCluster.Core.Scenarios;
using Xunit;
using PerfCluster.Core.Input;

namespace PerfCluster.Core.Tests.Regression;

public class RegressionThresholdReaderSpecs
{
    private const string Scenario = "target = \"http://127.0.0.1:8000\"\nconcurrent-users = 5\nduration = 10s\nendpoints = [\"/\"]\n";

    private static RegressionThresholds Load(string block, string fileName = "test.conf") =>
        Assert.Single(ScenarioLoader.LoadText(Scenario + block, fileName).Scenarios).Regression;

    private static ScenarioException Fails(string block) =>
        Assert.Throws<ScenarioException>(() => ScenarioLoader.LoadText(Scenario + block, "test.conf"));

    [Fact]
    public void Should_default_to_the_guide_levels_when_absent()
    {
        var t = Load("");

        Assert.Equal(RegressionThresholds.Default, t);
        Assert.Equal(new RegressionLimit(5, 10), t.ThroughputDegradation);
        Assert.Equal(new RegressionLimit(10, 20), t.LatencyIncrease);
        Assert.Equal(new RegressionLimit(25, 50), t.ErrorRateIncrease);
        Assert.Equal(new RegressionLimit(7.5, 15), t.MemoryIncrease);
        Assert.Equal(new RegressionLimit(12.5, 25), t.CpuIncrease);
        Assert.Equal(["p50", "p95", "p99"], t.LatencyPercentiles);
        Assert.Equal(0.05, t.Significance);
        Assert.False(t.AbortOnFail);
    }

    [Fact]
    public void Should_read_the_hocon_block()
    {
        var t = Load("""
            regression-thresholds {
              throughput-degradation-percent = 8
              latency-increase-percent = { warning = 5, failure = 30 }
              error-rate-increase-percent = { failure = 40 }
              memory-increase-percent = 15
              cpu-increase-percent = 25
              latency-percentiles = [p50, p99.9, max]
              warning-ratio = 0.25
              significance = 0.01
              abort-on-fail = true
            }
            """);

        Assert.Equal(new RegressionLimit(2, 8), t.ThroughputDegradation);
        Assert.Equal(new RegressionLimit(5, 30), t.LatencyIncrease);
        Assert.Equal(new RegressionLimit(10, 40), t.ErrorRateIncrease);
        Assert.Equal(new RegressionLimit(3.75, 15), t.MemoryIncrease);
        Assert.Equal(new RegressionLimit(6.25, 25), t.CpuIncrease);
        Assert.Equal(["p50", "p99_9", "max"], t.LatencyPercentiles);
        Assert.Equal(0.01, t.Significance);
        Assert.True(t.AbortOnFail);
    }

    [Fact]
    public void Should_read_the_guide_json_form()
    {
        var plan = ScenarioLoader.LoadText("""
            {
              "target": "http://127.0.0.1:8000",
              "concurrent_users": 5,
              "duration": 10,
              "endpoints": ["/"],
              "regression_thresholds": {
                "throughput_degradation_percent": 10.0,
                "latency_increase_percent": 20.0,
                "error_rate_increase_percent": 50.0,
                "memory_increase_percent": 15.0,
                "cpu_increase_percent": 30.0,
                "latency_percentiles": ["p95"],
                "abort_on_fail": true
              }
            }
            """, "benchmark.json");

        var t = Assert.Single(plan.Scenarios).Regression;
        Assert.Equal(new RegressionLimit(15, 30), t.CpuIncrease);
        Assert.Equal(new RegressionLimit(5, 10), t.ThroughputDegradation);
        Assert.Equal(["p95"], t.LatencyPercentiles);
        Assert.True(t.AbortOnFail);
    }

    [Fact]
    public void Should_inherit_plan_level_thresholds_unless_a_scenario_sets_its_own()
    {
        var plan = ScenarioLoader.LoadText("""
            target = "http://127.0.0.1:8000"
            endpoints = ["/"]
            regression-thresholds { latency-increase-percent = 40 }
            scenarios = [
              { name = a, concurrent-users = 1, duration = 5s }
              { name = b, concurrent-users = 1, duration = 5s, regression-thresholds { latency-increase-percent = 10 } }
            ]
            """, "plan.conf");

        Assert.Equal([40.0, 10.0], plan.Scenarios.Select(s => s.Regression.LatencyIncrease.Failure));
    }

    [Theory]
    [InlineData("regression-thresholds { latency-increase-percent = -5 }", "'latency-increase-percent' must be 0 or more", 1, 52)]
    [InlineData("regression-thresholds {\n  throughput-degradation-percent = 120\n}", "must be at most 100", 2, 36)]
    [InlineData("regression-thresholds { latency-percentiles = [p50, p97] }", "unknown percentile 'p97'", 1, 53)]
    [InlineData("regression-thresholds { latency-increse-percent = 20 }", "did you mean 'latency-increase-percent'?", 1, 25)]
    [InlineData("regression-thresholds { colour = red }", "unknown key 'colour' in regression-thresholds", 1, 25)]
    [InlineData("regression-thresholds { cpu-increase-percent = { warning = 30, failure = 20 } }", "must not exceed the failure level", 1, 60)]
    [InlineData("regression-thresholds { cpu-increase-percent = { warn = 3 } }", "unknown key 'warn'", 1, 50)]
    [InlineData("regression-thresholds { significance = 0 }", "'significance' must be greater than 0", 1, 40)]
    [InlineData("regression-thresholds { warning-ratio = 2 }", "'warning-ratio' must be between 0 and 1", 1, 41)]
    [InlineData("regression-thresholds { abort-on-fail = maybe }", "expected true or false for 'abort-on-fail'", 1, 41)]
    [InlineData("regression-thresholds { memory-increase-percent = lots }", "expected a number for 'memory-increase-percent'", 1, 51)]
    [InlineData("regression-thresholds = 10", "expected an object for 'regression-thresholds'", 1, 25)]
    public void Should_reject_bad_values_with_their_position(string block, string message, int line, int column)
    {
        var error = Fails(block);

        Assert.Contains(message, error.Message);
        Assert.NotNull(error.Position);
        Assert.Equal("test.conf", error.Position!.File);
        Assert.Equal(Scenario.Count(c => c == '\n') + line, error.Position.Line);
        Assert.Equal(column, error.Position.Column);
    }

    [Fact]
    public void Should_name_the_json_key_as_written_when_suggesting()
    {
        var error = Assert.Throws<ScenarioException>(() => ScenarioLoader.LoadText("""
            { "target": "http://h:1", "concurrent_users": 1, "duration": 5, "endpoints": ["/"],
              "regression_thresholds": { "latency_increase_percen": 20 } }
            """, "b.json"));

        Assert.Contains("did you mean 'latency_increase_percent'?", error.Message);
        Assert.Equal(2, error.Position!.Line);
    }
}
