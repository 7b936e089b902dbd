using PerfCluster.Core.Input;
using PerfCluster.Core.Scenarios;
using PerfCluster.Core.Steps;
using PerfCluster.Core.Thresholds;
using Xunit;

namespace PerfCluster.Core.Tests.Steps;

public sealed class JourneyLoadingSpecs : IDisposable
{
    private const string Head = "target = \"http://127.0.0.1:1\"\nconcurrent-users = 5\nduration = 5s\n";
    private readonly string _dir = Directory.CreateTempSubdirectory("perfcluster-journey-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private ScenarioDefinition Load(string text)
    {
        var file = Path.Combine(_dir, "scenario.conf");
        File.WriteAllText(file, text);
        return ScenarioLoader.LoadFile(file).Scenarios.Single();
    }

    private ScenarioException Rejects(string text) => Assert.Throws<ScenarioException>(() => Load(text));

    private static string JourneyFile => Path.Combine(Scenarios.ShippedScenarioSpecs.ScenarioFolder, "journey.conf");

    [Fact]
    public void Should_load_the_shipped_journey_with_its_steps_feeder_and_thresholds()
    {
        var scenario = ScenarioLoader.LoadFile(JourneyFile).Scenarios.Single();
        var journey = Assert.IsType<Journey>(scenario.Journey);
        Assert.Equal(["login", "projects", "create_task", "get_task"], scenario.Endpoints.Select(e => e.Name));
        Assert.Equal("/shop/projects/{{project}}/tasks", scenario.Endpoints[2].Path);
        var users = Assert.Single(journey.Feeders);
        Assert.Equal(10_000, users.Rows.Count);
        Assert.Equal(["username", "password"], users.Fields);
        Assert.Equal(["user00001", "pw-user00001"], users.Rows[0]);
        Assert.Equal(FeederMode.Unique, users.Mode);
        Assert.Equal(["has_token", "has_projects", "title_has_user"], journey.Checks.Select(c => c.Name));
        Assert.Equal("main", Assert.Single(journey.Flows).Name);
        Assert.Equal(5, ThresholdEvaluator.ValidateScenario(scenario).Count);
    }

    [Fact]
    public void Should_read_its_written_form_back_to_the_same_journey()
    {
        var scenario = ScenarioLoader.LoadFile(JourneyFile).Scenarios.Single();
        var back = ScenarioJson.Read(ScenarioJson.Write(scenario));
        Assert.Equal(scenario.Endpoints.Select(e => e.Name), back.Endpoints.Select(e => e.Name));
        Assert.Equal(scenario.Journey!.Feeders[0].Rows.Count, back.Journey!.Feeders[0].Rows.Count);
        Assert.Equal(scenario.Journey.Feeders[0].Rows[9_999], back.Journey.Feeders[0].Rows[9_999]);
        Assert.Equal(scenario.Journey.Source, back.Journey.Source);
        Assert.Equal(scenario.Thresholds.Select(t => (t.Expression, t.Endpoint, t.Flow, t.Check)), back.Thresholds.Select(t => (t.Expression, t.Endpoint, t.Flow, t.Check)));
    }

    [Fact]
    public void Should_name_a_request_step_by_method_and_path_template_by_default()
    {
        var s = Load(Head + "flow = [ { request { path = \"/items/{{random_int(1, 9)}}\" } }, { request { method = post, path = \"/items\" } } ]");
        Assert.Equal(["GET /items/{{random_int(1, 9)}}", "POST /items"], s.Endpoints.Select(e => e.Name));
    }

    [Theory]
    [InlineData("flow = [ { request { path = \"/t/{{task}}\" } } ]", "uses 'task', which no step extracts and no feeder provides", 4)]
    [InlineData("flow = [ { request { path = \"/a\", extract { tok { json = \"token\" } } } }, { request { path = \"/b/{{tokn}}\" } } ]", "did you mean 'tok'?", 4)]
    [InlineData("flow = [ { request { path = \"/a\", extract { t { json = \"a[\" } } } } ]", "is not a JMESPath expression", 4)]
    [InlineData("flow = [ { request { path = \"/a\", extract { t { regex = \"(unclosed\" } } } } ]", "is not a regular expression", 4)]
    [InlineData("flow = [ { request { name = a, path = \"/a\" } }, { request { name = a, path = \"/b\" } } ]", "duplicate step name 'a'", 4)]
    [InlineData("flow = [ { request { path = \"/a\", check { c { status = 200 } } } }, { request { path = \"/b\", check { c { status = 200 } } } } ]", "duplicate check name 'c'", 4)]
    [InlineData("flow = [ { pause = 1s, request { path = \"/a\" } } ]", "a step is one thing", 4)]
    [InlineData("flow = [ { while { condition = \"{{x}} < 3\", steps = [ { pause = 1s } ] } } ]", "while needs 'max'", 4)]
    [InlineData("flow = [ { request { path = \"/{{nope(1)}}\" } } ]", "is neither a variable name nor a built-in", 4)]
    [InlineData("flow = [ { request { path = \"/a\" } } ]\nendpoints = [\"/b\"]", "either 'endpoints'", 5)]
    [InlineData("flow = [ { request { path = \"/a\" } } ]\nthresholds = [ { step = nosuch, threshold = \"p95 < 1s\" } ]", "unknown step 'nosuch'", 5)]
    [InlineData("flow = [ { request { path = \"/a\" } } ]\nthresholds = [ { flow = nosuch, threshold = \"iteration_duration p95 < 1s\" } ]", "unknown flow 'nosuch'", 5)]
    [InlineData("flow = [ { request { path = \"/a\", check { ok { status = 200 } } } } ]\nthresholds = [ { check = nosuch, threshold = \"rate > 0.9\" } ]", "unknown check 'nosuch'", 5)]
    [InlineData("feeders { u { rows = [ { name = a } ], mode = sometimes } }\nflow = [ { request { path = \"/{{u.name}}\" } } ]", "must be circular, random or unique", 4)]
    [InlineData("feeders { u { rows = [ { name = a } ], mode = unique, on-exhausted = fail } }\nflow = [ { request { path = \"/{{u.name}}\" } } ]", "has 1 rows but the run may hold 5 users", 4)]
    [InlineData("feeders { u { rows = [ { name = a } ] } }\nflow = [ { request { path = \"/{{u.nam}}\" } } ]", "did you mean 'u.name'?", 5)]
    public void Should_reject_bad_journeys_with_the_line(string journey, string message, int line)
    {
        var error = Rejects(Head + journey);
        Assert.Contains(message, error.Message);
        Assert.Equal(line, error.Position!.Line);
        Assert.EndsWith("scenario.conf", error.Position.File);
    }

    [Fact]
    public void Should_reject_a_missing_feeder_file_naming_where_it_looked()
    {
        var error = Rejects(Head + "feeders { u { file = \"nope.csv\" } }\nflow = [ { pause = 1s } ]");
        Assert.Contains("file 'nope.csv' not found", error.Message);
        Assert.Equal(4, error.Position!.Line);
    }

    [Fact]
    public void Should_reject_a_malformed_csv_at_its_own_line()
    {
        File.WriteAllText(Path.Combine(_dir, "u.csv"), "username,password\na,pw-a\nb,pw-b,extra\n");
        var error = Rejects(Head + "feeders { u { file = \"u.csv\" } }\nflow = [ { pause = 1s } ]");
        Assert.Contains("malformed CSV", error.Message);
        Assert.EndsWith("u.csv", error.Position!.File);
        Assert.Equal(3, error.Position.Line);
    }

    [Fact]
    public void Should_reject_an_empty_csv_and_malformed_json()
    {
        File.WriteAllText(Path.Combine(_dir, "empty.csv"), "");
        Assert.Contains("empty", Rejects(Head + "feeders { u { file = \"empty.csv\" } }\nflow = [ { pause = 1s } ]").Message);
        File.WriteAllText(Path.Combine(_dir, "only-header.csv"), "username\n");
        Assert.Contains("no rows", Rejects(Head + "feeders { u { file = \"only-header.csv\" } }\nflow = [ { pause = 1s } ]").Message);
        File.WriteAllText(Path.Combine(_dir, "bad.json"), "[ {\"a\": 1}, ");
        var json = Rejects(Head + "feeders { u { file = \"bad.json\" } }\nflow = [ { pause = 1s } ]");
        Assert.Contains("malformed JSON", json.Message);
        Assert.EndsWith("bad.json", json.Position!.File);
    }

    [Fact]
    public void Should_read_a_json_feeder_and_named_flows_with_weights()
    {
        File.WriteAllText(Path.Combine(_dir, "items.json"), "[{\"sku\": \"a1\", \"price\": 3}, {\"sku\": \"b2\", \"price\": 4.5}]");
        var s = Load(Head + """
            feeders { items { file = "items.json", per = iteration, mode = random } }
            flows {
              browse { weight = 3, steps = [ { request { name = item, path = "/items/{{items.sku}}" } } ] }
              buy = [ { group { name = checkout, steps = [ { request { name = pay, method = POST, path = "/pay", body = "{{items.price}}" } } ] } } ]
            }
            """);
        var journey = s.Journey!;
        Assert.Equal([("browse", 3.0), ("buy", 1.0)], journey.Flows.Select(f => (f.Name, f.Weight)));
        Assert.Equal(["a1", "3"], journey.Feeders[0].Rows[0]);
        Assert.Equal(FeederTake.PerIteration, journey.Feeders[0].Take);
        Assert.Equal("checkout", Assert.Single(journey.Groups).Name);
    }

    [Fact]
    public void Should_render_templates_with_variables_and_built_ins()
    {
        var table = new VariableTable();
        table.Add("token");
        var template = Template.Parse("/u/{{vu}}/i/{{iteration}}/{{token}}/{{random_int(5, 5)}}", null).Bind(table);
        var user = new UserVariables(7, table.Count) { Iteration = 2 };
        Assert.Null(template.Render(user, out var missing));
        Assert.Equal("token", missing);
        user[0] = "abc";
        Assert.Equal("/u/7/i/2/abc/5", template.Render(user, out _));
        Assert.Equal(36, Template.Parse("{{uuid}}", null).Render(user, out _)!.Length);
        Assert.True(Template.Parse("static", null).IsConstant);
    }

    [Theory]
    [InlineData("{{n}} < 5", "3", true)]
    [InlineData("{{n}} < 5", "10", false)]
    [InlineData("{{n}} == done", "done", true)]
    [InlineData("{{n}} != done", "done", false)]
    [InlineData("{{n}} contains ab", "xaby", true)]
    [InlineData("n is set", "x", true)]
    [InlineData("n is not set", "x", false)]
    public void Should_evaluate_simple_conditions(string text, string value, bool holds)
    {
        var table = new VariableTable();
        table.Add("n");
        var condition = Condition.Parse(text, new SourcePosition("f", 1, 1)).Bind(table);
        var user = new UserVariables(0, 1);
        user[0] = value;
        Assert.Equal(holds, condition.Holds(user));
    }

    [Theory]
    [InlineData("id", "42")]
    [InlineData("projects[0].id", "7")]
    [InlineData("projects[-1].name", "b")]
    [InlineData("projects[5].id", null)]
    [InlineData("projects[0]", "{\"id\":7,\"name\":\"a\"}")]
    [InlineData("ok", "true")]
    [InlineData("none", null)]
    [InlineData("length(projects)", "2")]
    [InlineData("projects[?id > `7`].name | [0]", "b")]
    public void Should_select_json_the_same_on_the_fast_path_and_in_full_jmespath(string path, string? expected)
    {
        using var response = new ResponseView(200, """{"id": 42, "ok": true, "none": null, "projects": [{"id": 7, "name": "a"}, {"id": 8, "name": "b"}]}""", [], TimeSpan.Zero);
        Assert.Equal(expected, JsonPath.Parse(path, null).Select(response));
    }

    [Fact]
    public void Should_extract_and_check_json_regex_and_headers()
    {
        var response = new ResponseView(201, """{"id": 42, "title": "task of u1", "tags": ["a"]}""", [new("Location", "/tasks/42")], TimeSpan.FromMilliseconds(5));
        var position = new SourcePosition("f", 1, 1);
        Assert.Equal("42", Extractor.Create("id", ExtractSource.Json, "id", position).From(response));
        Assert.Equal("a", Extractor.Create("t", ExtractSource.Json, "tags[0]", position).From(response));
        Assert.Null(Extractor.Create("x", ExtractSource.Json, "missing", position).From(response));
        Assert.Equal("u1", Extractor.Create("u", ExtractSource.Regex, "of (\\w+)", position).From(response));
        Assert.Equal("/tasks/42", Extractor.Create("l", ExtractSource.Header, "location", position).From(response));
        var user = new UserVariables(0, 0);
        Assert.True(new Check("s", CheckKind.Status, position) { Statuses = [201] }.Passes(response, user));
        Assert.True(new Check("c", CheckKind.BodyContains, position) { Value = Template.Parse("task of", null) }.Passes(response, user));
        Assert.False(new Check("l", CheckKind.LatencyUnder, position) { Limit = TimeSpan.FromMilliseconds(1) }.Passes(response, user));
        Assert.True(new Check("e", CheckKind.JsonEquals, position) { Json = JsonPath.Parse("title", null), Value = Template.Parse("task of u1", null) }.Passes(response, user));
    }
}
