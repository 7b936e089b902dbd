using System.Globalization;
using System.Text;
using PerfCluster.Core.Input;

namespace PerfCluster.Core.Steps;

/// <summary>
/// A text with <c>{{…}}</c> placeholders, compiled once when the scenario is loaded: literal runs, variables (bound
/// to a slot of the user's <see cref="VariableTable"/>), and the built-ins <c>vu</c>, <c>iteration</c>, <c>uuid</c>,
/// <c>random_int(a, b)</c>, <c>zipf(n, s)</c>, <c>sequence(n)</c> and <c>timestamp_ms</c>. Rendering walks the parts; nothing is parsed per request.
/// </summary>
public sealed class Template
{
    private enum Kind { Literal, Variable, Vu, Iteration, Uuid, RandomInt, TimestampMs, Zipf, Sequence }

    private readonly record struct Part(Kind Kind, string Text, int Slot = -1, long Low = 0, long High = 0, KeySampler? Keys = null);

    private readonly Part[] _parts;

    private Template(string text, Part[] parts, SourcePosition? position)
    {
        Text = text;
        _parts = parts;
        Position = position;
    }

    /// <summary>The template as written.</summary>
    public string Text { get; }

    public SourcePosition? Position { get; }

    /// <summary>True when the text holds no placeholder: it renders to itself.</summary>
    public bool IsConstant => _parts.All(p => p.Kind == Kind.Literal);

    /// <summary>The variable names it refers to (feeder fields as <c>feeder.field</c>), in order of appearance.</summary>
    public IReadOnlyList<string> Variables => _parts.Where(p => p.Kind == Kind.Variable).Select(p => p.Text).Distinct().ToList();

    public static readonly IReadOnlyList<string> BuiltIns = ["vu", "iteration", "uuid", "random_int(a, b)", "zipf(n, s)", "sequence(n)", "timestamp_ms"];

    /// <summary>Compiles <paramref name="text"/>; a placeholder that is not a name or a built-in is an error at <paramref name="position"/>.</summary>
    public static Template Parse(string text, SourcePosition? position)
    {
        var parts = new List<Part>();
        var at = 0;
        while (at < text.Length)
        {
            var open = text.IndexOf("{{", at, StringComparison.Ordinal);
            if (open < 0)
            {
                parts.Add(new Part(Kind.Literal, text[at..]));
                break;
            }
            if (open > at) parts.Add(new Part(Kind.Literal, text[at..open]));
            var close = text.IndexOf("}}", open + 2, StringComparison.Ordinal);
            if (close < 0) throw new ScenarioException($"'{{{{' without '}}}}' in template \"{text}\"", position);
            parts.Add(Placeholder(text[(open + 2)..close].Trim(), text, position));
            at = close + 2;
        }
        return new Template(text, parts.ToArray(), position);
    }

    private static Part Placeholder(string inner, string text, SourcePosition? position)
    {
        switch (inner)
        {
            case "vu": return new Part(Kind.Vu, inner);
            case "iteration": return new Part(Kind.Iteration, inner);
            case "uuid": return new Part(Kind.Uuid, inner);
            case "timestamp_ms": return new Part(Kind.TimestampMs, inner);
        }
        if (inner.StartsWith("random_int", StringComparison.Ordinal))
        {
            var args = inner["random_int".Length..].Trim();
            if (args.Length < 2 || args[0] != '(' || args[^1] != ')')
                throw new ScenarioException($"expected random_int(a, b) in template \"{text}\" but found '{inner}'", position);
            var numbers = args[1..^1].Split(',');
            if (numbers.Length != 2 ||
                !long.TryParse(numbers[0].Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var low) ||
                !long.TryParse(numbers[1].Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var high) || high < low)
                throw new ScenarioException($"random_int takes two integers a ≤ b, e.g. random_int(1, 100), but found '{inner}' in \"{text}\"", position);
            return new Part(Kind.RandomInt, inner, Low: low, High: high);
        }
        if (inner.StartsWith("zipf", StringComparison.Ordinal) && !IsName(inner))
        {
            var args = Arguments(inner, "zipf", text, position);
            if (args.Length != 2 || !long.TryParse(args[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) || n < 1 ||
                !double.TryParse(args[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var skew) || !(skew > 0) || skew > 10)
                throw new ScenarioException($"zipf takes a key count n ≥ 1 and an exponent 0 < s ≤ 10, e.g. zipf(10000, 1.1), but found '{inner}' in \"{text}\"", position);
            return new Part(Kind.Zipf, inner, Keys: KeySampler.Zipf(n, skew));
        }
        if (inner.StartsWith("sequence", StringComparison.Ordinal) && !IsName(inner))
        {
            var args = Arguments(inner, "sequence", text, position);
            if (args.Length != 1 || !long.TryParse(args[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) || n < 1)
                throw new ScenarioException($"sequence takes a key count n ≥ 1, e.g. sequence(10000), but found '{inner}' in \"{text}\"", position);
            return new Part(Kind.Sequence, inner, Keys: KeySampler.Sequence(n));
        }
        if (!IsName(inner))
            throw new ScenarioException(
                $"'{{{{{inner}}}}}' in template \"{text}\" is neither a variable name nor a built-in ({string.Join(", ", BuiltIns)})", position);
        return new Part(Kind.Variable, inner);
    }

    private static string[] Arguments(string inner, string function, string text, SourcePosition? position)
    {
        var args = inner[function.Length..].Trim();
        if (args.Length < 2 || args[0] != '(' || args[^1] != ')')
            throw new ScenarioException($"expected {function}(…) in template \"{text}\" but found '{inner}'", position);
        return args[1..^1].Split(',').Select(a => a.Trim()).ToArray();
    }

    /// <summary>A variable name: letters, digits, '_' and '-', optionally <c>feeder.field</c>.</summary>
    public static bool IsName(string name) =>
        name.Length > 0 && (char.IsLetter(name[0]) || name[0] == '_') &&
        name.All(c => char.IsLetterOrDigit(c) || c is '_' or '-' or '.') && !name.EndsWith('.') && !name.Contains("..");

    /// <summary>Binds every variable to its slot; a name the table does not know is an error at this template's position.</summary>
    public Template Bind(VariableTable table)
    {
        var parts = _parts.ToArray();
        for (var i = 0; i < parts.Length; i++)
        {
            if (parts[i].Kind != Kind.Variable) continue;
            var slot = table.SlotOf(parts[i].Text);
            if (slot < 0) throw new ScenarioException(table.Unknown(parts[i].Text, Text), Position);
            parts[i] = parts[i] with { Slot = slot };
        }
        return new Template(Text, parts, Position);
    }

    /// <summary>
    /// Renders into <paramref name="into"/>. False (with the name in <paramref name="missing"/>) when a variable has no value
    /// for this user yet: the step fails as <c>missing_variable</c>.
    /// </summary>
    public bool TryRender(UserVariables user, StringBuilder into, out string? missing)
    {
        foreach (var part in _parts)
        {
            switch (part.Kind)
            {
                case Kind.Literal: into.Append(part.Text); break;
                case Kind.Vu: into.Append(user.Vu); break;
                case Kind.Iteration: into.Append(user.Iteration); break;
                case Kind.Uuid: into.Append(Guid.NewGuid().ToString("D")); break;
                case Kind.TimestampMs: into.Append(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()); break;
                case Kind.RandomInt: into.Append(Random.Shared.NextInt64(part.Low, part.High + 1)); break;
                case Kind.Zipf or Kind.Sequence: into.Append(part.Keys!.Next()); break;
                default:
                    var value = user[part.Slot];
                    if (value is null)
                    {
                        missing = part.Text;
                        return false;
                    }
                    into.Append(value);
                    break;
            }
        }
        missing = null;
        return true;
    }

    /// <summary>Renders to a string; null (with the name in <paramref name="missing"/>) when a variable is unset.</summary>
    public string? Render(UserVariables user, out string? missing)
    {
        if (_parts.Length == 1 && _parts[0].Kind == Kind.Literal)
        {
            missing = null;
            return _parts[0].Text;
        }
        var text = new StringBuilder(Text.Length + 32);
        return TryRender(user, text, out missing) ? text.ToString() : null;
    }

    public override string ToString() => Text;
}

/// <summary>
/// The names a scenario's templates may use, each with a slot: every variable a step extracts and every field of
/// every feeder (as <c>feeder.field</c>). Built once when the scenario is loaded; a user's values are an array by slot.
/// </summary>
public sealed class VariableTable
{
    private readonly Dictionary<string, int> _slots = new(StringComparer.Ordinal);
    private readonly List<string> _names = new();

    public IReadOnlyList<string> Names => _names;

    public int Count => _names.Count;

    public int Add(string name)
    {
        if (_slots.TryGetValue(name, out var slot)) return slot;
        slot = _names.Count;
        _slots[name] = slot;
        _names.Add(name);
        return slot;
    }

    public int SlotOf(string name) => _slots.GetValueOrDefault(name, -1);

    /// <summary>Why <paramref name="name"/> can never be set, with the names that can.</summary>
    public string Unknown(string name, string template)
    {
        var close = _names.Select(n => (Name: n, Distance: Spelling.EditDistance(n, name))).Where(c => c.Distance <= 2)
            .OrderBy(c => c.Distance).Select(c => c.Name).FirstOrDefault();
        var known = _names.Count == 0 ? "none is set by any step or feeder" : "known: " + string.Join(", ", _names);
        return close is not null
            ? $"template \"{template}\" uses '{name}', which no step extracts and no feeder provides; did you mean '{close}'?"
            : $"template \"{template}\" uses '{name}', which no step extracts and no feeder provides ({known}; built-ins: {string.Join(", ", Template.BuiltIns)})";
    }
}

/// <summary>One virtual user's variables (by slot of the scenario's <see cref="VariableTable"/>), its global index and iteration.</summary>
public sealed class UserVariables(int vu, int slots)
{
    private readonly string?[] _values = slots == 0 ? [] : new string?[slots];

    /// <summary>The user's global index in the run (<c>{{vu}}</c>).</summary>
    public int Vu { get; } = vu;

    /// <summary>The user's iteration, from 0 (<c>{{iteration}}</c>).</summary>
    public long Iteration { get; set; }

    public string? this[int slot]
    {
        get => _values[slot];
        set => _values[slot] = value;
    }
}
