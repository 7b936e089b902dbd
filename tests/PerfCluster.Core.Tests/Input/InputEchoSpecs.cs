using PerfCluster.Core.Input;
using PerfCluster.Core.Scenarios;

namespace PerfCluster.Core.Tests.Input;

public class InputEchoSpecs
{
    [Fact]
    public void Should_keep_a_short_message_as_it_is()
    {
        const string message = "unknown key 'usres' in a scenario; did you mean 'users'?";
        Assert.Equal(message, InputEcho.Shorten(message));
    }

    [Fact]
    public void Should_cut_a_long_quoted_piece_to_its_start_and_its_length()
    {
        var key = new string('k', 5_000);
        var shortened = InputEcho.Shorten($"unknown key '{key}' in a scenario; allowed keys: name, duration");
        Assert.StartsWith("unknown key 'kkkk", shortened);
        Assert.Contains("… (5,000 characters)'", shortened);
        Assert.EndsWith("in a scenario; allowed keys: name, duration", shortened);
        Assert.True(shortened.Length < 200, shortened);
    }

    [Fact]
    public void Should_cut_double_quoted_input_too()
    {
        var shortened = InputEcho.Shorten($"expected a number but got \"{new string('9', 1_000)}\"");
        Assert.Contains("(1,000 characters)\"", shortened);
    }

    [Fact]
    public void Should_bound_a_message_that_echoes_input_without_quotes()
    {
        var shortened = InputEcho.Shorten("got " + new string('x', 100_000));
        Assert.True(shortened.Length <= InputEcho.MaxMessage, $"{shortened.Length} characters");
        Assert.EndsWith("(100,004 characters in all)", shortened);
    }

    [Fact]
    public void Should_not_echo_a_ten_megabyte_key_whole_in_a_scenario_error()
    {
        var text = "scenarios = [{ name = x, " + new string('k', 10_000_000) + " = 1 }]";
        var e = Assert.Throws<ScenarioException>(() => ScenarioLoader.LoadText(text, "big.conf"));
        var described = e.Describe();
        Assert.StartsWith("big.conf:1:26: unknown key 'kkk", described);
        Assert.Contains("(10,000,000 characters)", described);
        Assert.True(described.Length < InputEcho.MaxMessage, $"{described.Length} characters");
    }
}
