namespace PerfCluster.Cli;

/// <summary>The process exit codes CI gates on.</summary>
public static class ExitCodes
{
    /// <summary>Every threshold passed.</summary>
    public const int Passed = 0;
    /// <summary>A threshold (or, later, a regression gate) failed.</summary>
    public const int Failed = 1;
    /// <summary>Bad input or a set-up error: the message says what and where.</summary>
    public const int BadInput = 2;
    /// <summary>Interrupted by SIGINT/SIGTERM; the partial report was written.</summary>
    public const int Interrupted = 130;
}
