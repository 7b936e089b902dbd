using PerfCluster.Core.Profiles;
using PerfCluster.Core.Scenarios;

namespace PerfCluster.Core.Tests.Profiles;

public class RequestMixSpecs
{
    private static readonly EndpointDefinition[] Endpoints =
    [
        new() { Name = "projects", Path = "/api/v1/projects", Weight = 0.4 },
        new() { Name = "tasks", Path = "/api/v1/tasks", Weight = 0.4 },
        new() { Name = "generate", Path = "/api/v1/ai/generate", Weight = 0.2 },
    ];

    [Fact]
    public void Should_pick_endpoints_in_proportion_to_their_weights()
    {
        var mix = new RequestMix(Endpoints, SelectionMode.Weighted);
        var random = new Random(42);
        var cursor = 0;
        var counts = new int[3];

        for (var i = 0; i < 100_000; i++) counts[mix.Next(random, ref cursor)]++;

        // Binomial standard deviation at n = 100k, p = 0.4 is ~155: 1,000 is more than 6 sigma.
        Assert.InRange(counts[0], 39_000, 41_000);
        Assert.InRange(counts[1], 39_000, 41_000);
        Assert.InRange(counts[2], 19_000, 21_000);
    }

    [Fact]
    public void Should_never_pick_an_endpoint_of_weight_zero()
    {
        var endpoints = new[] { Endpoints[0] with { Weight = 0 }, Endpoints[1] with { Weight = 1 } };
        var mix = new RequestMix(endpoints, SelectionMode.Weighted);
        var random = new Random(1);
        var cursor = 0;

        for (var i = 0; i < 10_000; i++) Assert.Equal(1, mix.Next(random, ref cursor));
    }

    [Fact]
    public void Should_cycle_in_round_robin_from_the_users_offset()
    {
        var mix = new RequestMix(Endpoints, SelectionMode.RoundRobin);
        var random = new Random(1);
        var cursor = mix.StartCursor(5);

        var picks = new List<int>();
        for (var i = 0; i < 6; i++) picks.Add(mix.Next(random, ref cursor));

        Assert.Equal([2, 0, 1, 2, 0, 1], picks);
    }

    [Fact]
    public void Should_ignore_weights_in_uniform_mode()
    {
        var mix = new RequestMix(Endpoints, SelectionMode.Uniform);
        var random = new Random(3);
        var cursor = 0;
        var counts = new int[3];

        for (var i = 0; i < 90_000; i++) counts[mix.Next(random, ref cursor)]++;

        Assert.All(counts, c => Assert.InRange(c, 29_000, 31_000));
    }

    [Fact]
    public void Should_refuse_an_empty_mix_or_zero_total_weight()
    {
        Assert.Throws<ArgumentException>(() => new RequestMix([], SelectionMode.Weighted));
        Assert.Throws<ArgumentException>(() => new RequestMix([Endpoints[0] with { Weight = 0 }], SelectionMode.Weighted));
    }
}
