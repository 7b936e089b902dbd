using System.Globalization;
using System.Text.Json;
using CsvHelper;
using PerfCluster.Core.Hocon;
using PerfCluster.Core.Input;
using PerfCluster.Core.Steps;

namespace PerfCluster.Core.Scenarios;

/// <summary>
/// Reads <c>feeders</c>: each a CSV file (CsvHelper; the header row names the fields), a JSON file holding an array of
/// objects, or inline rows. A file's path is relative to the scenario file. The rows are read here, once, by the node
/// that loads the scenario, and travel with it.
/// </summary>
internal static class FeederReader
{
    /// <summary>The most feeder data a scenario carries (it crosses the cluster in one share assignment).</summary>
    public const long MaxBytes = 48_000_000;

    public static IReadOnlyList<FeederDefinition> Read(Scope scenario) =>
        NamedObjects.Read(scenario, "feeders", "feeder", "{ file = \"data/users.csv\" } or { rows = [...] }").Select(f => Feeder(f.Name, f.Value)).ToList();

    private static FeederDefinition Feeder(string name, HoconObject obj)
    {
        var section = ScenarioKeys.Read(obj, ScenarioKeys.Feeder);
        var file = section.Field("file");
        var rows = section.Field("rows");
        if ((file is null) == (rows is null))
            throw new ScenarioException($"feeder '{name}' needs either 'file' (a CSV or JSON file) or inline 'rows'", obj.Position);
        var (fields, data) = file is not null ? FromFile(name, file) : Inline(name, rows!, section.Field("fields"));
        if (data.Count == 0)
            throw new ScenarioException($"feeder '{name}' has no rows", (file ?? rows)!.Value.Position);
        var size = data.Sum(r => r.Sum(v => (long)v.Length + 4));
        if (size > MaxBytes)
            throw new ScenarioException(
                $"feeder '{name}' holds about {size / 1_000_000} MB of values; rows travel with the scenario to every worker, up to {MaxBytes / 1_000_000} MB",
                (file ?? rows)!.Value.Position);

        var mode = section.Field("mode") is { } m
            ? ScenarioKeys.Normalize(m.Value.AsString(m.Key).Trim()) switch
            {
                "circular" => FeederMode.Circular,
                "random" => FeederMode.Random,
                "unique" => FeederMode.Unique,
                var other => throw new ScenarioException($"'{m.Key}' must be circular, random or unique but is '{other}'", m.Value.Position),
            }
            : FeederMode.Circular;
        var take = section.Field("per") is { } p
            ? ScenarioKeys.Normalize(p.Value.AsString(p.Key).Trim()) switch
            {
                "user" => FeederTake.PerUser,
                "iteration" => FeederTake.PerIteration,
                var other => throw new ScenarioException($"'{p.Key}' must be user (one row per virtual user) or iteration but is '{other}'", p.Value.Position),
            }
            : FeederTake.PerUser;
        var exhausted = section.Field("on-exhausted") is { } x
            ? ScenarioKeys.Normalize(x.Value.AsString(x.Key).Trim()) switch
            {
                "stop-user" => FeederExhausted.StopUser,
                "fail" => FeederExhausted.Fail,
                var other => throw new ScenarioException($"'{x.Key}' must be stop-user or fail but is '{other}'", x.Value.Position),
            }
            : FeederExhausted.StopUser;
        return new FeederDefinition(name, mode, fields, data) { Take = take, OnExhausted = exhausted, Position = obj.Position };
    }

    private static (IReadOnlyList<string>, IReadOnlyList<string[]>) FromFile(string name, HoconField file)
    {
        var (path, text) = ScenarioFiles.Read(file.Value, file.Key, $"feeder '{name}'");
        return path.EndsWith(".json", StringComparison.OrdinalIgnoreCase) ? Json(name, text, path) : Csv(name, text, path);
    }

    private static (IReadOnlyList<string>, IReadOnlyList<string[]>) Csv(string name, string text, string path)
    {
        var options = new CsvReaderOptions
        {
            HasHeader = true,
            TrackLineNumbers = true,
            SkipEmptyLines = true,
            FieldCountMismatch = CsvFieldCountHandling.Throw,
            MalformedData = CsvMalformedDataHandling.Throw,
            MissingField = CsvMissingFieldHandling.Throw,
        };
        var rows = new List<string[]>();
        string[]? header = null;
        using var reader = CsvReader.FromText(text, options);
        try
        {
            while (reader.Read())
            {
                header ??= Header(name, reader.Headers, path);
                rows.Add(reader.Current.ToArray());
            }
        }
        catch (CsvFormatException e)
        {
            throw new ScenarioException($"feeder '{name}': malformed CSV: {e.Message}", new SourcePosition(path, (int)Math.Max(1, e.LineNumber), 1));
        }
        if (header is null)
        {
            if (reader.Headers is { Count: > 0 } only) Header(name, only, path);
            else throw new ScenarioException($"feeder '{name}': the CSV file is empty; its first row must name the fields", new SourcePosition(path, 1, 1));
        }
        return (header ?? reader.Headers.ToArray(), rows);
    }

    private static string[] Header(string name, IReadOnlyList<string> names, string path)
    {
        var header = names.Select(f => f.Trim()).ToArray();
        for (var i = 0; i < header.Length; i++)
        {
            if (!Template.IsName(header[i]) || header[i].Contains('.'))
                throw new ScenarioException($"feeder '{name}': column {i + 1} of the header, '{header[i]}', is not a field name (letters, digits, '_' and '-')", new SourcePosition(path, 1, 1));
            if (Array.IndexOf(header, header[i]) < i)
                throw new ScenarioException($"feeder '{name}': the header names '{header[i]}' twice", new SourcePosition(path, 1, 1));
        }
        return header;
    }

    private static (IReadOnlyList<string>, IReadOnlyList<string[]>) Json(string name, string text, string path)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(text);
        }
        catch (JsonException e)
        {
            throw new ScenarioException($"feeder '{name}': malformed JSON: {e.Message}", new SourcePosition(path, (int)(e.LineNumber ?? 0) + 1, (int)(e.BytePositionInLine ?? 0) + 1));
        }
        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Array)
                throw new ScenarioException($"feeder '{name}': a JSON feeder holds an array of objects", new SourcePosition(path, 1, 1));
            string[]? fields = null;
            var rows = new List<string[]>();
            var index = 0;
            foreach (var item in document.RootElement.EnumerateArray())
            {
                index++;
                if (item.ValueKind != JsonValueKind.Object)
                    throw new ScenarioException($"feeder '{name}': element {index} is not an object", new SourcePosition(path, 1, 1));
                var props = item.EnumerateObject().ToList();
                fields ??= props.Select(p => p.Name).ToArray();
                if (props.Count != fields.Length || props.Any(p => Array.IndexOf(fields, p.Name) < 0))
                    throw new ScenarioException($"feeder '{name}': element {index} has other fields than the first ({string.Join(", ", fields)})", new SourcePosition(path, 1, 1));
                var row = new string[fields.Length];
                foreach (var p in props) row[Array.IndexOf(fields, p.Name)] = p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()! : p.Value.GetRawText();
                rows.Add(row);
            }
            foreach (var f in fields ?? [])
                if (!Template.IsName(f) || f.Contains('.'))
                    throw new ScenarioException($"feeder '{name}': '{f}' is not a field name (letters, digits, '_' and '-')", new SourcePosition(path, 1, 1));
            return (fields ?? [], rows);
        }
    }

    /// <summary>Inline rows: objects of field → value, or (the written form) arrays in the order of <c>fields</c>.</summary>
    private static (IReadOnlyList<string>, IReadOnlyList<string[]>) Inline(string name, HoconField rows, HoconField? fieldsField)
    {
        if (rows.Value is not HoconArray array)
            throw new ScenarioException($"expected an array of rows for '{rows.Key}' but found {rows.Value.Describe()}", rows.Value.Position);
        string[]? fields = fieldsField is null ? null
            : fieldsField.Value is HoconArray names ? names.Items.Select(n => n.AsString(fieldsField.Key)).ToArray()
            : throw new ScenarioException($"expected an array of field names for '{fieldsField.Key}'", fieldsField.Value.Position);
        var result = new List<string[]>();
        foreach (var item in array.Items)
        {
            switch (item)
            {
                case HoconArray values when fields is not null:
                    if (values.Count != fields.Length)
                        throw new ScenarioException($"feeder '{name}': row has {values.Count} values but 'fields' names {fields.Length}", item.Position);
                    result.Add(values.Items.Select(v => v.AsString()).ToArray());
                    break;
                case HoconObject obj:
                    fields ??= obj.Keys.ToArray();
                    if (obj.Count != fields.Length || obj.Keys.Any(k => Array.IndexOf(fields, k) < 0))
                        throw new ScenarioException($"feeder '{name}': row has other fields than the first ({string.Join(", ", fields)})", item.Position);
                    var row = new string[fields.Length];
                    foreach (var f in obj.Fields) row[Array.IndexOf(fields, f.Key)] = f.Value.AsString(f.Key);
                    result.Add(row);
                    break;
                default:
                    throw new ScenarioException($"feeder '{name}': expected a row object such as {{ username = u1 }} but found {item.Describe()}", item.Position);
            }
        }
        foreach (var f in fields ?? [])
            if (!Template.IsName(f) || f.Contains('.'))
                throw new ScenarioException($"feeder '{name}': '{f}' is not a field name (letters, digits, '_' and '-')", rows.Value.Position);
        return (fields ?? [], result);
    }
}
