using PerfCluster.Core.Scenarios;
using PerfCluster.Core.Hocon;
using PerfCluster.Core.Input;

namespace PerfCluster.Core.Scenarios;

/// <summary>
/// Reads <c>alert-rules</c> (the guide's <c>alert_rules</c>): a list of <c>{ name, metric, threshold,
/// comparison = gt, duration = 0s, severity = warning, action = log, url, endpoint }</c>. <c>url</c> is required
/// for, and only allowed with, <c>action = webhook</c>; <c>endpoint</c> must name an endpoint of the scenario.
/// </summary>
internal static class AlertRuleReader
{
    public const Comparison DefaultComparison = Comparison.Gt;
    public const AlertSeverity DefaultSeverity = AlertSeverity.Warning;
    public const AlertAction DefaultAction = AlertAction.Log;

    public static IReadOnlyList<AlertRule> Read(Scope scenario, IReadOnlyList<EndpointDefinition> endpoints)
    {
        if (scenario.Get("alert-rules") is not { } field) return [];
        var rules = new List<AlertRule>();
        var names = new Dictionary<string, SourcePosition>(StringComparer.Ordinal);
        foreach (var item in AlertSections.Items(field, "alert rules"))
        {
            var rule = Rule(field.Key, item, endpoints);
            if (names.TryGetValue(rule.Name, out var first))
                throw new ScenarioException(
                    $"duplicate alert rule name '{rule.Name}' (first used at {first.Line}:{first.Column})", rule.Position);
            names[rule.Name] = rule.Position!;
            rules.Add(rule);
        }
        return rules;
    }

    private static AlertRule Rule(string listKey, HoconNode item, IReadOnlyList<EndpointDefinition> endpoints)
    {
        if (item is not HoconObject obj)
            throw new ScenarioException(
                $"expected an alert rule {{ name, metric, threshold }} in '{listKey}' but found {item.Describe()}", item.Position);
        var section = ScenarioKeys.Read(obj, ScenarioKeys.AlertRule);

        var nameField = section.Field("name")
            ?? throw new ScenarioException("an alert rule needs a 'name' (e.g. name = high_error_rate)", obj.Position);
        var name = nameField.Value.AsString(nameField.Key).Trim();
        if (name.Length == 0) throw new ScenarioException("an alert rule name must not be empty", nameField.Value.Position);

        var metric = AlertSections.Metric(section, obj, $"alert rule '{name}'", "metric = error_rate");
        var thresholdField = section.Field("threshold")
            ?? throw new ScenarioException($"alert rule '{name}' needs a 'threshold' (e.g. threshold = 0.1)", obj.Position);
        var threshold = MetricValueReader.Read(metric, thresholdField);
        var comparison = section.Field("comparison") is { } c ? AlertSections.ReadComparison(c) : DefaultComparison;
        var severity = section.Field("severity") is { } s ? AlertSections.ReadSeverity(s) : DefaultSeverity;
        var duration = section.Field("duration") is { } d ? Duration(d) : TimeSpan.Zero;

        var action = DefaultAction;
        if (section.Field("action") is { } a)
        {
            var text = a.Value.AsString(a.Key);
            if (!AlertWords.TryParseAction(text, out action))
                throw AlertSections.Unknown(a, text, "action", AlertWords.Actions);
        }

        Uri? url = null;
        if (section.Field("url") is { } u)
        {
            if (action != AlertAction.Webhook)
                throw new ScenarioException(
                    $"'{u.Key}' applies only to action = webhook, but alert rule '{name}' has action = {action.Key()}", u.KeyPosition);
            var urlText = u.Value.AsString(u.Key).Trim();
            if (!Uri.TryCreate(urlText, UriKind.Absolute, out url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
                throw new ScenarioException(
                    $"'{u.Key}' must be an absolute http(s) URL such as \"https://hooks.example.com/alerts\" but is '{urlText}'",
                    u.Value.Position);
        }
        else if (action == AlertAction.Webhook)
            throw new ScenarioException($"alert rule '{name}' has action = webhook but no 'url' to POST to", obj.Position);

        string? endpoint = null;
        if (section.Field("endpoint") is { } e) endpoint = Endpoint(e, endpoints);

        return new AlertRule(name, metric.Name, threshold, comparison, duration, severity, action)
        {
            Url = url,
            Endpoint = endpoint,
            Position = obj.Position,
        };
    }

    private static TimeSpan Duration(HoconField field)
    {
        var duration = field.Value.AsDuration(field.Key);
        if (duration < TimeSpan.Zero)
            throw new ScenarioException($"'{field.Key}' must be 0 or more but is {DurationText.Format(duration)}", field.Value.Position);
        if (duration.Ticks % TimeSpan.TicksPerSecond != 0)
            throw new ScenarioException(
                $"'{field.Key}' must be a whole number of seconds (windows are one second long) but is {DurationText.Format(duration)}",
                field.Value.Position);
        return duration;
    }

    private static string Endpoint(HoconField field, IReadOnlyList<EndpointDefinition> endpoints)
    {
        var reference = field.Value.AsString(field.Key).Trim();
        if (endpoints.Any(e => e.Name == reference)) return reference;
        var byPath = endpoints.Where(e => e.Path == reference).ToList();
        if (byPath.Count == 1) return byPath[0].Name;
        throw new ScenarioException(
            $"alert rule refers to unknown endpoint '{reference}'; endpoints: {string.Join(", ", endpoints.Select(e => e.Name))}",
            field.Value.Position);
    }
}
