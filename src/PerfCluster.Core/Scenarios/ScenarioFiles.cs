using PerfCluster.Core.Hocon;
using PerfCluster.Core.Input;

namespace PerfCluster.Core.Scenarios;

/// <summary>
/// A file a scenario names (a feeder's rows, a module's source): its path is relative to the scenario file, and a path
/// that is not one, a file that is not there or cannot be read is an error at the line that names it.
/// </summary>
internal static class ScenarioFiles
{
    /// <param name="owner">Who names the file, for the messages: "feeder 'users'", "module 'reasoning'".</param>
    /// <returns>The full path and the file's text.</returns>
    public static (string Path, string Text) Read(HoconNode value, string key, string owner)
    {
        var written = value.AsString(key).Trim();
        if (written.Length == 0 || written.IndexOfAny(System.IO.Path.GetInvalidPathChars()) >= 0)
            throw new ScenarioException($"{owner}: '{InputEcho.Cut(written)}' is not a file path", value.Position);
        var baseDir = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(value.Position.File)) ?? Directory.GetCurrentDirectory();
        var path = System.IO.Path.GetFullPath(System.IO.Path.Combine(baseDir, written));
        try
        {
            return (path, File.ReadAllText(path));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new ScenarioException(
                e is FileNotFoundException or DirectoryNotFoundException
                    ? $"{owner}: file '{written}' not found (looked for {path}; the path is relative to the scenario file)"
                    : $"{owner}: cannot read '{written}': {e.Message}",
                value.Position);
        }
    }
}
