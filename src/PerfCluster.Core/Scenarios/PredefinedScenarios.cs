namespace PerfCluster.Core.Scenarios;

/// <summary>One row of the guide's predefined suite.</summary>
public sealed record PredefinedScenario(string Name, int Users, TimeSpan Duration, string Description);

/// <summary>The guide's predefined load-testing scenarios and default endpoint mix.</summary>
public static class PredefinedScenarios
{
    /// <summary>Run in this order when a file (such as the guide's benchmark_config.json) names no scenario.</summary>
    public static readonly IReadOnlyList<PredefinedScenario> All =
    [
        new("Baseline Load", 5, TimeSpan.FromSeconds(60), "Minimal load for baseline measurements"),
        new("Light Load", 10, TimeSpan.FromSeconds(120), "Light production load simulation"),
        new("Medium Load", 50, TimeSpan.FromSeconds(180), "Medium production load with realistic patterns"),
        new("Heavy Load", 100, TimeSpan.FromSeconds(300), "Heavy load testing system limits"),
        new("Peak Load", 200, TimeSpan.FromSeconds(240), "Peak load for extreme scenarios"),
        new("Spike Test", 300, TimeSpan.FromSeconds(120), "Traffic spike simulation"),
    ];

    /// <summary>The guide's request mix, used by a scenario that lists no endpoints.</summary>
    public static readonly IReadOnlyList<EndpointDefinition> DefaultEndpoints =
    [
        new() { Name = "/api/v1/projects", Method = "GET", Path = "/api/v1/projects", Weight = 0.4 },
        new() { Name = "/api/v1/tasks", Method = "GET", Path = "/api/v1/tasks", Weight = 0.4 },
        new()
        {
            Name = "/api/v1/ai/generate",
            Method = "POST",
            Path = "/api/v1/ai/generate",
            Headers = new Dictionary<string, string> { ["Content-Type"] = "application/json" },
            Body = """{"prompt":"benchmark"}""",
            Weight = 0.2,
        },
    ];
}
