namespace PerfCluster.Engine.Drivers;

/// <summary>
/// Sends one request of a scenario's endpoint and records it (latency, status, error kind) into the
/// share's recorder. Returns false when <c>stop</c> cut the request off: such a request is counted as
/// abandoned, not as a result. Implementations are shared by every virtual user of a share.
/// </summary>
public interface IRequestDriver : IDisposable
{
    /// <param name="endpoint">Index of the endpoint in the scenario.</param>
    /// <param name="intendedStart">
    /// Open model: the Stopwatch timestamp the iteration was due; the request's latency counts from
    /// there (coordinated omission correction) and its service time from the actual send. Null in
    /// the closed model.
    /// </param>
    /// <param name="stop">Cancelled when in-flight requests are abandoned.</param>
    Task<bool> ExecuteAsync(int endpoint, long? intendedStart, CancellationToken stop);
}
