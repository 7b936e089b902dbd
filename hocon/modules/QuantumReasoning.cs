// quantum_reasoning: waits on I/O. An operation looks a fact up (a 20 ms wait standing in for a call
// to a remote service) and then infers from it (a little CPU). Waiting uses no core, so users do not
// compete: twice the users make twice the operations per second (E ≈ 1) until the CPU part fills the
// cores, which takes hundreds of users here. Its two parts are timed as sub-operations.
namespace PerfCluster.Examples;

public sealed class QuantumReasoning : IModule
{
    private static readonly TimeSpan Lookup = TimeSpan.FromMilliseconds(20);

    private int[] _facts = [];

    public ValueTask SetupAsync(ModuleContext context)
    {
        // Each virtual user's own working set, built once before its first operation.
        _facts = Enumerable.Range(0, 1024).Select(i => (i * 2654435761u + (uint)context.VirtualUser).GetHashCode()).ToArray();
        return ValueTask.CompletedTask;
    }

    public async ValueTask InvokeAsync(ModuleContext context, CancellationToken cancellationToken)
    {
        using (context.Time("lookup"))
            await Task.Delay(Lookup, cancellationToken);
        using (context.Time("infer"))
        {
            var sum = 0L;
            foreach (var fact in _facts) sum += fact ^ (int)context.Iteration;
            context.Variables["conclusion"] = (sum & 0xff).ToString();
        }
    }
}
