using PerfCluster.Core.Input;
using PerfCluster.Core.Scenarios;
using Xunit;

namespace PerfCluster.Core.Tests.Scenarios;

/// <summary><c>outputs { otlp { ... } }</c>: read, defaulted, written (headers masked) and refused at the line.</summary>
public sealed class OutputsSpecs
{
    private const string Head = "target = \"http://127.0.0.1:1\"\nconcurrent-users = 1\nduration = 1s\nendpoints = [\"/\"]\n";

    private static ScenarioDefinition Load(string text) => ScenarioLoader.LoadText(Head + text, "o.conf").Scenarios.Single();

    [Fact]
    public void Should_read_an_otlp_output_with_its_defaults()
    {
        var otlp = Load("outputs { otlp { endpoint = \"http://127.0.0.1:4318\" } }").Outputs.Otlp!;
        Assert.Equal(new Uri("http://127.0.0.1:4318"), otlp.Endpoint);
        Assert.Equal((OtlpProtocol.HttpProtobuf, TimeSpan.FromSeconds(5), false), (otlp.Protocol, otlp.Interval, otlp.Delta));
        Assert.Null(Load("").Outputs.Otlp);
    }

    [Fact]
    public void Should_keep_the_output_in_the_written_form_with_its_headers_masked_outside_the_cluster()
    {
        var s = Load("outputs { otlp { endpoint = \"https://otel.example.test:4317\", protocol = grpc, interval = 2s, temporality = delta, headers { api-key = secret } } }");
        var shared = ScenarioJson.Read(ScenarioJson.Write(s, secrets: true));
        Assert.Equal(s.Outputs.Otlp, shared.Outputs.Otlp);
        Assert.Equal("secret", shared.Outputs.Otlp!.Headers["api-key"]);
        Assert.DoesNotContain("secret", ScenarioJson.Write(s));
    }

    [Theory]
    [InlineData("outputs { otlp { } }", "otlp needs an 'endpoint'")]
    [InlineData("outputs { otlp { endpoint = \"udp://x:1\" } }", "must be an http(s) URL")]
    [InlineData("outputs { otlp { endpoint = \"http://x:1\", protocol = thrift } }", "must be http/protobuf or grpc")]
    [InlineData("outputs { otlp { endpoint = \"http://x:1\", interval = 100ms } }", "between 1s and 10m")]
    [InlineData("outputs { otlp { endpoint = \"http://x:1\", temporality = sometimes } }", "cumulative or delta")]
    [InlineData("outputs { raw { file = \"r.csv\" } }", "unknown key 'raw' in outputs")]
    public void Should_refuse_a_bad_output_at_its_line(string text, string message)
    {
        var error = Assert.Throws<ScenarioException>(() => Load(text));
        Assert.Contains(message, error.Message);
        Assert.Equal(5, error.Position!.Line);
    }
}
