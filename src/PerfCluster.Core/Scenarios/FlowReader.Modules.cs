using PerfCluster.Core.Hocon;
using PerfCluster.Core.Input;
using PerfCluster.Core.Steps;

namespace PerfCluster.Core.Scenarios;

/// <summary>The module steps of a journey: <c>{ module = reasoning }</c> or <c>{ module { use = reasoning, name = …, timeout = … } }</c>.</summary>
internal sealed partial class FlowReader
{
    private Dictionary<string, ModuleDefinition> _modules = new(StringComparer.Ordinal);

    private ModuleStep Module(HoconField field)
    {
        string module;
        var position = field.Value.Position;
        var section = new Section(new Dictionary<string, HoconField>());
        if (field.Value is HoconObject obj)
        {
            section = ScenarioKeys.Read(obj, ScenarioKeys.ModuleStep);
            var use = section.Field("use") ?? throw new ScenarioException("a module step object needs 'use', the module's name (e.g. module { use = reasoning })", obj.Position);
            module = use.Value.AsString(use.Key).Trim();
            position = use.Value.Position;
        }
        else module = field.Value.AsString(field.Key).Trim();
        if (!_modules.ContainsKey(module))
            throw new ScenarioException(
                _modules.Count == 0
                    ? $"unknown module '{module}': add a 'modules {{ {module} {{ source = [\"modules/{module}.cs\"] }} }}' block"
                    : $"unknown module '{module}'; the scenario's 'modules' block has {string.Join(", ", _modules.Keys)}", position);
        var step = new ModuleStep
        {
            Position = field.Value.Position,
            Name = StepName(section, field.Value.Position, module),
            Module = module,
            Timeout = TimeoutOf(section),
            Checks = section.Field("check") is { } c ? ModuleChecks(c) : [],
        };
        return section.Field("on-failure") is { } f ? step with { OnFailure = OnFailureOf(f) } : step;
    }

    /// <summary>A module's operation has no response to look into: its checks are on its latency.</summary>
    private IReadOnlyList<Check> ModuleChecks(HoconField field)
    {
        var checks = Checks(field);
        foreach (var check in checks)
            if (check.Kind != CheckKind.LatencyUnder)
                throw new ScenarioException($"check '{check.Name}': a module step's checks are latency-under (an operation has no status or body; throw to fail it)", check.Position);
        return checks;
    }
}
