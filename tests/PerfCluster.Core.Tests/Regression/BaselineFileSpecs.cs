using System.Text.Json;
using PerfCluster.Core.Regression;
using PerfCluster.Core.Reports;
using Xunit;
using static PerfCluster.Core.Tests.Reports.ReportFixtures;

namespace PerfCluster.Core.Tests.Regression;

public class BaselineFileSpecs
{
    private static Baseline Sample()
    {
        var scenario = ScenarioReport() with { Iterations = [new IterationResult(HealthyStatistics(), [])] };
        return PerfCluster.Core.Runs.RunBaselines.Of(Run(scenario), scenario, "nightly", 2) with { Version = 4 };
    }

    private static BaselineFormatException Fails(string text) =>
        Assert.Throws<BaselineFormatException>(() => BaselineFile.FromJson(text, "baselines/nightly.json"));

    /// <summary>A valid document with one top-level field changed (or removed, with null).</summary>
    private static string With(string field, string? json)
    {
        var node = System.Text.Json.Nodes.JsonNode.Parse(BaselineFile.ToJson(Sample()))!.AsObject();
        if (json is null) node.Remove(field);
        else node[field] = System.Text.Json.Nodes.JsonNode.Parse(json);
        return node.ToJsonString();
    }

    [Fact]
    public void Should_round_trip_every_field()
    {
        var original = Sample();

        var text = BaselineFile.ToJson(original);
        var read = BaselineFile.FromJson(text, "nightly.json");

        Assert.Equal(text, BaselineFile.ToJson(read));
        Assert.Equal(original.Overall.Windows, read.Overall.Windows);
        Assert.Equal(original.Overall.Iterations, read.Overall.Iterations);
        Assert.Equal(original.Endpoints[1].Windows, read.Endpoints[1].Windows);
        Assert.Equal(original.Environment, read.Environment);
        Assert.Equal(original.Overall.LatencyMs, read.Overall.LatencyMs);
        Assert.Equal((4, "nightly", original.CreatedAt), (read.Version, read.Name, read.CreatedAt));
    }

    [Fact]
    public void Should_write_snake_case_with_the_format_marker_first()
    {
        var text = BaselineFile.ToJson(Sample());

        Assert.StartsWith("{\n  \"format\": \"perfcluster-baseline\",\n  \"format_version\": 1,\n  \"name\": \"nightly\"", text);
        using var doc = JsonDocument.Parse(text);
        var overall = doc.RootElement.GetProperty("overall");
        Assert.Equal(143, overall.GetProperty("latency_ms").GetProperty("p95").GetDouble(), 1e-9);
        Assert.True(overall.TryGetProperty("generator_peak_working_set_bytes", out _));
        Assert.True(overall.GetProperty("windows")[1].TryGetProperty("p95_ms", out _));
        Assert.Equal(2, doc.RootElement.GetProperty("environment").GetProperty("worker_count").GetInt32());
    }

    [Fact]
    public void Should_write_and_read_a_file()
    {
        var directory = Directory.CreateTempSubdirectory("perfcluster-baseline-");
        try
        {
            var path = Path.Combine(directory.FullName, "sub", "nightly.json");
            BaselineFile.Write(path, Sample());

            Assert.Equal("nightly", BaselineFile.Read(path).Name);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public void Should_name_a_missing_file()
    {
        var error = Assert.Throws<BaselineFormatException>(() => BaselineFile.Read("/nonexistent/nightly.json"));

        Assert.Equal("baseline file '/nonexistent/nightly.json' not found", error.Message);
    }

    [Fact]
    public void Should_give_the_line_of_corrupt_json()
    {
        var error = Fails("{\n  \"format\": \"perfcluster-baseline\",\n  \"name\": nightly\n}");

        Assert.Equal(3, error.Line);
        Assert.Equal("baselines/nightly.json", error.File);
        Assert.StartsWith("baselines/nightly.json:3: bad baseline: the file is not valid JSON", error.Message);
    }

    [Fact]
    public void Should_reject_a_truncated_file()
    {
        var text = BaselineFile.ToJson(Sample());

        var error = Fails(text[..(text.Length / 2)]);

        Assert.Contains("not valid JSON", error.Message);
        Assert.NotNull(error.Line);
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("[1, 2]")]
    [InlineData("{\"format\": \"something-else\", \"format_version\": 1}")]
    public void Should_reject_foreign_json(string text)
    {
        var error = Fails(text);

        Assert.Contains("baselines/nightly.json", error.Message);
        Assert.Contains("perfcluster-baseline", error.Message.Replace("a JSON object", "perfcluster-baseline"));
    }

    [Fact]
    public void Should_recognise_a_report_json()
    {
        var error = Fails(ReportDocuments.Render(Run()));

        Assert.Contains("not a PerfCluster baseline", error.Message);
        Assert.Contains("looks like a report.json", error.Message);
    }

    [Fact]
    public void Should_refuse_a_newer_format_version()
    {
        var error = Fails(With("format_version", "2"));

        Assert.Contains("format_version 2 was written by a newer PerfCluster", error.Message);
    }

    [Theory]
    [InlineData("name")]
    [InlineData("created_at")]
    [InlineData("run_id")]
    [InlineData("overall")]
    [InlineData("environment")]
    public void Should_name_a_missing_required_field(string field)
    {
        var error = Fails(With(field, null));

        Assert.Contains($"missing required field '{field}'", error.Message);
    }

    [Fact]
    public void Should_reject_a_missing_nested_field()
    {
        var node = System.Text.Json.Nodes.JsonNode.Parse(BaselineFile.ToJson(Sample()))!.AsObject();
        node["overall"]!.AsObject().Remove("throughput");

        var error = Fails(node.ToJsonString());

        Assert.Contains("missing required properties including: 'throughput'", error.Message);
    }

    [Fact]
    public void Should_reject_a_wrong_type_with_its_line()
    {
        var text = BaselineFile.ToJson(Sample()).Replace("\"version\": 4", "\"version\": \"four\"");

        var error = Fails(text);

        Assert.Equal(5, error.Line);
        Assert.Contains("wrong type or is missing at $.version", error.Message);
    }

    [Fact]
    public void Should_reject_a_null_where_a_value_is_needed()
    {
        var error = Fails(With("scenario", "null"));

        Assert.Contains("'scenario'", error.Message);
    }

    [Fact]
    public void Should_ignore_unknown_fields_of_the_same_version()
    {
        var read = BaselineFile.FromJson(With("added_later", "{\"x\": 1}"), "nightly.json");

        Assert.Equal("nightly", read.Name);
    }
}
