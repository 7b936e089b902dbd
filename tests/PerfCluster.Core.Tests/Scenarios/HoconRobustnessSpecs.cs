using System.Text;
using PerfCluster.Core.Scenarios;
using PerfCluster.Core.Hocon;
using Xunit;
using PerfCluster.Core.Input;

namespace PerfCluster.Core.Tests.Scenarios;

/// <summary>Whatever the input, the reader and loader either succeed or throw ScenarioException, and always return.</summary>
public class HoconRobustnessSpecs
{
    private const string Sample = """"
        # every syntax feature in one file
        name = "Light Load"
        description = light production load ${?PERFCLUSTER_SPEC_UNSET}
        target = "http://127.0.0.1:8000"
        vars { api = "/api/v1" }
        concurrent-users = 10
        duration = 120s, ramp-up = 10s
        think-time { mean = 1s, jitter = 200ms }
        http { timeout = 30s, max-connections = 0 }
        endpoints = [
          ${vars.api}"/projects",               // a concatenation
          "POST /api/v1/tasks",
          { name = generate, method = POST, path = "/api/v1/ai/generate", weight = 0.2,
            headers { Content-Type = "application/json" }, body = """{"prompt":"hi"}""", expect-status = [200, 201] }
        ]
        request-patterns.distribution = weighted
        request-patterns { weights { "/api/v1/projects" = 0.4, "/api/v1/tasks" = 0.4, generate = 0.2 } }
        thresholds = [ "p95 < 2s", "error_rate < 0.05", { endpoint = "generate", threshold = "p99 < 500ms" } ]
        environment-config: { "api_base_url": "http://127.0.0.1:8000", "required_services": [ { "name": "api", "host": "localhost", "port": 8000 } ] }
        alert_thresholds { error_rate_max = 0.05, latency_p95_max = 2.0 }
        """";

    private const string PlanSample = """
        {
          "target": "http://127.0.0.1:8000",
          "environment_config": { "required_services": [ { "name": "api", "host": "localhost", "port": 8000 } ] },
          "scenarios": {
            "Light Load": { "concurrent_users": 10, "duration": 120, "think_time": 0.5 },
            "Heavy Load": ${scenarios."Light Load"} { "concurrent_users": 100 },
            "Spike Test": { "concurrent_users": 300, "duration": 120, "endpoints": ["GET /a", "POST /a"] }
          },
          "thresholds": ["p95 < 2s", { "threshold": "error_rate < 0.05" }]
        }
        """;

    public static TheoryData<string> Samples() => new() { Sample, PlanSample };

    private static readonly string Noise = "{}[]\",:=+#/\\$?.\n \t\"\"\"${}0aZ_-@!\r\u00e9\0";

    [Fact]
    public void Should_load_the_unmutated_samples()
    {
        var scenario = Assert.Single(ScenarioLoader.LoadText(Sample, "sample.conf").Scenarios);
        var plan = ScenarioLoader.LoadText(PlanSample, "plan.json");

        Assert.Equal(3, scenario.Endpoints.Count);
        Assert.Equal("/api/v1/projects", scenario.Endpoints[0].Path);
        Assert.Equal("light production load", scenario.Description);
        Assert.Equal([10, 100, 300], plan.Scenarios.Select(s => s.Load.Users));
        Assert.Equal(TimeSpan.FromMilliseconds(500), plan.Scenarios[1].Load.Think.Mean);
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public void Should_end_every_prefix_of_a_valid_file_in_success_or_a_scenario_exception(string sample)
    {
        var failures = new List<string>();
        var loaded = 0;
        for (var length = 0; length <= sample.Length; length++)
            if (Check(sample[..length], failures)) loaded++;

        Assert.Empty(failures);
        Assert.InRange(loaded, 1, sample.Length);
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public void Should_end_every_randomly_mutated_file_in_success_or_a_scenario_exception(string sample)
    {
        var random = new Random(20240611);
        var failures = new List<string>();
        var outcomes = new int[2];
        for (var round = 0; round < 3000; round++)
        {
            var text = new StringBuilder(sample);
            var edits = random.Next(1, 5);
            for (var e = 0; e < edits && text.Length > 0; e++)
            {
                var at = random.Next(text.Length);
                switch (random.Next(4))
                {
                    case 0: text[at] = Noise[random.Next(Noise.Length)]; break;
                    case 1: text[at] = (char)random.Next(0, 256); break;
                    case 2: text.Remove(at, Math.Min(text.Length - at, random.Next(1, 8))); break;
                    default: text.Insert(at, Noise[random.Next(Noise.Length)]); break;
                }
            }
            outcomes[Check(text.ToString(), failures) ? 0 : 1]++;
        }

        Assert.Empty(failures);
        Assert.True(outcomes[0] > 0 && outcomes[1] > 0, "mutations should both pass and fail");
    }

    [Fact]
    public void Should_reject_an_unclosed_array_followed_by_more_lines()
    {
        var failures = new List<string>();

        var loaded = Check("a = [1, 2\nb = 3\nc { d = [4\n", failures);

        Assert.Empty(failures);
        Assert.False(loaded);
    }

    /// <summary>Parses and loads on a worker thread; records anything but success or ScenarioException, or no answer at all.</summary>
    private static bool Check(string text, List<string> failures)
    {
        var work = Task.Run(() =>
        {
            try
            {
                HoconDocument.Parse(text, "fuzz.conf");
                ScenarioLoader.LoadText(text, "fuzz.conf", new ScenarioOverrides(Target: new Uri("http://127.0.0.1:8000")));
                return (Loaded: true, Error: (Exception?)null);
            }
            catch (ScenarioException)
            {
                return (Loaded: false, Error: null);
            }
            catch (Exception e)
            {
                return (Loaded: false, Error: e);
            }
        });
        if (!work.Wait(TimeSpan.FromSeconds(30)))
        {
            failures.Add($"no answer for: {Escape(text)}");
            return false;
        }
        if (work.Result.Error is { } error) failures.Add($"{error.GetType().Name}: {error.Message} for: {Escape(text)}");
        return work.Result.Loaded;
    }

    private static string Escape(string text) =>
        text.Replace("\\", "\\\\").Replace("\n", "\\n").Replace("\r", "\\r").Replace("\0", "\\0");
}
