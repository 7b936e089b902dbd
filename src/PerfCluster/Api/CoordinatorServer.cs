using System.Net;
using System.Text.Json;
using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Hosting;
using Akka.Configuration;
using Akka.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using PerfCluster.Dashboard;
using PerfCluster.Core.Scenarios;
using PerfCluster.Engine;
using PerfCluster.Engine.Coordination;
using PerfCluster.Engine.Hosting;
using PerfCluster.Engine.Security;
using Serilog;
using PerfCluster.Engine.Protocol;

namespace PerfCluster.Api;

/// <summary>How a coordinator process is set up: cluster transport, HTTP endpoint, token and node settings.</summary>
public sealed record CoordinatorServerOptions
{
    public required string ClusterHost { get; init; }
    public required int ClusterPort { get; init; }
    public required IPEndPoint Http { get; init; }
    /// <summary>The host as the user wrote it, for the printed API address.</summary>
    public required string HttpHost { get; init; }
    public string? Token { get; init; }
    public Config? NodeConfig { get; init; }
    public bool Verbose { get; init; }
    /// <summary>Where the SQLite store lives; over PERFCLUSTER_DATA_DIR and perfcluster.persistence.data-dir.</summary>
    public string? DataDir { get; init; }
    /// <summary>Seed nodes (akka.tcp://perfcluster@host:port) of a cluster to join, e.g. another coordinator's; none: this node forms one.</summary>
    public IReadOnlyList<string> Seeds { get; init; } = [];
    /// <summary>The API's HTTPS certificate (with its key); null: plain HTTP.</summary>
    public System.Security.Cryptography.X509Certificates.X509Certificate2? HttpsCertificate { get; init; }
    /// <summary>Mutual TLS on the cluster transport; null: plain TCP.</summary>
    public ClusterTls? Tls { get; init; }
    /// <summary>The scheduler's clock (default: the system clock).</summary>
    public TimeProvider? ScheduleClock { get; init; }
}

/// <summary>
/// The coordinator process: one ASP.NET Core application hosting the Akka.NET node (role coordinator,
/// forming the cluster workers join) and the HTTP API. Liveness at /healthz, readiness (this node is Up)
/// at /readyz; both are open; everything under /api and the Prometheus /metrics need the token when one is set.
/// The <see cref="SchedulerService"/> starts the scheduled runs kept in the store.
/// </summary>
public sealed class CoordinatorServer : IAsyncDisposable
{
    public const string LivenessTag = "liveness";
    public const string ReadinessTag = "ready";

    private readonly WebApplication _app;

    private CoordinatorServer(WebApplication app, Uri apiUrl, string clusterAddress)
    {
        _app = app;
        ApiUrl = apiUrl;
        ClusterAddress = clusterAddress;
    }

    public Uri ApiUrl { get; }
    public string ClusterAddress { get; }
    public IServiceProvider Services => _app.Services;
    public CancellationToken Stopping => _app.Lifetime.ApplicationStopping;

    /// <summary>Starts the node and the API and returns once this node is Up in the cluster.</summary>
    public static async Task<CoordinatorServer> StartAsync(CoordinatorServerOptions options, CancellationToken cancellationToken = default)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.Logging.ClearProviders();
        builder.Services.AddSerilog();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(options.Http, listen =>
            {
                if (options.HttpsCertificate is { } certificate) listen.UseHttps(certificate);
            });
            k.AddServerHeader = false;
            k.Limits.MaxRequestBodySize = ApiEndpoints.MaxBodyBytes;
        });
        builder.Services.AddHealthChecks();
        builder.Services.AddSingleton<RunRegistry>();
        builder.Services.AddSingleton<RunLauncher>();
        builder.Services.AddSingleton<CoordinatorMetrics>();
        builder.Services.AddSingleton<DashboardRuns>();
        TargetAllowList allowed;
        try
        {
            allowed = new TargetAllowList(
                PerfClusterHosting.Effective(new NodeOptions { Config = options.NodeConfig }).GetStringList("perfcluster.api.allowed-targets") ?? []);
        }
        catch (FormatException e)
        {
            throw new InvalidOperationException(e.Message, e);
        }
        builder.Services.AddSingleton(allowed);
        builder.Services.AddSingleton(new ModulePolicy(
            PerfClusterHosting.Effective(new NodeOptions { Config = options.NodeConfig }).GetBoolean(ModulePolicy.Setting, false)));
        try
        {
            builder.Services.AddSingleton(ApiGuard.From(PerfClusterHosting.Effective(new NodeOptions { Config = options.NodeConfig }), options.Token));
        }
        catch (FormatException e)
        {
            throw new InvalidOperationException(e.Message, e);
        }
        var node = new NodeOptions
        {
            Roles = [ClusterRoles.Coordinator],
            Host = options.ClusterHost,
            Port = options.ClusterPort,
            Config = options.NodeConfig,
            Verbose = options.Verbose,
            DataDir = options.DataDir,
            Seeds = options.Seeds,
            Failover = true,
            Tls = options.Tls,
        };
        builder.Services.AddSingleton(SchedulerSettings.From(PerfClusterHosting.Effective(node)) with
        {
            Clock = options.ScheduleClock ?? TimeProvider.System,
        });
        builder.Services.AddAkka(PerfClusterHosting.SystemName, (akka, services) => akka
            .AddPerfClusterNode(node)
            .WithActors((system, registry) => registry.Register<RecoveredRunsKey>(system.ActorOf(
                RecoveredRuns.Props(services.GetRequiredService<RunRegistry>(), services.GetRequiredService<CoordinatorMetrics>(),
                    services.GetRequiredService<DashboardRuns>()), "recovered-runs")))
            .WithActorSystemLivenessCheck(tags: [LivenessTag])
            .WithAkkaClusterReadinessCheck(tags: [ReadinessTag]));
        // Registered after Akka, so it stops first: runs are stopped while the node can still reach its workers.
        builder.Services.AddHostedService<RunShutdown>();
        // Scheduled runs (perfcluster.schedules): started like API runs, so RunShutdown stops them too.
        builder.Services.AddHostedService<SchedulerService>();

        var app = builder.Build();
        app.UseApiErrorsAndAuth(app.Services.GetRequiredService<ApiGuard>());
        app.MapHealthChecks("/healthz", Health(LivenessTag));
        app.MapHealthChecks("/readyz", Health(ReadinessTag));
        app.MapRunsApi();
        app.MapReportsApi();
        app.MapDashboard();
        app.MapClusterApi();
        app.MapGet("/metrics", async (HttpContext ctx, CoordinatorMetrics metrics) =>
        {
            ctx.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
            await metrics.WriteAsync(ctx.Response.Body, ctx.RequestAborted);
        });

        try
        {
            await app.StartAsync(cancellationToken);
            var system = app.Services.GetRequiredService<ActorSystem>();
            var cluster = Cluster.Get(system);
            var up = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            cluster.RegisterOnMemberUp(() => up.TrySetResult());
            using var stopping = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, app.Lifetime.ApplicationStopping);
            await up.Task.WaitAsync(stopping.Token);
            var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses
                .Select(a => new Uri(a)).First();
            var host = options.HttpHost.Contains(':') && !options.HttpHost.StartsWith('[') ? $"[{options.HttpHost}]" : options.HttpHost;
            var scheme = options.HttpsCertificate is null ? "http" : "https";
            return new CoordinatorServer(app, new Uri($"{scheme}://{host}:{bound.Port}"), cluster.SelfAddress.ToString());
        }
        catch
        {
            try
            {
                await StopAsync(app);
            }
            catch (Exception stopError) when (stopError is OperationCanceledException or AggregateException or InvalidOperationException)
            {
                // the start failure is what the caller reports
            }
            await app.DisposeAsync();
            throw;
        }
    }

    /// <summary>A health endpoint answering with the checks tagged <paramref name="tag"/> as JSON (the worker's too).</summary>
    internal static HealthCheckOptions Health(string tag) => new()
    {
        Predicate = r => r.Tags.Contains(tag),
        ResponseWriter = async (ctx, report) =>
        {
            ctx.Response.ContentType = "application/json";
            await JsonSerializer.SerializeAsync(ctx.Response.Body, new
            {
                status = report.Status.ToString().ToLowerInvariant(),
                checks = report.Entries.ToDictionary(e => e.Key, e => new
                {
                    status = e.Value.Status.ToString().ToLowerInvariant(),
                    description = e.Value.Description,
                }),
            }, ApiJson.Options);
        },
    };

    /// <summary>Completes when the application stops (a signal, or the node leaving the cluster).</summary>
    public Task WaitForShutdownAsync() => _app.WaitForShutdownAsync();

    public Task StopAsync() => StopAsync(_app);

    private static async Task StopAsync(WebApplication app)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await app.StopAsync(timeout.Token);
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
