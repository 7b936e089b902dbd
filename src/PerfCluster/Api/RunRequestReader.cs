using System.Text.Json;
using PerfCluster.Core.Scenarios;
using PerfCluster.Core.Hocon;
using PerfCluster.Core.Thresholds;
using PerfCluster.Engine.Drivers;
using PerfCluster.Core.Input;

namespace PerfCluster.Api;

/// <summary>Bad API input: answered with 400 and this message.</summary>
public sealed class ApiInputException(string message) : Exception(PerfCluster.Core.Input.InputEcho.Shorten(message));

/// <summary>A checked <c>POST /api/runs</c> body: the plan to run and the id asked for, if any.</summary>
public sealed record RunRequest(string? Id, TestPlan Plan);

/// <summary>
/// Reads the body of <c>POST /api/runs</c>:
/// <code>{ "scenario": "HOCON or JSON text", "file_name": "x.conf", "scenario_name": "Light Load", "id": "my-run",
///   "overrides": { "target": "http://...", "users": 10, "duration": "30s", "ramp_up": "5s", "think_time": "1s" } }</code>
/// <c>scenario</c> may also be a JSON object (the scenario itself). Only <c>scenario</c> is required.
/// </summary>
public static class RunRequestReader
{
    public const int MaxIdLength = Core.Runs.TestRunId.MaxLength;
    private static readonly string[] Fields = ["scenario", "file_name", "scenario_name", "id", "overrides"];
    private static readonly string[] OverrideFields = ["target", "users", "duration", "ramp_up", "think_time"];

    /// <summary>Throws <see cref="ApiInputException"/> for a bad body and <see cref="ScenarioException"/> for a bad scenario.</summary>
    public static RunRequest Read(JsonElement body)
    {
        if (body.ValueKind != JsonValueKind.Object)
            throw new ApiInputException($"expected a JSON object with 'scenario' but found {Describe(body)}");
        CheckFields(body, Fields, "the request");

        var text = body.TryGetProperty("scenario", out var s)
            ? s.ValueKind switch
            {
                JsonValueKind.String => s.GetString()!,
                JsonValueKind.Object => s.GetRawText(),
                _ => throw new ApiInputException($"'scenario' must be the scenario text (HOCON or JSON) but is {Describe(s)}"),
            }
            : throw new ApiInputException("'scenario' is required: the text of a scenario file (HOCON or JSON)");
        if (string.IsNullOrWhiteSpace(text)) throw new ApiInputException("'scenario' must not be empty");

        var fileName = OptionalString(body, "file_name") ?? "scenario.conf";
        var id = OptionalString(body, "id");
        if (id is not null && !IsValidId(id))
            throw new ApiInputException(
                $"'id' must be 1 to {MaxIdLength} letters, digits, '_', '.', '-' or '~' starting with a letter or digit, but is '{id}'");

        var overrides = body.TryGetProperty("overrides", out var o) && o.ValueKind != JsonValueKind.Null ? Overrides(o) : null;
        var plan = ScenarioLoader.LoadText(text, fileName, overrides);
        if (OptionalString(body, "scenario_name") is { } name)
        {
            var picked = plan.Scenarios.Where(x => string.Equals(x.Name, name, StringComparison.OrdinalIgnoreCase)).ToList();
            if (picked.Count == 0)
                throw new ApiInputException($"no scenario named '{name}' in {fileName}; it has: {string.Join(", ", plan.Scenarios.Select(x => x.Name))}");
            plan = plan with { Scenarios = picked };
        }
        ThresholdEvaluator.ValidatePlan(plan);
        if (RequestDrivers.EngineProblem(plan) is { } problem) throw new ApiInputException(problem);
        return new RunRequest(id, plan);
    }

    public static bool IsValidId(string id) => Core.Runs.TestRunId.IsValid(id);

    private static ScenarioOverrides Overrides(JsonElement o)
    {
        if (o.ValueKind != JsonValueKind.Object) throw new ApiInputException($"'overrides' must be an object but is {Describe(o)}");
        CheckFields(o, OverrideFields, "'overrides'");

        Uri? target = null;
        if (OptionalString(o, "target", "overrides.target") is { } t)
        {
            if (!Uri.TryCreate(t, UriKind.Absolute, out target) || target.Scheme is not ("http" or "https"))
                throw new ApiInputException($"'overrides.target' must be an absolute http(s) URL but is '{t}'");
        }
        int? users = null;
        if (o.TryGetProperty("users", out var u) && u.ValueKind != JsonValueKind.Null)
        {
            if (u.ValueKind != JsonValueKind.Number || !u.TryGetInt32(out var n))
                throw new ApiInputException($"'overrides.users' must be a whole number but is {Describe(u)}");
            if (n < 1) throw new ApiInputException($"'overrides.users' must be at least 1 but is {n}");
            users = n;
        }
        return new ScenarioOverrides(target, users, Duration(o, "duration"), Duration(o, "ramp_up"), Duration(o, "think_time"));
    }

    private static TimeSpan? Duration(JsonElement o, string key)
    {
        if (!o.TryGetProperty(key, out var v) || v.ValueKind == JsonValueKind.Null) return null;
        var name = $"overrides.{key}";
        var text = v.ValueKind switch
        {
            JsonValueKind.String => v.GetString()!,
            JsonValueKind.Number => v.GetRawText(),
            _ => throw new ApiInputException($"'{name}' must be a duration such as \"30s\" or a number of seconds but is {Describe(v)}"),
        };
        TimeSpan value;
        try
        {
            value = HoconScalar.FromText(text, name).AsDuration(name);
        }
        catch (ScenarioException e)
        {
            throw new ApiInputException($"'{name}': {e.Message}");
        }
        return value < TimeSpan.Zero ? throw new ApiInputException($"'{name}' must not be negative but is '{text}'") : value;
    }

    private static string? OptionalString(JsonElement obj, string key, string? name = null)
    {
        if (!obj.TryGetProperty(key, out var v) || v.ValueKind == JsonValueKind.Null) return null;
        return v.ValueKind == JsonValueKind.String
            ? v.GetString()
            : throw new ApiInputException($"'{name ?? key}' must be a string but is {Describe(v)}");
    }

    private static void CheckFields(JsonElement obj, string[] known, string where)
    {
        foreach (var p in obj.EnumerateObject())
        {
            if (!known.Contains(p.Name, StringComparer.Ordinal))
                throw new ApiInputException($"unknown field '{p.Name}' in {where}; known fields: {string.Join(", ", known)}");
        }
    }

    private static string Describe(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => $"the string \"{e.GetString()}\"",
        JsonValueKind.Number => $"the number {e.GetRawText()}",
        JsonValueKind.True or JsonValueKind.False => $"{e.GetRawText()}",
        JsonValueKind.Null => "null",
        _ => "nothing",
    };
}
