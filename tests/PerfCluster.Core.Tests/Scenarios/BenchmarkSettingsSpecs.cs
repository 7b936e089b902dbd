using PerfCluster.Core.Input;
using PerfCluster.Core.Scenarios;
using Xunit;

namespace PerfCluster.Core.Tests.Scenarios;

/// <summary>The guide's benchmark_config keys: the log level they ask for, and a warning (with its line) for each one not honoured as written.</summary>
public sealed class BenchmarkSettingsSpecs
{
    private const string Scenario = "target = \"http://127.0.0.1:1\"\nconcurrent-users = 1\nduration = 1s\nendpoints = [\"/\"]\n";

    private static BenchmarkSettings Load(string text) => ScenarioLoader.LoadText(text, "b.conf").Benchmark;

    [Theory]
    [InlineData("debug_mode = true", RunLogLevel.Debug)]
    [InlineData("log_level = DEBUG", RunLogLevel.Debug)]
    [InlineData("log_level = INFO", RunLogLevel.Information)]
    [InlineData("log_level = warning", RunLogLevel.Warning)]
    [InlineData("log_level = ERROR\ndebug_mode = true", RunLogLevel.Error)]
    public void Should_take_the_log_level_from_debug_mode_or_log_level(string keys, RunLogLevel level)
    {
        var settings = Load(keys + "\n" + Scenario);
        Assert.Equal(level, settings.LogLevel);
        Assert.Empty(settings.Warnings);
    }

    [Fact]
    public void Should_leave_the_level_to_the_command_line_when_the_file_says_nothing()
    {
        Assert.Same(BenchmarkSettings.None, Load("debug_mode = false\n" + Scenario));
    }

    [Fact]
    public void Should_warn_with_the_line_for_each_key_it_does_not_honour_as_written()
    {
        var warnings = Load("save_raw_data = true\nenable_monitoring = false\nmonitoring_duration = 300\nbenchmark_type = comprehensive\ntarget_environment = production\n" + Scenario).Warnings;

        Assert.Equal(5, warnings.Count);
        Assert.StartsWith("b.conf:1:1: save_raw_data: raw per-request files are not written yet", warnings[0]);
        Assert.StartsWith("b.conf:2:1: enable_monitoring: monitoring cannot be turned off", warnings[1]);
        Assert.StartsWith("b.conf:3:1: monitoring_duration: not used", warnings[2]);
        Assert.Contains("benchmark_type: a label only", warnings[3]);
        Assert.Contains("target_environment: a label only", warnings[4]);
        // Keys that are honoured, or say nothing to do, warn about nothing.
        Assert.Empty(Load("enable_monitoring = true\nsave_raw_data = false\n" + Scenario).Warnings);
    }

    [Fact]
    public void Should_refuse_an_unknown_log_level_at_its_line()
    {
        var error = Assert.Throws<ScenarioException>(() => Load(Scenario + "log_level = LOUD\n"));
        Assert.Contains("must be DEBUG, INFO, WARNING or ERROR but is 'LOUD'", error.Message);
        Assert.Equal(5, error.Position!.Line);
    }
}
