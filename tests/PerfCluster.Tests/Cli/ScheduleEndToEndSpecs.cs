using System.Net;
using Akka.Actor;
using Akka.Configuration;
using Microsoft.Extensions.DependencyInjection;
using PerfCluster.Api;
using PerfCluster.Core.Schedules;
using PerfCluster.Engine.Persistence;
using PerfCluster.Target;
using PerfCluster.Engine.Stores;

namespace PerfCluster.Tests.Cli;

/// <summary>
/// <c>perfcluster schedule ...</c> as a user runs it (the real executable, a database of its own per test), and a
/// coordinator that finds a schedule due and runs it against the demo target through a real worker process.
/// </summary>
public class ScheduleEndToEndSpecs
{
    private static string Scenario(Uri target, string duration = "3s") => $$"""
        name = "gate"
        target = "{{target}}"
        concurrent-users = 4
        duration = {{duration}}
        ramp-up = 0s
        think-time = 0s
        endpoints = [ { name = projects, path = "/api/v1/projects" } ]
        """;

    private static Task<Gate.Result> Cli(TempDirectory dir, params string[] args) => Gate.RunAsync(Gate.Environment(dir.Sub("data")), args);

    /// <summary>A coordinator on the test's data directory that looks for due schedules every second.</summary>
    private static Task<CoordinatorServer> StartCoordinatorAsync(TempDirectory dir, TimeProvider? clock = null) =>
        CoordinatorServer.StartAsync(new CoordinatorServerOptions
        {
            ClusterHost = "127.0.0.1",
            ClusterPort = 0,
            Http = new IPEndPoint(IPAddress.Loopback, 0),
            HttpHost = "127.0.0.1",
            NodeConfig = ConfigurationFactory.ParseString("""
                perfcluster.schedules.check-interval = 1s
                perfcluster.run.worker-wait-timeout = 45s
                """),
            DataDir = dir.Sub("data"),
            ScheduleClock = clock,
        });

    /// <summary>The schedule's last run once it has ended (its outcome recorded).</summary>
    private static async Task<ScheduledRun> FinishedRunAsync(PerfClusterStore store, string schedule, CliProcess worker)
    {
        ScheduledRun? last = null;
        await PerfCluster.Tests.Api.WorkerProcess.WaitUntilAsync(async () =>
        {
            last = (await store.GetScheduleAsync(schedule))?.LastRun;
            return last is not null && last.Outcome != ScheduledRunOutcomes.Running;
        }, TimeSpan.FromSeconds(120), $"the run of schedule '{schedule}' did not finish; worker:\n{worker.Stdout}\n{worker.Stderr}");
        return last!;
    }

    [Fact]
    public async Task Should_add_list_show_next_disable_and_remove_a_schedule()
    {
        using var dir = new TempDirectory();
        var file = dir.File("nightly.conf", Scenario(new Uri("http://127.0.0.1:9/")));

        var add = await Cli(dir, "schedule", "add", "--cron", "0 2 * * *", file, "--timezone", "Europe/Berlin", "--baseline", "nightly", "--strict");
        var second = await Cli(dir, "schedule", "add", "--cron", "*/30 * * * *", file, "--name", "half-hourly");
        var list = await Cli(dir, "schedule", "list");
        var next = await Cli(dir, "schedule", "next", "nightly", "--count", "3");
        var disable = await Cli(dir, "schedule", "disable", "half-hourly");
        var listDisabled = await Cli(dir, "schedule", "list");
        var remove = await Cli(dir, "schedule", "remove", "half-hourly");
        var listAfter = await Cli(dir, "schedule", "list");

        Assert.True(add.ExitCode == 0, add.Output);
        Assert.Contains("Schedule 'nightly' added: \"0 2 * * *\" in Europe/Berlin, scenario nightly.conf (gate), compared with baseline 'nightly' (strict).", add.Stdout);
        Assert.Matches(@"Next run: \d{4}-\d\d-\d\d 02:00 \+0[12]:00 \(\d{4}-\d\d-\d\d 0[01]:00Z\)", add.Stdout);
        Assert.Contains("warning: there is no baseline named 'nightly'", add.Stderr);
        Assert.True(second.ExitCode == 0, second.Output);
        Assert.True(list.ExitCode == 0, list.Output);
        var lines = list.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("NAME", lines[0]);
        Assert.Contains("NEXT RUN (LOCAL)", lines[0]);
        Assert.Contains("NEXT RUN (UTC)", lines[0]);
        Assert.Matches(@"^half-hourly\s+\*/30 \* \* \* \*\s+UTC\s+yes\s+\d{4}-\d\d-\d\d \d\d:[03]0 \+00:00\s+\d{4}-\d\d-\d\d \d\d:[03]0Z\s+-\s+-\s+-", lines[1]);
        Assert.Matches(@"^nightly\s+0 2 \* \* \*\s+Europe/Berlin\s+yes\s+\d{4}-\d\d-\d\d 02:00 \+0[12]:00\s+.*nightly \(strict\)", lines[2]);
        Assert.True(next.ExitCode == 0, next.Output);
        var occurrences = next.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).ToList();
        Assert.Equal(3, occurrences.Count);
        Assert.All(occurrences, o => Assert.Matches(@"^  \d{4}-\d\d-\d\d 02:00 \+0[12]:00 \(\d{4}-\d\d-\d\d 0[01]:00Z\)", o));
        Assert.True(disable.ExitCode == 0, disable.Output);
        Assert.Matches(@"half-hourly\s+\*/30 \* \* \* \*\s+UTC\s+no\s+-\s+-", listDisabled.Stdout);
        Assert.True(remove.ExitCode == 0, remove.Output);
        Assert.Contains("Removed schedule 'half-hourly'.", remove.Stdout);
        Assert.DoesNotContain("half-hourly", listAfter.Stdout);
        Assert.Contains("nightly", listAfter.Stdout);
    }

    [Fact]
    public async Task Should_exit_2_with_a_clear_message_for_bad_input()
    {
        using var dir = new TempDirectory();
        var file = dir.File("nightly.conf", Scenario(new Uri("http://127.0.0.1:9/")));
        var broken = dir.File("broken.conf", "name = \"x\"\nendpoints = [ {\n");

        var fields = await Cli(dir, "schedule", "add", "--cron", "0 2 * *", file);
        var range = await Cli(dir, "schedule", "add", "--cron", "0 24 * * *", file);
        var zone = await Cli(dir, "schedule", "add", "--cron", "0 2 * * *", file, "--timezone", "Europe/Atlantis");
        var missing = await Cli(dir, "schedule", "add", "--cron", "0 2 * * *", dir.Sub("missing.conf"));
        var unreadable = await Cli(dir, "schedule", "add", "--cron", "0 2 * * *", broken);
        var hook = await Cli(dir, "schedule", "add", "--cron", "0 2 * * *", file, "--webhook", "ftp://example/hook");
        await Cli(dir, "schedule", "add", "--cron", "0 2 * * *", file);
        var taken = await Cli(dir, "schedule", "add", "--cron", "0 3 * * *", file);
        var remove = await Cli(dir, "schedule", "remove", "nope");
        var enable = await Cli(dir, "schedule", "enable", "nope");
        var next = await Cli(dir, "schedule", "next", "nightly", "--count", "0");
        var list = await Cli(dir, "schedule", "list");

        Assert.Equal(2, fields.ExitCode);
        Assert.Contains("error: cron expression \"0 2 * *\" has 4 field(s); expected 5: minute hour day-of-month month day-of-week", fields.Stderr);
        Assert.Equal(2, range.ExitCode);
        Assert.Contains("error: cron expression \"0 24 * * *\" is not valid", range.Stderr);
        Assert.Equal(2, zone.ExitCode);
        Assert.Contains("error: unknown time zone 'Europe/Atlantis'", zone.Stderr);
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("missing.conf' not found", missing.Stderr);
        Assert.Equal(2, unreadable.ExitCode);
        Assert.Contains("broken.conf", unreadable.Stderr);
        Assert.Equal(2, hook.ExitCode);
        Assert.Contains("error: webhook 'ftp://example/hook' is not an absolute http:// or https:// URL", hook.Stderr);
        Assert.Equal(2, taken.ExitCode);
        Assert.Contains("a schedule named 'nightly' already exists", taken.Stderr);
        Assert.Equal(2, remove.ExitCode);
        Assert.Contains("error: no schedule named 'nope'", remove.Stderr);
        Assert.Equal(2, enable.ExitCode);
        Assert.Equal(2, next.ExitCode);
        Assert.Contains("--count must be between 1 and 1000", next.Stderr);
        // Nothing bad was stored: only the one good schedule.
        Assert.Single(list.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1));
    }

    [Fact]
    public async Task Should_run_a_schedule_once_on_request_even_when_disabled()
    {
        await using var target = await DemoTarget.StartAsync(new DemoTargetOptions(0, TimeSpan.FromMilliseconds(2), TimeSpan.Zero));
        using var dir = new TempDirectory();
        // New Year's Day at 03:00: never due while this test runs.
        var add = await Cli(dir, "schedule", "add", "--cron", "0 3 1 1 *", dir.File("yearly.conf", Scenario(target.BaseUrl, "2s")));
        var disable = await Cli(dir, "schedule", "disable", "yearly");
        var request = await Cli(dir, "schedule", "run-now", "yearly");
        var listed = await Cli(dir, "schedule", "list");
        var unknown = await Cli(dir, "schedule", "run-now", "nope");
        Assert.True(add.ExitCode == 0 && disable.ExitCode == 0, add.Output + disable.Output);
        Assert.True(request.ExitCode == 0, request.Output);
        Assert.Contains("Run of schedule 'yearly' requested", request.Stdout);
        Assert.Matches(@"yearly\s+0 3 1 1 \*\s+UTC\s+no\s+run-now requested", listed.Stdout);
        Assert.Equal(2, unknown.ExitCode);
        Assert.Contains("no schedule named 'nope'", unknown.Stderr);
        var served = target.TotalServed;

        await using (var server = await StartCoordinatorAsync(dir))
        {
            using var worker = CliProcess.Start("worker", "--seed", server.ClusterAddress["akka.tcp://perfcluster@".Length..]);
            await using var store = PerfClusterStore.Attach(server.Services.GetRequiredService<ActorSystem>());

            var last = await FinishedRunAsync(store, "yearly", worker);

            Assert.True(last.Outcome == ScheduledRunOutcomes.Passed, $"{last.Outcome}: {last.Detail}");
            Assert.True(target.TotalServed - served > 10, $"the target served {target.TotalServed - served} requests");
            Assert.Null((await store.GetScheduleAsync("yearly"))!.RunRequestedAt);
            // Once per request: later checks start nothing more.
            await Task.Delay(TimeSpan.FromSeconds(2.5));
            Assert.Single(server.Services.GetRequiredService<RunRegistry>().All(), r => r.Id.StartsWith("sched-", StringComparison.Ordinal));
            await server.StopAsync();
        }
    }

    /// <summary>
    /// The CLI writes the schedule book while the coordinator's scheduler reads it every second and records a run in it:
    /// every schedule added is there, the run's start and outcome are recorded, and no command sees a store error.
    /// </summary>
    [Fact]
    public async Task Should_keep_every_cli_write_and_every_scheduler_write_on_the_same_journal()
    {
        await using var target = await DemoTarget.StartAsync(new DemoTargetOptions(0, TimeSpan.FromMilliseconds(2), TimeSpan.Zero));
        using var dir = new TempDirectory();
        var scenario = dir.File("busy.conf", Scenario(target.BaseUrl, "4s"));
        var add = await Cli(dir, "schedule", "add", "--cron", "0 3 1 1 *", scenario);
        Assert.True(add.ExitCode == 0, add.Output);

        await using var server = await StartCoordinatorAsync(dir);
        using var worker = CliProcess.Start("worker", "--seed", server.ClusterAddress["akka.tcp://perfcluster@".Length..]);
        await worker.WaitForOutputAsync("Worker ready", TimeSpan.FromSeconds(60));
        await using var store = PerfClusterStore.Attach(server.Services.GetRequiredService<ActorSystem>());
        var request = await Cli(dir, "schedule", "run-now", "busy");
        Assert.True(request.ExitCode == 0, request.Output);
        await PerfCluster.Tests.Api.WorkerProcess.WaitUntilAsync(async () => (await store.GetScheduleAsync("busy"))?.LastRun is not null,
            TimeSpan.FromSeconds(30), "the scheduled run did not start");

        // While the run goes (and the scheduler records it), five CLI processes add schedules at once.
        var adds = await Task.WhenAll(Enumerable.Range(1, 5).Select(i =>
            Cli(dir, "schedule", "add", "--cron", "0 3 1 1 *", "--name", $"added-{i}", scenario)));
        var last = await FinishedRunAsync(store, "busy", worker);

        Assert.All(adds, a => Assert.True(a.ExitCode == 0 && !a.Stderr.Contains("warning") && !a.Stderr.Contains("error"), a.Output));
        Assert.True(last.Outcome == ScheduledRunOutcomes.Passed, $"{last.Outcome}: {last.Detail}");
        var names = (await store.ListSchedulesAsync()).Select(e => e.Definition.Name).ToList();
        Assert.Equal(["added-1", "added-2", "added-3", "added-4", "added-5", "busy"], names.Order());
        await server.StopAsync();
    }

    /// <summary>The coordinator's clock is a day ahead, so the schedule's 03:00 occurrence is due at its first check.</summary>
    private sealed class DayAheadClock : TimeProvider
    {
        public static readonly TimeSpan Ahead = TimeSpan.FromDays(1);
        public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + Ahead;
    }

    [Fact]
    public async Task Should_run_a_due_schedule_on_the_coordinator_and_record_its_failed_gate()
    {
        // The baseline is taken against a fast target; the scheduled scenario hits a slow one, so its gate must fail.
        await using var fast = await DemoTarget.StartAsync(new DemoTargetOptions(0, TimeSpan.FromMilliseconds(2), TimeSpan.Zero));
        await using var slow = await DemoTarget.StartAsync(new DemoTargetOptions(0, TimeSpan.FromMilliseconds(60), TimeSpan.Zero));
        using var hook = new WebhookReceiver();
        using var dir = new TempDirectory();
        var baseline = await Cli(dir, "baseline", dir.File("fast.conf", Scenario(fast.BaseUrl)), "--name", "nightly", "--out", dir.Sub("baseline-run"));
        Assert.True(baseline.ExitCode == 0, baseline.Output);
        var add = await Cli(dir, "schedule", "add", "--cron", "0 3 * * *", dir.File("nightly.conf", Scenario(slow.BaseUrl)), "--baseline", "nightly",
            "--webhook", hook.Url.ToString());
        Assert.True(add.ExitCode == 0, add.Output);
        Assert.Contains($"failures posted to {hook.Url}", add.Stdout);
        var served = slow.TotalServed;

        await using (var server = await StartCoordinatorAsync(dir, new DayAheadClock()))
        {
            using var worker = CliProcess.Start("worker", "--seed", server.ClusterAddress["akka.tcp://perfcluster@".Length..]);
            await using var store = PerfClusterStore.Attach(server.Services.GetRequiredService<ActorSystem>());

            var last = await FinishedRunAsync(store, "nightly", worker);

            Assert.True(last.Outcome == ScheduledRunOutcomes.Regressed, $"{last.Outcome}: {last.Detail}");
            Assert.StartsWith("sched-nightly-", last.RunId);
            Assert.Contains("latency_p95", last.Detail);
            Assert.Contains("baseline 'nightly' v1", last.Detail);
            Assert.NotNull(last.FinishedAt);
            // The run went through the coordinator's run launcher, against the target, and into the run history.
            var run = server.Services.GetRequiredService<RunRegistry>().Find(last.RunId);
            Assert.Equal(RunState.Completed, run!.State);
            Assert.True(slow.TotalServed - served > 10, $"the target served {slow.TotalServed - served} requests");
            var history = (await store.GetHistoryAsync()).Single(h => h.RunId == last.RunId);
            Assert.Equal(("fail", "nightly"), (history.RegressionOutcome, history.BaselineName));
            // The failed gate was posted to the schedule's webhook.
            await PerfCluster.Tests.Api.WorkerProcess.WaitUntilAsync(() => Task.FromResult(hook.Received.Count > 0),
                TimeSpan.FromSeconds(15), "the webhook received nothing");
            var posted = Assert.Single(hook.Received);
            Assert.Equal(("scheduled_run_failed", "nightly", last.RunId, "regressed"),
                (posted.GetProperty("kind").GetString(), posted.GetProperty("schedule").GetString(),
                 posted.GetProperty("run_id").GetString(), posted.GetProperty("outcome").GetString()));
            Assert.Contains("latency_p95", posted.GetProperty("detail").GetString());
            Assert.Equal($"/api/runs/{last.RunId}/report", posted.GetProperty("report").GetString());
            // Recorded when it started, so the next checks do not start it again.
            await Task.Delay(TimeSpan.FromSeconds(2.5));
            Assert.Single(server.Services.GetRequiredService<RunRegistry>().All(), r => r.Id.StartsWith("sched-", StringComparison.Ordinal));
            await server.StopAsync();
        }

        var list = await Cli(dir, "schedule", "list");
        Assert.True(list.ExitCode == 0, list.Output);
        Assert.Matches(@"nightly\s+0 3 \* \* \*\s+UTC\s+yes\s+.*sched-nightly-\S+\s+regressed\s+nightly", list.Stdout);
        Assert.Contains("nightly: last run sched-nightly-", list.Stdout);
        Assert.Matches(@"regressed: gate: .*latency_p95 \+\d+", list.Stdout);
    }
}
