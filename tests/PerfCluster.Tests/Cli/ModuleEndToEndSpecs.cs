using System.Text.Json;
using System.Xml.Linq;
using PerfCluster.Tests.Api;
using PerfCluster.Tests.Deploy;

namespace PerfCluster.Tests.Cli;

/// <summary>
/// C# modules run for real from the command line: compiled from the scenario's source in this process, in --workers
/// processes and on a remote cluster; a module that waits scales (E ≈ 1) and passes a 0.8 target, one serialised by a
/// process-wide lock does not (E ≈ 0.5); bad modules are exit 2, or a reported failure, with the module file's line.
/// </summary>
public sealed class ModuleEndToEndSpecs
{
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(120);

    public const string Delay = """
        // Each operation waits 10 ms and uses no CPU: twice the users, twice the operations.
        public sealed class Delay : IModule
        {
            public async ValueTask InvokeAsync(ModuleContext context, CancellationToken cancellationToken)
            {
                using (context.Time("wait"))
                    await Task.Delay(10, cancellationToken);
            }
        }
        """;

    public const string Locked = """
        // Each operation holds one process-wide lock for 2 ms of CPU: one operation at a time, however many users.
        using System.Diagnostics;
        public sealed class Locked : IModule
        {
            private static readonly object Gate = new();
            public ValueTask InvokeAsync(ModuleContext context, CancellationToken cancellationToken)
            {
                lock (Gate)
                {
                    var until = Stopwatch.GetTimestamp() + Stopwatch.Frequency / 500;
                    while (Stopwatch.GetTimestamp() < until) { }
                }
                return ValueTask.CompletedTask;
            }
        }
        """;

    public static string Scenario(string module, int users = 4, double threshold = 0.8) => $$"""
        name = {{module}}
        modules { {{module}} { source = ["{{module}}.cs"] } }
        module-targets = { "{{module}}": { "min_ops_per_second": 10, "max_latency_ms": 1000, "scalability_threshold": {{threshold}} } }
        warm-up = 3s
        graceful-stop = 5s
        scalability { users = {{users}}, phase = 4s }
        flow = [ { module = {{module}} } ]
        """;

    private static (JsonElement Report, JsonElement Module) ModuleOf(string directory, string module)
    {
        var report = ReportFiles.Read(directory);
        var performance = report.GetProperty("module_performance");
        Assert.Equal(performance.GetRawText(), report.GetProperty("quantum_performance").GetRawText());
        return (report, performance.GetProperty(module));
    }

    private static double Efficiency(JsonElement module) => module.GetProperty("scalability_score").GetDouble();

    [Fact]
    public async Task Should_measure_a_waiting_module_scaling_perfectly_and_pass_its_targets()
    {
        using var dir = new TempDirectory();
        dir.File("Delay.cs", Delay);
        var (code, stdout, stderr) = await CliProcess.RunAsync(Budget, "run", dir.File("delay.conf", Scenario("Delay")), "--out", dir.Sub("out"));

        Assert.True(code == 0, $"exit {code}\n{stdout}\n{stderr}");
        var (report, module) = ModuleOf(dir.Sub("out"), "Delay");
        var e = Efficiency(module);
        Assert.InRange(e, 0.85, 1.15);
        var scalability = module.GetProperty("scalability");
        Assert.Equal(4, scalability.GetProperty("users").GetInt32());
        Assert.InRange(scalability.GetProperty("ops_per_second_at_n").GetDouble(), 250, 410);   // 4 users / 10 ms, less timer slack
        Assert.True(scalability.GetProperty("ci95_low").GetDouble() <= e && e <= scalability.GetProperty("ci95_high").GetDouble());
        Assert.All(module.GetProperty("targets").EnumerateArray(), t => Assert.True(t.GetProperty("passed").GetBoolean(), t.ToString()));
        Assert.Equal(3, module.GetProperty("targets").GetArrayLength());
        var operations = module.GetProperty("operations").GetInt64();
        Assert.Equal(report.GetProperty("load_tests").GetProperty("Delay").GetProperty("endpoints").GetProperty("Delay").GetProperty("requests").GetInt64(), operations);
        Assert.InRange(module.GetProperty("sub_operations").GetProperty("wait").GetProperty("count").GetInt64(), operations - 8, operations + 8);
        Assert.InRange(module.GetProperty("latency").GetProperty("p50").GetDouble(), 0.009, 0.05);

        var summary = File.ReadAllText(Path.Combine(dir.Sub("out"), "summary.txt"));
        Assert.Contains("Module targets: 3 of 3 passed", summary);
        Assert.Contains("Delay / wait", summary);
        var cases = XDocument.Load(Path.Combine(dir.Sub("out"), "junit.xml")).Descendants("testcase").ToList();
        Assert.Contains(cases, c => (string)c.Attribute("name")! == "module Delay: scalability_threshold 0.8" && c.Element("failure") is null);
        Assert.Contains("<h3>Modules</h3>", File.ReadAllText(Path.Combine(dir.Sub("out"), "report.html")));
    }

    [Fact]
    public async Task Should_measure_a_module_serialised_by_a_lock_at_half_and_fail_its_scalability_target()
    {
        using var dir = new TempDirectory();
        dir.File("Locked.cs", Locked);
        var (code, stdout, stderr) = await CliProcess.RunAsync(Budget, "run", dir.File("locked.conf", Scenario("Locked", users: 2)), "--out", dir.Sub("out"));

        Assert.True(code == 1, $"exit {code}\n{stdout}\n{stderr}");
        var (report, module) = ModuleOf(dir.Sub("out"), "Locked");
        Assert.InRange(Efficiency(module), 0.35, 0.65);
        Assert.InRange(module.GetProperty("ops_per_second").GetDouble(), 300, 520);   // 2 ms under the lock: at most 500/s
        var targets = module.GetProperty("targets").EnumerateArray().ToDictionary(t => t.GetProperty("target").GetString()!);
        Assert.False(targets["scalability_threshold"].GetProperty("passed").GetBoolean());
        Assert.True(targets["min_ops_per_second"].GetProperty("passed").GetBoolean());
        Assert.False(report.GetProperty("passed").GetBoolean());
        Assert.Contains("✗ Locked scalability_threshold: E 0.", File.ReadAllText(Path.Combine(dir.Sub("out"), "summary.txt")));
        var failure = XDocument.Load(Path.Combine(dir.Sub("out"), "junit.xml")).Descendants("failure").Single();
        Assert.Equal("module_target", (string)failure.Attribute("type")!);
    }

    [Fact]
    public async Task Should_refuse_a_module_that_does_not_compile_has_no_class_or_two_with_exit_2_and_the_files_line()
    {
        using var dir = new TempDirectory();
        var cases = new (string Source, string Expected)[]
        {
            ("public sealed class Broken : IModule\n{\n    public ValueTask InvokeAsync(ModuleContext c, CancellationToken t) => nothing;\n}\n",
                "Broken.cs:3:75: module 'Broken' does not compile: error CS0103: The name 'nothing' does not exist in the current context"),
            ("public sealed class NoModule { }\n", "NoModule.cs:1:1: module 'NoModule': its source has no public non-abstract class implementing PerfCluster.Modules.IModule"),
            ("public sealed class A : IModule { public ValueTask InvokeAsync(ModuleContext c, CancellationToken t) => default; }\n" +
             "public sealed class B : IModule { public ValueTask InvokeAsync(ModuleContext c, CancellationToken t) => default; }\n",
                "TwoModules.cs:2:21: module 'TwoModules': its source has 2 classes implementing IModule"),
        };
        foreach (var (source, expected) in cases)
        {
            var name = expected[..expected.IndexOf(".cs", StringComparison.Ordinal)];
            dir.File($"{name}.cs", source);
            var text = $"name = {name}\nmodules {{ {name} {{ source = [\"{name}.cs\"] }} }}\nconcurrent-users = 1\nduration = 2s\nflow = [ {{ module = {name} }} ]\n";
            var (code, stdout, stderr) = await CliProcess.RunAsync(Budget, "run", dir.File($"{name}.conf", text), "--out", dir.Sub(name));

            Assert.True(code == 2, $"exit {code}\n{stdout}\n{stderr}");
            // The file as the command was given it (relative to the working directory it ran in), then line and column.
            Assert.Contains(Path.Combine(Path.GetFileName(dir.Path), expected), stderr);
            Assert.DoesNotContain("   at PerfCluster", stderr + stdout);
            Assert.False(Directory.Exists(dir.Sub(name)), "no load, no report");
        }
    }

    [Fact]
    public async Task Should_report_a_module_whose_setup_throws_and_one_that_throws_by_type_with_the_files_line()
    {
        using var dir = new TempDirectory();
        dir.File("Flaky.cs", """
            public sealed class Flaky : IModule
            {
                public ValueTask SetupAsync(ModuleContext context) =>
                    context.VirtualUser == 0 ? throw new InvalidOperationException("user 0 has no account") : ValueTask.CompletedTask;

                public ValueTask InvokeAsync(ModuleContext context, CancellationToken cancellationToken)
                {
                    if (context.Iteration % 4 == 3) throw new TimeoutException("the engine did not answer");
                    return ValueTask.CompletedTask;
                }
            }
            """);
        var text = "name = flaky\nmodules { Flaky { source = [\"Flaky.cs\"] } }\nconcurrent-users = 2\nduration = 2s\nthink-time = 5ms\n" +
                   "flow = [ { module = Flaky } ]\n";
        var (code, stdout, stderr) = await CliProcess.RunAsync(Budget, "run", dir.File("flaky.conf", text), "--out", dir.Sub("out"));

        Assert.True(code == 1, $"exit {code}\n{stdout}\n{stderr}");
        var (_, module) = ModuleOf(dir.Sub("out"), "Flaky");
        Assert.False(module.GetProperty("passed").GetBoolean());
        var errors = module.GetProperty("errors_by_type");
        var setup = errors.GetProperty("System.InvalidOperationException (SetupAsync)");
        var file = Path.Combine(Path.GetFileName(dir.Path), "Flaky.cs");
        Assert.Matches($@"^InvalidOperationException in SetupAsync at (.*/)?{System.Text.RegularExpressions.Regex.Escape(file)}:4:\d+: user 0 has no account$", setup.GetProperty("first").GetString());
        var timeouts = errors.GetProperty("System.TimeoutException");
        Assert.Matches($@"^TimeoutException in InvokeAsync at (.*/)?{System.Text.RegularExpressions.Regex.Escape(file)}:8:\d+: the engine did not answer$", timeouts.GetProperty("first").GetString());
        Assert.Equal(module.GetProperty("errors").GetInt64(), setup.GetProperty("count").GetInt64() + timeouts.GetProperty("count").GetInt64());
        Assert.True(timeouts.GetProperty("count").GetInt64() > 10);
        var summary = File.ReadAllText(Path.Combine(dir.Sub("out"), "summary.txt"));
        Assert.Contains("✗ Flaky: SetupAsync threw", summary);
        Assert.Contains("module_exception", summary);
        Assert.DoesNotContain("   at ", summary);
    }

    [Fact]
    public async Task Should_run_modules_on_local_worker_processes_from_the_source_shipped_with_the_scenario()
    {
        using var dir = new TempDirectory();
        dir.File("Delay.cs", Delay);
        var config = dir.File("delay.conf", Scenario("Delay"));
        var (code, stdout, stderr) = await CliProcess.RunAsync(Budget, "run", config, "--workers", "2", "--out", dir.Sub("out"));

        Assert.True(code == 0, $"exit {code}\n{stdout}\n{stderr}");
        var (report, module) = ModuleOf(dir.Sub("out"), "Delay");
        var workers = report.GetProperty("load_tests").GetProperty("Delay").GetProperty("workers");
        Assert.Equal(2, workers.GetArrayLength());
        Assert.All(workers.EnumerateArray(), w => Assert.True(w.GetProperty("requests").GetInt64() > 0, w.ToString()));
        Assert.InRange(Efficiency(module), 0.85, 1.15);
    }
}

/// <summary>Modules on a real cluster: a coordinator and workers as their own processes, the module's source sent with the run.</summary>
public sealed class ModuleClusterEndToEndSpecs
{
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task Should_run_a_module_on_a_remote_worker_that_allows_modules_and_refuse_it_where_none_does()
    {
        using var dir = new TempDirectory();
        var config = dir.File("node.conf", "perfcluster.run.worker-wait-timeout = 20s\nperfcluster.api.allow-modules = on\n");
        await using var coordinator = await CoordinatorProcess.StartAsync(config);
        await using var plain = await WorkerProcess.StartAsync(coordinator);
        dir.File("Delay.cs", ModuleEndToEndSpecs.Delay);
        var scenario = dir.File("delay.conf", ModuleEndToEndSpecs.Scenario("Delay", users: 2));

        // Only a worker that does not run modules: it refuses the share, and the run fails saying why.
        var (refusedCode, refusedOut, refusedErr) = await CliProcess.RunAsync(Budget, "run", scenario, "--coordinator", coordinator.ApiText, "--out", dir.Sub("refused"));
        Assert.True(refusedCode != 0, $"exit {refusedCode}\n{refusedOut}\n{refusedErr}");
        Assert.Contains("does not run C# modules", refusedOut + refusedErr);

        await using var allowing = await WorkerProcess.StartAsync(coordinator, "--allow-modules");
        var (code, stdout, stderr) = await CliProcess.RunAsync(Budget, "run", scenario, "--coordinator", coordinator.ApiText, "--out", dir.Sub("out"));

        Assert.True(code == 0, $"exit {code}\n{stdout}\n{stderr}");
        var report = ReportFiles.Read(dir.Sub("out"));
        var module = report.GetProperty("module_performance").GetProperty("Delay");
        Assert.InRange(module.GetProperty("scalability_score").GetDouble(), 0.85, 1.15);
        var workers = report.GetProperty("load_tests").GetProperty("Delay").GetProperty("workers").EnumerateArray().Select(w => w.GetProperty("node").GetString()).ToList();
        Assert.Equal([allowing.Address], workers);
    }

    [Fact]
    public async Task Should_refuse_modules_over_the_api_unless_the_coordinator_allows_them()
    {
        using var dir = new TempDirectory();
        await using var coordinator = await CoordinatorProcess.StartAsync(CoordinatorProcess.FastConfig(dir));
        var text = "name = m\nmodules { m { files = [ { path = \"M.cs\", text = \"public sealed class M : IModule { public ValueTask InvokeAsync(ModuleContext c, CancellationToken t) => default; }\" } ] } }\n" +
                   "concurrent-users = 1\nduration = 1s\nflow = [ { module = m } ]\n";
        var body = JsonSerializer.Serialize(new Dictionary<string, object?> { ["scenario"] = text, ["file_name"] = "m.conf" });

        var (status, json, _) = await coordinator.SendAsync(HttpMethod.Post, "api/runs", body);

        Assert.Equal(403, status);
        Assert.Contains("perfcluster.api.allow-modules = off", json.GetProperty("detail").GetString());
    }
}
