using PerfCluster.Core.Profiles;

namespace PerfCluster.Core.Tests.Profiles;

public class ClosedProfileSpecs
{
    private static readonly ClosedProfile Ramp = new(10, TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(60));

    [Fact]
    public void Should_start_users_evenly_over_the_ramp()
    {
        Assert.Equal(TimeSpan.Zero, Ramp.StartOffsetOf(0));
        Assert.Equal(TimeSpan.FromSeconds(1), Ramp.StartOffsetOf(1));
        Assert.Equal(TimeSpan.FromSeconds(9), Ramp.StartOffsetOf(9));
    }

    [Fact]
    public void Should_start_everyone_at_once_without_ramp()
    {
        var profile = new ClosedProfile(5, TimeSpan.Zero, TimeSpan.FromSeconds(10));

        Assert.All(Enumerable.Range(0, 5), i => Assert.Equal(TimeSpan.Zero, profile.StartOffsetOf(i)));
        Assert.Equal(5, profile.UsersAt(TimeSpan.Zero));
    }

    [Theory]
    [InlineData(0.0, 1)]
    [InlineData(0.999, 1)]
    [InlineData(1.0, 2)]
    [InlineData(5.5, 6)]
    [InlineData(9.99, 10)]
    [InlineData(30, 10)]
    [InlineData(60, 0)]
    [InlineData(-1, 0)]
    public void Should_count_running_users_consistently_with_start_offsets(double seconds, int expected)
    {
        var at = TimeSpan.FromSeconds(seconds);

        Assert.Equal(expected, Ramp.UsersAt(at));
        if (at >= TimeSpan.Zero && at < Ramp.Duration)
            Assert.Equal(expected, Enumerable.Range(0, Ramp.Users).Count(i => Ramp.StartOffsetOf(i) <= at));
    }

    [Fact]
    public void Should_reject_an_index_outside_the_population()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Ramp.StartOffsetOf(10));
        Assert.Throws<ArgumentOutOfRangeException>(() => Ramp.StartOffsetOf(-1));
    }
}
