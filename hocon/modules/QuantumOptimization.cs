// quantum_optimization: serialised by a lock. Each operation improves one shared solution while it
// holds the process-wide lock for 2 ms of CPU, so only one operation runs at a time however many
// users there are: the throughput is fixed at about 500 operations per second per process, doubling
// the users only doubles the queue for the lock, and E = X(2N) / (2·X(N)) ≈ 0.5.
using System.Diagnostics;

namespace PerfCluster.Examples;

public sealed class QuantumOptimization : IModule
{
    private static readonly object Gate = new();
    private static double _best = double.MaxValue;
    private static readonly long Hold = Stopwatch.Frequency * 2 / 1000;

    public ValueTask InvokeAsync(ModuleContext context, CancellationToken cancellationToken)
    {
        lock (Gate)
        {
            var until = Stopwatch.GetTimestamp() + Hold;
            var candidate = context.Random.NextDouble();
            while (Stopwatch.GetTimestamp() < until)
                candidate = candidate * 0.999 + 0.0001;
            if (candidate < _best) _best = candidate;
        }
        return ValueTask.CompletedTask;
    }
}
