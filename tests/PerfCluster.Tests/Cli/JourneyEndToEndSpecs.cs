using System.Diagnostics;
using System.Text.Json;
using System.Xml.Linq;
using PerfCluster.Target;
using PerfCluster.Tests.Deploy;

namespace PerfCluster.Tests.Cli;

/// <summary>
/// The shipped shop journey (hocon/scenarios/journey.conf with hocon/data/users.csv) run for real against the demo
/// target's shop, in one process and over worker processes: the report's per-step counts are what the shop served,
/// no account logs in twice, and every task created carries its user's name.
/// </summary>
public sealed class JourneyEndToEndSpecs
{
    private static string JourneyFile => Path.Combine(DeployFiles.Root, "hocon", "scenarios", "journey.conf");

    private static void AssertShopTruth(ShopApi shop, JsonElement test)
    {
        var steps = test.GetProperty("endpoints");
        foreach (var step in new[] { ShopApi.Login, ShopApi.Projects, ShopApi.CreateTask, ShopApi.GetTask })
            Assert.Equal(shop.Steps.GetValueOrDefault(step), steps.GetProperty(step).GetProperty("requests").GetInt64());
        Assert.All(shop.Users, u => Assert.True(u.Value.GetValueOrDefault(ShopApi.Login) <= 1, $"{u.Key} logged in {u.Value[ShopApi.Login]} times"));
        Assert.All(shop.Titles, t => Assert.All(t.Value, title => Assert.Contains(t.Key, title)));
    }

    [Fact]
    public async Task Should_run_the_shop_journey_with_exact_per_step_counts_unique_accounts_and_checks()
    {
        await using var target = await DemoTarget.StartAsync(new DemoTargetOptions(0, TimeSpan.FromMilliseconds(2), TimeSpan.Zero));
        using var dir = new TempDirectory();
        var (code, stdout, stderr) = await CliProcess.RunAsync(TimeSpan.FromSeconds(90),
            "run", JourneyFile, "--target", target.BaseUrl.ToString(), "--duration", "4s", "--users", "12", "--out", dir.Sub("out"));

        Assert.True(code == 0, $"exit {code}\n{stdout}\n{stderr}");
        Assert.Matches(@"\| iterations \d+ \(0 failed\) \| checks 100", stdout);   // the live line
        var test = ReportFiles.Read(dir.Sub("out")).GetProperty("load_tests").GetProperty("journey");
        Assert.Equal(0, test.GetProperty("errors").GetInt64());
        AssertShopTruth(target.Shop, test);
        Assert.Equal(12, target.Shop.Steps[ShopApi.Login]);
        Assert.Equal(12, target.Shop.Users.Count);
        Assert.True(target.Shop.Steps[ShopApi.GetTask] > 12);

        var journey = test.GetProperty("journey");
        var main = journey.GetProperty("flows").GetProperty("main");
        Assert.Equal(target.Shop.Steps[ShopApi.GetTask], main.GetProperty("completed").GetInt64());
        Assert.Equal(0, main.GetProperty("failed").GetInt64());
        Assert.True(main.GetProperty("duration").GetProperty("p95").GetDouble() > 0);
        var title = journey.GetProperty("checks").GetProperty("title_has_user");
        Assert.Equal(target.Shop.Steps[ShopApi.GetTask], title.GetProperty("passes").GetInt64());
        Assert.Equal(0, title.GetProperty("failures").GetInt64());
        Assert.All(test.GetProperty("thresholds").EnumerateArray(), t => Assert.True(t.GetProperty("passed").GetBoolean()));

        var summary = File.ReadAllText(Path.Combine(dir.Sub("out"), "summary.txt"));
        Assert.Contains("create_task", summary);
        Assert.Contains("flow main", summary);
        Assert.Contains("title_has_user", summary);
        var junit = XDocument.Load(Path.Combine(dir.Sub("out"), "junit.xml"));
        var cases = junit.Descendants("testcase").Select(c => (string)c.Attribute("name")!).ToList();
        Assert.Contains("check has_token", cases);
        Assert.Contains("flow main: iteration_duration p95 < 2s", cases);
        Assert.Contains("Steps", File.ReadAllText(Path.Combine(dir.Sub("out"), "report.html")));
    }

    [Fact]
    public async Task Should_hand_each_account_out_once_over_three_workers_when_one_is_killed()
    {
        await using var target = await DemoTarget.StartAsync(new DemoTargetOptions(0, TimeSpan.FromMilliseconds(2), TimeSpan.Zero));
        using var dir = new TempDirectory();
        using var run = CliProcess.Start("run", JourneyFile, "--target", target.BaseUrl.ToString(), "--duration", "22s", "--users", "30",
            "--workers", "3", "--out", dir.Sub("out"));

        await run.WaitForOutputAsync("started on 3 worker(s)", TimeSpan.FromSeconds(40));
        await Task.Delay(TimeSpan.FromSeconds(3));
        var victim = Cluster.ClusterEndToEndSpecs.WorkerPids(run.Pid).First();
        using (var kill = Process.Start("kill", ["-KILL", victim.ToString()])) kill!.WaitForExit();
        var code = await run.WaitAsync(TimeSpan.FromSeconds(90));

        Assert.True(code == 0, $"exit {code}\n{run.Stdout}\n{run.Stderr}");
        var report = ReportFiles.Read(dir.Sub("out"));
        var notes = report.GetProperty("notes").EnumerateArray().Select(n => n.GetString()!).ToList();
        Assert.Contains(notes, n => n.Contains("was lost") && n.Contains("re-split over 2 worker(s)"));
        // The killed worker's users start again on the survivors with fresh accounts: more logins than users, none twice.
        Assert.True(target.Shop.Steps[ShopApi.Login] > 30, $"{target.Shop.Steps[ShopApi.Login]} logins");
        Assert.All(target.Shop.Users, u => Assert.True(u.Value.GetValueOrDefault(ShopApi.Login) <= 1, $"{u.Key} logged in twice"));
        Assert.All(target.Shop.Titles, t => Assert.All(t.Value, title => Assert.Contains(t.Key, title)));
        var test = report.GetProperty("load_tests").GetProperty("journey");
        Assert.Equal(0, test.GetProperty("errors").GetInt64());
    }

    [Theory]
    [InlineData("flow = [ { request { path = \"/t/{{task}}\" } } ]", "no step extracts and no feeder provides")]
    [InlineData("flow = [ { request { path = \"/a\", extract { t { json = \"a[\" } } } } ]", "is not a JMESPath expression")]
    [InlineData("feeders { u { file = \"missing.csv\" } }\nflow = [ { pause = 1s } ]", "not found")]
    public async Task Should_reject_a_bad_journey_with_exit_2_and_the_line(string journey, string message)
    {
        using var dir = new TempDirectory();
        var file = dir.File("bad.conf", $"target = \"http://127.0.0.1:9\"\nconcurrent-users = 2\nduration = 2s\n{journey}\n");
        var (code, stdout, stderr) = await CliProcess.RunAsync(TimeSpan.FromSeconds(60), "run", file, "--out", dir.Sub("out"));

        Assert.Equal(2, code);
        Assert.Contains($"{file}:4:", stderr);
        Assert.Contains(message, stderr);
        Assert.DoesNotContain("   at ", stderr + stdout);
    }
}
