using PerfCluster.Core.Input;
using PerfCluster.Core.Metrics;
using PerfCluster.Core.Scenarios;
using PerfCluster.Core.Steps;
using PerfCluster.Engine.Drivers;
using PerfCluster.Engine.Modules;
using PerfCluster.Engine.Steps;
using Xunit;

namespace PerfCluster.Engine.Tests.Steps;

/// <summary>
/// Modules compiled with Roslyn and run as journey steps: what the compiler refuses (with the module file's line), which
/// class is used, the cache, and how an operation's variables, sub-operations, exceptions and cancellation are recorded.
/// </summary>
public sealed class ModuleStepSpecs
{
    private static ModuleDefinition Module(string source, string? type = null, string name = "m") =>
        new(name, [new ModuleSource($"modules/{name}-{Guid.NewGuid():N}.cs", source)]) { Class = type };

    private const string Counter = """
        public sealed class Counter : IModule
        {
            private int _calls;
            public ValueTask SetupAsync(ModuleContext context)
            {
                context.Variables["greeting"] = "hello " + context.VirtualUser;
                return ValueTask.CompletedTask;
            }
            public ValueTask InvokeAsync(ModuleContext context, CancellationToken cancellationToken)
            {
                _calls++;
                using (context.Time("count")) { }
                context.Variables["calls"] = _calls.ToString();
                context.Variables["private"] = "only modules see this";
                if (context.Variables["echo"] != context.Variables["greeting"]) throw new InvalidOperationException("echo is " + context.Variables["echo"]);
                if (_calls % 3 == 0) throw new TimeoutException("every third call");
                return ValueTask.CompletedTask;
            }
        }
        """;

    [Fact]
    public void Should_point_at_the_module_files_line_and_column_when_it_does_not_compile()
    {
        var module = Module("public sealed class Broken : IModule\n{\n    public ValueTask InvokeAsync(ModuleContext c, CancellationToken t) => nothing;\n}\n");
        var e = Assert.Throws<ScenarioException>(() => ModuleCompiler.Compile(module));
        Assert.Equal(module.Sources[0].File, e.Position!.File);
        Assert.Equal((3, 75), (e.Position.Line, e.Position.Column));
        Assert.Contains("error CS0103: The name 'nothing' does not exist", e.Message);
        Assert.Same(e, Assert.Throws<ScenarioException>(() => ModuleCompiler.Compile(module)));   // the error is cached too
    }

    [Fact]
    public void Should_use_the_one_IModule_class_or_the_one_named_and_refuse_none_or_two()
    {
        const string two = """
            public sealed class First : IModule { public ValueTask InvokeAsync(ModuleContext c, CancellationToken t) => default; }
            namespace Deep { public sealed class Second : IModule { public ValueTask InvokeAsync(ModuleContext c, CancellationToken t) => default; } }
            public abstract class Base : IModule { public abstract ValueTask InvokeAsync(ModuleContext c, CancellationToken t); }
            internal sealed class Hidden : IModule { public ValueTask InvokeAsync(ModuleContext c, CancellationToken t) => default; }
            """;
        var ambiguous = Assert.Throws<ScenarioException>(() => ModuleCompiler.Compile(Module(two)));
        Assert.Contains("2 classes implementing IModule (First at", ambiguous.Message);
        Assert.Contains("Deep.Second at", ambiguous.Message);
        Assert.Equal(2, ambiguous.Position!.Line);

        Assert.Equal("Deep.Second", ModuleCompiler.Compile(Module(two, "Deep.Second")).Type.FullName);
        Assert.Equal("First", ModuleCompiler.Compile(Module(two, "First")).Type.FullName);
        Assert.Contains("must be public, not abstract", Assert.Throws<ScenarioException>(() => ModuleCompiler.Compile(Module(two, "Hidden"))).Message);
        Assert.Contains("no class 'Third'", Assert.Throws<ScenarioException>(() => ModuleCompiler.Compile(Module(two, "Third"))).Message);
        Assert.Contains("no public non-abstract class implementing PerfCluster.Modules.IModule",
            Assert.Throws<ScenarioException>(() => ModuleCompiler.Compile(Module("public sealed class Nothing { }"))).Message);
        Assert.Contains("constructor without parameters", Assert.Throws<ScenarioException>(() => ModuleCompiler.Compile(Module(
            "public sealed class Needs(int x) : IModule { public ValueTask InvokeAsync(ModuleContext c, CancellationToken t) => default; }"))).Message);
    }

    [Fact]
    public void Should_compile_one_source_once_and_let_it_use_the_assemblies_PerfCluster_ships()
    {
        var module = Module("""
            public sealed class Json : IModule
            {
                public ValueTask InvokeAsync(ModuleContext c, CancellationToken t)
                {
                    _ = System.Text.Json.JsonSerializer.Serialize(new { c.VirtualUser });
                    _ = typeof(StackExchange.Redis.ConnectionMultiplexer);
                    return default;
                }
            }
            """);
        var first = ModuleCompiler.Compile(module);
        Assert.Same(first, ModuleCompiler.Compile(module with { Position = new SourcePosition("elsewhere.conf", 9, 9) }));
        Assert.NotSame(first.Create(), first.Create());
    }

    private static ScenarioDefinition Scenario(ModuleDefinition module) =>
        ScenarioJson.Read($$$"""
            {
              "name": "modules", "concurrent_users": 1, "duration": "1s",
              "modules": { "m": { "sets": ["greeting"], "files": [ { "path": {{{System.Text.Json.JsonSerializer.Serialize(module.Sources[0].File)}}}, "text": {{{System.Text.Json.JsonSerializer.Serialize(module.Sources[0].Text)}}} } ] } },
              "flow": [ { "module": { "use": "m", "check": { "quick": { "latency_under": "10s" } } }, "on_failure": "continue" }, { "set": { "echo": "{{greeting}}" } } ]
            }
            """);

    [Fact]
    public async Task Should_share_the_users_variables_with_templates_and_count_exceptions_by_type_with_the_line()
    {
        var scenario = Scenario(Module(Counter));
        var recorder = JourneyRunner.RecorderFor(scenario);
        using var runner = new JourneyRunner(scenario, recorder, 1, null, () => false);
        var user = runner.NewUser(7);

        // The module's setup sets {{greeting}}; the set step copies it into {{echo}}, which the module reads from the
        // second call on (the first call finds it unset and throws).
        for (var i = 0; i < 7; i++) await runner.IterateAsync(user, null, CancellationToken.None);

        var module = recorder.Flush().Single(e => e.Endpoint == "m");
        Assert.Equal(7, Latency.Decode(module.Histogram).TotalCount);
        Assert.Equal(3, module.ErrorsByKind[(int)ErrorKind.ModuleException]);
        var (operations, exceptions) = recorder.FlushModules();
        Assert.Equal(7, Latency.Decode(Assert.Single(operations).Durations).TotalCount);
        var invalid = Assert.Single(exceptions, x => x.Type == "System.InvalidOperationException");
        Assert.Equal(1, invalid.Count);
        Assert.Matches(@"^InvalidOperationException in InvokeAsync at modules/m-\w+\.cs:15:\d+: echo is $", invalid.Sample);
        Assert.Equal(2, Assert.Single(exceptions, x => x.Type == "System.TimeoutException").Count);
        var quick = Assert.Single(recorder.FlushJourney().Checks);
        Assert.Equal(("quick", 4L, 0L), (quick.Name, quick.Passes, quick.Failures));   // judged on the operations that did not throw
        var variables = scenario.Journey!.Variables;
        Assert.Equal("hello 7", user.Variables[variables.SlotOf("echo")]);   // set by the module, read by a template
        Assert.Equal(-1, variables.SlotOf("calls"));                           // a name only modules see

    }

    [Fact]
    public async Task Should_not_count_an_operation_cancelled_by_the_end_of_the_run_and_fail_a_slow_one_as_timeout()
    {
        var module = Module("""
            public sealed class Slow : IModule
            {
                public async ValueTask InvokeAsync(ModuleContext c, CancellationToken t) => await Task.Delay(TimeSpan.FromSeconds(30), t);
            }
            """);
        var scenario = ScenarioJson.Read($$"""
            {
              "name": "slow", "concurrent_users": 1, "duration": "1s",
              "modules": { "m": { "files": [ { "path": "slow.cs", "text": {{System.Text.Json.JsonSerializer.Serialize(module.Sources[0].Text)}} } ] } },
              "flow": [ { "module": { "use": "m", "name": "limited", "timeout": "50ms" }, "on_failure": "continue" }, { "module": "m" } ]
            }
            """);
        var recorder = JourneyRunner.RecorderFor(scenario);
        using var runner = new JourneyRunner(scenario, recorder, 1, null, () => false);
        using var end = new CancellationTokenSource(TimeSpan.FromSeconds(3));   // well after the 50 ms timeout, however loaded the machine

        Assert.False(await runner.IterateAsync(runner.NewUser(0), null, end.Token));

        var deltas = recorder.Flush().ToDictionary(d => d.Endpoint);
        Assert.Equal(1, deltas["limited"].ErrorsByKind[(int)ErrorKind.Timeout]);
        Assert.False(deltas.ContainsKey("m"));            // cancelled by the end: neither an operation nor a failure
        Assert.Equal(1, recorder.TakeAbandoned());
    }
}

/// <summary>The example modules in hocon/modules, as hocon/scenarios/modules.conf uses them: each compiles, and each runs an operation.</summary>
public sealed class ShippedModuleSpecs
{
    private static string Root
    {
        get
        {
            var directory = new DirectoryInfo(AppContext.BaseDirectory);
            while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "PerfCluster.sln"))) directory = directory.Parent;
            return directory!.FullName;
        }
    }

    [Fact]
    public async Task Should_compile_and_run_every_module_of_the_shipped_modules_scenario()
    {
        var plan = ScenarioLoader.LoadFile(Path.Combine(Root, "hocon", "scenarios", "modules.conf"));
        Assert.Equal(4, plan.Scenarios.Count);
        foreach (var scenario in plan.Scenarios)
        {
            Assert.NotNull(scenario.Load.Phases);
            Assert.NotNull(Assert.Single(scenario.ModuleTargets).ScalabilityThreshold);
            var recorder = JourneyRunner.RecorderFor(scenario);
            using var runner = new JourneyRunner(scenario, recorder, 1, null, () => false);
            var user = runner.NewUser(0);
            for (var i = 0; i < 3; i++) Assert.True(await runner.IterateAsync(user, null, CancellationToken.None));
            var delta = Assert.Single(recorder.Flush());
            Assert.Equal(3, Latency.Decode(delta.Histogram).TotalCount);
            Assert.All(delta.ErrorsByKind, e => Assert.Equal(0, e));
        }
    }
}
