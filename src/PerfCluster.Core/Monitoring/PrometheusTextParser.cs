using System.Globalization;
using System.Text;

namespace PerfCluster.Core.Monitoring;

/// <summary>One sample of a Prometheus exposition: series name, labels, value and the optional timestamp (ms since epoch).</summary>
public sealed record PrometheusSample(string Name, IReadOnlyDictionary<string, string> Labels, double Value, long? TimestampMs = null)
{
    /// <summary>E.g. <c>node_cpu_seconds_total{cpu="0",mode="idle"}</c>, labels sorted so the text identifies the series.</summary>
    public string Series => Labels.Count == 0
        ? Name
        : $"{Name}{{{string.Join(",", Labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}=\"{l.Value}\""))}}}";
}

/// <summary>
/// Parses the Prometheus text exposition format (version 0.0.4): comment lines (<c># HELP</c>, <c># TYPE</c>) are
/// skipped; every other line is <c>name{label="value",...} value [timestamp]</c>, with <c>\\</c>, <c>\"</c> and
/// <c>\n</c> escapes in label values and <c>+Inf</c>, <c>-Inf</c>, <c>NaN</c> as values. A malformed line throws a
/// <see cref="FormatException"/> carrying its line number.
/// </summary>
public static class PrometheusTextParser
{
    public static IReadOnlyList<PrometheusSample> Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var samples = new List<PrometheusSample>();
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].TrimEnd('\r').Trim();
            if (line.Length == 0 || line[0] == '#') continue;
            try
            {
                samples.Add(ParseLine(line));
            }
            catch (FormatException e)
            {
                throw new FormatException($"line {i + 1}: {e.Message}", e);
            }
        }
        return samples;
    }

    /// <summary>The samples whose name is one of <paramref name="names"/> (a scenario's <c>monitor.series</c>).</summary>
    public static IReadOnlyList<PrometheusSample> Select(IEnumerable<PrometheusSample> samples, IEnumerable<string> names)
    {
        var wanted = names.ToHashSet(StringComparer.Ordinal);
        return samples.Where(s => wanted.Contains(s.Name)).ToList();
    }

    private static PrometheusSample ParseLine(string line)
    {
        var pos = 0;
        var name = Name(line, ref pos, metric: true)
            ?? throw new FormatException($"expected a metric name at the start of '{line}'");
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (pos < line.Length && line[pos] == '{') Labels(line, ref pos, labels);

        var rest = line[pos..].Split((char[])[' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
        if (rest.Length is < 1 or > 2)
            throw new FormatException($"expected a value and an optional timestamp after {name} but found '{line[pos..].Trim()}'");
        var value = Value(rest[0]);
        long? timestamp = null;
        if (rest.Length == 2)
        {
            timestamp = long.TryParse(rest[1], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var ts)
                ? ts
                : throw new FormatException($"expected an integer timestamp (ms) but found '{rest[1]}'");
        }
        return new PrometheusSample(name, labels, value, timestamp);
    }

    private static void Labels(string line, ref int pos, Dictionary<string, string> labels)
    {
        pos++; // '{'
        while (true)
        {
            SkipSpaces(line, ref pos);
            if (pos >= line.Length) throw new FormatException("unterminated label set: missing '}'");
            if (line[pos] == '}')
            {
                pos++;
                return;
            }
            var label = Name(line, ref pos, metric: false)
                ?? throw new FormatException($"expected a label name at column {pos + 1}");
            SkipSpaces(line, ref pos);
            if (pos >= line.Length || line[pos] != '=') throw new FormatException($"expected '=' after label {label}");
            pos++;
            SkipSpaces(line, ref pos);
            if (pos >= line.Length || line[pos] != '"') throw new FormatException($"expected a quoted value for label {label}");
            pos++;
            var value = new StringBuilder();
            while (true)
            {
                if (pos >= line.Length) throw new FormatException($"unterminated value for label {label}");
                var ch = line[pos++];
                if (ch == '"') break;
                if (ch != '\\')
                {
                    value.Append(ch);
                    continue;
                }
                if (pos >= line.Length) throw new FormatException($"unterminated escape in label {label}");
                var escaped = line[pos++];
                value.Append(escaped switch
                {
                    'n' => '\n',
                    '\\' => '\\',
                    '"' => '"',
                    _ => throw new FormatException($"unknown escape '\\{escaped}' in label {label}"),
                });
            }
            if (!labels.TryAdd(label, value.ToString())) throw new FormatException($"label {label} is set twice");
            SkipSpaces(line, ref pos);
            if (pos < line.Length && line[pos] == ',') pos++;
            else if (pos < line.Length && line[pos] != '}') throw new FormatException($"expected ',' or '}}' after label {label}");
        }
    }

    private static string? Name(string line, ref int pos, bool metric)
    {
        var start = pos;
        while (pos < line.Length)
        {
            var ch = line[pos];
            var ok = char.IsAsciiLetter(ch) || ch == '_' || (metric && ch == ':') || (pos > start && char.IsAsciiDigit(ch));
            if (!ok) break;
            pos++;
        }
        return pos > start ? line[start..pos] : null;
    }

    private static double Value(string text)
    {
        switch (text.ToLowerInvariant())
        {
            case "+inf" or "inf": return double.PositiveInfinity;
            case "-inf": return double.NegativeInfinity;
            case "nan": return double.NaN;
        }
        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v)
            ? v
            : throw new FormatException($"expected a number, +Inf, -Inf or NaN but found '{text}'");
    }

    private static void SkipSpaces(string line, ref int pos)
    {
        while (pos < line.Length && line[pos] is ' ' or '\t') pos++;
    }
}
