using System.Reflection;
using Akka.Cluster;
using Akka.Cluster.Hosting;
using Akka.Configuration;
using Akka.Hosting;
using Akka.Logger.Serilog;
using Akka.Remote.Hosting;
using PerfCluster.Core.Scenarios;
using PerfCluster.Engine.Coordination;
using PerfCluster.Engine.Persistence;
using PerfCluster.Engine.Security;
using PerfCluster.Engine.Workers;
using PerfCluster.Engine.Stores;

namespace PerfCluster.Engine.Hosting;

/// <summary>How one node is started: its roles, its address, and where to find the cluster.</summary>
public sealed record NodeOptions
{
    public IReadOnlyList<string> Roles { get; init; } = [ClusterRoles.Coordinator, ClusterRoles.Worker];
    public string? Host { get; init; }
    public int? Port { get; init; }
    /// <summary>Seed node addresses (akka.tcp://perfcluster@host:port). None: the node forms a cluster of its own.</summary>
    public IReadOnlyList<string> Seeds { get; init; } = [];
    /// <summary>User configuration (hocon/perfcluster.conf or --config), layered over the embedded defaults.</summary>
    public Config? Config { get; init; }
    public bool Verbose { get; init; }
    /// <summary>Coordinator nodes keep baselines and run history (perfcluster.persistence); off: they keep nothing.</summary>
    public bool Persistence { get; init; } = true;
    /// <summary>--data-dir: where the SQLite store lives; overrides PERFCLUSTER_DATA_DIR and perfcluster.persistence.data-dir.</summary>
    public string? DataDir { get; init; }
    /// <summary>
    /// Runs keep recovery state in the store, so that another coordinator node can take them over when this one is
    /// lost (<c>perfcluster coordinator</c>); off for the embedded and <c>--workers</c> modes, which die with their process.
    /// </summary>
    public bool Failover { get; init; }
    /// <summary>Mutual TLS on the cluster transport (<see cref="ClusterTls"/>); null: plain TCP, for loopback or --insecure-cluster.</summary>
    public ClusterTls? Tls { get; init; }
    /// <summary>
    /// Hosts this node's worker sends load to besides <c>perfcluster.worker.allowed-targets</c>: the targets of the
    /// scenario a local command runs (<c>perfcluster run</c>, <c>--workers N</c>), or <c>perfcluster worker --allow-target</c>.
    /// </summary>
    public IReadOnlyList<string> AllowedTargets { get; init; } = [];
    /// <summary>This node's worker runs C# modules besides <c>perfcluster.worker.allow-modules</c> (a local command's own node, <c>--allow-modules</c>).</summary>
    public bool AllowModules { get; init; }
}

public static class PerfClusterHosting
{
    public const string SystemName = "perfcluster";

    public static Config Effective(NodeOptions options) =>
        options.Config is null ? EngineReference.Config : options.Config.WithFallback(EngineReference.Config);

    public static CoordinatorSettings CoordinatorSettingsFrom(Config config) => new(
        MinWorkers: config.GetInt("perfcluster.run.min-workers", 1),
        WorkerWaitTimeout: config.GetTimeSpan("perfcluster.run.worker-wait-timeout"),
        StartLeadTime: config.GetTimeSpan("perfcluster.run.start-lead-time"),
        FinishTimeout: config.GetTimeSpan("perfcluster.run.finish-timeout"),
        MetricsLateness: config.GetInt("perfcluster.run.metrics-lateness", 2));

    public static ExecutorSettings ExecutorSettingsFrom(Config config) => new(
        FlushInterval: config.GetTimeSpan("perfcluster.run.flush-interval"),
        SpawnInterval: config.GetTimeSpan("perfcluster.run.spawn-interval"),
        ResendAfter: config.GetTimeSpan("perfcluster.run.resend-after"),
        FinalAckTimeout: config.GetTimeSpan("perfcluster.run.final-ack-timeout"),
        InterruptGrace: config.GetTimeSpan("perfcluster.run.interrupt-grace"))
    {
        MemoryLimitBytes = ExecutorSettings.ParseMemoryLimit(config.GetString("perfcluster.worker.memory-limit", "auto")),
        CoordinatorLossGrace = config.GetTimeSpan("perfcluster.worker.coordinator-loss-grace", TimeSpan.FromSeconds(2)),
        CoordinatorTakeoverTimeout = config.GetTimeSpan("perfcluster.worker.coordinator-takeover-timeout", TimeSpan.FromSeconds(60)),
    };

    /// <summary>
    /// Configures one PerfCluster node: Serilog logging, remoting, clustering with the given roles, the
    /// run manager on coordinator nodes and the worker agent on worker nodes. Without seeds the node
    /// joins itself (the embedded single-process cluster).
    /// </summary>
    public static AkkaConfigurationBuilder AddPerfClusterNode(this AkkaConfigurationBuilder builder, NodeOptions options)
    {
        var config = Effective(options);
        builder
            .AddHocon(config, HoconAddMode.Prepend)
            .ConfigureLoggers(l =>
            {
                l.ClearLoggers();
                l.AddLogger<SerilogLogger>();
                l.LogLevel = options.Verbose ? Akka.Event.LogLevel.InfoLevel : Akka.Event.LogLevel.WarningLevel;
            })
            .WithRemoting(Remoting(options, config))
            .WithClustering(new ClusterOptions
            {
                Roles = options.Roles.ToArray(),
                SeedNodes = options.Seeds.ToArray(),
            });

        if (options.Roles.Contains(ClusterRoles.Coordinator))
        {
            builder.AddRunManager(CoordinatorSettingsFrom(config), options.Failover && options.Persistence);
            if (options.Persistence) TryAddPersistence(builder, config, options.DataDir);
        }
        if (options.Roles.Contains(ClusterRoles.Worker))
            builder.AddWorkerAgent(ExecutorSettingsFrom(config) with
                {
                    AllowedTargets = WorkerTargets(config, options.AllowedTargets),
                    AllowModules = options.AllowModules || config.GetBoolean("perfcluster.worker.allow-modules", false),
                },
                config.GetTimeSpan("perfcluster.worker.coordinator-lost-timeout"));
        if (options.Seeds.Count == 0)
        {
            builder.AddStartup((system, _) =>
            {
                var cluster = Cluster.Get(system);
                cluster.Join(cluster.SelfAddress);
                return Task.CompletedTask;
            });
        }
        return builder;
    }

    /// <summary>A worker's allow-list: <c>perfcluster.worker.allowed-targets</c> and <paramref name="extra"/>; empty, loopback only.</summary>
    /// <exception cref="FormatException">An entry is neither a host name, an address, a network nor *.</exception>
    public static TargetAllowList WorkerTargets(Config config, IEnumerable<string> extra) =>
        TargetAllowList.ForWorker((config.GetStringList(TargetAllowList.WorkerSetting) ?? []).Concat(extra).ToList());

    private static RemoteOptions Remoting(NodeOptions options, Config config)
    {
        var remote = new RemoteOptions
        {
            HostName = options.Host ?? config.GetString("perfcluster.node.host", "127.0.0.1"),
            Port = options.Port ?? config.GetInt("perfcluster.node.port", 0),
        };
        if (options.Tls is not { } tls) return remote;
        remote.EnableSsl = true;
        remote.Ssl = new SslOptions
        {
            X509Certificate = tls.Certificate,
            SuppressValidation = false,
            RequireMutualAuthentication = true,
            // Peers are known by their CA, not their names: pod IPs and advertised names change.
            ValidateCertificateHostname = false,
            CustomValidator = tls.Validate,
        };
        return remote;
    }

    /// <summary>
    /// Baselines and run history on a coordinator. A store that cannot be set up (an unwritable data directory, a
    /// PostgreSQL provider without a connection string) must not keep the node from running load: it is reported and
    /// left out, and <see cref="PerfClusterStore.Attach"/> then says persistence is not enabled.
    /// </summary>
    private static void TryAddPersistence(AkkaConfigurationBuilder builder, Config config, string? dataDir)
    {
        try
        {
            builder.AddPerfClusterPersistence(PersistenceSettings.From(config, dataDir));
        }
        catch (StoreException e)
        {
            Serilog.Log.Warning("Baselines and run history are not available on this node: {Reason}", e.Message);
        }
    }
}
