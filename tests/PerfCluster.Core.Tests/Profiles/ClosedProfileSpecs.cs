using PerfCluster.Core.Profiles;

namespace PerfCluster.Core.Tests.Profiles;

public class ClosedProfileSpecs
{
    private static readonly ClosedProfile Ramp = new(10, TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(60));

    [Fact]
    public void Should_start_users_evenly_over_the_ramp()
    {
        // User i of 10 starts at 10 s · i / 10: one more user every second.
        Assert.Equal(1, Ramp.UsersAt(TimeSpan.Zero));
        Assert.Equal(2, Ramp.UsersAt(TimeSpan.FromSeconds(1)));
        Assert.Equal(10, Ramp.UsersAt(TimeSpan.FromSeconds(9)));
    }

    [Fact]
    public void Should_start_everyone_at_once_without_ramp()
    {
        var profile = new ClosedProfile(5, TimeSpan.Zero, TimeSpan.FromSeconds(10));

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
    }
}
