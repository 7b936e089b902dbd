using System.Text.RegularExpressions;
using PerfCluster.Core.Scenarios;

namespace PerfCluster.Core.Tests.Scenarios;

/// <summary>
/// Every scenario example in the README and in docs/ (each <c>```hocon</c> block) loads with the scenario reader, so no
/// example rots. A block that shows only some keys (a <c>stages</c> list, a <c>monitor</c> block) is loaded on top of
/// a target and one endpoint, the least a scenario needs.
/// </summary>
public partial class DocumentedScenarioSpecs
{
    private const string Least = "target = \"http://127.0.0.1:8000\"\nendpoints = [\"/api/v1/projects\"]\n";

    public static TheoryData<string, int> Examples()
    {
        var data = new TheoryData<string, int>();
        foreach (var (file, line, _) in Blocks()) data.Add(file, line);
        return data;
    }

    [Theory]
    [MemberData(nameof(Examples))]
    public void Should_load_every_scenario_example_in_the_docs(string file, int line)
    {
        var block = Blocks().Single(b => b.File == file && b.Line == line).Text;
        var text = Regex.IsMatch(block, @"^\s*(target|scenarios)\s*[=:{]", RegexOptions.Multiline) ? block : Least + block;

        var plan = ScenarioLoader.LoadText(text, $"{file}:{line}");

        Assert.NotEmpty(plan.Scenarios);
        PerfCluster.Core.Thresholds.ThresholdEvaluator.ValidatePlan(plan);
    }

    [Fact]
    public void Should_find_the_examples_of_every_page_that_has_them()
    {
        var files = Blocks().Select(b => b.File).Distinct().ToList();
        Assert.Contains("README.md", files);
        Assert.Contains("docs/scenarios.md", files);
        Assert.Contains("docs/monitoring.md", files);
        Assert.Contains("docs/baselines.md", files);
    }

    private static IEnumerable<(string File, int Line, string Text)> Blocks()
    {
        var root = Root();
        var pages = new[] { Path.Combine(root, "README.md") }.Concat(Directory.GetFiles(Path.Combine(root, "docs"), "*.md", SearchOption.AllDirectories));
        foreach (var page in pages.Order(StringComparer.Ordinal))
        {
            var lines = File.ReadAllLines(page);
            var name = Path.GetRelativePath(root, page).Replace('\\', '/');
            for (var i = 0; i < lines.Length; i++)
            {
                if (lines[i].Trim() != "```hocon") continue;
                var end = Array.FindIndex(lines, i + 1, l => l.Trim() == "```");
                Assert.True(end > i, $"{name}:{i + 1}: a ```hocon block that is never closed");
                yield return (name, i + 1, string.Join('\n', lines[(i + 1)..end]));
                i = end;
            }
        }
    }

    private static string Root()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "PerfCluster.sln"))) return dir.FullName;
        throw new InvalidOperationException($"no PerfCluster.sln above {AppContext.BaseDirectory}");
    }
}
