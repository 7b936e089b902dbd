using PerfCluster.Core.Coordination;

namespace PerfCluster.Core.Tests.Coordination;

public class CoordinatorWatchSpecs
{
    private static readonly DateTimeOffset T0 = DateTimeOffset.Parse("2026-11-26T12:00:00Z");
    private static readonly CoordinatorWatch Watch = new(TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(60));

    private static DateTimeOffset At(double seconds) => T0 + TimeSpan.FromSeconds(seconds);

    [Fact]
    public void Should_keep_the_load_while_the_coordinator_is_reachable()
    {
        Assert.Equal(CoordinatorVerdict.Keep, Watch.Reachable(0, At(0)).Decide(At(3600)));
    }

    [Fact]
    public void Should_stop_after_the_loss_grace_when_no_coordinator_node_is_reachable()
    {
        var lost = Watch.CoordinatorLost(At(0)).Reachable(0, At(0));

        Assert.Equal(CoordinatorVerdict.Keep, lost.Decide(At(1.9)));
        Assert.Equal(CoordinatorVerdict.Stop, lost.Decide(At(2)));
        Assert.Contains("coordinator-loss-grace", lost.StopReason(At(2)));
    }

    [Fact]
    public void Should_wait_for_a_takeover_while_another_coordinator_node_is_reachable()
    {
        var lost = Watch.CoordinatorLost(At(0)).Reachable(1, At(0));

        Assert.Equal(CoordinatorVerdict.Keep, lost.Decide(At(30)));
        Assert.Equal(CoordinatorVerdict.Stop, lost.Decide(At(60)));
        Assert.Contains("coordinator-takeover-timeout", lost.StopReason(At(60)));
    }

    [Fact]
    public void Should_count_the_loss_grace_from_when_the_last_coordinator_node_became_unreachable()
    {
        var lost = Watch.CoordinatorLost(At(0)).Reachable(1, At(0)).Reachable(0, At(10));

        Assert.Equal(CoordinatorVerdict.Keep, lost.Decide(At(11)));
        Assert.Equal(CoordinatorVerdict.Stop, lost.Decide(At(12)));
        // A coordinator node that comes back in time cancels the grace.
        Assert.Equal(CoordinatorVerdict.Keep, lost.Reachable(1, At(11)).Decide(At(13)));
    }

    [Fact]
    public void Should_start_over_once_a_coordinator_took_the_run_over()
    {
        var found = Watch.CoordinatorLost(At(0)).Reachable(0, At(0)).CoordinatorFound();

        Assert.False(found.Lost);
        Assert.Equal(CoordinatorVerdict.Keep, found.Decide(At(100)));
        Assert.Equal(At(200), found.CoordinatorLost(At(200)).LostSince);
    }

    [Fact]
    public void Should_keep_the_first_loss_instant_when_told_again()
    {
        var lost = Watch.CoordinatorLost(At(0)).CoordinatorLost(At(5));

        Assert.Equal(At(0), lost.LostSince);
    }
}
