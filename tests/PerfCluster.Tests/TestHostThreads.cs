using System.Runtime.CompilerServices;

namespace PerfCluster.Tests;

/// <summary>
/// The test host runs the demo targets in process while it follows perfcluster child processes and their redirected
/// output. With two cores the thread pool starts with two threads and adds one only every 0.5-1 s, so a target's
/// 5 ms delays waited up to a second for a thread (measured as gaps of a Task.Delay(5) loop in this host, none once
/// the minimum was raised): a stall that failed the regression gate against an unchanged target. Enough threads
/// from the start keep the targets answering on time.
/// </summary>
internal static class TestHostThreads
{
    [ModuleInitializer]
    internal static void Raise()
    {
        ThreadPool.GetMinThreads(out var workers, out var io);
        ThreadPool.SetMinThreads(Math.Max(workers, 64), Math.Max(io, 64));
    }
}
