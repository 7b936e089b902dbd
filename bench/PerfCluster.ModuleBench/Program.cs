using System.Diagnostics;
using HdrHistogram;
using PerfCluster.Modules;

// Usage: PerfCluster.ModuleBench SECONDS. Prints "<measured calls/s> <bare calls/s>": an async loop that awaits a no-op
// module and records each call's duration (Recorder, thread-safe writes, as PerfCluster's), and the same loop without timing.
var seconds = args.Length > 0 ? double.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 10;
var module = new NoOp();
var context = new BenchContext();
var recorder = HistogramFactory.With64BitBucketSize().WithValuesFrom(1).WithValuesUpTo(3_600_000_000).WithPrecisionOf(3)
    .WithThreadSafeWrites().WithThreadSafeReads().Create();

async Task<long> LoopAsync(bool timed, TimeSpan length)
{
    var until = Stopwatch.GetTimestamp() + (long)(length.TotalSeconds * Stopwatch.Frequency);
    long calls = 0;
    while (true)
    {
        for (var i = 0; i < 1024; i++)
        {
            var start = timed ? Stopwatch.GetTimestamp() : 0;
            var op = module.InvokeAsync(context, CancellationToken.None);
            if (!op.IsCompletedSuccessfully) await op;
            if (timed) recorder.RecordValue(Math.Max(1, (Stopwatch.GetTimestamp() - start) * 1_000_000 / Stopwatch.Frequency));
        }
        calls += 1024;
        if (Stopwatch.GetTimestamp() >= until) return calls;
    }
}

await LoopAsync(true, TimeSpan.FromSeconds(1));   // JIT and tiering
var measured = await LoopAsync(true, TimeSpan.FromSeconds(seconds));
var bare = await LoopAsync(false, TimeSpan.FromSeconds(seconds));
Console.WriteLine(FormattableString.Invariant($"{measured / seconds:0} {bare / seconds:0}"));

sealed class NoOp : IModule
{
    public ValueTask InvokeAsync(ModuleContext context, CancellationToken cancellationToken) => ValueTask.CompletedTask;
}

sealed class BenchContext : ModuleContext
{
    public override string Module => "noop";
    public override int VirtualUser => 0;
    public override long Iteration => 0;
    public override ModuleVariables Variables => throw new NotSupportedException();
    public override Random Random => Random.Shared;
    public override void Record(string name, long startTimestamp, long endTimestamp, bool failed = false) { }
}
