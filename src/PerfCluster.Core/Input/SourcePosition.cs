namespace PerfCluster.Core.Input;

/// <summary>Where a value came from in a scenario file; lines and columns are 1-based.</summary>
public sealed record SourcePosition(string File, int Line, int Column)
{
    public override string ToString() => $"{File}:{Line}:{Column}";
}

/// <summary>Bad scenario input: always carries what was expected and, where known, where.</summary>
public sealed class ScenarioException(string message, SourcePosition? position = null) : Exception(InputEcho.Shorten(message))
{
    public SourcePosition? Position { get; } = position;

    /// <summary>"file:line:col: message", the form the CLI prints before exiting with code 2.</summary>
    public string Describe() => Position is null ? Message : $"{Position}: {Message}";
}
