using System.Globalization;
using PerfCluster.Core.Hocon;
using PerfCluster.Core.Input;
using PerfCluster.Core.Steps;

namespace PerfCluster.Core.Scenarios;

/// <summary>Reads <c>thresholds</c> and the guide's <c>alert-thresholds</c>; expressions stay as written.</summary>
internal static class ThresholdReader
{
    public static IReadOnlyList<ThresholdDefinition> Read(Scope scenario, IReadOnlyList<EndpointDefinition> endpoints, Journey? journey = null)
    {
        var result = new List<ThresholdDefinition>();
        if (scenario.Get("thresholds") is { } field)
        {
            var items = field.Value switch
            {
                HoconArray array => array.Items,
                HoconScalar { IsNull: false } single => [single],
                _ => throw new ScenarioException(
                    $"expected an array of thresholds for '{field.Key}' but found {field.Value.Describe()}", field.Value.Position),
            };
            foreach (var item in items) result.Add(Threshold(field.Key, item, endpoints, journey));
        }

        if (scenario.Get("alert-thresholds") is { } alerts)
        {
            if (alerts.Value is not HoconObject obj)
                throw new ScenarioException($"expected an object for '{alerts.Key}' but found {alerts.Value.Describe()}", alerts.Value.Position);
            var section = ScenarioKeys.Read(obj, ScenarioKeys.AlertThresholds);
            if (section.Field("error-rate-max") is { } e)
            {
                var rate = e.Value.AsDouble(e.Key);
                if (rate < 0)
                    throw new ScenarioException($"'{e.Key}' must be 0 or more but is {e.Value.AsString()}", e.Value.Position);
                result.Add(new ThresholdDefinition(
                    $"error_rate < {rate.ToString(CultureInfo.InvariantCulture)}", null, e.Value.Position));
            }
            if (section.Field("latency-p95-max") is { } l)
            {
                var latency = l.Value.AsDuration(l.Key);
                if (latency <= TimeSpan.Zero)
                    throw new ScenarioException(
                        $"'{l.Key}' must be greater than 0 but is {DurationText.Format(latency)}", l.Value.Position);
                result.Add(new ThresholdDefinition($"p95 < {DurationText.Format(latency)}", null, l.Value.Position));
            }
        }

        var seen = new HashSet<(string, string?, string?, string?)>();
        return result.Where(t => seen.Add((t.Expression, t.Endpoint, t.Flow, t.Check))).ToList();
    }

    private static ThresholdDefinition Threshold(string listKey, HoconNode item, IReadOnlyList<EndpointDefinition> endpoints, Journey? journey)
    {
        switch (item)
        {
            case HoconScalar { IsNull: false } scalar:
                return new ThresholdDefinition(Expression(scalar, listKey), null, scalar.Position);
            case HoconObject obj:
                var section = ScenarioKeys.Read(obj, ScenarioKeys.Threshold);
                var expr = section.Field("threshold")
                    ?? throw new ScenarioException(
                        "a threshold object needs 'threshold' (e.g. threshold = \"p95 < 2s\")", obj.Position);
                var scopes = new[] { "endpoint", "step", "flow", "check" }.Where(k => section.Field(k) is not null).ToList();
                if (scopes.Count > 1)
                    throw new ScenarioException($"a threshold is scoped to one thing, but this one sets {string.Join(" and ", scopes)}", obj.Position);
                string? endpoint = null, flow = null, check = null;
                if (section.Field("endpoint") is { } e)
                    endpoint = Endpoint(e.Value.AsString(e.Key).Trim(), e, endpoints);
                if (section.Field("step") is { } st)
                {
                    var name = st.Value.AsString(st.Key).Trim();
                    if (journey is null || !endpoints.Any(x => x.Name == name))
                        throw new ScenarioException(journey is null
                            ? $"threshold refers to step '{name}', but this scenario has no flow (use 'endpoint' for a request mix)"
                            : $"threshold refers to unknown step '{name}'; steps: {string.Join(", ", endpoints.Select(x => x.Name))}", st.Value.Position);
                    endpoint = name;
                }
                if (section.Field("flow") is { } f)
                {
                    flow = f.Value.AsString(f.Key).Trim();
                    if (journey is null || journey.Flows.All(x => x.Name != flow))
                        throw new ScenarioException(journey is null
                            ? $"threshold refers to flow '{flow}', but this scenario has no flow"
                            : $"threshold refers to unknown flow '{flow}'; flows: {string.Join(", ", journey.Flows.Select(x => x.Name))}", f.Value.Position);
                }
                if (section.Field("check") is { } c)
                {
                    check = c.Value.AsString(c.Key).Trim();
                    if (journey is null || journey.Checks.All(x => x.Name != check))
                        throw new ScenarioException(journey is null || journey.Checks.Count == 0
                            ? $"threshold refers to check '{check}', but this scenario has no checks"
                            : $"threshold refers to unknown check '{check}'; checks: {string.Join(", ", journey.Checks.Select(x => x.Name))}", c.Value.Position);
                }
                return new ThresholdDefinition(Expression(expr.Value, expr.Key), endpoint, expr.Value.Position) { Flow = flow, Check = check };
            default:
                throw new ScenarioException(
                    $"expected a threshold (\"p95 < 2s\" or {{ threshold, endpoint }}) in '{listKey}' but found {item.Describe()}",
                    item.Position);
        }
    }

    private static string Expression(HoconNode node, string key)
    {
        var text = node.AsString(key).Trim();
        return text.Length > 0 ? text : throw new ScenarioException($"empty threshold in '{key}'", node.Position);
    }

    private static string Endpoint(string reference, HoconField field, IReadOnlyList<EndpointDefinition> endpoints)
    {
        if (endpoints.Any(e => e.Name == reference)) return reference;
        var byPath = endpoints.Where(e => e.Path == reference).ToList();
        if (byPath.Count == 1) return byPath[0].Name;
        throw new ScenarioException(
            $"threshold refers to unknown endpoint '{reference}'; endpoints: {string.Join(", ", endpoints.Select(e => e.Name))}",
            field.Value.Position);
    }
}
