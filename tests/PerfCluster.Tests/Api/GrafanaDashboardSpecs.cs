using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using PerfCluster.Api;
using PerfCluster.Tests.Deploy;

namespace PerfCluster.Tests.Api;

/// <summary>
/// The shipped Grafana dashboard (docs/grafana/perfcluster.json) queries only what the coordinator's /metrics exports:
/// every metric a query or a variable names is one of its series, every panel has a query, and panel ids are unique.
/// </summary>
public sealed partial class GrafanaDashboardSpecs
{
    private static readonly string DashboardFile = Path.Combine(DeployFiles.Root, "docs", "grafana", "perfcluster.json");

    [GeneratedRegex(@"^# TYPE (\S+) ", RegexOptions.Multiline)]
    private static partial Regex TypeLine();

    [GeneratedRegex(@"[A-Za-z_:][A-Za-z0-9_:]*")]
    private static partial Regex Identifier();

    private static readonly HashSet<string> PromQlWords =
    [
        "sum", "rate", "irate", "increase", "avg", "max", "min", "count", "clamp_min", "clamp_max", "histogram_quantile", "label_values",
        "by", "without", "on", "ignoring", "group_left", "group_right", "and", "or", "unless", "offset", "bool", "e",
    ];

    private static async Task<HashSet<string>> ExportedAsync()
    {
        using var text = new MemoryStream();
        await new CoordinatorMetrics().WriteAsync(text, CancellationToken.None);
        return TypeLine().Matches(Encoding.UTF8.GetString(text.ToArray())).Select(m => m.Groups[1].Value).ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>The metric names of a PromQL expression: what is left once strings, label matchers, ranges, numbers, functions and keywords are gone.</summary>
    private static IEnumerable<string> MetricsIn(string expr)
    {
        var bare = Regex.Replace(expr, @"label_values\(\s*([^,]+),\s*\w+\s*\)", "$1");   // a variable's query: the metric, then a label
        bare = Regex.Replace(bare, "\"(?:[^\"\\\\]|\\\\.)*\"", "");
        bare = Regex.Replace(bare, @"\{[^}]*\}|\[[^\]]*\]", " ");
        bare = Regex.Replace(bare, @"\b(by|without|on|ignoring)\s*\([^)]*\)", " ");
        bare = Regex.Replace(bare, @"\b\d+(\.\d+)?(e-?\d+)?\b", " ");
        return Identifier().Matches(bare).Select(m => m.Value).Where(w => !PromQlWords.Contains(w) && !w.StartsWith('$'));
    }

    private static IEnumerable<JsonElement> Panels(JsonElement root) =>
        root.GetProperty("panels").EnumerateArray().SelectMany(p => p.TryGetProperty("panels", out var nested) ? nested.EnumerateArray().Prepend(p) : [p]);

    [Fact]
    public async Task Should_query_only_metrics_the_coordinator_exports()
    {
        var exported = await ExportedAsync();
        Assert.Contains("perfcluster_throughput_rps", exported);
        using var dashboard = JsonDocument.Parse(File.ReadAllText(DashboardFile));
        var root = dashboard.RootElement;

        var expressions = Panels(root).Where(p => p.TryGetProperty("targets", out _))
            .SelectMany(p => p.GetProperty("targets").EnumerateArray().Select(t => t.GetProperty("expr").GetString()!))
            .Concat(root.GetProperty("templating").GetProperty("list").EnumerateArray()
                .Where(v => v.GetProperty("type").GetString() == "query").Select(v => v.GetProperty("definition").GetString()!))
            .ToList();

        Assert.True(expressions.Count >= 15, $"{expressions.Count} queries");
        foreach (var expr in expressions)
        {
            var metrics = MetricsIn(expr).ToList();
            Assert.True(metrics.Count > 0, $"'{expr}' names no metric");
            Assert.All(metrics, m => Assert.True(exported.Contains(m), $"'{expr}' names '{m}', which /metrics does not export ({string.Join(", ", exported)})"));
        }
        // Every exported series is on the dashboard somewhere.
        var used = expressions.SelectMany(MetricsIn).ToHashSet(StringComparer.Ordinal);
        Assert.Empty(exported.Where(e => e.StartsWith("perfcluster_", StringComparison.Ordinal)).Except(used));
    }

    [Fact]
    public void Should_be_an_importable_dashboard_with_unique_panel_ids_and_a_datasource_variable()
    {
        using var dashboard = JsonDocument.Parse(File.ReadAllText(DashboardFile));
        var root = dashboard.RootElement;
        Assert.Equal("perfcluster", root.GetProperty("uid").GetString());
        var ids = Panels(root).Select(p => p.GetProperty("id").GetInt32()).ToList();
        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.Contains(root.GetProperty("templating").GetProperty("list").EnumerateArray(), v => v.GetProperty("type").GetString() == "datasource");
        Assert.All(Panels(root).Where(p => p.GetProperty("type").GetString() != "row"), p =>
        {
            Assert.Equal("${datasource}", p.GetProperty("datasource").GetProperty("uid").GetString());
            Assert.NotEmpty(p.GetProperty("targets").EnumerateArray());
        });
    }
}
