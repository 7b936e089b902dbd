using PerfCluster.Core.Input;
using PerfCluster.Core.Scenarios;
using PerfCluster.Core.Steps;
using Xunit;

namespace PerfCluster.Core.Tests.Modules;

/// <summary>The modules block, module steps, module-targets (the guide's JSON) and the two-phase scalability shape as the loader reads them.</summary>
public sealed class ModuleLoadingSpecs : IDisposable
{
    private const string Source = """
        public sealed class Reasoning : IModule
        {
            public ValueTask InvokeAsync(ModuleContext context, CancellationToken cancellationToken) => ValueTask.CompletedTask;
        }
        """;

    private readonly string _dir = Directory.CreateTempSubdirectory("perfcluster-modules-").FullName;

    public ModuleLoadingSpecs()
    {
        Directory.CreateDirectory(Path.Combine(_dir, "modules"));
        File.WriteAllText(Path.Combine(_dir, "modules", "Reasoning.cs"), Source);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private TestPlan LoadPlan(string text)
    {
        var file = Path.Combine(_dir, "scenario.conf");
        File.WriteAllText(file, text);
        return ScenarioLoader.LoadFile(file);
    }

    private ScenarioDefinition Load(string text) => LoadPlan(text).Scenarios.Single();

    private ScenarioException Rejects(string text) => Assert.Throws<ScenarioException>(() => Load(text));

    private const string Modules = """
        modules { reasoning { source = ["modules/Reasoning.cs"], sets = [conclusion] } }

        """;

    [Fact]
    public void Should_read_the_source_relative_to_the_scenario_and_run_the_module_as_a_series_named_after_it()
    {
        var scenario = Load(Modules + """
            concurrent-users = 2
            duration = 5s
            flow = [
              { module = reasoning }
              { module { use = reasoning, name = reasoning-again, timeout = 2s }, on-failure = continue }
              { set { copy = "{{conclusion}}" } }
            ]
            """);
        var module = Assert.Single(scenario.Journey!.Modules);
        Assert.Equal("reasoning", module.Name);
        Assert.Equal(Source, Assert.Single(module.Sources).Text);
        Assert.EndsWith(Path.Combine("modules", "Reasoning.cs"), module.Sources[0].File);
        Assert.Equal(["conclusion"], module.Sets);
        Assert.False(scenario.SendsHttp);
        var steps = scenario.Journey.Series.Cast<ModuleStep>().ToList();
        Assert.Equal(["reasoning", "reasoning-again"], steps.Select(s => s.Name));
        Assert.Equal(TimeSpan.FromSeconds(2), steps[1].Timeout);
        Assert.Equal(OnFailure.Continue, steps[1].OnFailure);
        Assert.Equal(["MODULE", "MODULE"], scenario.Endpoints.Select(e => e.Method));
    }

    [Fact]
    public void Should_take_the_guides_module_targets_json_as_it_is_and_build_the_two_phases()
    {
        var scenario = Load(Modules + """
            name = q
            warm-up = 3s
            scalability { users = 4, phase = 10s }
            flow = [ { module = reasoning } ]
            module-targets = { "reasoning": { "min_ops_per_second": 30, "max_latency_ms": 500, "scalability_threshold": 0.7 } }
            """);
        var target = Assert.Single(scenario.ModuleTargets);
        Assert.Equal(("reasoning", 30.0, 500.0, 0.7), (target.Module, target.MinOpsPerSecond, target.MaxLatencyMs, target.ScalabilityThreshold));
        var load = scenario.Load;
        Assert.Equal(new ScalabilityPhases(4, TimeSpan.FromSeconds(10)), load.Phases);
        Assert.Equal(8, load.Users);
        Assert.Equal(TimeSpan.FromSeconds(20), load.Duration);
        // N users through the warm-up and the first phase, then 2N through the second: the switch falls on measured second 10.
        var profile = Core.Profiles.ClosedProfile.From(load, scenario.WarmUp);
        Assert.Equal(4, profile.UsersAt(TimeSpan.FromSeconds(0.1)));
        Assert.Equal(4, profile.UsersAt(TimeSpan.FromSeconds(12.9)));
        Assert.Equal(8, profile.UsersAt(TimeSpan.FromSeconds(13)));
        Assert.Equal(8, profile.UsersAt(TimeSpan.FromSeconds(22.9)));
        Assert.Equal(0, profile.UsersAt(TimeSpan.FromSeconds(23)));
    }

    [Fact]
    public void Should_read_its_own_written_form_back_with_the_source_inline()
    {
        var scenario = Load(Modules + """
            name = q
            scalability { users = 2, phase = 5s }
            flow = [ { module = reasoning } ]
            module-targets { reasoning { min-ops-per-second = 10, scalability-threshold = 0.8 } }
            """);
        var json = ScenarioJson.Write(scenario);
        File.Delete(Path.Combine(_dir, "modules", "Reasoning.cs"));   // the written form needs no file

        var back = ScenarioJson.Read(json);
        Assert.Equal(scenario.Journey, back.Journey);
        Assert.Equal(scenario.Load, back.Load);
        Assert.Equal(scenario.ModuleTargets, back.ModuleTargets);
        Assert.Equal(scenario.Journey!.Modules[0].Hash, back.Journey!.Modules[0].Hash);
    }

    [Fact]
    public void Should_keep_a_plan_level_target_out_of_the_scenarios_that_do_not_run_its_module()
    {
        File.WriteAllText(Path.Combine(_dir, "modules", "Other.cs"), Source.Replace("Reasoning", "Other"));
        var plan = LoadPlan("""
            modules { reasoning { source = ["modules/Reasoning.cs"] }, other { source = ["modules/Other.cs"] } }
            module-targets { reasoning { min_ops_per_second = 1 }, other { max_latency_ms = 10 } }
            scenarios = [
              { name = a, concurrent-users = 1, duration = 2s, flow = [ { module = reasoning } ] }
              { name = b, concurrent-users = 1, duration = 2s, flow = [ { module = other } ] }
            ]
            """);
        Assert.Equal(["reasoning"], plan.Scenarios[0].ModuleTargets.Select(t => t.Module));
        Assert.Equal(["other"], plan.Scenarios[1].ModuleTargets.Select(t => t.Module));
    }

    [Theory]
    [InlineData("modules { reasoning { source = [\"modules/Missing.cs\"] } }\nconcurrent-users = 1\nduration = 2s\nflow = [ { module = reasoning } ]",
        "file 'modules/Missing.cs' not found", 1)]
    [InlineData("modules { reasoning { source = [\"modules/Reasoning.txt\"] } }\nconcurrent-users = 1\nduration = 2s\nflow = [ { module = reasoning } ]",
        "is not a C# file", 1)]
    [InlineData("modules { reasoning { } }\nconcurrent-users = 1\nduration = 2s\nflow = [ { module = reasoning } ]", "needs 'source'", 1)]
    [InlineData(Modules + "concurrent-users = 1\nduration = 2s\nflow = [ { module = thinking } ]", "unknown module 'thinking'", 4)]
    [InlineData(Modules + "concurrent-users = 1\nduration = 2s\nflow = [ { module = reasoning } ]\nmodule-targets { planning { min_ops_per_second = 1 } }",
        "not a module of the scenario", 5)]
    [InlineData(Modules + "concurrent-users = 1\nduration = 2s\nflow = [ { module = reasoning } ]\nmodule-targets { reasoning { scalability_threshold = 0.8 } }",
        "needs the scenario in two phases", 5)]
    [InlineData(Modules + "concurrent-users = 1\nduration = 2s\nflow = [ { module = reasoning } ]\nmodule-targets { reasoning { } }",
        "sets none of", 5)]
    [InlineData(Modules + "concurrent-users = 1\nduration = 2s\nflow = [ { module = reasoning } ]\nmodule-targets { reasoning { max_latency_ms = -5 } }",
        "must be greater than 0", 5)]
    [InlineData(Modules + "concurrent-users = 1\nduration = 2s\nflow = [ { module = reasoning }, { module { use = reasoning, name = b } } ]\nmodule-targets { reasoning { max_latency_ms = 5 } }",
        "run by 2 steps", 5)]
    [InlineData(Modules + "concurrent-users = 1\nduration = 2s\nflow = [ { module { use = reasoning, check { ok { status = 200 } } } } ]",
        "a module step's checks are latency-under", 4)]
    [InlineData(Modules + "scalability { users = 2, phase = 5s }\nconcurrent-users = 4\nflow = [ { module = reasoning } ]", "cannot be combined with 'scalability'", 3)]
    [InlineData(Modules + "scalability { users = 2, phase = 2500ms }\nflow = [ { module = reasoning } ]", "whole seconds, at least 3s", 2)]
    [InlineData(Modules + "warm-up = 1500ms\nscalability { users = 2, phase = 5s }\nflow = [ { module = reasoning } ]", "must be whole seconds with 'scalability'", 2)]
    [InlineData(Modules + "scalability { phase = 5s }\nflow = [ { module = reasoning } ]", "needs 'users'", 2)]
    [InlineData(Modules + "arrival-rate = 10\nduration = 5s\nscalability { users = 2, phase = 5s }\nflow = [ { module = reasoning } ]", "closed-model shape", 4)]
    public void Should_refuse_what_cannot_run_with_the_line_it_is_on(string text, string message, int line)
    {
        var e = Rejects(text);
        Assert.Contains(message, e.Message);
        Assert.Equal(line, e.Position?.Line);
    }
}
