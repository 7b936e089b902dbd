using PerfCluster.Core.Scenarios;

namespace PerfCluster.Core.Tests.Scenarios;

public class TargetAllowListSpecs
{
    [Theory]
    [InlineData("127.0.0.1", true)]
    [InlineData("127.5.6.7", true)]
    [InlineData("localhost", true)]
    [InlineData("[::1]", true)]
    [InlineData("10.0.0.5", false)]
    [InlineData("example.com", false)]
    [InlineData("169.254.169.254", false)]
    public void Should_allow_only_loopback_by_default(string host, bool allowed) =>
        Assert.Equal(allowed, TargetAllowList.LoopbackOnly.Allows(host));

    [Theory]
    [InlineData("api.staging.internal", true)]
    [InlineData("API.Staging.Internal.", true)]
    [InlineData("other.staging.internal", false)]
    [InlineData("10.20.3.4", true)]
    [InlineData("10.21.0.1", false)]
    [InlineData("192.168.1.9", true)]
    [InlineData("192.168.1.10", false)]
    public void Should_allow_the_hosts_addresses_and_networks_of_the_configuration(string host, bool allowed)
    {
        var list = new TargetAllowList(["api.staging.internal", "10.20.0.0/16", "192.168.1.9"]);

        Assert.Equal(allowed, list.Allows(host));
    }

    [Theory]
    [InlineData("10.0.0.0/99")]
    [InlineData("not a host!")]
    public void Should_refuse_an_entry_it_cannot_read(string entry) =>
        Assert.Throws<FormatException>(() => new TargetAllowList([entry]));

    [Theory]
    [InlineData("127.0.0.1", true)]
    [InlineData("localhost", true)]
    [InlineData("10.0.0.5", false)]
    public void Should_let_a_worker_with_an_empty_list_send_load_to_loopback_only(string host, bool allowed)
    {
        var list = TargetAllowList.ForWorker(["", " "]);

        Assert.Equal(allowed, list.Allows(host));
        Assert.True(list.OnlyLoopback);
    }

    [Theory]
    [InlineData("10.20.3.4", true)]
    [InlineData("api.staging.internal", true)]
    [InlineData("127.0.0.1", false)]
    [InlineData("localhost", false)]
    [InlineData("203.0.113.7", false)]
    public void Should_let_a_worker_with_a_list_send_load_only_where_it_says(string host, bool allowed)
    {
        var list = TargetAllowList.ForWorker(["10.20.0.0/16", "api.staging.internal"]);

        Assert.Equal(allowed, list.Allows(host));
        Assert.False(list.OnlyLoopback);
    }

    [Fact]
    public void Should_let_a_worker_allow_any_target_with_a_star()
    {
        var list = TargetAllowList.ForWorker(["*"]);

        Assert.True(list.Allows("203.0.113.7"));
        Assert.True(list.AllowsAny);
        var error = Assert.Throws<FormatException>(() => TargetAllowList.ForWorker(["10.0.0.0/99"]));
        Assert.StartsWith(TargetAllowList.WorkerSetting, error.Message);
    }

    [Fact]
    public void Should_list_the_hosts_a_plan_sends_requests_to()
    {
        var plan = ScenarioLoader.LoadText("""
            scenarios = [
              { name = a, target = "http://127.0.0.1:8000", concurrent-users = 1, duration = 1s }
              { name = b, target = "http://api.staging.internal", concurrent-users = 1, duration = 1s }
              { name = c, target = "http://API.staging.internal:81", concurrent-users = 1, duration = 1s }
            ]
            """, "t.conf");

        Assert.Equal(["127.0.0.1", "api.staging.internal"], TargetAllowList.HostsOf(plan));
        Assert.Equal("scenario 'b' targets api.staging.internal, which this worker does not send load to; allowed are loopback only, as " +
                     $"{TargetAllowList.WorkerSetting} is empty", TargetAllowList.ForWorker([]).Refusal(plan));
    }

    [Fact]
    public void Should_name_the_scenario_and_host_a_plan_may_not_reach()
    {
        var plan = ScenarioLoader.LoadText("""
            scenarios = [
              { name = local, target = "http://127.0.0.1:8000", concurrent-users = 1, duration = 1s }
              { name = away, target = "http://203.0.113.7", concurrent-users = 1, duration = 1s }
            ]
            """, "t.conf");

        var refusal = TargetAllowList.LoopbackOnly.Refusal(plan);

        Assert.StartsWith("scenario 'away' targets 203.0.113.7", refusal);
        Assert.Null(new TargetAllowList(["203.0.113.0/24"]).Refusal(plan));
    }
}
