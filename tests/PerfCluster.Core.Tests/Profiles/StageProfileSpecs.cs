using PerfCluster.Core.Profiles;
using PerfCluster.Core.Scenarios;

namespace PerfCluster.Core.Tests.Profiles;

public class StageProfileSpecs
{
    // The guide's spike: 10 users for 10 s, a jump to 300, hold 60 s, drop back to 10, hold 50 s.
    private static readonly Stage[] Spike =
    [
        new(TimeSpan.Zero, 10), new(TimeSpan.FromSeconds(10), 10),
        new(TimeSpan.Zero, 300), new(TimeSpan.FromSeconds(60), 300),
        new(TimeSpan.Zero, 10), new(TimeSpan.FromSeconds(50), 10),
    ];

    [Theory]
    [InlineData(0, 10)]
    [InlineData(9.9, 10)]
    [InlineData(10, 300)]
    [InlineData(69.9, 300)]
    [InlineData(70, 10)]
    [InlineData(119, 10)]
    public void Should_jump_hold_and_drop_for_a_spike(double seconds, int users)
    {
        var profile = new ClosedProfile(300, TimeSpan.Zero, TimeSpan.FromSeconds(120)) { Stages = Spike };

        Assert.Equal(users, profile.UsersAt(TimeSpan.FromSeconds(seconds)));
    }

    [Fact]
    public void Should_ramp_linearly_between_stage_targets()
    {
        Stage[] stages = [new(TimeSpan.FromSeconds(10), 100), new(TimeSpan.FromSeconds(10), 50)];

        Assert.Equal(50, StageProfile.ValueAt(stages, 0, TimeSpan.FromSeconds(5)), 9);
        Assert.Equal(75, StageProfile.ValueAt(stages, 0, TimeSpan.FromSeconds(15)), 9);
        Assert.Equal(50, StageProfile.ValueAt(stages, 0, TimeSpan.FromSeconds(30)), 9);
    }

    [Fact]
    public void Should_invert_the_area_it_integrates()
    {
        Stage[] stages = [new(TimeSpan.FromSeconds(4), 40), new(TimeSpan.FromSeconds(3), 10), new(TimeSpan.FromSeconds(2), 10)];
        for (var t = 0.0; t < 9; t += 0.37)
        {
            var area = StageProfile.AreaUntil(stages, 5, TimeSpan.FromSeconds(t));
            Assert.Equal(t, StageProfile.TimeOfArea(stages, 5, area)!.Value.TotalSeconds, 6);
        }
    }

    [Fact]
    public void Should_say_never_when_the_area_is_out_of_reach()
    {
        Stage[] stages = [new(TimeSpan.FromSeconds(2), 0)];

        Assert.Null(StageProfile.TimeOfArea(stages, 10, 100));
    }
}
