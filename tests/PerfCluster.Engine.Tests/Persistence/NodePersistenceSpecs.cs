using Akka.Actor;
using Akka.Configuration;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using PerfCluster.Engine.Hosting;
using PerfCluster.Engine.Persistence;
using PerfCluster.Engine.Stores;

namespace PerfCluster.Engine.Tests.Persistence;

/// <summary>A coordinator node started through <see cref="PerfClusterHosting.AddPerfClusterNode"/> keeps baselines with no set-up.</summary>
public sealed class NodePersistenceSpecs : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "perfcluster-node-" + Guid.NewGuid().ToString("N"));

    private static async Task<IHost> StartNode(NodeOptions options)
    {
        var host = new HostBuilder()
            .ConfigureServices(s => s.AddAkka(PerfClusterHosting.SystemName, (akka, _) => akka.AddPerfClusterNode(options)))
            .Build();
        await host.StartAsync();
        return host;
    }

    private NodeOptions Coordinator(string dataDir) => new()
    {
        Roles = [ClusterRoles.Coordinator],
        DataDir = dataDir,
        Config = ConfigurationFactory.ParseString("akka.coordinated-shutdown.exit-clr = off"),
    };

    [Fact]
    public async Task Should_create_the_sqlite_store_in_the_data_directory_and_serve_it_through_attach()
    {
        var host = await StartNode(Coordinator(_dir));
        try
        {
            await using var store = PerfClusterStore.Attach(host.Services.GetRequiredService<ActorSystem>());
            var saved = await store.SaveBaselineAsync("nightly", "{}", "Light Load", "r1", DateTimeOffset.UtcNow);

            Assert.Equal(1, saved.Version);
            Assert.True(File.Exists(Path.Combine(_dir, PersistenceSettings.DatabaseFileName)));
        }
        finally
        {
            await host.StopAsync();
            host.Dispose();
        }

        await using var reopened = await PerfClusterStore.OpenAsync(PersistenceSettings.ForSqliteDirectory(_dir), CancellationToken.None);
        Assert.Equal(1, (await reopened.GetBaselineAsync("nightly"))!.Version);
    }

    [Fact]
    public async Task Should_start_without_persistence_when_the_data_directory_cannot_be_created()
    {
        Directory.CreateDirectory(_dir);
        var file = Path.Combine(_dir, "a-file");
        await File.WriteAllTextAsync(file, "");

        var host = await StartNode(Coordinator(Path.Combine(file, "data")));
        try
        {
            var system = host.Services.GetRequiredService<ActorSystem>();
            Assert.Contains("not enabled", Assert.Throws<StoreException>(() => PerfClusterStore.Attach(system)).Message);
        }
        finally
        {
            await host.StopAsync();
            host.Dispose();
        }
    }

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}
