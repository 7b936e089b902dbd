using System.Globalization;
using System.Text.RegularExpressions;
using PerfCluster.Core.Input;

namespace PerfCluster.Core.Hocon;

/// <summary>A value read from a scenario file, with the position it was written at.</summary>
public abstract class HoconNode
{
    private protected HoconNode(SourcePosition position) => Position = position;

    public SourcePosition Position { get; }

    /// <summary>How the value reads in an error message: "an object", "an array", "'10s'", "null".</summary>
    public abstract string Describe();

    /// <summary>The text of a string, number or boolean.</summary>
    public virtual string AsString(string? key = null) => throw Mismatch("a string", key);

    public virtual int AsInt(string? key = null) => throw Mismatch("an integer", key);

    public virtual double AsDouble(string? key = null) => throw Mismatch("a number", key);

    public virtual bool AsBool(string? key = null) => throw Mismatch("true or false", key);

    /// <summary>A HOCON duration (500ms, 10s, 2m, 1h, 250us, 1.5s, 10 seconds); a bare number is seconds.</summary>
    public virtual TimeSpan AsDuration(string? key = null) => throw Mismatch("a duration", key);

    private protected ScenarioException Mismatch(string expected, string? key) =>
        new($"expected {expected}{For(key)} but found {Describe()}", Position);

    private protected static string For(string? key) => key is null ? "" : $" for '{key}'";
}

/// <summary>One field of an object: the key as written (after dotted-key expansion), where it was written, its value.</summary>
public sealed record HoconField(string Key, SourcePosition KeyPosition, HoconNode Value);

/// <summary>An object; fields keep the order they were first written in.</summary>
public sealed class HoconObject : HoconNode
{
    private readonly List<HoconField> _fields = [];
    private readonly Dictionary<string, int> _index = new(StringComparer.Ordinal);

    internal HoconObject(SourcePosition position) : base(position)
    {
    }

    public IReadOnlyList<HoconField> Fields => _fields;

    public IEnumerable<string> Keys => _fields.Select(f => f.Key);

    public int Count => _fields.Count;

    public HoconNode? TryGet(string key) => TryGetField(key)?.Value;

    public HoconField? TryGetField(string key) => _index.TryGetValue(key, out var i) ? _fields[i] : null;

    /// <summary>Follows nested objects, e.g. <c>TryGetPath("environment-config", "api-base-url")</c>.</summary>
    public HoconNode? TryGetPath(params string[] path)
    {
        HoconNode? node = this;
        foreach (var key in path)
        {
            node = (node as HoconObject)?.TryGet(key);
            if (node is null) return null;
        }
        return node;
    }

    public override string Describe() => "an object";

    internal void Set(string key, SourcePosition keyPosition, HoconNode value)
    {
        var field = new HoconField(key, keyPosition, value);
        if (_index.TryGetValue(key, out var i)) _fields[i] = field;
        else
        {
            _index[key] = _fields.Count;
            _fields.Add(field);
        }
    }

    internal void Remove(string key)
    {
        if (!_index.Remove(key, out var i)) return;
        _fields.RemoveAt(i);
        for (var j = i; j < _fields.Count; j++) _index[_fields[j].Key] = j;
    }

    internal HoconObject ShallowCopy(SourcePosition position)
    {
        var copy = new HoconObject(position);
        foreach (var f in _fields) copy.Set(f.Key, f.KeyPosition, f.Value);
        return copy;
    }
}

/// <summary>An array of values.</summary>
public sealed class HoconArray : HoconNode
{
    internal HoconArray(SourcePosition position, List<HoconNode> items) : base(position) => MutableItems = items;

    internal List<HoconNode> MutableItems { get; }

    public IReadOnlyList<HoconNode> Items => MutableItems;

    public int Count => MutableItems.Count;

    public HoconNode this[int index] => MutableItems[index];

    public override string Describe() => "an array";
}

public enum HoconScalarKind { String, Number, Boolean, Null }

/// <summary>A string (quoted or not), number, boolean or null; <see cref="Raw"/> is the text with escapes decoded.</summary>
public sealed class HoconScalar : HoconNode
{
    internal HoconScalar(string raw, HoconScalarKind kind, SourcePosition position) : base(position)
    {
        Raw = raw;
        Kind = kind;
    }

    public string Raw { get; }

    public HoconScalarKind Kind { get; }

    public bool IsNull => Kind == HoconScalarKind.Null;

    internal static HoconScalar FromUnquoted(string text, SourcePosition position) =>
        new(text, Classify(text), position);

    /// <summary>A scalar that did not come from a file (a command-line value); errors name <paramref name="origin"/>.</summary>
    public static HoconScalar FromText(string text, string origin) => FromUnquoted(text.Trim(), new SourcePosition(origin, 1, 1));

    internal static HoconScalarKind Classify(string text) => text switch
    {
        "true" or "false" => HoconScalarKind.Boolean,
        "null" => HoconScalarKind.Null,
        _ when JsonNumber.IsMatch(text) => HoconScalarKind.Number,
        _ => HoconScalarKind.String,
    };

    public override string Describe() => IsNull ? "null" : $"'{Shorten(Raw)}'";

    public override string AsString(string? key = null) => IsNull ? throw Mismatch("a string", key) : Raw;

    public override int AsInt(string? key = null)
    {
        if (!IsNull && int.TryParse(Raw.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
            return value;
        throw Mismatch("an integer", key);
    }

    public override double AsDouble(string? key = null)
    {
        if (!IsNull && TryParseFinite(Raw.Trim(), out var value)) return value;
        throw Mismatch("a number", key);
    }

    public override bool AsBool(string? key = null) => Raw.Trim().ToLowerInvariant() switch
    {
        "true" or "yes" or "on" when !IsNull => true,
        "false" or "no" or "off" when !IsNull => false,
        _ => throw Mismatch("true or false", key),
    };

    public override TimeSpan AsDuration(string? key = null)
    {
        var match = IsNull ? null : DurationPattern.Match(Raw.Trim());
        if (match is null || !match.Success || !TryParseFinite(match.Groups["n"].Value, out var amount))
            throw Mismatch("a duration (e.g. 500ms, 10s, 2m)", key);
        var ticksPerUnit = UnitTicks(match.Groups["u"].Value.ToLowerInvariant());
        if (ticksPerUnit is null)
            throw new ScenarioException(
                $"unknown duration unit '{match.Groups["u"].Value}'{For(key)}; use ns, us, ms, s, m, h or d", Position);
        var ticks = amount * ticksPerUnit.Value;
        if (double.IsNaN(ticks) || Math.Abs(ticks) > TimeSpan.MaxValue.Ticks / 2.0)
            throw new ScenarioException($"duration {Describe()}{For(key)} is out of range", Position);
        return TimeSpan.FromTicks((long)Math.Round(ticks));
    }

    private static double? UnitTicks(string unit) => unit switch
    {
        "" or "s" or "second" or "seconds" => TimeSpan.TicksPerSecond,
        "ns" or "nano" or "nanos" or "nanosecond" or "nanoseconds" => 0.01,
        "us" or "µs" or "micro" or "micros" or "microsecond" or "microseconds" => 10,
        "ms" or "milli" or "millis" or "millisecond" or "milliseconds" => TimeSpan.TicksPerMillisecond,
        "m" or "minute" or "minutes" => TimeSpan.TicksPerMinute,
        "h" or "hour" or "hours" => TimeSpan.TicksPerHour,
        "d" or "day" or "days" => TimeSpan.TicksPerDay,
        _ => null,
    };

    private static bool TryParseFinite(string text, out double value) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value) && double.IsFinite(value);

    private static string Shorten(string text) => text.Length <= 60 ? text : text[..57] + "...";

    private static readonly Regex JsonNumber =
        new(@"^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$", RegexOptions.CultureInvariant);

    private static readonly Regex DurationPattern =
        new(@"^(?<n>[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?)\s*(?<u>[a-zA-Zµ]*)$", RegexOptions.CultureInvariant);
}
