using PerfCluster.Core.Scenarios;
using Xunit;
using PerfCluster.Core.Input;

namespace PerfCluster.Core.Tests.Scenarios;

/// <summary>The scenario files shipped under hocon/scenarios load and say what the guide says.</summary>
public class ShippedScenarioSpecs
{
    private static readonly Uri DemoTarget = new("http://127.0.0.1:8000");

    internal static string ScenarioFolder
    {
        get
        {
            var directory = new DirectoryInfo(AppContext.BaseDirectory);
            while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "PerfCluster.sln")))
                directory = directory.Parent;
            Assert.NotNull(directory);
            return Path.Combine(directory.FullName, "hocon", "scenarios");
        }
    }

    public static TheoryData<string> ShippedFiles()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.EnumerateFiles(ScenarioFolder, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            data.Add(Path.GetRelativePath(ScenarioFolder, file));
        return data;
    }

    private static readonly Uri[] DemoTargetPorts = [DemoTarget, new("http://127.0.0.1:8001/"), new("https://127.0.0.1:8443/")];

    [Theory]
    [MemberData(nameof(ShippedFiles))]
    public void Should_load_every_shipped_file(string relativePath)
    {
        var path = Path.Combine(ScenarioFolder, relativePath);
        var guideScenariosWithoutTarget = relativePath is "json/custom-api-test.json" or "json/predefined.json";

        if (guideScenariosWithoutTarget)
        {
            var error = Assert.Throws<ScenarioException>(() => ScenarioLoader.LoadFile(path));
            Assert.Equal("no target: set 'target' in the scenario or pass --target", error.Message);
        }
        var plan = ScenarioLoader.LoadFile(path, guideScenariosWithoutTarget ? new ScenarioOverrides(Target: DemoTarget) : null);

        Assert.NotEmpty(plan.Scenarios);
        // Every scenario that sends HTTP sends it to the demo target (sql-lookup.conf talks to SQLite and a cache alone):
        // its main port, or the h2c and https ports the docs start it with (perfcluster target --h2c-port 8001 --tls-port 8443).
        Assert.All(plan.Scenarios.Where(s => s.SendsHttp), s => Assert.Contains(s.Target, DemoTargetPorts));
        Assert.Equal(path, plan.SourceFile);
    }

    [Theory]
    [InlineData("baseline.conf", "Baseline Load", 6)]
    [InlineData("light.conf", "Light Load", 12)]
    [InlineData("medium.conf", "Medium Load", 18)]
    [InlineData("heavy.conf", "Heavy Load", 30)]
    [InlineData("peak.conf", "Peak Load", 24)]
    public void Should_ship_the_guides_predefined_scenarios(string file, string name, int rampUpSeconds)
    {
        var scenario = Assert.Single(ScenarioLoader.LoadFile(Path.Combine(ScenarioFolder, file)).Scenarios);
        var guide = PredefinedScenarios.All.Single(p => p.Name == name);

        Assert.Equal(name, scenario.Name);
        Assert.Equal(guide.Description, scenario.Description);
        Assert.Equal(
            new ClosedLoad(guide.Users, guide.Duration, TimeSpan.FromSeconds(rampUpSeconds),
                new ThinkTime(TimeSpan.FromSeconds(1), TimeSpan.Zero), ClosedLoad.DefaultGracefulStop),
            scenario.Load);
        AssertGuideEndpoints(scenario);
        Assert.Equal(["p95 < 2s", "error_rate < 0.05"], scenario.Thresholds.Select(t => t.Expression));
    }

    [Fact]
    public void Should_ship_the_spike_as_stages_that_jump_from_the_baseline_to_300_users_and_back()
    {
        var scenario = Assert.Single(ScenarioLoader.LoadFile(Path.Combine(ScenarioFolder, "spike.conf")).Scenarios);
        var guide = PredefinedScenarios.All.Single(p => p.Name == "Spike Test");

        Assert.Equal(("Spike Test", guide.Description), (scenario.Name, scenario.Description));
        Assert.False(scenario.IsOpen);
        Assert.Equal((300, TimeSpan.FromSeconds(120), TimeSpan.Zero), (scenario.Load.Users, scenario.Load.Duration, scenario.Load.RampUp));
        Assert.Equal(new ThinkTime(TimeSpan.FromSeconds(1), TimeSpan.Zero), scenario.Load.Think);
        Assert.Equal(
            [(0, 10), (10, 10), (0, 300), (60, 300), (0, 10), (50, 10)],
            scenario.Load.Stages.Select(s => ((int)s.Duration.TotalSeconds, (int)s.Target)));
        Assert.Equal(guide.Duration, TimeSpan.FromTicks(scenario.Load.Stages.Sum(s => s.Duration.Ticks)));
        AssertGuideEndpoints(scenario);
        Assert.Equal(["p95 < 2s", "error_rate < 0.05"], scenario.Thresholds.Select(t => t.Expression));
    }

    [Fact]
    public void Should_ship_a_constant_arrival_rate_example()
    {
        var scenario = Assert.Single(ScenarioLoader.LoadFile(Path.Combine(ScenarioFolder, "open-rate.conf")).Scenarios);

        Assert.True(scenario.IsOpen);
        var open = scenario.Open!;
        Assert.Equal((50.0, 0.0, 10, 200), (open.Rate, open.StartRate, open.PreAllocatedUsers, open.MaxUsers));
        Assert.Empty(open.Stages);
        Assert.Equal(new ClosedLoad(200, TimeSpan.FromSeconds(30), TimeSpan.Zero, ThinkTime.None, ClosedLoad.DefaultGracefulStop), scenario.Load);
        AssertGuideEndpoints(scenario);
        Assert.Equal(["p95 < 2s", "error_rate < 0.05"], scenario.Thresholds.Select(t => t.Expression));
    }

    [Fact]
    public void Should_ship_a_ramping_arrival_rate_example()
    {
        var scenario = Assert.Single(ScenarioLoader.LoadFile(Path.Combine(ScenarioFolder, "ramping-rate.conf")).Scenarios);
        var open = scenario.Open!;

        Assert.Equal((100.0, 0.0, 10, 200), (open.Rate, open.StartRate, open.PreAllocatedUsers, open.MaxUsers));
        Assert.Equal([(20, 100.0), (40, 100.0), (10, 0.0)], open.Stages.Select(s => ((int)s.Duration.TotalSeconds, s.Target)));
        Assert.Equal(TimeSpan.FromSeconds(70), scenario.Load.Duration);
        Assert.Equal(200, scenario.Load.Users);
        AssertGuideEndpoints(scenario);
    }

    [Fact]
    public void Should_ship_a_short_smoke_scenario()
    {
        var scenario = Assert.Single(ScenarioLoader.LoadFile(Path.Combine(ScenarioFolder, "smoke.conf")).Scenarios);

        Assert.Equal(
            new ClosedLoad(5, TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(2),
                new ThinkTime(TimeSpan.FromMilliseconds(100), TimeSpan.Zero), ClosedLoad.DefaultGracefulStop),
            scenario.Load);
        AssertGuideEndpoints(scenario);
        Assert.Equal(["p95 < 2s", "error_rate < 0.01"], scenario.Thresholds.Select(t => t.Expression));
    }

    [Fact]
    public void Should_ship_the_guides_json_files()
    {
        var predefined = ScenarioLoader.LoadFile(Path.Combine(ScenarioFolder, "json", "predefined.json"), new ScenarioOverrides(DemoTarget));
        var custom = Assert.Single(
            ScenarioLoader.LoadFile(Path.Combine(ScenarioFolder, "json", "custom-api-test.json"), new ScenarioOverrides(DemoTarget)).Scenarios);
        var benchmark = ScenarioLoader.LoadFile(Path.Combine(ScenarioFolder, "json", "benchmark_config.json"));

        Assert.Equal(
            PredefinedScenarios.All.Select(p => (p.Name, p.Users, p.Duration, (string?)p.Description)),
            predefined.Scenarios.Select(s => (s.Name, s.Load.Users, s.Load.Duration, s.Description)));
        Assert.Equal(("Custom API Test", 75, TimeSpan.FromSeconds(300), TimeSpan.FromSeconds(90)),
            (custom.Name, custom.Load.Users, custom.Load.Duration, custom.Load.RampUp));
        Assert.Equal(PredefinedScenarios.All.Select(p => p.Name), benchmark.Scenarios.Select(s => s.Name));
        Assert.All(benchmark.Scenarios, s =>
        {
            Assert.Equal(["error_rate < 0.05", "p95 < 2s"], s.Thresholds.Select(t => t.Expression));
            Assert.Equal(["api_server", "database"], s.RequiredServices.Select(r => r.Name));
        });
    }

    private static void AssertGuideEndpoints(ScenarioDefinition scenario)
    {
        Assert.Equal(SelectionMode.Weighted, scenario.Distribution);
        Assert.Equal(
            [("GET", "/api/v1/projects", 0.4), ("GET", "/api/v1/tasks", 0.4), ("POST", "/api/v1/ai/generate", 0.2)],
            scenario.Endpoints.Select(e => (e.Method, e.Path, e.Weight)));
        Assert.Equal("{\"prompt\":\"benchmark\"}", scenario.Endpoints[2].Body);
        Assert.Equal("application/json", scenario.Endpoints[2].Headers["Content-Type"]);
    }
}
