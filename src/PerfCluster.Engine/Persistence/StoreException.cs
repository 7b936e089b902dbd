namespace PerfCluster.Engine.Persistence;

/// <summary>
/// The store could not be opened or did not do what was asked (database unreachable, data directory
/// unwritable, a write that failed). <see cref="Exception.Message"/> is written for the user: the CLI prints
/// it as it is and exits with code 2.
/// </summary>
public sealed class StoreException : Exception
{
    public StoreException(string message) : base(message) { }
    public StoreException(string message, Exception? inner) : base(message, inner) { }
}
