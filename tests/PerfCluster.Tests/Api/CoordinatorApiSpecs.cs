using System.Net;
using System.Text;
using System.Text.Json;

namespace PerfCluster.Tests.Api;

/// <summary>The HTTP API of a real coordinator process that has no worker: validation, runs, cluster views, health.</summary>
[Collection(CoordinatorOnlyCollection.Name)]
public class CoordinatorApiSpecs(CoordinatorOnlyFixture fixture)
{
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(30);
    private CoordinatorProcess Coordinator => fixture.Coordinator;

    private const string Scenario = """
        name = "api-test"
        target = "http://127.0.0.1:9"
        concurrent-users = 2
        duration = 2s
        endpoints = [ "/api/v1/tasks" ]
        """;

    private static string Body(string scenario) => JsonSerializer.Serialize(new { scenario, file_name = "api.conf" });

    private static void AssertProblem(int expectedStatus, (int Status, JsonElement Body, string MediaType) answer, string detailContains)
    {
        Assert.True(answer.Status == expectedStatus, $"expected {expectedStatus} but got {answer.Status}: {answer.Body}");
        Assert.Equal("application/problem+json", answer.MediaType);
        Assert.Equal(expectedStatus, answer.Body.GetProperty("status").GetInt32());
        Assert.Contains(detailContains, answer.Body.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Should_report_liveness_and_readiness_on_open_health_endpoints()
    {
        var (live, liveBody, _) = await Coordinator.GetAsync("healthz");
        var (ready, readyBody, _) = await Coordinator.GetAsync("readyz");

        Assert.Equal(200, live);
        Assert.Equal("healthy", liveBody.GetProperty("status").GetString());
        Assert.Equal(200, ready);
        Assert.Equal("healthy", readyBody.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Should_list_the_coordinator_as_an_up_reachable_member_with_role_coordinator()
    {
        var (status, members, _) = await Coordinator.GetAsync("api/cluster/members");

        Assert.Equal(200, status);
        var self = Assert.Single(members.EnumerateArray());
        Assert.Equal(Coordinator.ClusterAddress, self.GetProperty("address").GetString());
        Assert.Equal(["coordinator"], self.GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
        Assert.Equal("up", self.GetProperty("status").GetString());
        Assert.True(self.GetProperty("reachable").GetBoolean());
        Assert.True(self.GetProperty("self").GetBoolean());
        Assert.Empty(self.GetProperty("shares").EnumerateArray());
        var (_, workers, _) = await Coordinator.GetAsync("api/cluster/members?role=worker");
        Assert.Empty(workers.EnumerateArray());
    }

    [Fact]
    public async Task Should_stream_the_current_members_as_events_first()
    {
        var events = await Coordinator.ReadEventsAsync("api/cluster/events", Budget, e => e.EventType == "up");

        var up = JsonDocument.Parse(events.Last().Data).RootElement;
        Assert.Equal("up", up.GetProperty("event").GetString());
        Assert.Equal(Coordinator.ClusterAddress, up.GetProperty("address").GetString());
        Assert.Contains("coordinator", up.GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
    }

    [Theory]
    [InlineData("http://203.0.113.7:80")]
    [InlineData("http://169.254.169.254")]
    [InlineData("http://example.com")]
    public async Task Should_refuse_a_run_whose_target_is_not_on_the_allow_list(string target)
    {
        var answer = await Coordinator.SendAsync(HttpMethod.Post, "api/runs", Body(Scenario.Replace("http://127.0.0.1:9", target)));

        AssertProblem(403, answer, "does not send load to");
        var (_, runs, _) = await Coordinator.GetAsync("api/runs");
        Assert.DoesNotContain(runs.EnumerateArray(), r => r.GetProperty("id").GetString()!.Contains("203.0.113"));
    }

    [Fact]
    public async Task Should_answer_404_for_the_report_of_an_unknown_run_and_400_for_an_unknown_format()
    {
        AssertProblem(404, await Coordinator.GetAsync("api/runs/nope/report"), "no run with id 'nope'");
        var (status, _, _) = await Coordinator.GetAsync("api/baselines");
        Assert.Contains(status, new[] { 200, 503 });
    }

    [Fact]
    public async Task Should_refuse_malformed_json_with_a_problem()
    {
        var answer = await Coordinator.SendAsync(HttpMethod.Post, "api/runs", "{ \"scenario\": \"name = x\", ");

        AssertProblem(400, answer, "malformed JSON");
    }

    [Fact]
    public async Task Should_refuse_a_body_over_one_mebibyte()
    {
        var huge = Body(new string('#', 2 * 1024 * 1024));
        using var request = new HttpRequestMessage(HttpMethod.Post, "api/runs") { Content = new StringContent(huge, Encoding.UTF8, "application/json") };
        request.Headers.ExpectContinue = true;

        using var response = await Coordinator.Http.SendAsync(request);

        Assert.Contains(response.StatusCode, new[] { HttpStatusCode.RequestEntityTooLarge, HttpStatusCode.BadRequest });
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("larger than", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Should_refuse_a_bad_scenario_with_its_file_line_and_column()
    {
        var broken = "name = \"x\"\ntarget = \"http://127.0.0.1:9\"\nconcurent-users = 2\nduration = 5s\n";

        var answer = await Coordinator.SendAsync(HttpMethod.Post, "api/runs", Body(broken));

        AssertProblem(400, answer, "api.conf:3:1: unknown key 'concurent-users'");
        Assert.Contains("concurrent-users", answer.Body.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Should_refuse_a_bad_threshold_before_any_run_exists()
    {
        var answer = await Coordinator.SendAsync(HttpMethod.Post, "api/runs", Body(Scenario + "\nthresholds = [ \"p95x < 2s\" ]\n"));

        AssertProblem(400, answer, "api.conf:6:");
        Assert.Contains("p95x", answer.Body.GetProperty("detail").GetString());
    }

    [Theory]
    [InlineData("""{ "file_name": "a.conf" }""", "'scenario' is required")]
    [InlineData("""[1, 2]""", "expected a JSON object")]
    [InlineData("""{ "scenario": "name = x", "overides": {} }""", "unknown field 'overides'")]
    [InlineData("""{ "scenario": "name = x\ntarget = \"http://127.0.0.1:9\"\nconcurrent-users = 2\nduration = 5s", "overrides": { "users": 0 } }""", "'overrides.users' must be at least 1")]
    [InlineData("""{ "scenario": "name = x\ntarget = \"http://127.0.0.1:9\"\nconcurrent-users = 2\nduration = 5s", "overrides": { "duration": "5 fortnights" } }""", "'overrides.duration'")]
    [InlineData("""{ "scenario": "name = x\ntarget = \"http://127.0.0.1:9\"\nconcurrent-users = 2\nduration = 5s", "overrides": { "target": "ftp://x" } }""", "absolute http(s) URL")]
    [InlineData("""{ "scenario": "name = x\ntarget = \"http://127.0.0.1:9\"\nconcurrent-users = 2\nduration = 5s", "scenario_name": "y" }""", "no scenario named 'y'")]
    [InlineData("""{ "scenario": "name = x\ntarget = \"http://127.0.0.1:9\"\nconcurrent-users = 2\nduration = 5s", "id": "no spaces please" }""", "'id' must be")]
    public async Task Should_refuse_bad_request_fields_with_a_message_that_names_them(string body, string expected)
    {
        var answer = await Coordinator.SendAsync(HttpMethod.Post, "api/runs", body);

        AssertProblem(400, answer, expected);
    }

    [Fact]
    public async Task Should_apply_overrides_and_pick_one_scenario_of_a_plan()
    {
        var plan = """
            target = "http://127.0.0.1:9"
            scenarios = [
              { name = first, concurrent-users = 2, duration = 5s }
              { name = second, concurrent-users = 3, duration = 5s }
            ]
            """;
        var body = JsonSerializer.Serialize(new { scenario = plan, scenario_name = "SECOND", overrides = new { users = 4, duration = 1.5 } });

        var (status, created, _) = await Coordinator.SendAsync(HttpMethod.Post, "api/runs", body);

        Assert.Equal(201, status);
        Assert.Equal(["second"], created.GetProperty("scenarios").EnumerateArray().Select(s => s.GetString()));
        var id = created.GetProperty("id").GetString()!;
        Assert.StartsWith("run-", id);
        await Coordinator.SendAsync(HttpMethod.Delete, $"api/runs/{id}");
    }

    [Fact]
    public async Task Should_fail_a_run_no_worker_joins_and_say_so_in_its_stream_detail_and_list()
    {
        var id = await Coordinator.CreateRunAsync(Scenario, id: $"no-worker-{Guid.NewGuid():N}");

        var events = await Coordinator.ReadEventsAsync($"api/runs/{id}/events", Budget);

        Assert.Equal("run", events[0].EventType);
        Assert.Equal("queued", JsonDocument.Parse(events[0].Data).RootElement.GetProperty("state").GetString());
        var last = events[^1];
        Assert.Equal("run-failed", last.EventType);
        var ended = JsonDocument.Parse(last.Data).RootElement;
        Assert.Equal("failed", ended.GetProperty("state").GetString());
        Assert.Contains("workers", ended.GetProperty("error").GetString());

        var (status, detail, _) = await Coordinator.GetAsync($"api/runs/{id}");
        Assert.Equal(200, status);
        Assert.Equal("failed", detail.GetProperty("state").GetString());
        Assert.Equal(["api-test"], detail.GetProperty("scenarios").EnumerateArray().Select(s => s.GetString()));
        Assert.Equal("test.conf", detail.GetProperty("file_name").GetString());
        Assert.NotEqual(JsonValueKind.Null, detail.GetProperty("finished_at").ValueKind);

        var (_, list, _) = await Coordinator.GetAsync("api/runs");
        var row = Assert.Single(list.EnumerateArray(), r => r.GetProperty("id").GetString() == id);
        Assert.Equal("failed", row.GetProperty("state").GetString());
    }

    [Fact]
    public async Task Should_replay_the_end_of_a_finished_run_to_a_late_subscriber()
    {
        var id = await Coordinator.CreateRunAsync(Scenario);
        await Coordinator.WaitForRunAsync(id, Budget);

        var events = await Coordinator.ReadEventsAsync($"api/runs/{id}/events", Budget);

        Assert.Equal(["run", "run-failed"], events.Select(e => e.EventType));
    }

    [Fact]
    public async Task Should_stop_a_queued_run_as_interrupted_and_refuse_a_second_stop()
    {
        var id = await Coordinator.CreateRunAsync(Scenario);

        var (stopStatus, stopping, _) = await Coordinator.SendAsync(HttpMethod.Delete, $"api/runs/{id}");
        var run = await Coordinator.WaitForRunAsync(id, Budget);
        var again = await Coordinator.SendAsync(HttpMethod.Delete, $"api/runs/{id}");

        Assert.Equal(202, stopStatus);
        Assert.True(stopping.GetProperty("stop_requested").GetBoolean());
        Assert.Equal("interrupted", run.GetProperty("state").GetString());
        Assert.Contains("stopped before start", run.GetProperty("error").GetString());
        AssertProblem(409, again, "already finished");
    }

    [Fact]
    public async Task Should_refuse_a_second_run_with_the_same_id()
    {
        var id = $"dup-{Guid.NewGuid():N}";
        await Coordinator.CreateRunAsync(Scenario, id);

        var answer = await Coordinator.SendAsync(HttpMethod.Post, "api/runs",
            JsonSerializer.Serialize(new { scenario = Scenario, id }));

        AssertProblem(409, answer, "already exists");
        await Coordinator.SendAsync(HttpMethod.Delete, $"api/runs/{id}");
    }

    [Fact]
    public async Task Should_answer_404_problems_for_unknown_runs_members_and_endpoints()
    {
        AssertProblem(404, await Coordinator.GetAsync("api/runs/nope"), "no run with id 'nope'");
        AssertProblem(404, await Coordinator.SendAsync(HttpMethod.Delete, "api/runs/nope"), "no run with id 'nope'");
        AssertProblem(404, await Coordinator.SendAsync(HttpMethod.Post, "api/cluster/leave",
            """{ "address": "akka.tcp://perfcluster@127.0.0.1:1" }"""), "no cluster member at 'akka.tcp://perfcluster@127.0.0.1:1'");
        AssertProblem(404, await Coordinator.SendAsync(HttpMethod.Post, "api/cluster/down",
            """{ "address": "akka.tcp://perfcluster@127.0.0.1:1" }"""), "no cluster member");
        AssertProblem(404, await Coordinator.GetAsync("api/nothing/here"), "no API endpoint GET /api/nothing/here");
        using var response = await Coordinator.Http.GetAsync("api/runs/nope/events");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Theory]
    [InlineData("""{ "address": "not an address" }""", "must be a cluster address")]
    [InlineData("""{ "addr": "akka.tcp://perfcluster@127.0.0.1:1" }""", "expected a JSON object")]
    [InlineData("""{ "address": "" }""", "'address' is required")]
    public async Task Should_refuse_a_bad_member_address(string body, string expected)
    {
        AssertProblem(400, await Coordinator.SendAsync(HttpMethod.Post, "api/cluster/down", body), expected);
    }

    [Fact]
    public async Task Should_down_no_member_when_every_member_is_reachable()
    {
        var (status, result, _) = await Coordinator.SendAsync(HttpMethod.Post, "api/cluster/down-unreachable");

        Assert.Equal(202, status);
        Assert.Equal("down", result.GetProperty("action").GetString());
        Assert.Empty(result.GetProperty("addresses").EnumerateArray());
    }
}
