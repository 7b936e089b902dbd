using System.CommandLine;
using System.Net;
using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Hosting;
using Akka.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using PerfCluster.Api;
using PerfCluster.Engine;
using PerfCluster.Engine.Hosting;
using Serilog;

namespace PerfCluster.Cli;

/// <summary>
/// <c>perfcluster worker</c>: a node with the worker role that joins the cluster through its seeds and
/// runs whatever shares the coordinator assigns. SIGTERM hands its shares back, lets in-flight
/// requests finish, flushes its metrics, leaves the cluster and exits 0.
/// </summary>
public static class WorkerCommand
{
    public static Command Create()
    {
        var seeds = new Option<string[]>("--seed", "-s") { Description = "Seed node host:port (the coordinator); repeat for several.", Required = true, AllowMultipleArgumentsPerToken = true };
        var host = new Option<string>("--host") { Description = "Address this node's cluster transport binds to and advertises.", DefaultValueFactory = _ => "127.0.0.1" };
        var port = new Option<int>("--port", "-p") { Description = "Cluster transport port (0 picks a free one).", DefaultValueFactory = _ => 0 };
        var capacity = new Option<double>("--capacity") { Description = "This worker's weight when the load is split (e.g. its core count).", DefaultValueFactory = _ => 1.0 };
        var config = new Option<FileInfo?>("--config") { Description = "Node settings (HOCON) layered over the built-in defaults." };
        var health = new Option<string?>("--health")
        {
            Description = "Serve /healthz (actor system alive) and /readyz (Up in the cluster) on HOST:PORT, e.g. 0.0.0.0:8080 (default: no HTTP listener).",
        };
        var allow = new Option<string[]>("--allow-target")
        {
            Description = "A host, address or network (CIDR) this worker may send load to, besides perfcluster.worker.allowed-targets (repeat for several; * for any). None: loopback only.",
            AllowMultipleArgumentsPerToken = true,
        };
        var allowModules = new Option<bool>("--allow-modules")
        {
            Description = "Run scenarios' C# modules (arbitrary code, compiled and run in this process), besides perfcluster.worker.allow-modules. Off: shares with modules are refused.",
        };
        var verbose = PerfClusterCli.Verbose();
        var logFormat = PerfClusterCli.LogFormat();
        var security = new ClusterSecurity();
        var command = new Command("worker", "Run a worker node that joins a PerfCluster cluster and generates its share of the load.")
        {
            seeds, host, port, capacity, config, health, allow, allowModules, verbose, logFormat,
        };
        foreach (var option in security.Options) command.Options.Add(option);
        command.SetAction(async (parse, _) =>
        {
            Logging.Configure(parse.GetValue(verbose), parse.GetValue(logFormat)!);
            var cap = parse.GetValue(capacity);
            if (!(cap > 0) || double.IsInfinity(cap)) throw new UsageException($"--capacity must be a positive number (got {cap})");
            var p = parse.GetValue(port);
            if (p is < 0 or > 65535) throw new UsageException($"--port must be between 0 and 65535 (got {p})");
            var nodeConfig = LocalNode.LoadNodeConfig(parse.GetValue(config)?.FullName);
            var bind = parse.GetValue(host)!;
            var tls = security.Resolve(parse, nodeConfig, bind, "worker");
            var options = new NodeOptions
            {
                Roles = [ClusterRoles.Worker, ClusterRoles.CapacityPrefix + cap.ToString(System.Globalization.CultureInfo.InvariantCulture)],
                Host = bind,
                Port = p,
                Seeds = parse.GetValue(seeds)!.Select(s => SeedAddress(s, tls is not null)).ToList(),
                Config = nodeConfig,
                Verbose = parse.GetValue(verbose),
                Tls = tls,
                AllowedTargets = parse.GetValue(allow) ?? [],
                AllowModules = parse.GetValue(allowModules),
            };
            // A worker that runs modules loads the compiler now, so a share's first compile takes a fraction of a second.
            if (options.AllowModules || PerfClusterHosting.Effective(options).GetBoolean("perfcluster.worker.allow-modules", false))
                PerfCluster.Engine.Modules.ModuleCompiler.WarmUpInBackground();
            var targets = LocalNode.WorkerTargets(options);
            if (!ClusterSecurity.IsLoopback(bind) && targets.OnlyLoopback)
                Log.Warning("This worker sends load to loopback only: set {Setting} (or --allow-target) to the systems under test",
                    PerfCluster.Core.Scenarios.TargetAllowList.WorkerSetting);
            var healthEndpoint = parse.GetValue(health) is { } h ? CoordinatorCommand.ParseHttp(h).Endpoint : null;
            return await RunNodeAsync(options, "Worker", healthEndpoint);
        });
        return command;
    }

    /// <summary>
    /// "host:port" (or a full akka.tcp / akka.ssl.tcp address) → the seed address a node joins through; with TLS the
    /// transport's protocol is akka.ssl.tcp.
    /// </summary>
    public static string SeedAddress(string seed, bool tls)
    {
        if (seed.StartsWith("akka.tcp://", StringComparison.Ordinal) || seed.StartsWith("akka.ssl.tcp://", StringComparison.Ordinal)) return seed;
        var colon = seed.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(seed[(colon + 1)..], out var port) || port is < 1 or > 65535)
            throw new UsageException($"--seed must be host:port (got '{seed}')");
        return $"{(tls ? "akka.ssl.tcp" : "akka.tcp")}://{PerfClusterHosting.SystemName}@{seed[..colon]}:{port}";
    }

    /// <summary>
    /// Hosts a node until SIGINT/SIGTERM (graceful leave, exit 0) or until the cluster drops it. With
    /// <paramref name="health"/>, the node also serves /healthz and /readyz there (for container probes).
    /// </summary>
    public static async Task<int> RunNodeAsync(NodeOptions options, string what, IPEndPoint? health = null)
    {
        using var host = health is null ? PlainHost(options) : HealthHost(options, health);
        using var interrupt = new InterruptSignal(quiet: true);
        try
        {
            await host.StartAsync();
        }
        catch (IOException e) when (health is not null)
        {
            throw new UsageException($"cannot listen on {health} for the health endpoints: {e.Message}");
        }
        if (health is not null) Console.Out.WriteLine($"{what} health endpoints: http://{health}/healthz, http://{health}/readyz");
        var system = host.Services.GetRequiredService<ActorSystem>();
        var cluster = Cluster.Get(system);
        var up = new TaskCompletionSource();
        cluster.RegisterOnMemberUp(() => up.TrySetResult());
        var seeds = string.Join(", ", options.Seeds);

        var first = await Task.WhenAny(up.Task, system.WhenTerminated, Task.Delay(Timeout.Infinite, interrupt.Token).ContinueWith(_ => { }));
        if (first == up.Task)
        {
            Console.Out.WriteLine($"{what} ready: {cluster.SelfAddress} joined the cluster through {seeds} with roles [{string.Join(", ", cluster.SelfRoles)}]");
            await Task.WhenAny(system.WhenTerminated, Task.Delay(Timeout.Infinite, interrupt.Token).ContinueWith(_ => { }));
        }

        if (interrupt.Token.IsCancellationRequested)
        {
            Console.Out.WriteLine($"{what} {cluster.SelfAddress}: {interrupt.SignalName}, handing back shares and leaving the cluster");
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(45));
            await host.StopAsync(timeout.Token);
            Console.Out.WriteLine($"{what} {cluster.SelfAddress}: left");
            return ExitCodes.Passed;
        }
        if (first != up.Task)
        {
            Console.Error.WriteLine($"error: could not join the cluster through {seeds}: no seed answered");
            return ExitCodes.BadInput;
        }
        Console.Error.WriteLine($"{what} {cluster.SelfAddress} was removed from the cluster (downed or partitioned); its load stopped");
        return 1;
    }

    private static IHost PlainHost(NodeOptions options)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.ClearProviders();
        builder.Services.AddSerilog();
        builder.Services.AddAkka(PerfClusterHosting.SystemName, (akka, _) => akka.AddPerfClusterNode(options));
        return builder.Build();
    }

    /// <summary>The same node inside a minimal web host whose only endpoints are the two health checks.</summary>
    private static IHost HealthHost(NodeOptions options, IPEndPoint health)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.Logging.ClearProviders();
        builder.Services.AddSerilog();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(health);
            k.AddServerHeader = false;
        });
        builder.Services.AddHealthChecks();
        builder.Services.AddAkka(PerfClusterHosting.SystemName, (akka, _) => akka
            .AddPerfClusterNode(options)
            .WithActorSystemLivenessCheck(tags: [CoordinatorServer.LivenessTag])
            .WithAkkaClusterReadinessCheck(tags: [CoordinatorServer.ReadinessTag]));
        var app = builder.Build();
        app.MapHealthChecks("/healthz", CoordinatorServer.Health(CoordinatorServer.LivenessTag));
        app.MapHealthChecks("/readyz", CoordinatorServer.Health(CoordinatorServer.ReadinessTag));
        return app;
    }
}
