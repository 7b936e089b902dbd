namespace PerfCluster.Cli;

/// <summary>A command-line value that cannot be used; printed as "error: ..." with exit code 2.</summary>
public sealed class UsageException(string message) : Exception(PerfCluster.Core.Input.InputEcho.Shorten(message));
