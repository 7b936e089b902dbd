using PerfCluster.Core.Hocon;
using PerfCluster.Core.Input;

namespace PerfCluster.Core.Scenarios;

/// <summary>Reads <c>endpoints</c> and <c>request-patterns</c>: the request mix of a scenario.</summary>
internal static class EndpointReader
{
    /// <summary>An endpoint as read, before naming and weighting.</summary>
    internal sealed record EndpointDraft(
        string? Name, string Method, string Path, IReadOnlyDictionary<string, string> Headers, string? Body,
        IReadOnlyList<int> ExpectedStatus, double? Weight, SourcePosition Position);

    public static List<(EndpointDefinition Endpoint, bool HasWeight, SourcePosition? Position)> Read(Scope scenario)
    {
        var field = scenario.Get("endpoints");
        if (field is null)
            return PredefinedScenarios.DefaultEndpoints.Select(e => (e, true, (SourcePosition?)null)).ToList();
        if (field.Value is not HoconArray array)
            throw new ScenarioException($"expected an array for '{field.Key}' but found {field.Value.Describe()}", field.Value.Position);
        if (array.Count == 0)
            throw new ScenarioException($"'{field.Key}' must list at least one endpoint", array.Position);

        var drafts = array.Items.Select(item => ReadDraft(field.Key, item)).ToList();
        var methodsPerPath = drafts.GroupBy(d => d.Path, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Select(d => d.Method).Distinct(StringComparer.Ordinal).Count(), StringComparer.Ordinal);

        var result = new List<(EndpointDefinition, bool, SourcePosition?)>();
        var names = new Dictionary<string, SourcePosition>(StringComparer.Ordinal);
        foreach (var d in drafts)
        {
            var name = d.Name ?? (methodsPerPath[d.Path] > 1 ? $"{d.Method} {d.Path}" : d.Path);
            if (names.TryGetValue(name, out var first))
                throw new ScenarioException(
                    $"duplicate endpoint name '{name}' (first used at {first.Line}:{first.Column}); give each endpoint a distinct 'name'",
                    d.Position);
            names[name] = d.Position;
            result.Add((new EndpointDefinition
            {
                Name = name,
                Method = d.Method,
                Path = d.Path,
                Headers = d.Headers,
                Body = d.Body,
                ExpectedStatus = d.ExpectedStatus,
                Weight = d.Weight ?? 1.0,
            }, d.Weight is not null, d.Position));
        }
        return result;
    }

    private static EndpointDraft ReadDraft(string listKey, HoconNode item)
    {
        switch (item)
        {
            case HoconScalar { IsNull: false } scalar:
                var parts = scalar.Raw.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
                if (parts.Length is < 1 or > 2)
                    throw new ScenarioException(
                        $"expected \"PATH\" or \"METHOD PATH\" in '{listKey}' but found {scalar.Describe()}", scalar.Position);
                var method = parts.Length == 2 ? Method(parts[0], "method", scalar.Position) : "GET";
                var path = CheckPath(parts[^1], "path", scalar.Position);
                return new EndpointDraft(null, method, path, new Dictionary<string, string>(), null, [], null, scalar.Position);
            case HoconObject obj:
                return ObjectDraft(obj);
            default:
                throw new ScenarioException(
                    $"expected an endpoint (\"PATH\", \"METHOD PATH\" or an object) in '{listKey}' but found {item.Describe()}",
                    item.Position);
        }
    }

    private static EndpointDraft ObjectDraft(HoconObject obj)
    {
        var section = ScenarioKeys.Read(obj, ScenarioKeys.Endpoint);
        var pathField = section.Field("path")
            ?? throw new ScenarioException("an endpoint object needs a 'path' (e.g. path = \"/api/v1/projects\")", obj.Position);
        var path = CheckPath(pathField.Value.AsString(pathField.Key).Trim(), pathField.Key, pathField.Value.Position);

        var method = section.Field("method") is { } m ? Method(m.Value.AsString(m.Key).Trim(), m.Key, m.Value.Position) : "GET";

        string? name = null;
        if (section.Field("name") is { } n)
        {
            name = n.Value.AsString(n.Key).Trim();
            if (name.Length == 0) throw new ScenarioException($"'{n.Key}' must not be empty", n.Value.Position);
        }

        double? weight = null;
        if (section.Field("weight") is { } w)
        {
            weight = w.Value.AsDouble(w.Key);
            if (weight < 0)
                throw new ScenarioException($"'{w.Key}' must be 0 or more but is {w.Value.AsString()}", w.Value.Position);
        }

        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (section.Field("headers") is { } h)
        {
            if (h.Value is not HoconObject headerObj)
                throw new ScenarioException($"expected an object for '{h.Key}' but found {h.Value.Describe()}", h.Value.Position);
            foreach (var header in headerObj.Fields)
            {
                if (!IsToken(header.Key))
                    throw new ScenarioException($"'{header.Key}' is not a valid HTTP header name", header.KeyPosition);
                headers[header.Key] = header.Value.AsString(header.Key);
            }
        }

        var body = section.Field("body") is { } b ? b.Value.AsString(b.Key) : null;

        var expected = new List<int>();
        if (section.Field("expect-status") is { } s)
        {
            var values = s.Value is HoconArray statuses ? statuses.Items : [s.Value];
            foreach (var value in values)
            {
                var status = value.AsInt(s.Key);
                if (status is < 100 or > 599)
                    throw new ScenarioException($"'{s.Key}' values must be HTTP status codes 100..599 but found {status}", value.Position);
                expected.Add(status);
            }
        }

        return new EndpointDraft(name, method, path, headers, body, expected, weight, obj.Position);
    }

    internal static string Method(string text, string key, SourcePosition position)
    {
        var method = text.ToUpperInvariant();
        if (!IsToken(method))
            throw new ScenarioException($"'{key}' must be an HTTP method such as GET or POST but is '{text}'", position);
        return method;
    }

    private static string CheckPath(string path, string key, SourcePosition position)
    {
        if (!path.StartsWith('/'))
            throw new ScenarioException($"endpoint '{key}' must start with '/' but is '{path}'", position);
        if (path.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
            throw new ScenarioException($"endpoint '{key}' must not contain whitespace: '{path}'", position);
        return path;
    }

    /// <summary>An RFC 9110 token: what HTTP methods and header names are made of.</summary>
    internal static bool IsToken(string text) =>
        text.Length > 0 && text.All(c => char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-.^_`|~".Contains(c));

    /// <summary>Applies <c>request-patterns</c>: the distribution, and weights matched by endpoint name or path.</summary>
    public static (SelectionMode Mode, IReadOnlyList<EndpointDefinition> Endpoints) ApplyPatterns(
        Scope scenario, List<(EndpointDefinition Endpoint, bool HasWeight, SourcePosition? Position)> endpoints)
    {
        var mode = SelectionMode.Weighted;
        HoconField? weightsField = null;
        var patternsField = scenario.Get("request-patterns");
        if (patternsField is not null)
        {
            if (patternsField.Value is not HoconObject obj)
                throw new ScenarioException(
                    $"expected an object for '{patternsField.Key}' but found {patternsField.Value.Describe()}", patternsField.Value.Position);
            var patterns = ScenarioKeys.Read(obj, ScenarioKeys.RequestPatterns);
            if (patterns.Field("distribution") is { } d)
            {
                var text = d.Value.AsString(d.Key);
                mode = ScenarioKeys.Normalize(text.Trim()) switch
                {
                    "weighted" => SelectionMode.Weighted,
                    "uniform" => SelectionMode.Uniform,
                    "round-robin" => SelectionMode.RoundRobin,
                    _ => throw new ScenarioException(
                        $"'{d.Key}' must be weighted, uniform or round-robin but is '{text}'", d.Value.Position),
                };
            }
            weightsField = patterns.Field("weights");
        }

        var weights = new Dictionary<int, double>();
        if (weightsField is not null)
        {
            if (weightsField.Value is not HoconObject map)
                throw new ScenarioException(
                    $"expected an object of endpoint → weight for '{weightsField.Key}' but found {weightsField.Value.Describe()}",
                    weightsField.Value.Position);
            foreach (var entry in map.Fields)
            {
                var index = Match(entry, endpoints);
                if (weights.ContainsKey(index))
                    throw new ScenarioException(
                        $"weight for endpoint '{endpoints[index].Endpoint.Name}' is given twice", entry.KeyPosition);
                var weight = entry.Value.AsDouble(entry.Key);
                if (weight < 0)
                    throw new ScenarioException($"weight for '{entry.Key}' must be 0 or more but is {entry.Value.AsString()}", entry.Value.Position);
                weights[index] = weight;
            }
            for (var i = 0; i < endpoints.Count; i++)
            {
                if (!weights.ContainsKey(i) && !endpoints[i].HasWeight)
                    throw new ScenarioException(
                        $"'{weightsField.Key}' has no weight for endpoint '{endpoints[i].Endpoint.Name}'", weightsField.Value.Position);
            }
        }

        var result = endpoints
            .Select((e, i) => weights.TryGetValue(i, out var w) ? e.Endpoint with { Weight = w } : e.Endpoint)
            .ToList();
        if (mode == SelectionMode.Weighted && !(result.Sum(e => e.Weight) > 0))
        {
            var position = weightsField?.Value.Position ?? scenario.Get("endpoints")?.Value.Position ?? scenario.Seed.Position;
            throw new ScenarioException("endpoint weights must add up to more than 0 for the weighted distribution", position);
        }
        return (mode, result);
    }

    private static int Match(HoconField entry, List<(EndpointDefinition Endpoint, bool HasWeight, SourcePosition? Position)> endpoints)
    {
        var byName = endpoints.FindIndex(e => e.Endpoint.Name == entry.Key);
        if (byName >= 0) return byName;
        var byPath = Enumerable.Range(0, endpoints.Count).Where(i => endpoints[i].Endpoint.Path == entry.Key).ToList();
        if (byPath.Count == 1) return byPath[0];
        var known = string.Join(", ", endpoints.Select(e => e.Endpoint.Name));
        if (byPath.Count > 1)
            throw new ScenarioException(
                $"weight key '{entry.Key}' matches several endpoints ({string.Join(", ", byPath.Select(i => endpoints[i].Endpoint.Name))}); use an endpoint name",
                entry.KeyPosition);
        throw new ScenarioException($"weight for unknown endpoint '{entry.Key}'; endpoints: {known}", entry.KeyPosition);
    }
}
