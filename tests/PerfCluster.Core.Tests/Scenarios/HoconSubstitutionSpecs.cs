using PerfCluster.Core.Scenarios;
using PerfCluster.Core.Hocon;
using Xunit;
using PerfCluster.Core.Input;

namespace PerfCluster.Core.Tests.Scenarios;

public class HoconSubstitutionSpecs
{
    private static HoconObject Parse(string text) => HoconDocument.Parse(text, "test.conf");

    /// <summary>A variable name no other test or machine uses, removed again when the test ends.</summary>
    private sealed class EnvironmentVariable : IDisposable
    {
        public EnvironmentVariable(string? value)
        {
            Name = "PERFCLUSTER_SPEC_" + Guid.NewGuid().ToString("N").ToUpperInvariant();
            Environment.SetEnvironmentVariable(Name, value);
        }

        public string Name { get; }

        public void Dispose() => Environment.SetEnvironmentVariable(Name, null);
    }

    [Fact]
    public void Should_substitute_a_path_from_the_document()
    {
        var root = Parse("base = \"http://127.0.0.1:8000\"\nurl = ${base}\"/api\"\nservice { port = 8000 }\nport = ${service.port}");

        Assert.Equal("http://127.0.0.1:8000/api", root.TryGet("url")!.AsString());
        var port = Assert.IsType<HoconScalar>(root.TryGet("port"));
        Assert.Equal((HoconScalarKind.Number, 8000), (port.Kind, port.AsInt()));
    }

    [Fact]
    public void Should_resolve_forward_references()
    {
        var root = Parse("a = ${b}\nb = ${c}\nc = 42");

        Assert.Equal(42, root.TryGet("a")!.AsInt());
    }

    [Fact]
    public void Should_place_a_substituted_value_where_the_substitution_is_written()
    {
        var root = Parse("users = ten\nload {\n  n = ${users}\n}");

        var error = Assert.Throws<ScenarioException>(() => root.TryGetPath("load", "n")!.AsInt("n"));

        Assert.Equal("expected an integer for 'n' but found 'ten'", error.Message);
        Assert.Equal(new SourcePosition("test.conf", 3, 7), error.Position);
    }

    [Fact]
    public void Should_fall_back_to_an_environment_variable()
    {
        using var variable = new EnvironmentVariable("http://10.0.0.5:9000");

        var root = Parse($"target = ${{{variable.Name}}}\noptional = ${{?{variable.Name}}}");

        Assert.Equal("http://10.0.0.5:9000", root.TryGet("target")!.AsString());
        Assert.Equal("http://10.0.0.5:9000", root.TryGet("optional")!.AsString());
    }

    [Fact]
    public void Should_prefer_the_document_over_the_environment()
    {
        using var variable = new EnvironmentVariable("from-environment");

        var root = Parse($"{variable.Name} = from-file\nvalue = ${{{variable.Name}}}");

        Assert.Equal("from-file", root.TryGet("value")!.AsString());
    }

    [Fact]
    public void Should_remove_a_field_whose_optional_substitution_is_missing()
    {
        using var missing = new EnvironmentVariable(null);

        var root = Parse($"a = 1\nb = ${{?{missing.Name}}}\nlist = [1, ${{?{missing.Name}}}, 3]");

        Assert.Equal(["a", "list"], root.Keys);
        Assert.Equal([1, 3], ((HoconArray)root.TryGet("list")!).Items.Select(i => i.AsInt()));
    }

    [Fact]
    public void Should_keep_the_earlier_value_when_an_optional_override_is_missing()
    {
        using var missing = new EnvironmentVariable(null);
        using var present = new EnvironmentVariable("http://override:1");

        var root = Parse(
            $"target = \"http://127.0.0.1:8000\"\ntarget = ${{?{missing.Name}}}\nother = \"a\"\nother = ${{?{present.Name}}}");

        Assert.Equal("http://127.0.0.1:8000", root.TryGet("target")!.AsString());
        Assert.Equal("http://override:1", root.TryGet("other")!.AsString());
    }

    [Fact]
    public void Should_merge_a_substituted_object_with_an_object_written_beside_it()
    {
        var root = Parse("defaults { timeout = 30s, max-connections = 4 }\nhttp = ${defaults} { timeout = 5s }");

        var http = Assert.IsType<HoconObject>(root.TryGet("http"));
        Assert.Equal(TimeSpan.FromSeconds(5), http.TryGet("timeout")!.AsDuration());
        Assert.Equal(4, http.TryGet("max-connections")!.AsInt());
        Assert.Equal(TimeSpan.FromSeconds(30), root.TryGetPath("defaults", "timeout")!.AsDuration());
    }

    [Fact]
    public void Should_read_a_self_reference_as_the_earlier_value()
    {
        var root = Parse("path = \"/api\"\npath = ${path}\"/v1\"\nlist = [1]\nlist = ${list} [2]");

        Assert.Equal("/api/v1", root.TryGet("path")!.AsString());
        Assert.Equal([1, 2], ((HoconArray)root.TryGet("list")!).Items.Select(i => i.AsInt()));
    }

    [Fact]
    public void Should_report_a_missing_required_substitution_at_its_position()
    {
        using var missing = new EnvironmentVariable(null);

        var error = Assert.Throws<ScenarioException>(() => Parse($"a = 1\nb = x ${{{missing.Name}}}"));

        Assert.Equal(
            $"unresolved substitution '${{{missing.Name}}}': '{missing.Name}' is not set in this file nor as an environment variable",
            error.Message);
        Assert.Equal(new SourcePosition("test.conf", 2, 7), error.Position);
    }

    [Fact]
    public void Should_report_a_substitution_cycle()
    {
        var error = Assert.Throws<ScenarioException>(() => Parse("a = ${b}\nb = ${a}"));

        Assert.Equal("substitution cycle: ${b} depends on itself", error.Message);
        Assert.Equal(1, error.Position!.Line);
    }

    [Fact]
    public void Should_report_an_object_that_includes_itself()
    {
        var error = Assert.Throws<ScenarioException>(() => Parse("a {\n  b = ${a}\n}"));

        Assert.Equal("substitution cycle: a value includes the object or array that contains it", error.Message);
        Assert.Equal(2, error.Position!.Line);
    }

    [Fact]
    public void Should_reject_substitution_chains_that_are_too_long()
    {
        var text = string.Join('\n', Enumerable.Range(0, 1000).Select(i => $"k{i} = ${{k{i + 1}}}")) + "\nk1000 = 1";

        var error = Assert.Throws<ScenarioException>(() => Parse(text));

        Assert.Equal("substitutions are nested too deeply", error.Message);
        Assert.Equal("test.conf", error.Position!.File);
    }
}
