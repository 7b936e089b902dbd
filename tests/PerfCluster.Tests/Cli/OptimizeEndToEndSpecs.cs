using System.Text.Json;
using System.Text.RegularExpressions;
using PerfCluster.Target;

namespace PerfCluster.Tests.Cli;

/// <summary>
/// <c>perfcluster optimize</c> against the demo target: the closed loop finds and applies a configuration within 5 % of the
/// model's best, a study killed mid-run continues with --resume without losing or repeating a trial, and bad input is exit 2
/// before any load.
/// </summary>
public sealed partial class OptimizeEndToEndSpecs
{
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(240);

    private static string Study(Uri target, int trials, string extra = "", string name = "tuning") => $$"""
        name = "Tuned"
        target = "{{target}}"
        concurrent-users = 10
        duration = 1s
        think-time = 0s
        endpoints = ["/api/v1/projects"]
        optimize {
          name = {{name}}
          parameters {
            db_pool_size        { type = integer, min = 1, max = 100, scale = log, start = 10 }
            compression_enabled { type = boolean, start = false }
          }
          constraints = ["error_rate < 5%"]
          budget { trials = {{trials}} }
          initial-trials = 3
          {{extra}}
          apply { url = "{{new Uri(target, "/__config")}}", settle = 100ms }
        }
        """;

    /// <summary>The model's score of a pool size and compression, the other four parameters at their defaults.</summary>
    private static double ModelScore(long pool, bool compression) =>
        (TuningModel.Defaults with { DbPoolSize = pool, CompressionEnabled = compression }).ExpectedScore(TuningModel.Defaults);

    [GeneratedRegex(@"^Trial (\d+) \((\w+)\): (.*)$", RegexOptions.Multiline)]
    private static partial Regex TrialLine();

    [Fact]
    public async Task Should_find_a_configuration_within_5_percent_of_the_model_s_best_and_leave_the_target_on_it()
    {
        using var dir = new TempDirectory();
        await using var target = await DemoTarget.StartAsync(new DemoTargetOptions(Port: 0));
        var (code, stdout, stderr) = await CliProcess.RunAsync(Budget, "optimize", dir.File("tune.conf", Study(target.BaseUrl, trials: 12)), "--out", dir.Sub("out"));

        Assert.True(code == 0, $"exit {code}\n{stdout}\n{stderr}");
        var study = ReportFiles.Read(dir.Sub("out")).GetProperty("optimisation");
        var trials = study.GetProperty("trials").EnumerateArray().ToList();
        Assert.InRange(trials.Count, 5, 12);
        Assert.Equal(Enumerable.Range(1, trials.Count), trials.Select(t => t.GetProperty("number").GetInt32()));
        Assert.Equal("baseline", trials[0].GetProperty("kind").GetString());
        var best = study.GetProperty("best");
        var pool = long.Parse(best.GetProperty("db_pool_size").GetString()!);
        var compression = bool.Parse(best.GetProperty("compression_enabled").GetString()!);
        var optimum = new[] { false, true }.SelectMany(c => Enumerable.Range(1, 100).Select(p => ModelScore(p, c))).Max();
        Assert.True(Math.Exp(ModelScore(pool, compression) - optimum) >= 0.95, $"pool {pool}, compression {compression}\n{stdout}");
        Assert.True(study.GetProperty("gain").GetDouble() > 0.2);
        Assert.True(study.GetProperty("applied_best").GetBoolean());
        // The target is left on the best configuration.
        Assert.Equal(pool, target.Tuning!.DbPoolSize);
        Assert.Equal(compression, target.Tuning.CompressionEnabled);
        Assert.Contains("Optimisation study 'tuning'", File.ReadAllText(Path.Combine(dir.Sub("out"), "summary.txt")), StringComparison.Ordinal);
        var html = File.ReadAllText(Path.Combine(dir.Sub("out"), "report.html"));
        Assert.Contains("id=\"optimisation\"", html, StringComparison.Ordinal);
        Assert.Contains("opt-convergence", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Should_continue_a_killed_study_with_resume_without_losing_or_repeating_a_trial()
    {
        using var dir = new TempDirectory();
        await using var target = await DemoTarget.StartAsync(new DemoTargetOptions(Port: 0));
        var file = dir.File("tune.conf", Study(target.BaseUrl, trials: 8, extra: "convergence { trials = 20 }"));
        var environment = new Dictionary<string, string?> { [CliProcess.DataDirVariable] = dir.Sub("data") };

        string before;
        using (var first = CliProcess.Start(environment, "optimize", file, "--out", dir.Sub("first")))
        {
            await first.WaitForOutputAsync("Trial 3: score", Budget);
            first.Signal("KILL");
            await first.WaitAsync(TimeSpan.FromSeconds(30));
            before = first.Stdout;
        }
        var started = TrialLine().Matches(before).ToDictionary(m => int.Parse(m.Groups[1].Value), m => m.Groups[3].Value.Trim());

        var (code, stdout, stderr) = await CliProcess.RunAsync(Budget, environment, "optimize", file, "--resume", "--out", dir.Sub("second"));

        Assert.True(code == 0, $"exit {code}\n{stdout}\n{stderr}");
        var stored = int.Parse(Regex.Match(stdout, @"Resuming study 'tuning' after (\d+) stored trial").Groups[1].Value);
        Assert.InRange(stored, 3, 4);
        var trials = ReportFiles.Read(dir.Sub("second")).GetProperty("optimisation").GetProperty("trials").EnumerateArray().ToList();
        Assert.Equal(Enumerable.Range(1, trials.Count), trials.Select(t => t.GetProperty("number").GetInt32()));
        Assert.Equal(8, trials.Count);
        // The stored trials are the first run's, and none of their configurations was searched again.
        for (var n = 1; n <= stored; n++)
        {
            var parameters = string.Join(", ", trials[n - 1].GetProperty("parameters").EnumerateObject().Select(p => $"{p.Name}={p.Value.GetString()}"));
            Assert.Equal(started[n], parameters);
        }
        var keys = trials.Where(t => t.GetProperty("kind").GetString() is not "remeasure").Select(t => t.GetProperty("parameters").GetRawText()).ToList();
        Assert.Equal(keys.Count, keys.Distinct().Count());
        Assert.DoesNotMatch(@"(?m)^Trial [1-3] \(", stdout);
    }

    [Fact]
    public async Task Should_exit_2_before_any_load_on_an_unknown_metric_or_an_apply_that_fails()
    {
        using var dir = new TempDirectory();
        await using var target = await DemoTarget.StartAsync(new DemoTargetOptions(Port: 0));

        var unknown = dir.File("unknown.conf", Study(target.BaseUrl, 8, extra: "objectives = [{ metric = speed }]"));
        var (code, _, stderr) = await CliProcess.RunAsync(Budget, "optimize", unknown);
        Assert.Equal(2, code);
        Assert.Matches(@"unknown\.conf:\d+:\d+: .*unknown metric 'speed'", stderr);

        var refused = dir.File("refused.conf", Study(target.BaseUrl, 8).Replace("/__config", "/__nothing-here"));
        (code, _, stderr) = await CliProcess.RunAsync(Budget, "optimize", refused);
        Assert.Equal(2, code);
        Assert.Contains("applying the baseline configuration", stderr, StringComparison.Ordinal);
        Assert.Contains("HTTP 404", stderr, StringComparison.Ordinal);
        Assert.Equal(0, target.Counts.Values.Sum());
        Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
    }
}
