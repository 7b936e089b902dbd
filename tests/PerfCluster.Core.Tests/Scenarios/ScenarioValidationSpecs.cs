using PerfCluster.Core.Scenarios;
using Xunit;
using PerfCluster.Core.Input;

namespace PerfCluster.Core.Tests.Scenarios;

/// <summary>Every way a scenario file can be wrong: the message names the key, the position points at it.</summary>
public class ScenarioValidationSpecs
{
    private const string Head = "target = \"http://127.0.0.1:8000\"\nconcurrent-users = 10\nduration = 120s\n";

    private static ScenarioException Fails(string text, ScenarioOverrides? overrides = null) =>
        Assert.Throws<ScenarioException>(() => ScenarioLoader.LoadText(text, "test.conf", overrides));

    [Theory]
    // keys
    [InlineData(Head + "concurent-users = 10", "unknown key 'concurent-users'; did you mean 'concurrent-users'?", 4)]
    [InlineData("{\n  \"concurrent_users\": 5,\n  \"duraton\": 60\n}", "unknown key 'duraton'; did you mean 'duration'?", 3)]
    [InlineData(Head + "thinktime = 1s", "unknown key 'thinktime'; did you mean 'think-time'?", 4)]
    [InlineData(Head + "colour = blue",
        "unknown key 'colour' in a scenario; allowed keys: name, description, concurrent-users, duration, stages, arrival-rate, scalability, "
        + "target, endpoints, request-patterns, thresholds, http, environment-config, alert-thresholds, regression-thresholds, think-time, ramp-up, "
        + "graceful-stop, warm-up, pre-allocated-users, max-users, sla-thresholds, alert-rules, monitor, flow, flows, setup, feeders, databases, modules, module-targets, grpc, outputs", 4)]
    [InlineData(Head + "http { timout = 1s }", "unknown key 'timout'; did you mean 'timeout'?", 4)]
    [InlineData(Head + "http { max-response-size = lots }", "'max-response-size' must be a size such as 64MB, or 0 for no limit, but is 'lots'", 4)]
    [InlineData(Head + "http { retries = 3 }", "unknown key 'retries' in http; allowed keys: timeout, max-connections, engine, cookies, max-response-size, version, streams, tls", 4)]
    [InlineData(Head + "concurrent_users = 5", "'concurrent_users' sets 'concurrent-users' again (already set as 'concurrent-users' at 2:1)", 4)]
    [InlineData(Head + "ramp_up_time = 5\nramp-up = 5s", "'ramp-up' sets 'ramp-up' again (already set as 'ramp_up_time' at 4:1)", 5)]
    [InlineData("target = \"http://h:1\"\n\"Light Load\" { description = x }",
        "unknown key 'Light Load' in the plan; allowed keys: target, endpoints, request-patterns, thresholds, http, "
        + "environment-config, alert-thresholds, regression-thresholds, think-time, ramp-up, graceful-stop, warm-up, pre-allocated-users, max-users, sla-thresholds, alert-rules, monitor, flow, flows, setup, feeders, databases, modules, module-targets, grpc, outputs; "
        + "a scenario is an object with 'concurrent-users' and 'duration', 'stages' or 'arrival-rate'", 2)]
    // required values
    [InlineData("target = \"http://h:1\"\nduration = 10s", "missing 'concurrent-users' in scenario 'test'", 1)]
    [InlineData("target = \"http://h:1\"\nconcurrent-users = 1", "missing 'duration' in scenario 'test'", 1)]
    [InlineData("concurrent-users = 1\nduration = 1s", "no target: set 'target' in the scenario or pass --target", 1)]
    [InlineData("target = \"http://h:1\"\n\"A\" { concurrent-users = 1 }", "missing 'duration' in scenario 'A'", 2)]
    // ranges
    [InlineData("target = \"http://h:1\"\nconcurrent-users = 0\nduration = 1s", "'concurrent-users' must be at least 1 but is 0", 2)]
    [InlineData("target = \"http://h:1\"\nconcurrent-users = 1\nduration = 0s", "'duration' must be greater than 0 but is 0s", 3)]
    [InlineData(Head + "ramp-up = 200s", "'ramp-up' (200s) must not be longer than the duration (120s)", 4)]
    [InlineData(Head + "ramp-up = -1s", "'ramp-up' must be 0 or more but is -1s", 4)]
    [InlineData(Head + "think_time = -0.5", "'think_time' must be 0 or more but is -500ms", 4)]
    [InlineData(Head + "think-time { mean = 1s, jitter = -1s }", "'jitter' must be 0 or more but is -1s", 4)]
    [InlineData(Head + "graceful-stop = -1s", "'graceful-stop' must be 0 or more but is -1s", 4)]
    [InlineData(Head + "http { timeout = 0s }", "'timeout' must be greater than 0 but is 0s", 4)]
    [InlineData(Head + "http { max-connections = -1 }", "'max-connections' must be 0 (one per user) or more but is -1", 4)]
    [InlineData(Head + "http { engine = turbo }", "'engine' must be auto, fast or sockets-http-handler but is 'turbo'", 4)]
    [InlineData(Head + "environment-config {\n  required-services = [{ name = db, host = localhost, port = 70000 }]\n}",
        "'port' must be between 1 and 65535 but is 70000", 5)]
    [InlineData(Head + "environment-config.required-services = [{ host = localhost }]", "a required service needs a 'port'", 4)]
    // types
    [InlineData("target = \"http://h:1\"\nconcurrent-users = ten\nduration = 1s", "expected an integer for 'concurrent-users' but found 'ten'", 2)]
    [InlineData("target = \"http://h:1\"\nconcurrent-users = 1\nduration = soon", "expected a duration (e.g. 500ms, 10s, 2m) for 'duration' but found 'soon'", 3)]
    [InlineData(Head + "http = 5", "expected an object for 'http' but found '5'", 4)]
    // target
    [InlineData("target = \"ftp://h/x\"\nconcurrent-users = 1\nduration = 1s",
        "'target' must be an absolute http(s) URL such as \"http://127.0.0.1:8000\" but is 'ftp://h/x'", 1)]
    [InlineData("concurrent-users = 1\nduration = 1s\nenvironment-config { api_base_url = \"localhost:8000\" }",
        "'api_base_url' must be an absolute http(s) URL such as \"http://127.0.0.1:8000\" but is 'localhost:8000'", 3)]
    // endpoints
    [InlineData(Head + "endpoints = [\"api/v1\"]", "endpoint 'path' must start with '/' but is 'api/v1'", 4)]
    [InlineData(Head + "endpoints = [{ path = x }]", "endpoint 'path' must start with '/' but is 'x'", 4)]
    [InlineData(Head + "endpoints = [\"GET /a b\"]", "expected \"PATH\" or \"METHOD PATH\" in 'endpoints' but found 'GET /a b'", 4)]
    [InlineData(Head + "endpoints = [{ path = \"/a\", method = \"G(T\" }]", "'method' must be an HTTP method such as GET or POST but is 'G(T'", 4)]
    [InlineData(Head + "endpoints = [{ method = POST }]", "an endpoint object needs a 'path' (e.g. path = \"/api/v1/projects\")", 4)]
    [InlineData(Head + "endpoints = [{ path = \"/a\", expect-status = [200, 700] }]", "'expect-status' values must be HTTP status codes 100..599 but found 700", 4)]
    [InlineData(Head + "endpoints = [\"/a\",\n  \"/a\"]", "duplicate endpoint name '/a' (first used at 4:14); give each endpoint a distinct 'name'", 5)]
    [InlineData(Head + "endpoints = []", "'endpoints' must list at least one endpoint", 4)]
    [InlineData(Head + "endpoints = [{ path = \"/a\", weight = -1 }]", "'weight' must be 0 or more but is -1", 4)]
    [InlineData(Head + "endpoints = [{ path = \"/a\", headers { \"Bad Header\" = x } }]", "'Bad Header' is not a valid HTTP header name", 4)]
    [InlineData(Head + "endpoints = [{ path = \"/a\", verb = GET }]", "unknown key 'verb' in an endpoint; allowed keys: name, method, path, weight, headers, body, expect-status", 4)]
    // request patterns
    [InlineData(Head + "request-patterns.weights { \"/nope\" = 1 }",
        "weight for unknown endpoint '/nope'; endpoints: /api/v1/projects, /api/v1/tasks, /api/v1/ai/generate", 4)]
    [InlineData(Head + "request-patterns.weights { \"/api/v1/tasks\" = -0.5 }", "weight for '/api/v1/tasks' must be 0 or more but is -0.5", 4)]
    [InlineData(Head + "request-patterns.weights {\n  \"/api/v1/tasks\" = 0, \"/api/v1/projects\" = 0, \"/api/v1/ai/generate\" = 0\n}",
        "endpoint weights must add up to more than 0 for the weighted distribution", 4)]
    [InlineData(Head + "endpoints = [\"/a\", \"/b\"]\nrequest-patterns.weights { \"/a\" = 1 }", "'weights' has no weight for endpoint '/b'", 5)]
    [InlineData(Head + "endpoints = [\"/a\", \"POST /a\"]\nrequest-patterns.weights { \"/a\" = 1 }",
        "weight key '/a' matches several endpoints (GET /a, POST /a); use an endpoint name", 5)]
    [InlineData(Head + "request-patterns { distribution = random }", "'distribution' must be weighted, uniform or round-robin but is 'random'", 4)]
    // thresholds
    [InlineData(Head + "thresholds = [{ endpoint = nope, threshold = \"p95 < 1s\" }]",
        "threshold refers to unknown endpoint 'nope'; endpoints: /api/v1/projects, /api/v1/tasks, /api/v1/ai/generate", 4)]
    [InlineData(Head + "thresholds = [{ endpoint = \"/api/v1/tasks\" }]", "a threshold object needs 'threshold' (e.g. threshold = \"p95 < 2s\")", 4)]
    [InlineData(Head + "thresholds = [\"\"]", "empty threshold in 'thresholds'", 4)]
    [InlineData(Head + "thresholds = [42, [1]]", "expected a threshold (\"p95 < 2s\" or { threshold, endpoint }) in 'thresholds' but found an array", 4)]
    [InlineData(Head + "alert_thresholds { latency_p95_max = 0 }", "'latency_p95_max' must be greater than 0 but is 0s", 4)]
    // plan shapes
    [InlineData("scenarios = [\n  { concurrent-users = 1 }\n]", "scenario 1 in 'scenarios' has no 'name'", 2)]
    [InlineData("name = \"\"\ntarget = \"http://h:1\"", "a scenario name must not be empty", 1)]
    [InlineData("scenarios = [5]", "expected a scenario object in 'scenarios' but found '5'", 1)]
    [InlineData("scenarios = []", "'scenarios' holds no scenario", 1)]
    [InlineData("scenarios = [\n  { name = a },\n  { name = a }\n]", "duplicate scenario name 'a' (first used at 2:3)", 3)]
    [InlineData("concurrent-users = 1\nscenarios = [{ name = a }]",
        "unknown key 'concurrent-users' in the plan; allowed keys: target, endpoints, request-patterns, thresholds, http, "
        + "environment-config, alert-thresholds, regression-thresholds, think-time, ramp-up, graceful-stop, warm-up, pre-allocated-users, max-users, sla-thresholds, alert-rules, monitor, flow, flows, setup, feeders, databases, modules, module-targets, grpc, outputs, "
        + "scenarios", 1)]
    public void Should_reject_bad_scenarios_naming_the_key_and_line(string text, string message, int line)
    {
        var error = Fails(text);

        Assert.Equal(message, error.Message);
        Assert.Equal(line, error.Position?.Line);
        Assert.Equal("test.conf", error.Position?.File);
    }

    [Fact]
    public void Should_write_the_suggestion_in_the_files_own_key_style()
    {
        var error = Fails("{ \"concurent_users\": 5, \"duration\": 60 }");

        Assert.Equal("unknown key 'concurent_users'; did you mean 'concurrent_users'?", error.Message);
        Assert.Equal(new SourcePosition("test.conf", 1, 3), error.Position);
    }

    [Fact]
    public void Should_name_the_option_when_an_override_is_out_of_range()
    {
        Assert.Equal("--users must be at least 1 but is 0 (scenario 'test')",
            Fails(Head, new ScenarioOverrides(Users: 0)).Message);
        Assert.Equal("--ramp-up (300s) must not be longer than the duration (120s) (scenario 'test')",
            Fails(Head, new ScenarioOverrides(RampUp: TimeSpan.FromMinutes(5))).Message);
        Assert.Equal("--duration must be greater than 0 but is 0s (scenario 'test')",
            Fails(Head, new ScenarioOverrides(Duration: TimeSpan.Zero)).Message);
        Assert.Equal("--target must be an absolute http(s) URL but is 'ftp://x/'",
            Fails(Head, new ScenarioOverrides(Target: new Uri("ftp://x/"))).Message);
    }

    [Fact]
    public void Should_check_ramp_up_against_an_overridden_duration()
    {
        var error = Fails(Head + "ramp-up = 60s", new ScenarioOverrides(Duration: TimeSpan.FromSeconds(30)));

        Assert.Equal("'ramp-up' (60s) must not be longer than the duration (30s)", error.Message);
        Assert.Equal(4, error.Position?.Line);
    }

    [Fact]
    public void Should_accept_a_file_without_target_when_the_target_is_overridden()
    {
        var plan = ScenarioLoader.LoadText("concurrent-users = 1\nduration = 1s", "t.conf",
            new ScenarioOverrides(Target: new Uri("http://127.0.0.1:8000")));

        Assert.Equal(new Uri("http://127.0.0.1:8000"), Assert.Single(plan.Scenarios).Target);
    }

    [Fact]
    public void Should_name_a_missing_file()
    {
        var path = Path.Combine(Path.GetTempPath(), "perfcluster-missing-" + Guid.NewGuid().ToString("N"), "x.conf");

        var error = Assert.Throws<ScenarioException>(() => ScenarioLoader.LoadFile(path));

        Assert.Equal($"scenario file '{path}' not found", error.Message);
        Assert.Null(error.Position);
    }

    [Fact]
    public void Should_name_a_file_that_cannot_be_read()
    {
        var directory = Directory.CreateTempSubdirectory("perfcluster-spec-");
        try
        {
            var error = Assert.Throws<ScenarioException>(() => ScenarioLoader.LoadFile(directory.FullName));

            Assert.StartsWith($"cannot read scenario file '{directory.FullName}': ", error.Message);
        }
        finally
        {
            directory.Delete();
        }
    }

    [Fact]
    public void Should_report_positions_in_the_loaded_file()
    {
        var file = Path.Combine(Path.GetTempPath(), "perfcluster-spec-" + Guid.NewGuid().ToString("N") + ".conf");
        File.WriteAllText(file, "target = \"http://h:1\"\nconcurrent-users = 1\nduration = 1s\nramp-up = 2s\n");
        try
        {
            var error = Assert.Throws<ScenarioException>(() => ScenarioLoader.LoadFile(file));

            Assert.Equal($"{file}:4:11: 'ramp-up' (2s) must not be longer than the duration (1s)", error.Describe());
        }
        finally
        {
            File.Delete(file);
        }
    }
}
