using System.Diagnostics;
using System.Text.RegularExpressions;

namespace PerfCluster.Tests.Api;

/// <summary>One coordinator with no worker, shared by the tests that need no load: runs wait 4 s for workers, then fail.</summary>
public sealed class CoordinatorOnlyFixture : IAsyncLifetime
{
    private readonly TempDirectory _dir = new();

    public CoordinatorProcess Coordinator { get; private set; } = null!;

    public async Task InitializeAsync() => Coordinator = await CoordinatorProcess.StartAsync(CoordinatorProcess.FastConfig(_dir));

    public async Task DisposeAsync()
    {
        await Coordinator.DisposeAsync();
        _dir.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class CoordinatorOnlyCollection : ICollectionFixture<CoordinatorOnlyFixture>
{
    public const string Name = "coordinator without workers";
}

/// <summary>A coordinator with one worker joined: the tests that put real load on the demo target.</summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    private readonly TempDirectory _dir = new();

    public CoordinatorProcess Coordinator { get; private set; } = null!;
    public WorkerProcess Worker { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Coordinator = await CoordinatorProcess.StartAsync(CoordinatorProcess.FastConfig(_dir, "20s"));
        Worker = await WorkerProcess.StartAsync(Coordinator);
    }

    public async Task DisposeAsync()
    {
        if (Worker is not null) await Worker.DisposeAsync();
        if (Coordinator is not null) await Coordinator.DisposeAsync();
        _dir.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<ClusterFixture>
{
    public const string Name = "coordinator with a worker";
}

/// <summary>A real <c>perfcluster worker</c> process joined to a coordinator.</summary>
public sealed class WorkerProcess : IAsyncDisposable
{
    private WorkerProcess(CliProcess process, string address)
    {
        Process = process;
        Address = address;
    }

    public CliProcess Process { get; }
    /// <summary>akka.tcp://perfcluster@127.0.0.1:PORT</summary>
    public string Address { get; }

    public static async Task<WorkerProcess> StartAsync(CoordinatorProcess coordinator, params string[] extraArgs)
    {
        var process = CliProcess.Start(["worker", "--seed", coordinator.Seed, .. extraArgs]);
        try
        {
            await process.WaitForOutputAsync("Worker ready", CoordinatorProcess.StartBudget);
            var match = ReadyLine().Match(process.Stdout);
            Assert.True(match.Success, process.Stdout);
            var worker = new WorkerProcess(process, match.Groups["address"].Value);
            await WaitUntilAsync(async () =>
            {
                var (_, members, _) = await coordinator.GetAsync("api/cluster/members?role=worker");
                return members.EnumerateArray().Any(m => m.GetProperty("address").GetString() == worker.Address &&
                                                         m.GetProperty("status").GetString() == "up");
            }, TimeSpan.FromSeconds(30), $"worker {worker.Address} never showed as up");
            return worker;
        }
        catch
        {
            process.Dispose();
            throw;
        }
    }

    private static readonly Regex ReadyPattern = new(@"Worker ready: (?<address>akka\.tcp://perfcluster@[\d.]+:\d+)");

    private static Regex ReadyLine() => ReadyPattern;

    public static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string message)
    {
        var until = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > until) throw new TimeoutException(message);
            await Task.Delay(200);
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            Process.Signal("CONT");
            Process.Signal("TERM");
            await Process.WaitAsync(TimeSpan.FromSeconds(20));
        }
        catch (TimeoutException)
        {
            // killed below
        }
        Process.Dispose();
    }
}
