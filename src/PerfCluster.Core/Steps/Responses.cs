using System.Globalization;
using System.Text.RegularExpressions;
using DevLab.JmesPath;
using DevLab.JmesPath.Expressions;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
using PerfCluster.Core.Input;

namespace PerfCluster.Core.Steps;

/// <summary>
/// A JMESPath expression compiled once (JmesPath.Net) and evaluated against a response's JSON body. A string result
/// is its text; numbers and booleans their JSON text; objects and arrays compact JSON; null or no match is "not found".
/// The most common expressions, plain paths of names and indices (<c>token</c>, <c>projects[0].id</c>,
/// <c>items[-1]</c>), take a fast path on System.Text.Json with the same result; everything else goes to JmesPath.Net.
/// </summary>
public sealed class JsonPath
{
    private static readonly JmesPath Engine = new();
    private static readonly Regex SimplePath = new(@"^[A-Za-z_][A-Za-z0-9_]*(\[-?\d+\])*(\.[A-Za-z_][A-Za-z0-9_]*(\[-?\d+\])*)*$", RegexOptions.CultureInvariant);
    private readonly JmesPathExpression _expression;
    /// <summary>The fast path: property names (strings) and indices (ints) in order; null for a full JMESPath expression.</summary>
    private readonly object[]? _steps;

    private JsonPath(string text, JmesPathExpression expression, object[]? steps)
    {
        Text = text;
        _expression = expression;
        _steps = steps;
    }

    public string Text { get; }

    public static JsonPath Parse(string text, SourcePosition? position)
    {
        JmesPathExpression expression;
        try
        {
            expression = Engine.Parse(text);
        }
        catch (Exception e)
        {
            throw new ScenarioException($"'{text}' is not a JMESPath expression: {e.Message}", position);
        }
        return new JsonPath(text, expression, SimplePath.IsMatch(text) ? StepsOf(text) : null);
    }

    private static object[] StepsOf(string text)
    {
        var steps = new List<object>();
        foreach (var part in text.Split('.'))
        {
            var bracket = part.IndexOf('[');
            steps.Add(bracket < 0 ? part : part[..bracket]);
            if (bracket < 0) continue;
            foreach (var index in part[(bracket + 1)..^1].Split("]["))
                steps.Add(int.Parse(index, CultureInfo.InvariantCulture));
        }
        return steps.ToArray();
    }

    /// <summary>The value at the path, as text; null when the body is not JSON or the path selects nothing.</summary>
    public string? Select(ResponseView response)
    {
        if (_steps is not null) return SelectSimple(response);
        if (response.Json is not { } json) return null;
        JToken? token;
        try
        {
            token = _expression.Transform(new JmesPathArgument(json)).AsJToken();
        }
        catch (Exception)
        {
            return null;
        }
        return token switch
        {
            null => null,
            { Type: JTokenType.Null or JTokenType.Undefined } => null,
            JValue { Type: JTokenType.String } s => (string)s!,
            JValue v => v.ToString(Formatting.None).Trim('"'),
            _ => token.ToString(Formatting.None),
        };
    }

    private string? SelectSimple(ResponseView response)
    {
        if (response.Document is not { } document) return null;
        var at = document.RootElement;
        foreach (var step in _steps!)
        {
            if (step is string name)
            {
                if (at.ValueKind != System.Text.Json.JsonValueKind.Object || !at.TryGetProperty(name, out at)) return null;
            }
            else
            {
                if (at.ValueKind != System.Text.Json.JsonValueKind.Array) return null;
                var length = at.GetArrayLength();
                var index = (int)step < 0 ? length + (int)step : (int)step;
                if (index < 0 || index >= length) return null;
                at = at[index];
            }
        }
        return at.ValueKind switch
        {
            System.Text.Json.JsonValueKind.Null or System.Text.Json.JsonValueKind.Undefined => null,
            System.Text.Json.JsonValueKind.String => at.GetString(),
            System.Text.Json.JsonValueKind.Object or System.Text.Json.JsonValueKind.Array => System.Text.Json.JsonSerializer.Serialize(at),
            _ => at.GetRawText(),
        };
    }
}

/// <summary>The parts of an answer extractors and checks read; the JSON body is parsed once, when first needed.</summary>
public sealed class ResponseView(int status, string body, IReadOnlyList<KeyValuePair<string, string>> headers, TimeSpan latency) : IDisposable
{
    private bool _parsed;
    private JToken? _json;
    private bool _documentParsed;
    private System.Text.Json.JsonDocument? _document;

    /// <summary>The body as System.Text.Json reads it (the fast path of plain JSON paths); null when it is not JSON.</summary>
    public System.Text.Json.JsonDocument? Document
    {
        get
        {
            if (_documentParsed) return _document;
            _documentParsed = true;
            try
            {
                _document = System.Text.Json.JsonDocument.Parse(Body);
            }
            catch (System.Text.Json.JsonException)
            {
                _document = null;
            }
            return _document;
        }
    }

    public void Dispose() => _document?.Dispose();

    public int Status { get; } = status;
    public string Body { get; } = body;
    public IReadOnlyList<KeyValuePair<string, string>> Headers { get; } = headers;
    public TimeSpan Latency { get; } = latency;

    /// <summary>Cookies the answer set, by name (from its Set-Cookie headers).</summary>
    public IReadOnlyDictionary<string, string> Cookies { get; init; } = new Dictionary<string, string>();

    public JToken? Json
    {
        get
        {
            if (_parsed) return _json;
            _parsed = true;
            try
            {
                using var reader = new JsonTextReader(new StringReader(Body)) { DateParseHandling = DateParseHandling.None };
                _json = JToken.ReadFrom(reader);
            }
            catch (JsonException)
            {
                _json = null;
            }
            return _json;
        }
    }

    public string? Header(string name)
    {
        foreach (var (key, value) in Headers)
            if (key.Equals(name, StringComparison.OrdinalIgnoreCase)) return value;
        return null;
    }
}

/// <summary>Where an extractor reads from.</summary>
public enum ExtractSource { Json, Regex, Header, Cookie }

/// <summary>
/// Sets variable <see cref="Variable"/> from an answer: a JMESPath value, a regular expression's first group (or the
/// whole match), a response header or a cookie. Nothing found fails the step as <c>extract_failed</c>.
/// </summary>
public sealed record Extractor(string Variable, ExtractSource Source, string Expression, SourcePosition Position)
{
    public JsonPath? Json { get; init; }
    public Regex? Pattern { get; init; }

    public static Extractor Create(string variable, ExtractSource source, string expression, SourcePosition position) => source switch
    {
        ExtractSource.Json => new Extractor(variable, source, expression, position) { Json = JsonPath.Parse(expression, position) },
        ExtractSource.Regex => new Extractor(variable, source, expression, position) { Pattern = Patterns.Compile(expression, position) },
        _ => new Extractor(variable, source, expression, position),
    };

    public string? From(ResponseView response) => Source switch
    {
        ExtractSource.Json => Json!.Select(response),
        ExtractSource.Regex => Pattern!.Match(response.Body) is { Success: true } m ? (m.Groups.Count > 1 ? m.Groups[1].Value : m.Value) : null,
        ExtractSource.Header => response.Header(Expression),
        _ => response.Cookies.TryGetValue(Expression, out var cookie) ? cookie : null,
    };
}

/// <summary>What a check tests.</summary>
public enum CheckKind { Status, JsonEquals, JsonExists, JsonMatches, BodyContains, LatencyUnder, BodyMatches }

/// <summary>
/// A named test of an answer. Each check counts its passes and failures over the run; a failure fails the request
/// (<c>check_failed</c>). <see cref="Value"/> is a template (equals, body-contains) rendered with the user's variables.
/// </summary>
public sealed record Check(string Name, CheckKind Kind, SourcePosition Position)
{
    public JsonPath? Json { get; init; }
    public Template? Value { get; init; }
    public Regex? Pattern { get; init; }
    public IReadOnlyList<int> Statuses { get; init; } = [];
    public TimeSpan Limit { get; init; }
    /// <summary>For <see cref="CheckKind.JsonExists"/>: whether the value must be there (true) or absent (false).</summary>
    public bool Exists { get; init; } = true;

    public bool Passes(ResponseView response, UserVariables user)
    {
        switch (Kind)
        {
            case CheckKind.Status: return Statuses.Contains(response.Status);
            case CheckKind.LatencyUnder: return response.Latency < Limit;
            case CheckKind.JsonExists: return (Json!.Select(response) is not null) == Exists;
            case CheckKind.JsonMatches: return Json!.Select(response) is { } found && Pattern!.IsMatch(found);
            case CheckKind.BodyMatches: return Pattern!.IsMatch(response.Body);
            case CheckKind.JsonEquals:
                return Json!.Select(response) is { } actual && Value!.Render(user, out _) is { } expected && actual == expected;
            default:
                return Value!.Render(user, out _) is { } text && response.Body.Contains(text, StringComparison.Ordinal);
        }
    }

    public bool Uses(string variable) => Value?.Variables.Contains(variable) == true;
}

/// <summary>Regular expressions of a scenario: compiled once, with a match timeout so a bad pattern cannot stall a user.</summary>
public static class Patterns
{
    public static Regex Compile(string pattern, SourcePosition? position)
    {
        // Compiled once, a pattern cannot hold a user's variables: '{{name}}' would silently match itself literally.
        if (Regex.IsMatch(pattern, @"\{\{\s*[A-Za-z_]"))
            throw new ScenarioException($"'{pattern}' is a regular expression, not a template: '{{{{name}}}}' cannot be used in it; compare with a variable with body-contains or json ... equals", position);
        try
        {
            return new Regex(pattern, RegexOptions.CultureInvariant | RegexOptions.Compiled, TimeSpan.FromSeconds(1));
        }
        catch (ArgumentException e)
        {
            throw new ScenarioException($"'{pattern}' is not a regular expression: {e.Message}", position);
        }
    }
}

/// <summary>A comparison in <c>if</c> and <c>while</c>.</summary>
public enum ConditionOperator { Equal, NotEqual, Less, LessOrEqual, Greater, GreaterOrEqual, Contains, IsSet, IsNotSet }

/// <summary>
/// A simple condition: <c>"{{status}} == done"</c>, <c>"{{count}} &lt; 5"</c> (numbers compare as numbers), <c>"{{list}}
/// contains x"</c>, or <c>"token is set"</c> / <c>"token is not set"</c>. Both sides are templates.
/// </summary>
public sealed record Condition(string Text, Template? Left, ConditionOperator Operator, Template? Right, string? Variable, SourcePosition Position)
{
    private static readonly (string Token, ConditionOperator Op)[] Operators =
    [
        ("==", ConditionOperator.Equal), ("!=", ConditionOperator.NotEqual), ("<=", ConditionOperator.LessOrEqual),
        (">=", ConditionOperator.GreaterOrEqual), ("<", ConditionOperator.Less), (">", ConditionOperator.Greater),
        (" contains ", ConditionOperator.Contains),
    ];

    public int Slot { get; init; } = -1;

    public static Condition Parse(string text, SourcePosition position)
    {
        var trimmed = text.Trim();
        foreach (var (suffix, op) in new[] { (" is not set", ConditionOperator.IsNotSet), (" is set", ConditionOperator.IsSet) })
        {
            if (!trimmed.EndsWith(suffix, StringComparison.Ordinal)) continue;
            var name = trimmed[..^suffix.Length].Trim();
            if (name.StartsWith("{{") && name.EndsWith("}}")) name = name[2..^2].Trim();
            if (!Template.IsName(name)) throw new ScenarioException($"expected a variable name before '{suffix.Trim()}' in condition \"{text}\"", position);
            return new Condition(text, null, op, null, name, position);
        }
        foreach (var (token, op) in Operators)
        {
            var at = trimmed.IndexOf(token, StringComparison.Ordinal);
            if (at <= 0) continue;
            return new Condition(text, Template.Parse(trimmed[..at].Trim(), position), op, Template.Parse(trimmed[(at + token.Length)..].Trim(), position), null, position);
        }
        throw new ScenarioException(
            $"expected a condition such as \"{{{{count}}}} < 5\", \"{{{{state}}}} == done\" or \"token is set\" but found \"{text}\"", position);
    }

    public Condition Bind(VariableTable table)
    {
        if (Variable is not null)
        {
            var slot = table.SlotOf(Variable);
            if (slot < 0) throw new ScenarioException(table.Unknown(Variable, Text), Position);
            return this with { Slot = slot };
        }
        return this with { Left = Left!.Bind(table), Right = Right!.Bind(table) };
    }

    /// <summary>Whether the condition holds for the user now; a side with an unset variable makes a comparison false.</summary>
    public bool Holds(UserVariables user)
    {
        if (Operator is ConditionOperator.IsSet) return user[Slot] is not null;
        if (Operator is ConditionOperator.IsNotSet) return user[Slot] is null;
        if (Left!.Render(user, out _) is not { } left || Right!.Render(user, out _) is not { } right) return false;
        if (Operator == ConditionOperator.Contains) return left.Contains(right, StringComparison.Ordinal);
        var numeric = double.TryParse(left, NumberStyles.Float, CultureInfo.InvariantCulture, out var l) &
                      double.TryParse(right, NumberStyles.Float, CultureInfo.InvariantCulture, out var r);
        var order = numeric ? l.CompareTo(r) : string.CompareOrdinal(left, right);
        return Operator switch
        {
            ConditionOperator.Equal => numeric ? l.Equals(r) : left == right,
            ConditionOperator.NotEqual => numeric ? !l.Equals(r) : left != right,
            ConditionOperator.Less => order < 0,
            ConditionOperator.LessOrEqual => order <= 0,
            ConditionOperator.Greater => order > 0,
            _ => order >= 0,
        };
    }
}
