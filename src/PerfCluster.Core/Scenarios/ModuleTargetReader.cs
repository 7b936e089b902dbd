using PerfCluster.Core.Hocon;
using PerfCluster.Core.Input;
using PerfCluster.Core.Steps;

namespace PerfCluster.Core.Scenarios;

/// <summary>
/// Reads <c>module-targets</c>, the guide's JSON as it is: module name → { min_ops_per_second, max_latency_ms (on p95),
/// scalability_threshold }. A target for a module the scenario declares but does not run is kept out of it (a plan's
/// scenarios may each run one module of a shared list); a scalability threshold needs the scenario's two phases.
/// </summary>
internal static class ModuleTargetReader
{
    public static IReadOnlyList<ModuleTarget> Read(Scope scenario, Journey? journey, ClosedLoad load)
    {
        if (scenario.Get("module-targets") is not { } field) return [];
        if (field.Value is not HoconObject map)
            throw new ScenarioException($"expected an object of module → targets for '{field.Key}' but found {field.Value.Describe()}", field.Value.Position);
        var declared = journey?.Modules.Select(m => m.Name).ToHashSet(StringComparer.Ordinal) ?? [];
        var run = journey?.Series.OfType<ModuleStep>().Select(s => s.Module).ToHashSet(StringComparer.Ordinal) ?? [];
        var targets = new List<ModuleTarget>();
        foreach (var entry in map.Fields)
        {
            if (!declared.Contains(entry.Key))
                throw new ScenarioException(
                    declared.Count == 0
                        ? $"module-targets names '{entry.Key}', but the scenario declares no modules (add 'modules {{ {entry.Key} {{ source = [...] }} }}' and a step that runs it)"
                        : $"module-targets names '{entry.Key}', which is not a module of the scenario ({string.Join(", ", declared)})", entry.KeyPosition);
            var obj = entry.Value as HoconObject
                ?? throw new ScenarioException($"expected {{ min_ops_per_second, max_latency_ms, scalability_threshold }} for '{entry.Key}' but found {entry.Value.Describe()}", entry.Value.Position);
            var section = ScenarioKeys.Read(obj, ScenarioKeys.ModuleTarget);
            var target = new ModuleTarget(entry.Key)
            {
                MinOpsPerSecond = Positive(section.Field("min-ops-per-second")),
                MaxLatencyMs = Positive(section.Field("max-latency-ms")),
                ScalabilityThreshold = section.Field("scalability-threshold") is { } s ? Fraction(s) : null,
                Position = entry.KeyPosition,
            };
            if (target is { MinOpsPerSecond: null, MaxLatencyMs: null, ScalabilityThreshold: null })
                throw new ScenarioException($"module target '{entry.Key}' sets none of min_ops_per_second, max_latency_ms and scalability_threshold", obj.Position);
            if (!run.Contains(entry.Key)) continue;
            if (journey!.Series.OfType<ModuleStep>().Count(m => m.Module == entry.Key) is var steps and > 1)
                throw new ScenarioException(
                    $"module-targets judge one step, but module '{entry.Key}' is run by {steps} steps; run it in one step, or declare it twice under two names", entry.KeyPosition);
            if (target.ScalabilityThreshold is not null && load.Phases is null)
                throw new ScenarioException(
                    $"'{entry.Key}' has a scalability_threshold, which needs the scenario in two phases: replace concurrent-users and duration " +
                    "with scalability { users = N, phase = 15s } (N users, then 2N)", section.Field("scalability-threshold")!.KeyPosition);
            targets.Add(target);
        }
        return targets;
    }

    private static double? Positive(HoconField? field)
    {
        if (field is null) return null;
        var value = field.Value.AsDouble(field.Key);
        return value > 0 && double.IsFinite(value) ? value : throw new ScenarioException($"'{field.Key}' must be greater than 0 but is {field.Value.AsString()}", field.Value.Position);
    }

    private static double Fraction(HoconField field)
    {
        var value = field.Value.AsDouble(field.Key);
        return value is > 0 and <= 2 ? value : throw new ScenarioException($"'{field.Key}' is an efficiency (1 = perfect scaling) and must be in (0, 2] but is {field.Value.AsString()}", field.Value.Position);
    }
}
