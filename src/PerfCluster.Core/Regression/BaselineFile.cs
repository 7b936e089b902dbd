using System.Globalization;
using System.Security;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace PerfCluster.Core.Regression;

/// <summary>
/// A baseline file could not be used: not JSON, not a baseline, written by a newer PerfCluster, or missing a
/// field. The message names the file and, where known, the line, so the CLI can print it and exit with code 2.
/// </summary>
public sealed class BaselineFormatException(string message, string file, int? line = null) : Exception(Input.InputEcho.Shorten(message))
{
    public string File { get; } = file;

    /// <summary>1-based line of the problem, when the JSON reader could tell.</summary>
    public int? Line { get; } = line;
}

/// <summary>
/// Baselines as JSON (snake_case, indented), marked <c>"format": "perfcluster-baseline"</c> with a
/// <c>"format_version"</c>, so a report.json or any other JSON handed to <c>--baseline</c> is refused with a clear
/// message instead of comparing against zeros. Unknown fields are ignored, so a later version that only adds fields
/// stays readable; one that changes their meaning raises <c>format_version</c>.
/// </summary>
public static class BaselineFile
{
    public const string Extension = ".json";

    private static readonly string[] RequiredTopLevel = ["name", "created_at", "scenario", "run_id", "environment", "overall"];

    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        RespectNullableAnnotations = true,
        RespectRequiredConstructorParameters = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip,
    };

    public static string ToJson(Baseline baseline)
    {
        ArgumentNullException.ThrowIfNull(baseline);
        return JsonSerializer.Serialize(baseline, Options) + "\n";
    }

    /// <summary>Reads a baseline kept as text; <paramref name="sourceName"/> (a path or "baseline 'nightly' v3") names it in errors.</summary>
    public static Baseline FromJson(string text, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(sourceName);
        try
        {
            return Read(text, sourceName);
        }
        catch (InvalidOperationException e)
        {
            // System.Text.Json reports a lone surrogate escape ("\ud800") in a name this way, not as a JsonException.
            throw Error(sourceName, null, $"it holds text that is not valid Unicode ({e.Message})");
        }
    }

    private static Baseline Read(string text, string sourceName)
    {
        CheckShape(text, sourceName);
        Baseline? baseline;
        try
        {
            baseline = JsonSerializer.Deserialize<Baseline>(text, Options);
        }
        catch (JsonException e)
        {
            var at = string.IsNullOrEmpty(e.Path) || e.Path == "$" ? "" : $" at {e.Path}";
            throw Error(sourceName, Line(e), $"a field has the wrong type or is missing{at} ({Short(e)})");
        }
        if (baseline is null) throw Error(sourceName, null, "the document is null");
        if (string.IsNullOrWhiteSpace(baseline.Name)) throw Error(sourceName, null, "'name' is empty");
        if (baseline.Version < 0) throw Error(sourceName, null, $"'version' must be 0 or more but is {baseline.Version}");
        return baseline;
    }

    public static void Write(string path, Baseline baseline)
    {
        ArgumentNullException.ThrowIfNull(path);
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(directory)) Directory.CreateDirectory(directory);
        File.WriteAllText(path, ToJson(baseline));
    }

    public static Baseline Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new BaselineFormatException($"baseline file '{path}' not found", path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException
                                      or NotSupportedException or SecurityException)
        {
            throw new BaselineFormatException($"cannot read baseline file '{path}': {e.Message}", path);
        }
        return FromJson(text, path);
    }

    /// <summary>Is it JSON, is it a baseline, can this version read it, are the top-level fields there.</summary>
    private static void CheckShape(string text, string source)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(text);
        }
        catch (JsonException e)
        {
            throw Error(source, Line(e), $"the file is not valid JSON ({Short(e)})");
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw Error(source, 1, $"expected a JSON object but found {root.ValueKind.ToString().ToLowerInvariant()}");
            if (!root.TryGetProperty("format", out var format) || format.ValueKind != JsonValueKind.String ||
                format.GetString() != Baseline.FormatMarker)
            {
                var hint = root.TryGetProperty("benchmark_run_id", out _) ? " (this looks like a report.json; make a baseline with 'perfcluster baseline')" : "";
                throw Error(source, null, $"not a PerfCluster baseline: expected \"format\": \"{Baseline.FormatMarker}\"{hint}");
            }
            if (!root.TryGetProperty("format_version", out var version) || !version.TryGetInt32(out var v) || v < 1)
                throw Error(source, null, "expected \"format_version\" to be a whole number of 1 or more");
            if (v > Baseline.CurrentFormatVersion)
                throw Error(source, null,
                    $"format_version {v.ToString(CultureInfo.InvariantCulture)} was written by a newer PerfCluster; " +
                    $"this version reads format_version {Baseline.CurrentFormatVersion} (upgrade PerfCluster or record a new baseline)");
            var missing = RequiredTopLevel.Where(key => !root.TryGetProperty(key, out var value) || value.ValueKind == JsonValueKind.Null).ToList();
            if (missing.Count > 0)
                throw Error(source, null, $"missing required field{(missing.Count > 1 ? "s" : "")} {string.Join(", ", missing.Select(m => $"'{m}'"))}");
        }
    }

    private static BaselineFormatException Error(string source, int? line, string what)
    {
        var where = line is { } l ? $"{source}:{l.ToString(CultureInfo.InvariantCulture)}" : source;
        return new BaselineFormatException($"{where}: bad baseline: {what}", source, line);
    }

    private static int? Line(JsonException e) => e.LineNumber is { } n ? (int)n + 1 : null;

    /// <summary>The reader's message without the path and position it appends (the position is reported separately).</summary>
    private static string Short(JsonException e)
    {
        var message = e.Message;
        foreach (var marker in new[] { " Path:", " LineNumber:", " | LineNumber:" })
        {
            var i = message.IndexOf(marker, StringComparison.Ordinal);
            if (i > 0) message = message[..i];
        }
        return message.TrimEnd(' ', '.', '|');
    }
}
