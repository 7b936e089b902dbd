using PerfCluster.Core.Scenarios;

namespace PerfCluster.Core.Tests.Scenarios;

public class SizeTextSpecs
{
    [Theory]
    [InlineData("0", 0L)]
    [InlineData("1000", 1000L)]
    [InlineData("64MB", 64L << 20)]
    [InlineData("64 MiB", 64L << 20)]
    [InlineData("512kb", 512L << 10)]
    [InlineData("1.5GB", 3L << 29)]
    [InlineData("10B", 10L)]
    public void Should_read_a_size(string text, long bytes) => Assert.Equal(bytes, SizeText.TryParse(text));

    [Theory]
    [InlineData("")]
    [InlineData("lots")]
    [InlineData("-1MB")]
    [InlineData("12XB")]
    [InlineData("99999999999999999999GB")]
    public void Should_refuse_what_is_not_a_size(string text) => Assert.Null(SizeText.TryParse(text));

    [Theory]
    [InlineData(64L << 20, "64MB")]
    [InlineData(1000L, "1000")]
    [InlineData(0L, "0")]
    public void Should_write_the_shortest_exact_form(long bytes, string text) => Assert.Equal(text, SizeText.Format(bytes));

    [Fact]
    public void Should_read_max_response_size_from_a_scenario_and_default_to_64MB()
    {
        var set = ScenarioLoader.LoadText("target = \"http://127.0.0.1:8000\"\nconcurrent-users = 1\nduration = 1s\nhttp { max-response-size = 1MB }", "s.conf");
        var unset = ScenarioLoader.LoadText("target = \"http://127.0.0.1:8000\"\nconcurrent-users = 1\nduration = 1s", "s.conf");

        Assert.Equal(1L << 20, set.Scenarios[0].Http.MaxResponseSize);
        Assert.Equal(64L << 20, unset.Scenarios[0].Http.MaxResponseSize);
    }
}
