using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using PerfCluster.Target;

namespace PerfCluster.Tests.Target;

public class DemoTargetSpecs
{
    [Fact]
    public async Task Should_count_requests_per_path_but_not_its_own_stats_endpoint()
    {
        await using var target = await DemoTarget.StartAsync(new DemoTargetOptions(0, TimeSpan.Zero, TimeSpan.Zero));
        using var http = new HttpClient { BaseAddress = target.BaseUrl };

        await http.GetAsync("/api/v1/projects");
        await http.PostAsync("/api/v1/tasks", new StringContent("{}"));
        await http.DeleteAsync("/api/v1/tasks");
        var stats = await http.GetFromJsonAsync<JsonElement>("/__stats");

        Assert.Equal(3, stats.GetProperty("total").GetInt64());
        Assert.Equal(1, stats.GetProperty("paths").GetProperty("/api/v1/projects").GetInt64());
        Assert.Equal(2, stats.GetProperty("paths").GetProperty("/api/v1/tasks").GetInt64());
        Assert.Equal(3, (await http.GetFromJsonAsync<JsonElement>("/__stats")).GetProperty("total").GetInt64());
    }

    [Fact]
    public async Task Should_fail_the_requested_share_with_http_500()
    {
        await using var target = await DemoTarget.StartAsync(new DemoTargetOptions(0, TimeSpan.Zero, TimeSpan.Zero, ErrorRate: 1.0));
        using var http = new HttpClient { BaseAddress = target.BaseUrl };

        var response = await http.GetAsync("/api/v1/ai/generate");

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
    }

    [Fact]
    public async Task Should_delay_each_answer_by_the_injected_latency()
    {
        await using var target = await DemoTarget.StartAsync(new DemoTargetOptions(0, TimeSpan.FromMilliseconds(50), TimeSpan.Zero));
        using var http = new HttpClient { BaseAddress = target.BaseUrl };
        await http.GetAsync("/api/v1/tasks");   // connect and warm up

        var watch = System.Diagnostics.Stopwatch.StartNew();
        await http.GetAsync("/api/v1/tasks");

        Assert.True(watch.Elapsed >= TimeSpan.FromMilliseconds(49), $"answered after {watch.Elapsed.TotalMilliseconds} ms");
    }

    [Fact]
    public async Task Should_reset_its_counts_on_delete()
    {
        await using var target = await DemoTarget.StartAsync(new DemoTargetOptions(0, TimeSpan.Zero, TimeSpan.Zero));
        using var http = new HttpClient { BaseAddress = target.BaseUrl };
        await http.GetAsync("/api/v1/projects");

        await http.DeleteAsync("/__stats");

        Assert.Equal(0, target.TotalServed);
    }

    [Theory]
    [InlineData(0.0, 0.0)]
    [InlineData(4.4, 0.0)]
    [InlineData(4.5, 0.5)]
    [InlineData(4.8, 0.2)]
    [InlineData(9.7, 0.3)]
    public async Task Should_hold_requests_that_arrive_during_a_freeze_until_it_ends(double arrival, double wait)
    {
        await using var target = await DemoTarget.StartAsync(new DemoTargetOptions(0, TimeSpan.Zero, TimeSpan.Zero)
        {
            Freeze = TimeSpan.FromMilliseconds(500),
            FreezeEvery = TimeSpan.FromSeconds(5),
        });

        Assert.Equal(wait, target.FrozenFor(TimeSpan.FromSeconds(arrival)).TotalSeconds, 6);
    }
}
