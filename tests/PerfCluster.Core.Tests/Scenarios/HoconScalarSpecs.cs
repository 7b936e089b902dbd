using PerfCluster.Core.Scenarios;
using PerfCluster.Core.Hocon;
using Xunit;
using PerfCluster.Core.Input;

namespace PerfCluster.Core.Tests.Scenarios;

public class HoconScalarSpecs
{
    private static HoconNode Value(string valueText) =>
        HoconDocument.Parse($"x = {valueText}", "test.conf").TryGet("x")!;

    [Theory]
    [InlineData("500ms", 500_000 * 10L)]
    [InlineData("10s", 10 * TimeSpan.TicksPerSecond)]
    [InlineData("2m", 2 * TimeSpan.TicksPerMinute)]
    [InlineData("1h", TimeSpan.TicksPerHour)]
    [InlineData("250us", 2_500L)]
    [InlineData("1.5s", 15 * TimeSpan.TicksPerSecond / 10)]
    [InlineData("10 seconds", 10 * TimeSpan.TicksPerSecond)]
    [InlineData("3 minutes", 3 * TimeSpan.TicksPerMinute)]
    [InlineData("100 millis", 100 * TimeSpan.TicksPerMillisecond)]
    [InlineData("\"2 s\"", 2 * TimeSpan.TicksPerSecond)]
    [InlineData("120", 120 * TimeSpan.TicksPerSecond)]
    [InlineData("1.0", TimeSpan.TicksPerSecond)]
    [InlineData("0", 0L)]
    [InlineData("1d", TimeSpan.TicksPerDay)]
    public void Should_read_hocon_durations_with_bare_numbers_as_seconds(string text, long ticks)
    {
        Assert.Equal(TimeSpan.FromTicks(ticks), Value(text).AsDuration());
    }

    [Theory]
    [InlineData("fast", "expected a duration (e.g. 500ms, 10s, 2m) for 'duration' but found 'fast'")]
    [InlineData("null", "expected a duration (e.g. 500ms, 10s, 2m) for 'duration' but found null")]
    [InlineData("[1]", "expected a duration for 'duration' but found an array")]
    [InlineData("10 parsecs", "unknown duration unit 'parsecs' for 'duration'; use ns, us, ms, s, m, h or d")]
    [InlineData("1e300h", "duration '1e300h' for 'duration' is out of range")]
    public void Should_reject_bad_durations_at_the_values_position(string text, string message)
    {
        var error = Assert.Throws<ScenarioException>(() => Value(text).AsDuration("duration"));

        Assert.Equal(message, error.Message);
        Assert.Equal(new SourcePosition("test.conf", 1, 5), error.Position);
    }

    [Fact]
    public void Should_read_integers_numbers_booleans_and_strings()
    {
        Assert.Equal(42, Value("42").AsInt());
        Assert.Equal(42, Value("\"42\"").AsInt());
        Assert.Equal(-3, Value("-3").AsInt());
        Assert.Equal(0.25, Value("0.25").AsDouble());
        Assert.Equal(2.0, Value("2").AsDouble());
        Assert.True(Value("true").AsBool());
        Assert.True(Value("yes").AsBool());
        Assert.False(Value("off").AsBool());
        Assert.Equal("12", Value("12").AsString());
        Assert.Equal("true", Value("true").AsString());
    }

    [Theory]
    [InlineData("ten", "expected an integer for 'users' but found 'ten'")]
    [InlineData("1.5", "expected an integer for 'users' but found '1.5'")]
    [InlineData("99999999999", "expected an integer for 'users' but found '99999999999'")]
    [InlineData("{ a = 1 }", "expected an integer for 'users' but found an object")]
    public void Should_reject_values_that_are_not_integers(string text, string message)
    {
        var error = Assert.Throws<ScenarioException>(() => Value(text).AsInt("users"));

        Assert.Equal(message, error.Message);
        Assert.Equal(1, error.Position!.Line);
    }

    [Fact]
    public void Should_reject_other_type_mismatches_with_the_key_and_found_value()
    {
        Assert.Equal("expected a number for 'w' but found 'NaN'",
            Assert.Throws<ScenarioException>(() => Value("NaN").AsDouble("w")).Message);
        Assert.Equal("expected true or false for 'b' but found 'maybe'",
            Assert.Throws<ScenarioException>(() => Value("maybe").AsBool("b")).Message);
        Assert.Equal("expected a string for 's' but found null",
            Assert.Throws<ScenarioException>(() => Value("null").AsString("s")).Message);
        Assert.Equal("expected a string but found an array",
            Assert.Throws<ScenarioException>(() => Value("[]").AsString()).Message);
    }
}
