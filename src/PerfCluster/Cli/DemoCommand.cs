using System.CommandLine;
using PerfCluster.Core.Scenarios;
using PerfCluster.Target;

namespace PerfCluster.Cli;

/// <summary>
/// <c>perfcluster demo</c>: the guide's Light Load scenario, shortened to 20 s, against a demo target
/// started in this process on a free loopback port. Needs nothing but the binary.
/// </summary>
public static class DemoCommand
{
    public static readonly TimeSpan DemoDuration = TimeSpan.FromSeconds(20);

    public static Command Create()
    {
        var output = new Option<DirectoryInfo?>("--out", "-o") { Description = "Report directory (default: results/<run-id>/)." };
        var journey = new Option<bool>("--journey")
        {
            Description = "Run the shop journey (hocon/scenarios/journey.conf: log in once per user, list projects, create a task, read it back) instead.",
        };
        var verbose = PerfClusterCli.Verbose();
        var logFormat = PerfClusterCli.LogFormat();
        var command = new Command("demo", "Run the Light Load scenario (or, with --journey, the shop journey) for 20 s against a built-in demo target and write the report.")
        {
            output, journey, verbose, logFormat,
        };
        command.SetAction(async (parse, _) =>
        {
            Logging.Configure(parse.GetValue(verbose), parse.GetValue(logFormat)!);
            await using var target = await DemoTarget.StartAsync(new DemoTargetOptions(Port: 0));
            var scenarioFile = Path.Combine(AppContext.BaseDirectory, "hocon", "scenarios", parse.GetValue(journey) ? "journey.conf" : "light.conf");
            var plan = ScenarioLoader.LoadFile(scenarioFile, new ScenarioOverrides(
                Target: target.BaseUrl, Duration: DemoDuration, RampUp: TimeSpan.FromSeconds(2)));
            Console.Out.WriteLine($"Demo target started on {target.BaseUrl}");
            var exit = await RunCommand.ExecuteAsync(plan, new RunCommand.RunOptions(parse.GetValue(output)?.FullName, null, parse.GetValue(verbose)));
            Console.Out.WriteLine($"The demo target counted {target.TotalServed} requests.");
            return exit;
        });
        return command;
    }
}
