using PerfCluster.Core.Scenarios;
using Xunit;

namespace PerfCluster.Core.Tests.Scenarios;

public class ScenarioLoaderSpecs
{
    private static readonly Uri Local = new("http://127.0.0.1:8000");

    private static TestPlan Load(string text, ScenarioOverrides? overrides = null) =>
        ScenarioLoader.LoadText(text, "test.conf", overrides);

    private static ScenarioDefinition LoadOne(string text, ScenarioOverrides? overrides = null) =>
        Assert.Single(Load(text, overrides).Scenarios);

    [Fact]
    public void Should_load_a_single_scenario_in_canonical_hocon()
    {
        var s = LoadOne(""""
            name = "Light Load"
            description = "Light production load simulation"
            target = "http://127.0.0.1:8000"
            concurrent-users = 10
            duration = 120s
            ramp-up = 10s
            think-time = { mean = 1s, jitter = 200ms }
            graceful-stop = 5s
            http { timeout = 10s, max-connections = 64 }
            endpoints = [
              "/api/v1/projects",
              "POST /api/v1/tasks",
              { name = generate, method = POST, path = "/api/v1/ai/generate", weight = 0.2,
                headers { Content-Type = "application/json" }, body = """{"prompt":"hi"}""", expect-status = [200, 201] }
            ]
            request-patterns { distribution = weighted, weights { "/api/v1/projects" = 0.4, "/api/v1/tasks" = 0.4, "/api/v1/ai/generate" = 0.2 } }
            thresholds = [ "p95 < 2s", "error_rate < 0.05", { endpoint = "generate", threshold = "p99 < 500ms" } ]
            environment-config { api-base-url = "http://127.0.0.1:9999", required-services = [ { name = api_server, host = localhost, port = 8000 } ] }
            alert-thresholds { error-rate-max = 0.01, latency-p95-max = 1.5, cpu-usage-max = 80 }
            """");

        Assert.Equal("Light Load", s.Name);
        Assert.Equal("Light production load simulation", s.Description);
        Assert.Equal(Local, s.Target);
        Assert.Equal(
            new ClosedLoad(10, TimeSpan.FromSeconds(120), TimeSpan.FromSeconds(10),
                new ThinkTime(TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(200)), TimeSpan.FromSeconds(5)),
            s.Load);
        Assert.Equal(new HttpSettings { Timeout = TimeSpan.FromSeconds(10), MaxConnections = 64 }, s.Http);
        Assert.Equal(SelectionMode.Weighted, s.Distribution);
        Assert.Equal(
            [("/api/v1/projects", "GET", "/api/v1/projects", 0.4), ("/api/v1/tasks", "POST", "/api/v1/tasks", 0.4),
             ("generate", "POST", "/api/v1/ai/generate", 0.2)],
            s.Endpoints.Select(e => (e.Name, e.Method, e.Path, e.Weight)));
        var generate = s.Endpoints[2];
        Assert.Equal("application/json", generate.Headers["Content-Type"]);
        Assert.Equal("{\"prompt\":\"hi\"}", generate.Body);
        Assert.Equal([200, 201], generate.ExpectedStatus);
        Assert.Equal(
            new (string, string?, int)[]
            {
                ("p95 < 2s", null, 17), ("error_rate < 0.05", null, 17), ("p99 < 500ms", "generate", 17),
                ("error_rate < 0.01", null, 19), ("p95 < 1500ms", null, 19),
            },
            s.Thresholds.Select(t => (t.Expression, t.Endpoint, t.Position!.Line)));
        Assert.Equal([new RequiredService("api_server", "localhost", 8000)], s.RequiredServices);
    }

    [Fact]
    public void Should_load_the_guides_custom_scenario_json_with_snake_case_keys()
    {
        var s = LoadOne("""
            {
              "name": "Custom API Test",
              "duration": 300,
              "concurrent_users": 75,
              "ramp_up_time": 90,
              "think_time": 1.0,
              "endpoints": ["/api/v1/projects", "/api/v1/tasks", "/api/v1/ai/generate"],
              "request_patterns": {
                "distribution": "weighted",
                "weights": { "/api/v1/projects": 0.4, "/api/v1/tasks": 0.4, "/api/v1/ai/generate": 0.2 }
              }
            }
            """, new ScenarioOverrides(Target: Local));

        Assert.Equal("Custom API Test", s.Name);
        Assert.Equal(Local, s.Target);
        Assert.Equal(
            new ClosedLoad(75, TimeSpan.FromSeconds(300), TimeSpan.FromSeconds(90),
                new ThinkTime(TimeSpan.FromSeconds(1), TimeSpan.Zero), ClosedLoad.DefaultGracefulStop),
            s.Load);
        Assert.Equal([0.4, 0.4, 0.2], s.Endpoints.Select(e => e.Weight));
        Assert.All(s.Endpoints, e => Assert.Equal("GET", e.Method));
    }

    [Fact]
    public void Should_read_snake_case_and_kebab_case_keys_alike()
    {
        var kebab = LoadOne("target = \"http://h:1\"\nconcurrent-users = 3\nduration = 9s\nramp-up = 2s\nthink-time = 1s\ngraceful-stop = 1s\nhttp { max-connections = 2 }");
        var snake = LoadOne("target = \"http://h:1\"\nconcurrent_users = 3\nduration = 9s\nramp_up = 2s\nthink_time = 1s\ngraceful_stop = 1s\nhttp { max_connections = 2 }");

        Assert.Equal(kebab.Load, snake.Load);
        Assert.Equal(kebab.Http, snake.Http);
        Assert.Equal(2, snake.Http.MaxConnections);
    }

    [Fact]
    public void Should_apply_defaults_for_everything_optional()
    {
        var s = LoadOne("target = \"http://127.0.0.1:8000\"\nconcurrent-users = 2\nduration = 1m");

        Assert.Equal("test", s.Name);
        Assert.Null(s.Description);
        Assert.Equal(TimeSpan.Zero, s.Load.RampUp);
        Assert.Equal(ThinkTime.None, s.Load.Think);
        Assert.Equal(ClosedLoad.DefaultGracefulStop, s.Load.GracefulStop);
        Assert.Equal(SelectionMode.Weighted, s.Distribution);
        Assert.Equal(new HttpSettings(), s.Http);
        Assert.Empty(s.Thresholds);
        Assert.Empty(s.RequiredServices);
        Assert.Equal(PredefinedScenarios.DefaultEndpoints, s.Endpoints);
        var generate = s.Endpoints[2];
        Assert.Equal(("POST", "/api/v1/ai/generate", 0.2), (generate.Method, generate.Path, generate.Weight));
        Assert.Equal("{\"prompt\":\"benchmark\"}", generate.Body);
        Assert.Equal("application/json", generate.Headers["Content-Type"]);
    }

    [Fact]
    public void Should_take_the_target_from_environment_config_when_target_is_not_set()
    {
        var s = LoadOne("concurrent-users = 1\nduration = 1s\nenvironment_config { api_base_url = \"https://api.example:8443/base\" }");

        Assert.Equal(new Uri("https://api.example:8443/base"), s.Target);
    }

    [Fact]
    public void Should_name_string_endpoints_by_method_and_path_only_when_a_path_has_two_methods()
    {
        var s = LoadOne("""
            target = "http://h:1", concurrent-users = 1, duration = 1s
            endpoints = ["/items", "POST /items", "delete /other"]
            request-patterns { distribution = round_robin }
            """);

        Assert.Equal(["GET /items", "POST /items", "/other"], s.Endpoints.Select(e => e.Name));
        Assert.Equal("DELETE", s.Endpoints[2].Method);
        Assert.Equal(SelectionMode.RoundRobin, s.Distribution);
        Assert.All(s.Endpoints, e => Assert.Equal(1.0, e.Weight));
    }

    [Fact]
    public void Should_match_weights_by_endpoint_name_or_path()
    {
        var s = LoadOne("""
            target = "http://h:1", concurrent-users = 1, duration = 1s
            endpoints = [{ name = list, path = "/a" }, { path = "/b", weight = 3 }, "/c"]
            request-patterns.weights { list = 1, "/c" = 2 }
            """);

        Assert.Equal([1.0, 3.0, 2.0], s.Endpoints.Select(e => e.Weight));
    }

    [Fact]
    public void Should_load_a_list_of_scenarios_that_inherit_plan_level_keys()
    {
        var plan = Load("""
            target = "http://127.0.0.1:8000"
            think-time = 1s
            endpoints = ["/a", "/b"]
            thresholds = ["p95 < 2s"]
            http.timeout = 5s
            scenarios = [
              { name = first, concurrent-users = 1, duration = 10s }
              { name = second, concurrent-users = 2, duration = 20s, think-time = 0, thresholds = ["p99 < 1s"], target = "http://other:9" }
            ]
            """);

        Assert.Equal(["first", "second"], plan.Scenarios.Select(s => s.Name));
        var (first, second) = (plan.Scenarios[0], plan.Scenarios[1]);
        Assert.Equal(TimeSpan.FromSeconds(1), first.Load.Think.Mean);
        Assert.Equal(TimeSpan.Zero, second.Load.Think.Mean);
        Assert.Equal(["p95 < 2s"], first.Thresholds.Select(t => t.Expression));
        Assert.Equal(["p99 < 1s"], second.Thresholds.Select(t => t.Expression));
        Assert.Equal(Local, first.Target);
        Assert.Equal(new Uri("http://other:9"), second.Target);
        Assert.All(plan.Scenarios, s => Assert.Equal(["/a", "/b"], s.Endpoints.Select(e => e.Path)));
        Assert.All(plan.Scenarios, s => Assert.Equal(TimeSpan.FromSeconds(5), s.Http.Timeout));
        Assert.Equal("test.conf", plan.SourceFile);
        Assert.Contains("scenarios = [", plan.SourceText);
    }

    [Fact]
    public void Should_load_a_map_of_scenarios_named_by_their_keys()
    {
        var plan = Load("""
            target = "http://127.0.0.1:8000"
            scenarios {
              "Light Load" { concurrent-users = 10, duration = 2m }
              "Spike Test" { concurrent_users = 300, duration = 120, description = "Traffic spike simulation" }
            }
            """);

        Assert.Equal(["Light Load", "Spike Test"], plan.Scenarios.Select(s => s.Name));
        Assert.Equal((300, TimeSpan.FromMinutes(2)), (plan.Scenarios[1].Load.Users, plan.Scenarios[1].Load.Duration));
        Assert.Equal("Traffic spike simulation", plan.Scenarios[1].Description);
    }

    [Fact]
    public void Should_load_the_guides_predefined_scenarios_map_with_plan_keys_beside_it()
    {
        var plan = Load("""
            {
              "target": "http://127.0.0.1:8000",
              "ramp_up_time": 5,
              "Baseline Load": { "concurrent_users": 5, "duration": 60, "description": "Minimal load for baseline measurements" },
              "Light Load": { "concurrent_users": 10, "duration": 120, "description": "Light production load simulation", "ramp_up_time": 0 }
            }
            """);

        Assert.Equal(["Baseline Load", "Light Load"], plan.Scenarios.Select(s => s.Name));
        Assert.Equal((5, TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(5)),
            (plan.Scenarios[0].Load.Users, plan.Scenarios[0].Load.Duration, plan.Scenarios[0].Load.RampUp));
        Assert.Equal(TimeSpan.Zero, plan.Scenarios[1].Load.RampUp);
        Assert.Equal("Minimal load for baseline measurements", plan.Scenarios[0].Description);
    }

    [Fact]
    public void Should_run_the_predefined_suite_for_a_benchmark_config_without_scenarios()
    {
        var plan = Load("""
            {
              "benchmark_type": "comprehensive",
              "enable_monitoring": true,
              "enable_optimization": false,
              "monitoring_duration": 300,
              "debug_mode": true,
              "log_level": "DEBUG",
              "save_raw_data": true,
              "alert_thresholds": { "error_rate_max": 0.05, "latency_p95_max": 2.0, "cpu_usage_max": 85.0, "memory_usage_max": 90.0 },
              "environment_config": {
                "target_environment": "production",
                "api_base_url": "http://127.0.0.1:8000",
                "required_services": [ { "name": "api_server", "host": "localhost", "port": 8000 } ]
              }
            }
            """);

        Assert.Equal(
            [("Baseline Load", 5, 60), ("Light Load", 10, 120), ("Medium Load", 50, 180), ("Heavy Load", 100, 300),
             ("Peak Load", 200, 240), ("Spike Test", 300, 120)],
            plan.Scenarios.Select(s => (s.Name, s.Load.Users, (int)s.Load.Duration.TotalSeconds)));
        Assert.All(plan.Scenarios, s =>
        {
            Assert.Equal(Local, s.Target);
            Assert.Equal(TimeSpan.Zero, s.Load.RampUp);
            Assert.Equal(["error_rate < 0.05", "p95 < 2s"], s.Thresholds.Select(t => t.Expression));
            Assert.Equal([new RequiredService("api_server", "localhost", 8000)], s.RequiredServices);
            Assert.Equal(PredefinedScenarios.DefaultEndpoints, s.Endpoints);
        });
        Assert.Equal("Traffic spike simulation", plan.Scenarios[5].Description);
    }

    [Fact]
    public void Should_apply_overrides_to_every_scenario_before_validating()
    {
        var overrides = new ScenarioOverrides(
            Target: new Uri("http://10.1.1.1:80"), Users: 7, Duration: TimeSpan.FromSeconds(30),
            RampUp: TimeSpan.FromSeconds(3), ThinkTime: TimeSpan.FromMilliseconds(250));

        var plan = Load("""
            scenarios = [
              { name = a, concurrent-users = 1, duration = 10s, ramp-up = 20s, think-time { mean = 1s, jitter = 1s } }
              { name = b }
            ]
            """, overrides);

        Assert.All(plan.Scenarios, s =>
        {
            Assert.Equal(new Uri("http://10.1.1.1:80"), s.Target);
            Assert.Equal(
                new ClosedLoad(7, TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(3),
                    new ThinkTime(TimeSpan.FromMilliseconds(250), TimeSpan.Zero), ClosedLoad.DefaultGracefulStop),
                s.Load);
        });
    }

    [Fact]
    public void Should_accept_and_ignore_the_guides_unused_benchmark_keys()
    {
        var s = LoadOne("""
            target = "http://h:1", concurrent_users = 1, duration = 1
            benchmark_type = comprehensive, enable_monitoring = true, enable_optimization = false
            monitoring_duration = 300, debug_mode = true, log_level = DEBUG, save_raw_data = true, target_environment = production
            """);

        Assert.Equal(1, s.Load.Users);
    }

    [Fact]
    public void Should_resolve_substitutions_from_the_environment()
    {
        var name = "PERFCLUSTER_SPEC_" + Guid.NewGuid().ToString("N").ToUpperInvariant();
        Environment.SetEnvironmentVariable(name, "http://192.0.2.10:8080");
        try
        {
            var s = LoadOne($"target = \"http://127.0.0.1:8000\"\ntarget = ${{?{name}}}\nconcurrent-users = 4\nduration = 10s");

            Assert.Equal(new Uri("http://192.0.2.10:8080"), s.Target);
        }
        finally
        {
            Environment.SetEnvironmentVariable(name, null);
        }
    }

    [Fact]
    public void Should_resolve_substitutions_between_scenarios()
    {
        var plan = Load("""
            target = "http://127.0.0.1:8000"
            scenarios {
              short { concurrent-users = 5, duration = 30s }
              long = ${scenarios.short} { duration = 1m }
            }
            """);

        Assert.Equal(
            [("short", 5, TimeSpan.FromSeconds(30)), ("long", 5, TimeSpan.FromMinutes(1))],
            plan.Scenarios.Select(s => (s.Name, s.Load.Users, s.Load.Duration)));
    }

    [Fact]
    public void Should_ignore_vars_that_only_feed_substitutions()
    {
        var s = LoadOne("""
            vars { api = "/api/v1", users = 3 }
            target = "http://h:1", concurrent-users = ${vars.users}, duration = 1s
            endpoints = [ ${vars.api}"/projects", "POST "${vars.api}"/tasks" ]
            """);

        Assert.Equal(3, s.Load.Users);
        Assert.Equal([("GET", "/api/v1/projects"), ("POST", "/api/v1/tasks")], s.Endpoints.Select(e => (e.Method, e.Path)));
    }
}
