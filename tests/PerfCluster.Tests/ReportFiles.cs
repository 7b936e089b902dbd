using System.Text.Json;
using Json.Schema;
using PerfCluster.Tests.Deploy;

namespace PerfCluster.Tests;

/// <summary>
/// The report.json a test reads, checked first against the published schema (docs/report.schema.json): every report
/// the end-to-end tests make PerfCluster write meets it.
/// </summary>
public static class ReportFiles
{
    private static readonly Lazy<JsonSchema> Schema = new(() =>
        JsonSchema.FromText(File.ReadAllText(Path.Combine(DeployFiles.Root, "docs", "report.schema.json"))));

    /// <summary>The report.json in <paramref name="directory"/>, validated.</summary>
    public static JsonElement Read(string directory) => Parse(File.ReadAllText(Path.Combine(directory, "report.json")), directory);

    /// <summary>A report.json's text (e.g. from the API), validated.</summary>
    public static JsonElement Parse(string json, string source)
    {
        var root = JsonDocument.Parse(json).RootElement.Clone();
        var result = Schema.Value.Evaluate(root, new EvaluationOptions { OutputFormat = OutputFormat.List });
        Assert.True(result.IsValid, $"the report.json of {source} does not meet docs/report.schema.json:\n" +
            string.Join("\n", (result.Details ?? []).Where(d => d.Errors is { Count: > 0 })
                .SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Key}: {e.Value}")).Take(20)));
        return root;
    }
}
