using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using PerfCluster.Target;
using PerfCluster.Tests.Deploy;

namespace PerfCluster.Tests.Target;

/// <summary>The demo target's shop API, exactly as its contract says, over real HTTP on loopback.</summary>
public class ShopApiSpecs : IAsyncLifetime
{
    private DemoTarget _target = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        _target = await DemoTarget.StartAsync(new DemoTargetOptions(0, TimeSpan.Zero, TimeSpan.Zero));
        _http = new HttpClient { BaseAddress = _target.BaseUrl };
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _target.DisposeAsync();
    }

    private async Task<string> LoginAsync(string user, string? password = null)
    {
        var response = await _http.PostAsJsonAsync("/shop/auth/login", new { username = user, password = password ?? "pw-" + user });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString()!;
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? token, object? body = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (body is not null) request.Content = JsonContent.Create(body);
        return await _http.SendAsync(request);
    }

    private static async Task<JsonElement> JsonAsync(HttpResponseMessage response) => await response.Content.ReadFromJsonAsync<JsonElement>();

    [Fact]
    public async Task Should_log_in_list_the_users_projects_create_a_task_and_read_it_back()
    {
        var token = await LoginAsync("user00042");

        var projects = (await JsonAsync(await SendAsync(HttpMethod.Get, "/shop/projects", token))).GetProperty("projects").EnumerateArray().ToList();
        var project = projects[1].GetProperty("id").GetInt32();
        var created = await SendAsync(HttpMethod.Post, $"/shop/projects/{project}/tasks", token, new { title = "ship it for user00042" });
        var task = await JsonAsync(created);
        var read = await JsonAsync(await SendAsync(HttpMethod.Get, $"/shop/tasks/{task.GetProperty("id").GetInt64()}", token));

        Assert.Equal(ShopApi.ProjectNames.Length, projects.Count);
        Assert.All(projects, p => Assert.False(string.IsNullOrEmpty(p.GetProperty("name").GetString())));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal("ship it for user00042", task.GetProperty("title").GetString());
        Assert.Equal(task.GetProperty("id").GetInt64(), read.GetProperty("id").GetInt64());
        Assert.Equal("ship it for user00042", read.GetProperty("title").GetString());
        Assert.Equal(project, read.GetProperty("project").GetInt32());
        Assert.Equal(["ship it for user00042"], _target.Shop.Titles["user00042"]);
    }

    [Fact]
    public async Task Should_refuse_a_wrong_password_and_every_request_without_a_valid_token()
    {
        var wrong = await _http.PostAsJsonAsync("/shop/auth/login", new { username = "user00001", password = "secret" });
        var garbled = await _http.PostAsync("/shop/auth/login", new StringContent("not json"));

        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, garbled.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await SendAsync(HttpMethod.Get, "/shop/projects", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await SendAsync(HttpMethod.Get, "/shop/projects", "made-up")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await SendAsync(HttpMethod.Post, "/shop/projects/1/tasks", null, new { title = "x" })).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await SendAsync(HttpMethod.Get, "/shop/tasks/1", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await SendAsync(HttpMethod.Get, "/shop/anything/else", null)).StatusCode);
    }

    [Fact]
    public async Task Should_answer_404_for_another_users_project_or_task()
    {
        var alice = await LoginAsync("user00001");
        var bob = await LoginAsync("user00002");
        var aliceProject = (await JsonAsync(await SendAsync(HttpMethod.Get, "/shop/projects", alice))).GetProperty("projects")[0].GetProperty("id").GetInt32();
        var aliceTask = (await JsonAsync(await SendAsync(HttpMethod.Post, $"/shop/projects/{aliceProject}/tasks", alice, new { title = "mine" })))
            .GetProperty("id").GetInt64();

        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(HttpMethod.Post, $"/shop/projects/{aliceProject}/tasks", bob, new { title = "x" })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(HttpMethod.Get, $"/shop/tasks/{aliceTask}", bob)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(HttpMethod.Get, "/shop/tasks/999999", alice)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(HttpMethod.Get, $"/shop/tasks/{aliceTask}", alice)).StatusCode);
    }

    [Fact]
    public async Task Should_count_what_it_served_per_step_and_per_username()
    {
        var token = await LoginAsync("user00007");
        await LoginAsync("user00007");
        await SendAsync(HttpMethod.Get, "/shop/projects", token);
        await SendAsync(HttpMethod.Get, "/shop/projects", null);

        var stats = await _http.GetFromJsonAsync<JsonElement>("/__stats");

        var steps = stats.GetProperty("shop").GetProperty("steps");
        Assert.Equal(2, steps.GetProperty(ShopApi.Login).GetInt64());
        Assert.Equal(2, steps.GetProperty(ShopApi.Projects).GetInt64());
        var user = stats.GetProperty("shop").GetProperty("users").GetProperty("user00007");
        Assert.Equal(2, user.GetProperty(ShopApi.Login).GetInt64());
        Assert.Equal(1, user.GetProperty(ShopApi.Projects).GetInt64());
        Assert.Equal(4, stats.GetProperty("total").GetInt64());
        Assert.Equal(HttpStatusCode.NoContent, (await _http.DeleteAsync("/__stats")).StatusCode);
        Assert.Equal(0, (await _http.GetFromJsonAsync<JsonElement>("/__stats")).GetProperty("total").GetInt64());
    }

    [Fact]
    public void Should_ship_ten_thousand_users_whose_password_is_pw_and_the_username()
    {
        var lines = File.ReadAllLines(Path.Combine(DeployFiles.Root, "hocon", "data", "users.csv"));

        Assert.Equal("username,password", lines[0]);
        var rows = lines.Skip(1).Select(l => l.Split(',')).ToList();
        Assert.Equal(10_000, rows.Count);
        Assert.All(rows, r => Assert.Equal("pw-" + r[0], r[1]));
        Assert.Equal(10_000, rows.Select(r => r[0]).Distinct().Count());
    }
}
