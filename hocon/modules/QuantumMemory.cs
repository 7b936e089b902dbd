// quantum_memory: contends for shared memory. An operation reads through a working set of its own
// (private, so it scales) and then records its result in a table that every virtual user of the
// process shares, with interlocked writes. Each shared write takes the cache line from the core that
// wrote it last, so users on different cores slow each other down although no lock is taken:
// throughput grows with users, but by less than the users did (E below 1; lower the larger the shared
// part, and the more cores write at once).
namespace PerfCluster.Examples;

public sealed class QuantumMemory : IModule
{
    /// <summary>The table every virtual user of this process writes: 16 counters on two cache lines.</summary>
    private static readonly long[] Shared = new long[16];

    /// <summary>Interlocked writes to the shared table per operation.</summary>
    private const int SharedWrites = 4_000;

    private long[] _own = [];

    public ValueTask SetupAsync(ModuleContext context)
    {
        _own = new long[8_192];   // 64 KiB of this user's own
        for (var i = 0; i < _own.Length; i++) _own[i] = i ^ context.VirtualUser;
        return ValueTask.CompletedTask;
    }

    public ValueTask InvokeAsync(ModuleContext context, CancellationToken cancellationToken)
    {
        long sum = 0;
        for (var pass = 0; pass < 8; pass++)
            for (var i = 0; i < _own.Length; i++) sum += _own[i] * (pass + 1);
        var slot = context.VirtualUser + (int)(sum & 1);
        for (var i = 0; i < SharedWrites; i++)
            Interlocked.Increment(ref Shared[(slot + i) & 15]);
        return ValueTask.CompletedTask;
    }
}
