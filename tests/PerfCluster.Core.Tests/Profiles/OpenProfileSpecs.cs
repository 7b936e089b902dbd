using PerfCluster.Core.Profiles;
using PerfCluster.Core.Scenarios;

namespace PerfCluster.Core.Tests.Profiles;

public class OpenProfileSpecs
{
    private static List<TimeSpan> Schedule(OpenProfile profile, double fraction = 1.0)
    {
        var arrivals = new List<TimeSpan>();
        while (profile.NextArrival(arrivals.Count, fraction, TimeSpan.Zero, 0) is { } next) arrivals.Add(next);
        return arrivals;
    }

    [Fact]
    public void Should_schedule_a_constant_rate_evenly_from_the_start()
    {
        var profile = new OpenProfile(new OpenLoad(100, 10, 100), TimeSpan.FromSeconds(10));

        var arrivals = Schedule(profile);

        Assert.Equal(1000, arrivals.Count);
        Assert.Equal(TimeSpan.Zero, arrivals[0]);
        Assert.Equal(0.01, arrivals[1].TotalSeconds, 9);
        Assert.Equal(9.99, arrivals[^1].TotalSeconds, 6);
    }

    [Fact]
    public void Should_follow_a_ramping_rate()
    {
        // 0 → 100/s over 10 s (area 500), hold 100/s for 5 s (area 500).
        var load = new OpenLoad(100, 10, 100) { Stages = [new Stage(TimeSpan.FromSeconds(10), 100), new Stage(TimeSpan.FromSeconds(5), 100)] };
        var profile = new OpenProfile(load, TimeSpan.FromSeconds(15));

        var arrivals = Schedule(profile);

        Assert.Equal(1000, arrivals.Count);
        Assert.Equal(50, profile.RateAt(TimeSpan.FromSeconds(5)), 9);
        // Half of the ramp's 500 arrivals come in its last 2.93 s (area of 0..t is 5t²).
        Assert.Equal(Math.Sqrt(250 / 5.0), arrivals[250].TotalSeconds, 3);
        Assert.Equal(10.0, arrivals[500].TotalSeconds, 6);
    }

    [Theory]
    [InlineData(new[] { 1.0, 1.0 })]
    [InlineData(new[] { 3.0, 1.0 })]
    [InlineData(new[] { 1.0, 1.0, 1.0 })]
    public void Should_split_the_rate_so_the_workers_add_up_to_the_plan(double[] weights)
    {
        var profile = new OpenProfile(new OpenLoad(90, 10, 100), TimeSpan.FromSeconds(10));
        var total = weights.Sum();

        var counts = weights.Select(w => Schedule(profile, w / total).Count).ToList();

        // Each worker starts its own count at the start instant: the sum is the plan's 900 within one per worker.
        Assert.InRange(counts.Sum(), 900, 900 + weights.Length);
        for (var i = 0; i < weights.Length; i++) Assert.InRange(counts[i], 900 * weights[i] / total - 1, 900 * weights[i] / total + 1);
    }

    [Fact]
    public void Should_keep_the_global_rate_across_a_resplit()
    {
        var profile = new OpenProfile(new OpenLoad(100, 10, 100), TimeSpan.FromSeconds(10));
        // Worker A runs half the load for 4 s, then (its peer lost) all of it.
        var started = 0L;
        TimeSpan? next;
        while ((next = profile.NextArrival(started, 0.5, TimeSpan.Zero, 0)) is { } t && t < TimeSpan.FromSeconds(4)) started++;
        var since = TimeSpan.FromSeconds(4);
        var curve = profile.CurveAt(since, 0.5, TimeSpan.Zero, 0);
        while (profile.NextArrival(started, 1.0, since, curve) is not null) started++;

        Assert.Equal(200, curve, 6);
        Assert.InRange(started, 200 + 600 - 1, 200 + 600 + 1);
    }

    [Fact]
    public void Should_end_a_rate_that_drops_to_zero()
    {
        var load = new OpenLoad(10, 1, 10) { StartRate = 10, Stages = [new Stage(TimeSpan.FromSeconds(2), 10), new Stage(TimeSpan.Zero, 0), new Stage(TimeSpan.FromSeconds(5), 0)] };
        var profile = new OpenProfile(load, TimeSpan.FromSeconds(7));

        Assert.Equal(20, Schedule(profile).Count);
        Assert.Equal(0, profile.RateAt(TimeSpan.FromSeconds(3)));
    }
}
