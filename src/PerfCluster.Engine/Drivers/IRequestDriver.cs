namespace PerfCluster.Engine.Drivers;

/// <summary>
/// Sends one request of a scenario's endpoint and records it (latency, status, error kind) into the
/// share's recorder. Returns false when <c>stop</c> cut the request off: such a request is counted as
/// abandoned, not as a result. Implementations are shared by every virtual user of a share.
/// </summary>
public interface IRequestDriver : IDisposable
{
    Task<bool> ExecuteAsync(int endpoint, CancellationToken stop);
}
