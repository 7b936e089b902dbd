using PerfCluster.Core.Scenarios;
using PerfCluster.Core.Hocon;
using Xunit;
using PerfCluster.Core.Input;

namespace PerfCluster.Core.Tests.Scenarios;

public class HoconParserSpecs
{
    private static HoconObject Parse(string text) => HoconDocument.Parse(text, "test.conf");

    private static string Str(HoconObject obj, params string[] path) => obj.TryGetPath(path)!.AsString();

    [Fact]
    public void Should_parse_a_root_object_without_braces()
    {
        var root = Parse("a = 1\nb = \"x\"\n");

        Assert.Equal(["a", "b"], root.Keys);
        var a = Assert.IsType<HoconScalar>(root.TryGet("a"));
        Assert.Equal(HoconScalarKind.Number, a.Kind);
        Assert.Equal("1", a.Raw);
        Assert.Equal("x", Str(root, "b"));
    }

    [Fact]
    public void Should_parse_a_root_object_with_braces()
    {
        var root = Parse("{ \"a\": 1, \"b\": [true, false, null] }");

        Assert.Equal(1, root.TryGet("a")!.AsInt());
        var b = Assert.IsType<HoconArray>(root.TryGet("b"));
        Assert.Equal(
            [HoconScalarKind.Boolean, HoconScalarKind.Boolean, HoconScalarKind.Null],
            b.Items.Cast<HoconScalar>().Select(s => s.Kind));
    }

    [Fact]
    public void Should_accept_equals_colon_and_brace_after_a_key()
    {
        var root = Parse("a = 1\nb : 2\nc { d = 3 }\ne: { f = 4 }");

        Assert.Equal(1, root.TryGet("a")!.AsInt());
        Assert.Equal(2, root.TryGet("b")!.AsInt());
        Assert.Equal(3, root.TryGetPath("c", "d")!.AsInt());
        Assert.Equal(4, root.TryGetPath("e", "f")!.AsInt());
    }

    [Fact]
    public void Should_separate_fields_by_commas_or_newlines_and_allow_a_trailing_comma()
    {
        var root = Parse("a = 1, b = 2\nc = 3,\nd { x = 1, y = 2, }\ne = [1, 2,]\nf = [\n  1\n  2\n]\n");

        Assert.Equal(["a", "b", "c", "d", "e", "f"], root.Keys);
        Assert.Equal(["x", "y"], ((HoconObject)root.TryGet("d")!).Keys);
        Assert.Equal(2, ((HoconArray)root.TryGet("e")!).Count);
        Assert.Equal([1, 2], ((HoconArray)root.TryGet("f")!).Items.Select(i => i.AsInt()));
    }

    [Fact]
    public void Should_skip_hash_and_double_slash_comments()
    {
        var root = Parse("# heading\na = 1 # trailing\n// another\nb = 2 // trailing\nc = \"# not a comment\"");

        Assert.Equal(["a", "b", "c"], root.Keys);
        Assert.Equal("1", Str(root, "a"));
        Assert.Equal("2", Str(root, "b"));
        Assert.Equal("# not a comment", Str(root, "c"));
    }

    [Fact]
    public void Should_decode_json_escapes_in_quoted_strings()
    {
        var root = Parse("a = \"q\\\"b\\\\s\\/n\\nt\\tu\\u0041\"");

        Assert.Equal("q\"b\\s/n\nt\tuA", Str(root, "a"));
    }

    [Fact]
    public void Should_read_triple_quoted_strings_verbatim_across_lines()
    {
        var root = Parse("body = \"\"\"{\"prompt\":\"hi\"}\"\"\"\nmulti = \"\"\"line one\n\"two\" \\n\"\"\"\nq = \"\"\"ends with quote\"\"\"\"\n");

        Assert.Equal("{\"prompt\":\"hi\"}", Str(root, "body"));
        Assert.Equal("line one\n\"two\" \\n", Str(root, "multi"));
        Assert.Equal("ends with quote\"", Str(root, "q"));
    }

    [Fact]
    public void Should_classify_unquoted_values()
    {
        var root = Parse("d = 10s\nm = GET\np = /api/v1/x\nn = -1.5e3\nt = true\nz = null\nq = \"10\"");

        HoconScalar S(string key) => Assert.IsType<HoconScalar>(root.TryGet(key));
        Assert.Equal(("10s", HoconScalarKind.String), (S("d").Raw, S("d").Kind));
        Assert.Equal(("GET", HoconScalarKind.String), (S("m").Raw, S("m").Kind));
        Assert.Equal(("/api/v1/x", HoconScalarKind.String), (S("p").Raw, S("p").Kind));
        Assert.Equal(("-1.5e3", HoconScalarKind.Number), (S("n").Raw, S("n").Kind));
        Assert.Equal(HoconScalarKind.Boolean, S("t").Kind);
        Assert.True(S("z").IsNull);
        Assert.Equal(HoconScalarKind.String, S("q").Kind);
    }

    [Fact]
    public void Should_concatenate_simple_values_on_one_line_keeping_inner_whitespace()
    {
        var root = Parse("a = foo bar\nb = \"x\" y   z\nc = 10 seconds\nd = pre\"fix\"");

        Assert.Equal("foo bar", Str(root, "a"));
        Assert.Equal("x y   z", Str(root, "b"));
        var c = Assert.IsType<HoconScalar>(root.TryGet("c"));
        Assert.Equal(("10 seconds", HoconScalarKind.String), (c.Raw, c.Kind));
        Assert.Equal("prefix", Str(root, "d"));
    }

    [Fact]
    public void Should_concatenate_objects_and_arrays()
    {
        var root = Parse("o = { x = 1 } { y = 2 }\nl = [1, 2] [3]");

        Assert.Equal(["x", "y"], ((HoconObject)root.TryGet("o")!).Keys);
        Assert.Equal([1, 2, 3], ((HoconArray)root.TryGet("l")!).Items.Select(i => i.AsInt()));
    }

    [Fact]
    public void Should_expand_dotted_keys_into_nested_objects_and_merge_them()
    {
        var root = Parse("a.b.c = 1\na.b.d = 2\na.e = 3");

        var a = Assert.IsType<HoconObject>(root.TryGet("a"));
        Assert.Equal(["b", "e"], a.Keys);
        Assert.Equal(1, root.TryGetPath("a", "b", "c")!.AsInt());
        Assert.Equal(2, root.TryGetPath("a", "b", "d")!.AsInt());
    }

    [Fact]
    public void Should_keep_quoted_keys_whole()
    {
        var root = Parse("\"/api/v1/x\" = 1\n\"Light Load\" { users = 2 }\n\"a.b\" = 3\n\"x.y\".z = 4");

        Assert.Equal(["/api/v1/x", "Light Load", "a.b", "x.y"], root.Keys);
        Assert.Equal(2, root.TryGetPath("Light Load", "users")!.AsInt());
        Assert.Equal(4, root.TryGetPath("x.y", "z")!.AsInt());
    }

    [Fact]
    public void Should_merge_duplicate_objects_recursively_and_let_later_scalars_win()
    {
        var root = Parse("a { x = 1, n { p = 1 } }\na { y = 2, n { q = 2 } }\nb = 1\nb = 2\nc { x = 1 }\nc = 5\nd = 5\nd { x = 1 }");

        Assert.Equal(["x", "n", "y"], ((HoconObject)root.TryGet("a")!).Keys);
        Assert.Equal(["p", "q"], ((HoconObject)root.TryGetPath("a", "n")!).Keys);
        Assert.Equal(2, root.TryGet("b")!.AsInt());
        Assert.Equal(5, root.TryGet("c")!.AsInt());
        Assert.IsType<HoconObject>(root.TryGet("d"));
        Assert.Equal(["a", "b", "c", "d"], root.Keys);
    }

    [Fact]
    public void Should_record_one_based_positions_of_keys_and_values()
    {
        var root = Parse("a = 1\n  list = [\n    \"x\",\n    { k = v }\n  ]\n");

        var field = root.TryGetField("list")!;
        Assert.Equal(new SourcePosition("test.conf", 2, 3), field.KeyPosition);
        Assert.Equal(new SourcePosition("test.conf", 2, 10), field.Value.Position);
        var list = (HoconArray)field.Value;
        Assert.Equal((3, 5), (list[0].Position.Line, list[0].Position.Column));
        var inner = (HoconObject)list[1];
        Assert.Equal((4, 7), (inner.TryGetField("k")!.KeyPosition.Line, inner.TryGetField("k")!.KeyPosition.Column));
        Assert.Equal((4, 11), (inner.TryGet("k")!.Position.Line, inner.TryGet("k")!.Position.Column));
    }

    [Fact]
    public void Should_read_the_guides_json()
    {
        var root = Parse("""
            {
              "name": "Custom API Test",
              "think_time": 1.0,
              "endpoints": ["/api/v1/projects", "/api/v1/tasks"],
              "request_patterns": { "weights": { "/api/v1/projects": 0.4 } }
            }
            """);

        Assert.Equal("Custom API Test", Str(root, "name"));
        Assert.Equal(1.0, root.TryGet("think_time")!.AsDouble());
        Assert.Equal(0.4, root.TryGetPath("request_patterns", "weights", "/api/v1/projects")!.AsDouble());
    }

    [Fact]
    public void Should_parse_an_empty_document()
    {
        Assert.Equal(0, Parse("").Count);
        Assert.Equal(0, Parse("  # only a comment\n\n").Count);
        Assert.Equal(0, Parse("{}").Count);
    }

    [Theory]
    [InlineData("a = [1, 2", "expected ']' or ',' but found end of file (array opened at 1:5)", 1)]
    [InlineData("a = [1, 2\nb = 3\nc = 4\n", "expected ']' or ',' but found '=' (array opened at 1:5)", 2)]
    [InlineData("a = [1,\n", "expected a value or ']' but found end of file (array opened at 1:5)", 2)]
    [InlineData("a = [1,,2]", "expected a value or ']' but found ',' (array opened at 1:5)", 1)]
    [InlineData("x = 1\na {\n  b = 1\n", "unclosed '{' opened at 2:3", 4)]
    [InlineData("{ a = 1", "unclosed '{' opened at 1:1", 1)]
    [InlineData("a = 1\n}\n", "unexpected '}'", 2)]
    [InlineData("a = 1\nb = \"abc\nc = 2", "unterminated string (opened at 2:5)", 2)]
    [InlineData("a = \"abc", "unterminated string (opened at 1:5)", 1)]
    [InlineData("a = \"\"\"abc\n\n", "unterminated triple-quoted string (opened at 1:5)", 3)]
    [InlineData("a = 1\ninclude \"other.conf\"", "include is not supported in scenario files", 2)]
    [InlineData("include required(file(\"x.conf\"))", "include is not supported in scenario files", 1)]
    [InlineData("a = [1]\na += 2", "'+=' is not supported in scenario files; write the whole array for 'a' instead", 2)]
    [InlineData("a =\n", "expected a value for 'a' but found end of file", 2)]
    [InlineData("a = }", "expected a value for 'a' but found '}'", 1)]
    [InlineData("a 1", "expected '=', ':' or '{' after key 'a 1' but found end of file", 1)]
    [InlineData("a = 1\n= 2", "expected a key but found '='", 2)]
    [InlineData("a = 1 = 2", "expected ',' or a new line after the value of 'a' but found '='", 1)]
    [InlineData("o { a = 1 ] }", "expected ',', '}' or a new line after the value of 'a' but found ']'", 1)]
    [InlineData("a = \"\\q\"", "invalid escape '\\q' in string; use \\\\ for a backslash", 1)]
    [InlineData("a = \"\\u12\"", "invalid escape: '\\u' must be followed by 4 hex digits", 1)]
    [InlineData("a = b!c", "unexpected '!'; quote values that contain '!'", 1)]
    [InlineData("a = $x", "unexpected '$'; a substitution is written ${path}, other values containing '$' must be quoted", 1)]
    [InlineData("a = 1 + 2", "unexpected '+'; quote values that contain '+'", 1)]
    [InlineData("a..b = 1", "invalid key 'a..b': empty element (quote keys that contain '.')", 1)]
    [InlineData("[1, 2]", "expected an object at the top of the file but found '['", 1)]
    [InlineData("{ a = 1 }\nb = 2", "expected end of file after the root object's closing '}' but found 'b'", 2)]
    [InlineData("a = { x = 1 } 5", "cannot join an object and '5' in one value; quote strings, and separate fields with a new line or ','", 1)]
    [InlineData("a = ${b\nb = 1", "unterminated substitution: expected '}' (opened at 1:5)", 1)]
    [InlineData("a = ${}", "empty substitution path", 1)]
    public void Should_reject_bad_syntax_with_what_was_expected_and_where(string text, string message, int line)
    {
        var error = Assert.Throws<ScenarioException>(() => Parse(text));

        Assert.Equal(message, error.Message);
        Assert.Equal(line, error.Position!.Line);
        Assert.Equal("test.conf", error.Position.File);
    }

    [Fact]
    public void Should_explain_that_urls_must_be_quoted()
    {
        var error = Assert.Throws<ScenarioException>(() => Parse("name = x\ntarget = http://127.0.0.1:8000/api"));

        Assert.Equal(
            "unexpected ':' after 'http': a value containing ':' or '//' (a URL, host:port) must be quoted, e.g. \"http://127.0.0.1:8000\"",
            error.Message);
        Assert.Equal(new SourcePosition("test.conf", 2, 14), error.Position);
        Assert.Equal("http://127.0.0.1:8000/api", Parse("target = \"http://127.0.0.1:8000/api\"").TryGet("target")!.AsString());
    }

    [Fact]
    public void Should_reject_nesting_deeper_than_the_limit()
    {
        var text = "a = " + new string('[', 200) + new string(']', 200);

        var error = Assert.Throws<ScenarioException>(() => Parse(text));

        Assert.Equal("values are nested more than 64 levels deep", error.Message);
        Assert.Equal(1, error.Position!.Line);
    }

    [Fact]
    public void Should_reject_dotted_keys_deeper_than_the_limit()
    {
        var text = "a = 1\n" + string.Join('.', Enumerable.Repeat("k", 100_000)) + " = 1";

        var error = Assert.Throws<ScenarioException>(() => Parse(text));

        Assert.Equal("values are nested more than 64 levels deep", error.Message);
        Assert.Equal(2, error.Position!.Line);
    }

    [Fact]
    public void Should_describe_the_error_as_file_line_column_and_message()
    {
        var error = Assert.Throws<ScenarioException>(() => HoconDocument.Parse("a = 1\nb = [", "plans/x.conf"));

        Assert.Equal("plans/x.conf:2:6: expected a value or ']' but found end of file (array opened at 2:5)", error.Describe());
    }
}
