using System.Diagnostics;
using Akka.Actor;
using Akka.TestKit.Xunit2;
using PerfCluster.Core.Scenarios;
using PerfCluster.Engine.Drivers;
using PerfCluster.Engine.Workers;

namespace PerfCluster.Engine.Tests.Workers;

/// <summary>A block of users on its own, driven by a driver that only counts requests.</summary>
public class UserGroupSpecs : TestKit
{
    private sealed class CountingDriver : IRequestDriver
    {
        private long _requests;
        private readonly HashSet<int> _endpoints = [];

        public long Requests => Interlocked.Read(ref _requests);

        public Task<bool> ExecuteAsync(int endpoint, long? intendedStart, CancellationToken stop)
        {
            Interlocked.Increment(ref _requests);
            lock (_endpoints) _endpoints.Add(endpoint);
            return Task.FromResult(true);
        }

        public void Dispose() { }
    }

    private static ShareControl Context(IRequestDriver driver, TimeSpan think, TimeSpan runFor) => new(
        new ScenarioDefinition
        {
            Name = "group",
            Target = new Uri("http://127.0.0.1:1"),
            Load = new ClosedLoad(2000, runFor, TimeSpan.Zero, new ThinkTime(think, TimeSpan.Zero), TimeSpan.Zero),
            Endpoints = [new EndpointDefinition { Name = "a", Path = "/a" }],
        },
        driver,
        Stopwatch.GetTimestamp() + (long)(runFor.TotalSeconds * Stopwatch.Frequency),
        CancellationToken.None);

    [Fact]
    public void Should_run_exactly_the_users_of_its_block_inside_the_range()
    {
        var driver = new CountingDriver();
        var share = Context(driver, TimeSpan.FromHours(1), TimeSpan.FromMinutes(1));
        var group = Sys.ActorOf(UserGroup.Props(share, block: 1));   // indices 1024..2047

        group.Tell(new UserGroup.RunRange(1000, 1100));

        AwaitCondition(() => share.LiveUsers == 76 && driver.Requests == 76, TimeSpan.FromSeconds(5));
    }

    [Fact]
    public void Should_stop_users_that_think_at_once_when_the_range_shrinks()
    {
        var driver = new CountingDriver();
        var share = Context(driver, TimeSpan.FromHours(1), TimeSpan.FromMinutes(1));
        var group = Sys.ActorOf(UserGroup.Props(share, block: 0));
        group.Tell(new UserGroup.RunRange(0, 500));
        AwaitCondition(() => driver.Requests == 500, TimeSpan.FromSeconds(5));

        group.Tell(new UserGroup.RunRange(0, 100));

        // The stopped users were asleep for an hour: the group's wake signal ends their pause.
        AwaitCondition(() => share.LiveUsers == 100, TimeSpan.FromSeconds(5));
        Assert.Equal(500, driver.Requests);   // the 100 still wanted went back to sleep, nobody sent again
    }

    [Fact]
    public void Should_keep_a_user_whose_index_comes_back_before_its_loop_ended()
    {
        var driver = new CountingDriver();
        var share = Context(driver, TimeSpan.FromMilliseconds(20), TimeSpan.FromMinutes(1));
        var group = Sys.ActorOf(UserGroup.Props(share, block: 0));
        group.Tell(new UserGroup.RunRange(0, 10));
        AwaitCondition(() => share.LiveUsers == 10, TimeSpan.FromSeconds(5));

        group.Tell(new UserGroup.RunRange(0, 0));
        group.Tell(new UserGroup.RunRange(0, 10));

        // Resumed or restarted, never both: exactly ten loops remain and they keep sending.
        var before = driver.Requests;
        AwaitCondition(() => driver.Requests > before + 50, TimeSpan.FromSeconds(5));
        Assert.Equal(10, share.LiveUsers);
    }

    [Fact]
    public void Should_end_every_loop_on_stop_all_and_count_nobody_afterwards()
    {
        var driver = new CountingDriver();
        var share = Context(driver, TimeSpan.FromHours(1), TimeSpan.FromMinutes(1));
        var group = Sys.ActorOf(UserGroup.Props(share, block: 0));
        group.Tell(new UserGroup.RunRange(0, UserGroup.Size));
        // Every user sends its first request at once, then thinks for an hour; a loop counts as live a moment before
        // its request goes out, so wait for the requests themselves.
        AwaitCondition(() => share.LiveUsers == UserGroup.Size && driver.Requests == UserGroup.Size, TimeSpan.FromSeconds(10));

        group.Tell(UserGroup.StopAll.Instance);

        AwaitCondition(() => share.LiveUsers == 0, TimeSpan.FromSeconds(5));
        Assert.Equal(UserGroup.Size, driver.Requests);
    }

    [Fact]
    public void Should_not_start_a_request_once_the_share_is_over()
    {
        var driver = new CountingDriver();
        var share = Context(driver, TimeSpan.Zero, TimeSpan.FromMinutes(1));
        share.EndNow();
        var group = Sys.ActorOf(UserGroup.Props(share, block: 0));

        group.Tell(new UserGroup.RunRange(0, 50));

        AwaitCondition(() => share.LiveUsers == 0, TimeSpan.FromSeconds(5));
        Assert.Equal(0, driver.Requests);
    }
}
