using System.Net;
using System.Net.Sockets;

namespace PerfCluster.Tests.Api;

/// <summary><c>perfcluster cluster ...</c> and <c>perfcluster runs ...</c> against a live coordinator without workers.</summary>
[Collection(CoordinatorOnlyCollection.Name)]
public class ClientCliSpecs(CoordinatorOnlyFixture fixture)
{
    private CoordinatorProcess Coordinator => fixture.Coordinator;

    private const string Scenario = """
        name = "cli-test"
        target = "http://127.0.0.1:9"
        concurrent-users = 2
        duration = 2s
        """;

    [Fact]
    public async Task Should_show_the_coordinator_member_in_a_plain_table()
    {
        var (code, stdout, stderr) = await Coordinator.CliAsync("cluster", "show");

        Assert.True(code == 0, stderr);
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Matches(@"^ADDRESS\s+ROLES\s+STATUS\s+REACHABLE\s+SHARE$", lines[0]);
        Assert.Matches($@"^{Coordinator.ClusterAddress.Replace(".", @"\.")} \(leader\)\s+coordinator\s+up\s+yes\s+-$", lines[1]);
        Assert.Equal(2, lines.Length);
    }

    [Fact]
    public async Task Should_filter_members_by_role()
    {
        var (workers, workerOut, _) = await Coordinator.CliAsync("cluster", "show", "-r", "worker");
        var (coordinators, coordinatorOut, _) = await Coordinator.CliAsync("cluster", "show", "--role", "coordinator");

        Assert.Equal(0, workers);
        Assert.Contains("No member with role 'worker'.", workerOut);
        Assert.Equal(0, coordinators);
        Assert.Contains(Coordinator.ClusterAddress, coordinatorOut);
    }

    [Fact]
    public async Task Should_tail_member_events_until_interrupted()
    {
        using var tail = CliProcess.Start("cluster", "tail", "--coordinator", Coordinator.ApiText);
        await tail.WaitForOutputAsync($"up           {Coordinator.ClusterAddress}  [coordinator]  up", TimeSpan.FromSeconds(30));

        tail.Signal("INT");
        var code = await tail.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(0, code);
        Assert.Contains("Following member events", tail.Stdout);
    }

    [Fact]
    public async Task Should_refuse_to_leave_or_down_an_address_that_is_no_member()
    {
        var (leave, _, leaveErr) = await Coordinator.CliAsync("cluster", "leave", "akka.tcp://perfcluster@127.0.0.1:1");
        var (down, _, downErr) = await Coordinator.CliAsync("cluster", "down", "nonsense");

        Assert.Equal(2, leave);
        Assert.Contains("error: no cluster member at 'akka.tcp://perfcluster@127.0.0.1:1'", leaveErr);
        Assert.Equal(2, down);
        Assert.Contains("must be a cluster address", downErr);
    }

    [Fact]
    public async Task Should_say_when_no_member_is_unreachable()
    {
        var (code, stdout, _) = await Coordinator.CliAsync("cluster", "down-unreachable");

        Assert.Equal(0, code);
        Assert.Contains("No unreachable members.", stdout);
    }

    [Fact]
    public async Task Should_list_and_show_runs()
    {
        var id = await Coordinator.CreateRunAsync(Scenario, $"cli-{Guid.NewGuid():N}");
        await Coordinator.WaitForRunAsync(id, TimeSpan.FromSeconds(30));

        var (list, listOut, listErr) = await Coordinator.CliAsync("runs", "list");
        var (show, showOut, showErr) = await Coordinator.CliAsync("runs", "show", id);

        Assert.True(list == 0, listErr);
        var lines = listOut.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Matches(@"^ID\s+STATE\s+SCENARIOS\s+CREATED\s+PROGRESS$", lines[0]);
        Assert.Contains(lines, l => l.StartsWith(id) && l.Contains(" failed ") && l.Contains("cli-test") && l.Contains("workers"));
        Assert.True(show == 0, showErr);
        Assert.Contains($"Run:       {id}", showOut);
        Assert.Contains("State:     failed", showOut);
        Assert.Contains("Scenarios: cli-test", showOut);
        Assert.Contains("Error:     only 0 of the 1 workers", showOut);
    }

    [Fact]
    public async Task Should_stop_a_run_and_wait_until_it_is_interrupted()
    {
        var id = await Coordinator.CreateRunAsync(Scenario);

        var (code, stdout, stderr) = await Coordinator.CliAsync("runs", "stop", id);

        Assert.True(code == 0, stdout + stderr);
        Assert.Contains($"Stopping run {id}...", stdout);
        Assert.Contains($"Run {id}: interrupted (0 requests measured); stopped before start", stdout);
    }

    [Fact]
    public async Task Should_fail_with_exit_2_for_an_unknown_run()
    {
        var (show, _, showErr) = await Coordinator.CliAsync("runs", "show", "no-such-run");
        var (stop, _, stopErr) = await Coordinator.CliAsync("runs", "stop", "no-such-run");

        Assert.Equal(2, show);
        Assert.Contains("error: no run with id 'no-such-run'", showErr);
        Assert.Equal(2, stop);
        Assert.Contains("error: no run with id 'no-such-run'", stopErr);
    }

    private static int ClosedPort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    [Theory]
    [InlineData("cluster", "show")]
    [InlineData("cluster", "leave", "akka.tcp://perfcluster@127.0.0.1:1")]
    [InlineData("cluster", "down", "akka.tcp://perfcluster@127.0.0.1:1")]
    [InlineData("cluster", "down-unreachable")]
    [InlineData("cluster", "tail")]
    [InlineData("runs", "list")]
    [InlineData("runs", "show", "x")]
    [InlineData("runs", "stop", "x")]
    public async Task Should_exit_2_when_the_coordinator_cannot_be_reached(params string[] command)
    {
        var url = $"http://127.0.0.1:{ClosedPort()}";

        var (code, stdout, stderr) = await CliProcess.RunAsync(TimeSpan.FromSeconds(60), [.. command, "--coordinator", url]);

        Assert.True(code == 2, $"exit {code}\n{stdout}\n{stderr}");
        Assert.Contains($"error: cannot reach coordinator at {url}: connection refused", stderr);
        Assert.DoesNotMatch(@"\n\s+at [\w.]+\(", stderr);
    }

    [Fact]
    public async Task Should_refuse_a_coordinator_option_that_is_no_url()
    {
        var (code, _, stderr) = await CliProcess.RunAsync(TimeSpan.FromSeconds(60), "runs", "list", "--coordinator", "ftp://x");

        Assert.Equal(2, code);
        Assert.Contains("--coordinator must be an http(s) URL", stderr);
    }
}
