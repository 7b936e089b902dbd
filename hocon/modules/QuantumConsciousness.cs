// quantum_consciousness: CPU-bound. Each operation does a fixed amount of arithmetic (a logistic-map
// iteration mixed into a hash) and touches nothing shared, so operations on different cores never
// wait for each other: doubling the users doubles the throughput while there are idle cores
// (E = X(2N) / (2·X(N)) ≈ 1), and stops doing so once every core is busy (E ≈ cores / 2N below that).
namespace PerfCluster.Examples;

public sealed class QuantumConsciousness : IModule
{
    /// <summary>Iterations per operation: about half a millisecond of one core.</summary>
    private const int Work = 200_000;

    public ValueTask InvokeAsync(ModuleContext context, CancellationToken cancellationToken)
    {
        var x = 0.5 + (context.VirtualUser % 7) * 0.01;
        ulong hash = 14695981039346656037UL;
        for (var i = 0; i < Work; i++)
        {
            x = 3.9 * x * (1 - x);
            hash = (hash ^ (ulong)(x * 1e9)) * 1099511628211UL;
        }
        // Kept, so the loop cannot be optimised away; the variable is this user's own.
        context.Variables["awareness"] = (hash & 0xffff).ToString();
        return ValueTask.CompletedTask;
    }
}
