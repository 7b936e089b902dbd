using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using PerfCluster.Target;

namespace PerfCluster.Tests.Cluster;

/// <summary>
/// Real processes on loopback: a coordinator (perfcluster run --workers N) and its worker processes,
/// against the demo target. Totals stay exact across processes; workers that are killed, stopped or
/// added mid-run are handled and reported.
/// </summary>
public partial class ClusterEndToEndSpecs
{
    private const int Users = 6;

    private static string Scenario(Uri target, string duration) => $$"""
        name = "cluster"
        target = "{{target}}"
        concurrent-users = {{Users}}
        duration = {{duration}}
        think-time = 20ms
        endpoints = [ "/api/v1/projects", "/api/v1/tasks" ]
        thresholds = [ "p95 < 2s" ]
        """;

    private static JsonElement Report(string dir) =>
        ReportFiles.Read(dir);

    private static JsonElement LoadTest(string dir) => Report(dir).GetProperty("load_tests").GetProperty("cluster");

    private static List<string> Notes(string dir) =>
        Report(dir).GetProperty("notes").EnumerateArray().Select(n => n.GetString()!).ToList();

    /// <summary>Active users in the fully covered windows at the end of the run (the last, partial one excluded).</summary>
    private static List<int> TailUsers(JsonElement test, int windows) =>
        test.GetProperty("timeline").EnumerateArray().Select(w => w.GetProperty("active_users").GetInt32())
            .SkipLast(1).TakeLast(windows).ToList();

    /// <summary>The worker processes a <c>perfcluster run --workers N</c> started.</summary>
    internal static List<int> WorkerPids(int coordinatorPid)
    {
        using var pgrep = Process.Start(new ProcessStartInfo("pgrep", ["-P", coordinatorPid.ToString()]) { RedirectStandardOutput = true })!;
        var pids = pgrep.StandardOutput.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).ToList();
        pgrep.WaitForExit();
        return pids.Where(p => File.Exists($"/proc/{p}/cmdline") && File.ReadAllText($"/proc/{p}/cmdline").Contains("worker")).ToList();
    }

    private static void Signal(int pid, string signal)
    {
        using var kill = Process.Start("kill", ["-" + signal, pid.ToString()]);
        kill!.WaitForExit();
    }

    /// <summary>Alive and not a zombie waiting to be reaped.</summary>
    private static bool IsAlive(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)] != 'Z';
        }
        catch (IOException)
        {
            return false;
        }
    }

    [GeneratedRegex(@"through (127\.0\.0\.1:\d+)")]
    private static partial Regex SeedLine();

    [Fact]
    public async Task Should_split_the_load_over_worker_processes_and_count_exactly()
    {
        await using var target = await DemoTarget.StartAsync(new DemoTargetOptions(0, TimeSpan.FromMilliseconds(5), TimeSpan.Zero));
        using var dir = new TempDirectory();
        var file = dir.File("cluster.conf", Scenario(target.BaseUrl, "4s"));

        var (code, stdout, stderr) = await CliProcess.RunAsync(TimeSpan.FromSeconds(90), "run", file, "--workers", "2", "--out", dir.Sub("out"));

        Assert.True(code == 0, $"exit {code}\n{stdout}\n{stderr}");
        Assert.Contains("started on 2 worker(s)", stdout);
        var test = LoadTest(dir.Sub("out"));
        Assert.Equal(target.TotalServed, test.GetProperty("requests").GetInt64());
        var workers = test.GetProperty("workers").EnumerateArray().ToList();
        Assert.Equal(2, workers.Count);
        Assert.All(workers, w => Assert.True(w.GetProperty("requests").GetInt64() > 0));
        Assert.Equal(test.GetProperty("requests").GetInt64(), workers.Sum(w => w.GetProperty("requests").GetInt64()));
        Assert.Empty(WorkerPids(Environment.ProcessId));
    }

    [Fact]
    public async Task Should_resplit_the_share_of_a_killed_worker_and_report_the_loss()
    {
        await using var target = await DemoTarget.StartAsync(new DemoTargetOptions(0, TimeSpan.FromMilliseconds(5), TimeSpan.Zero));
        using var dir = new TempDirectory();
        var file = dir.File("cluster.conf", Scenario(target.BaseUrl, "30s"));
        using var run = CliProcess.Start("run", file, "--workers", "3", "--out", dir.Sub("out"));

        await run.WaitForOutputAsync("started on 3 worker(s)", TimeSpan.FromSeconds(40));
        await Task.Delay(TimeSpan.FromSeconds(4));
        var victim = WorkerPids(run.Pid).First();
        Signal(victim, "KILL");
        var code = await run.WaitAsync(TimeSpan.FromSeconds(90));

        Assert.True(code == 0, $"exit {code}\n{run.Stdout}\n{run.Stderr}");
        var test = LoadTest(dir.Sub("out"));
        var notes = Notes(dir.Sub("out"));
        Assert.Contains(notes, n => n.Contains("was lost") && n.Contains("re-split over 2 worker(s)"));
        Assert.Contains(notes, n => n.Contains("never reported"));
        // After the re-split the survivors run all the users again.
        Assert.All(TailUsers(test, 5), u => Assert.Equal(Users, u));
        // What the killed worker sent but never flushed is bounded by about one second of its load.
        var reported = test.GetProperty("requests").GetInt64();
        var lost = test.GetProperty("workers").EnumerateArray().OrderBy(w => w.GetProperty("last_second").GetInt64()).First();
        var lostRate = lost.GetProperty("requests").GetInt64() / (double)(lost.GetProperty("last_second").GetInt64() + 1);
        Assert.InRange(target.TotalServed - reported, 0, 2 * lostRate + 10);
    }

    [Fact]
    public async Task Should_hand_back_the_share_of_a_worker_stopped_with_SIGTERM_without_losing_a_request()
    {
        await using var target = await DemoTarget.StartAsync(new DemoTargetOptions(0, TimeSpan.FromMilliseconds(5), TimeSpan.Zero));
        using var dir = new TempDirectory();
        var file = dir.File("cluster.conf", Scenario(target.BaseUrl, "12s"));
        using var run = CliProcess.Start("run", file, "--workers", "2", "--out", dir.Sub("out"));

        await run.WaitForOutputAsync("started on 2 worker(s)", TimeSpan.FromSeconds(40));
        await Task.Delay(TimeSpan.FromSeconds(3));
        Signal(WorkerPids(run.Pid).First(), "TERM");
        var code = await run.WaitAsync(TimeSpan.FromSeconds(60));

        Assert.True(code == 0, $"exit {code}\n{run.Stdout}\n{run.Stderr}");
        var test = LoadTest(dir.Sub("out"));
        Assert.Equal(target.TotalServed, test.GetProperty("requests").GetInt64());
        Assert.Contains(Notes(dir.Sub("out")), n => n.Contains("left") && n.Contains("handed its share back"));
        Assert.All(TailUsers(test, 4), u => Assert.Equal(Users, u));
    }

    [Fact]
    public async Task Should_give_a_worker_that_joins_mid_run_a_share_at_once()
    {
        await using var target = await DemoTarget.StartAsync(new DemoTargetOptions(0, TimeSpan.FromMilliseconds(5), TimeSpan.Zero));
        using var dir = new TempDirectory();
        var file = dir.File("cluster.conf", Scenario(target.BaseUrl, "14s"));
        using var run = CliProcess.Start("run", file, "--workers", "1", "--out", dir.Sub("out"));

        await run.WaitForOutputAsync("started on 1 worker(s)", TimeSpan.FromSeconds(40));
        var seed = SeedLine().Match(run.Stdout).Groups[1].Value;
        using var joiner = CliProcess.Start("worker", "--seed", seed);
        await joiner.WaitForOutputAsync("Worker ready", TimeSpan.FromSeconds(30));
        var code = await run.WaitAsync(TimeSpan.FromSeconds(60));
        joiner.Signal("TERM");
        var joinerCode = await joiner.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.True(code == 0, $"exit {code}\n{run.Stdout}\n{run.Stderr}");
        Assert.Equal(0, joinerCode);
        var test = LoadTest(dir.Sub("out"));
        Assert.Equal(target.TotalServed, test.GetProperty("requests").GetInt64());
        Assert.Contains(Notes(dir.Sub("out")), n => n.Contains("joined") && n.Contains("re-split over 2 workers"));
        var workers = test.GetProperty("workers").EnumerateArray().ToList();
        Assert.Equal(2, workers.Count);
        Assert.All(workers, w => Assert.True(w.GetProperty("requests").GetInt64() > 0, w.ToString()));
        Assert.All(TailUsers(test, 3), u => Assert.Equal(Users, u));
    }

    [Fact]
    public async Task Should_stop_the_load_of_a_worker_whose_coordinator_died()
    {
        await using var target = await DemoTarget.StartAsync(new DemoTargetOptions(0, TimeSpan.FromMilliseconds(5), TimeSpan.Zero));
        using var dir = new TempDirectory();
        var file = dir.File("cluster.conf", Scenario(target.BaseUrl, "60s"));
        using var run = CliProcess.Start("run", file, "--workers", "1", "--out", dir.Sub("out"));
        await run.WaitForOutputAsync("started on 1 worker(s)", TimeSpan.FromSeconds(40));
        await Task.Delay(TimeSpan.FromSeconds(2));
        var worker = Assert.Single(WorkerPids(run.Pid));

        Signal(run.Pid, "KILL");
        await Task.Delay(TimeSpan.FromSeconds(9));
        var afterDetection = target.TotalServed;
        await Task.Delay(TimeSpan.FromSeconds(3));

        Assert.True(afterDetection > 0);
        Assert.Equal(afterDetection, target.TotalServed);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (IsAlive(worker) && DateTime.UtcNow < deadline) await Task.Delay(500);
        var stillAlive = IsAlive(worker);
        if (stillAlive) Signal(worker, "KILL");
        Assert.False(stillAlive, "the orphaned worker should leave and exit by itself");
    }
}
