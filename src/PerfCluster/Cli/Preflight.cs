using System.Net.Sockets;
using PerfCluster.Core.Scenarios;
using PerfCluster.Engine.Drivers;
using PerfCluster.Engine.Modules;
using PerfCluster.Engine.Steps;

namespace PerfCluster.Cli;

/// <summary>
/// Before any load is sent: every module must compile, every target, database and required service accept a connection,
/// and every SQL statement prepare.
/// </summary>
public static class Preflight
{
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(3);

    public static async Task CheckAsync(TestPlan plan)
    {
        if (RequestDrivers.EngineProblem(plan) is { } engine) throw new UsageException(engine);
        // Modules compile before anything is probed or sent: an error is exit 2 with the module file's line and column.
        foreach (var journey in plan.Scenarios.Select(s => s.Journey).OfType<PerfCluster.Core.Steps.Journey>())
        {
            ModuleCompiler.CompileAll(journey);
            // The gRPC message classes too, and every grpc step's message against its type: exit 2 at the message's line.
            PerfCluster.Engine.Grpc.GrpcContracts.CompileAndCheck(journey);
        }
        foreach (var s in plan.Scenarios.Where(s => s.SendsHttp).DistinctBy(s => (s.Target.Host, s.Target.Port)))
        {
            var problem = await ProbeAsync(s.Target.Host, s.Target.Port);
            if (problem is not null)
                throw new UsageException($"target {s.Target} (scenario '{s.Name}') is not reachable: {problem}. Start it or pass --target.");
        }
        if (await DatabasePreflight.CheckAsync(plan, TimeSpan.FromSeconds(5)) is { } database) throw new UsageException(database);
        foreach (var service in plan.Scenarios.SelectMany(s => s.RequiredServices).Distinct())
        {
            var problem = await ProbeAsync(service.Host, service.Port);
            if (problem is not null)
                throw new UsageException($"required service '{service.Name}' at {service.Host}:{service.Port} is not reachable: {problem}");
        }
    }

    /// <summary>Null when a TCP connection succeeds, else a short reason.</summary>
    public static async Task<string?> ProbeAsync(string host, int port)
    {
        using var client = new TcpClient();
        using var timeout = new CancellationTokenSource(ConnectTimeout);
        try
        {
            await client.ConnectAsync(host, port, timeout.Token);
            return null;
        }
        catch (OperationCanceledException)
        {
            return $"no answer within {ConnectTimeout.TotalSeconds:0} s";
        }
        catch (SocketException e)
        {
            return e.SocketErrorCode switch
            {
                SocketError.ConnectionRefused => "connection refused",
                SocketError.HostNotFound or SocketError.NoData or SocketError.TryAgain => "host name not found",
                _ => e.Message,
            };
        }
    }
}
