using Akka.Actor;
using Akka.Configuration;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using PerfCluster.Core.Hocon;
using PerfCluster.Core.Scenarios;
using PerfCluster.Engine.Coordination;
using PerfCluster.Engine.Hosting;
using PerfCluster.Engine.Security;
using Serilog;

namespace PerfCluster.Cli;

/// <summary>
/// The embedded node of <c>perfcluster run</c>: one process, one actor system, a one-node cluster with
/// both the coordinator and the worker role, bound to loopback.
/// </summary>
public sealed class LocalNode : IAsyncDisposable
{
    private readonly IHost _host;

    private LocalNode(IHost host, ActorSystem system, IActorRef runManager)
    {
        _host = host;
        System = system;
        RunManager = runManager;
    }

    public ActorSystem System { get; }

    /// <summary>"host:port" other nodes use as seed to join this one.</summary>
    public string SeedAddress
    {
        get
        {
            var self = Akka.Cluster.Cluster.Get(System).SelfAddress;
            return $"{self.Host}:{self.Port}";
        }
    }
    public IActorRef RunManager { get; }

    /// <summary>The embedded node: both roles unless <paramref name="roles"/> says otherwise (--workers: coordinator only).</summary>
    public static async Task<LocalNode> StartAsync(string? configFile, bool verbose, IReadOnlyList<string>? roles = null, string? dataDir = null,
        IReadOnlyList<string>? allowedTargets = null, bool allowModules = false)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.ClearProviders();
        builder.Services.AddSerilog();
        var options = new NodeOptions
        {
            Config = LoadNodeConfig(configFile), Verbose = verbose, DataDir = dataDir, AllowedTargets = allowedTargets ?? [], AllowModules = allowModules,
        };
        WorkerTargets(options);
        // TLS named in the node settings or the environment holds here too, so that --workers processes started with
        // the same settings can talk to this node.
        var tls = ClusterTlsFiles.Resolve(PerfClusterHosting.Effective(options), ClusterTlsFiles.None);
        if (!tls.IsEmpty)
        {
            try
            {
                options = options with { Tls = ClusterTls.Load(tls) };
            }
            catch (TlsFileException e)
            {
                throw new UsageException(e.Message);
            }
        }
        if (roles is not null) options = options with { Roles = roles };
        builder.Services.AddAkka(PerfClusterHosting.SystemName, (akka, _) => akka.AddPerfClusterNode(options));
        var host = builder.Build();
        await host.StartAsync();
        var system = host.Services.GetRequiredService<ActorSystem>();
        var registry = host.Services.GetRequiredService<ActorRegistry>();
        var manager = await registry.GetAsync<RunManager>();
        return new LocalNode(host, system, manager);
    }

    /// <summary>The worker's allow-list of <paramref name="options"/>, or exit 2 naming the entry that is not a host.</summary>
    public static TargetAllowList WorkerTargets(NodeOptions options)
    {
        try
        {
            return PerfClusterHosting.WorkerTargets(PerfClusterHosting.Effective(options), options.AllowedTargets);
        }
        catch (FormatException e)
        {
            throw new UsageException(e.Message);
        }
    }

    /// <summary>Node settings from --config, or hocon/perfcluster.conf beside the executable, else none.</summary>
    public static Config? LoadNodeConfig(string? configFile)
    {
        var path = configFile ?? Path.Combine(AppContext.BaseDirectory, "hocon", "perfcluster.conf");
        if (!File.Exists(path))
        {
            if (configFile is not null) throw new UsageException($"node configuration file not found: {configFile}");
            return null;
        }
        var text = File.ReadAllText(path);
        // The strict reader first: it reports syntax errors with line and column, where Akka's parser
        // may accept a broken file or hang on it.
        HoconDocument.Parse(text, path);
        try
        {
            return ConfigurationFactory.ParseString(text);
        }
        catch (Exception e) when (e is FormatException or ConfigurationException)
        {
            throw new UsageException($"{path}: {e.Message}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await _host.StopAsync(timeout.Token);
        _host.Dispose();
    }
}
