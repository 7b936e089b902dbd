using System.Security;
using PerfCluster.Core.Hocon;
using PerfCluster.Core.Input;

namespace PerfCluster.Core.Scenarios;

/// <summary>
/// Reads a scenario file (HOCON, or the guide's JSON) into a <see cref="TestPlan"/>. A file holds one of:
/// a single scenario at top level; <c>scenarios</c> as an array or a map of name → scenario; the guide's
/// predefined-scenarios map (name → { concurrent_users, duration, description }); or only plan-level
/// settings (the guide's benchmark_config.json), which runs <see cref="PredefinedScenarios.All"/>.
/// Plan-level keys beside the scenarios are inherited by every scenario that does not set its own.
/// </summary>
public static class ScenarioLoader
{
    public static TestPlan LoadFile(string path, ScenarioOverrides? overrides = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new ScenarioException($"scenario file '{path}' not found");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException
                                      or NotSupportedException or SecurityException)
        {
            throw new ScenarioException($"cannot read scenario file '{path}': {e.Message}");
        }
        return LoadText(text, path, overrides);
    }

    public static TestPlan LoadText(string text, string fileName, ScenarioOverrides? overrides = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(fileName);
        var root = HoconDocument.Parse(text, fileName);
        var benchmark = BenchmarkSettings.Read(root);
        // The optimiser's block (perfcluster optimize) is read by its own reader; to a run it is not a scenario key.
        foreach (var key in root.Keys.Where(k => Normalize(k) is "optimize" or "optimization").ToList()) root.Remove(key);
        var (plan, seeds) = Shape(root, fileName);
        var builder = new ScenarioBuilder(plan, overrides);
        var scenarios = seeds.Select(builder.Build).ToList();
        return new TestPlan(fileName, text, scenarios) { Benchmark = benchmark };
    }

    /// <summary>Works out which of the four file shapes this is; returns the plan-level section and one seed per scenario.</summary>
    private static (Section? Plan, List<ScenarioSeed> Seeds) Shape(HoconObject root, string fileName)
    {
        var topKeys = root.Keys.Select(ScenarioKeys.Normalize).ToList();

        if (topKeys.Contains("scenarios"))
        {
            var plan = ScenarioKeys.Read(root, ScenarioKeys.PlanWithScenarios);
            return (plan, ScenarioList(plan.Field("scenarios")!));
        }

        if (topKeys.Any(k => ScenarioKeys.ScenarioOnly.Contains(ScenarioKeys.Scenario.Canonical(k))))
        {
            var own = ScenarioKeys.Read(root, ScenarioKeys.Scenario);
            var name = own.Value("name")?.AsString("name") ?? Path.GetFileNameWithoutExtension(fileName);
            var single = new List<ScenarioSeed> { new(name, root.Position, own, null) };
            CheckUniqueNames(single);
            return (null, single);
        }

        var planFields = new List<HoconField>();
        var seeds = new List<ScenarioSeed>();
        foreach (var field in root.Fields)
        {
            if (ScenarioKeys.Plan.Knows(ScenarioKeys.Normalize(field.Key))) planFields.Add(field);
            else if (field.Value is HoconObject obj && LooksLikeScenario(obj))
                seeds.Add(MapEntry(field, obj));
            else
                throw ScenarioKeys.Unknown(field, ScenarioKeys.Plan,
                    "; a scenario is an object with 'concurrent-users' and 'duration', 'stages' or 'arrival-rate'");
        }
        var planSection = ScenarioKeys.Read(planFields, ScenarioKeys.Plan);
        if (seeds.Count == 0)
        {
            // Only plan-level settings (the guide's benchmark_config.json): run the predefined suite with them.
            seeds.AddRange(PredefinedScenarios.All.Select(p => new ScenarioSeed(p.Name, root.Position, null, p)));
        }
        CheckUniqueNames(seeds);
        return (planSection, seeds);
    }

    private static string Normalize(string key) => ScenarioKeys.Normalize(key);

    private static bool LooksLikeScenario(HoconObject obj) =>
        obj.Keys.Select(ScenarioKeys.Normalize).Any(k => k is "concurrent-users" or "duration" or "stages" or "arrival-rate" or "scalability");

    private static ScenarioSeed MapEntry(HoconField field, HoconObject obj)
    {
        var own = ScenarioKeys.Read(obj, ScenarioKeys.Scenario);
        var name = own.Value("name")?.AsString("name") ?? field.Key;
        return new ScenarioSeed(name, field.KeyPosition, own, null);
    }

    private static List<ScenarioSeed> ScenarioList(HoconField field)
    {
        var seeds = new List<ScenarioSeed>();
        switch (field.Value)
        {
            case HoconArray array:
                for (var i = 0; i < array.Count; i++)
                {
                    if (array[i] is not HoconObject obj)
                        throw new ScenarioException(
                            $"expected a scenario object in '{field.Key}' but found {array[i].Describe()}", array[i].Position);
                    var own = ScenarioKeys.Read(obj, ScenarioKeys.Scenario);
                    var name = own.Value("name")?.AsString("name")
                        ?? throw new ScenarioException($"scenario {i + 1} in '{field.Key}' has no 'name'", obj.Position);
                    seeds.Add(new ScenarioSeed(name, obj.Position, own, null));
                }
                break;
            case HoconObject map:
                foreach (var entry in map.Fields)
                {
                    if (entry.Value is not HoconObject obj)
                        throw new ScenarioException(
                            $"expected an object for scenario '{entry.Key}' but found {entry.Value.Describe()}", entry.Value.Position);
                    seeds.Add(MapEntry(entry, obj));
                }
                break;
            default:
                throw new ScenarioException(
                    $"expected an array or object of scenarios for '{field.Key}' but found {field.Value.Describe()}",
                    field.Value.Position);
        }
        if (seeds.Count == 0)
            throw new ScenarioException($"'{field.Key}' holds no scenario", field.Value.Position);
        CheckUniqueNames(seeds);
        return seeds;
    }

    private static void CheckUniqueNames(List<ScenarioSeed> seeds)
    {
        var seen = new Dictionary<string, ScenarioSeed>(StringComparer.Ordinal);
        foreach (var seed in seeds)
        {
            if (string.IsNullOrWhiteSpace(seed.Name))
                throw new ScenarioException("a scenario name must not be empty", seed.Position);
            if (seen.TryGetValue(seed.Name, out var first))
                throw new ScenarioException(
                    $"duplicate scenario name '{seed.Name}' (first used at {first.Position.Line}:{first.Position.Column})",
                    seed.Position);
            seen[seed.Name] = seed;
        }
    }
}

/// <summary>A scenario before it is built: its name, where it was written, its own keys, or a predefined row.</summary>
internal sealed record ScenarioSeed(string Name, SourcePosition Position, Section? Own, PredefinedScenario? Preset);
