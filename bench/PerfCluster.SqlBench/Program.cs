using System.Diagnostics;
using Npgsql;

// Usage: PerfCluster.SqlBench CONNECTION CLIENTS SECONDS → "statements/s us-cpu-per-statement"
var connection = args[0];
var clients = int.Parse(args[1]);
var seconds = double.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture);
await using var source = NpgsqlDataSource.Create(connection);
var end = Stopwatch.GetTimestamp() + (long)(seconds * Stopwatch.Frequency);
long count = 0;
var cpu = Process.GetCurrentProcess().TotalProcessorTime;
var started = Stopwatch.GetTimestamp();
await Task.WhenAll(Enumerable.Range(0, clients).Select(async _ =>
{
    await Task.Yield();
    await using var c = await source.OpenConnectionAsync();
    await using var command = new NpgsqlCommand("SELECT abalance FROM pgbench_accounts WHERE aid = $1", c);
    var aid = new NpgsqlParameter<long> { TypedValue = 1 };
    command.Parameters.Add(aid);
    await command.PrepareAsync();
    while (Stopwatch.GetTimestamp() < end)
    {
        aid.TypedValue = Random.Shared.Next(1, 100_001);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) { }
        Interlocked.Increment(ref count);
    }
}));
var elapsed = Stopwatch.GetElapsedTime(started).TotalSeconds;
var used = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
Console.WriteLine(FormattableString.Invariant($"{count / elapsed:0} {used / count * 1e6:0.0}"));
