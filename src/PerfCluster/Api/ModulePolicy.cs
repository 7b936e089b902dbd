using PerfCluster.Core.Input;
using PerfCluster.Core.Scenarios;
using PerfCluster.Engine.Modules;

namespace PerfCluster.Api;

/// <summary>
/// Whether runs submitted over the API may carry C# modules (<c>perfcluster.api.allow-modules</c>, off by default).
/// A module is arbitrary code that every worker compiles and runs with its own rights, so a coordinator reachable by
/// many must opt in; when it does, a module that does not compile is refused here with its file, line and column.
/// </summary>
public sealed class ModulePolicy(bool allowed)
{
    public const string Setting = "perfcluster.api.allow-modules";

    public bool Allowed { get; } = allowed;

    /// <summary>Null when the plan may run; else the status, title and detail of the refusal.</summary>
    public (int Status, string Title, string Detail)? Refusal(TestPlan plan)
    {
        var journeys = plan.Scenarios.Where(s => s.Journey is { Modules.Count: > 0 }).ToList();
        if (journeys.Count == 0) return null;
        if (!Allowed)
            return (StatusCodes.Status403Forbidden, "Modules not allowed",
                $"scenario '{journeys[0].Name}' has C# modules ({string.Join(", ", journeys[0].Journey!.Modules.Select(m => m.Name))}), and this coordinator " +
                $"does not accept modules over its API ({Setting} = off); modules are arbitrary code run on the workers");
        try
        {
            foreach (var s in journeys) ModuleCompiler.CompileAll(s.Journey!);
            return null;
        }
        catch (ScenarioException e)
        {
            return (StatusCodes.Status400BadRequest, "Invalid scenario", e.Describe());
        }
    }
}
