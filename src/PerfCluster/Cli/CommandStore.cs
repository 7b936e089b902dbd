using PerfCluster.Engine.Hosting;
using PerfCluster.Engine.Persistence;
using PerfCluster.Engine.Stores;

namespace PerfCluster.Cli;

/// <summary>Opens the baseline library and run history for a command; a store that cannot be opened is a set-up error (exit 2).</summary>
public static class CommandStore
{
    /// <summary>The persistence settings of the node configuration (--config) with --data-dir over them.</summary>
    public static PersistenceSettings Settings(string? configFile, string? dataDir)
    {
        var config = PerfClusterHosting.Effective(new NodeOptions { Config = LocalNode.LoadNodeConfig(configFile) });
        try
        {
            return PersistenceSettings.From(config, dataDir);
        }
        catch (StoreException e)
        {
            throw new UsageException(e.Message);
        }
    }

    public static async Task<PerfClusterStore> OpenAsync(PersistenceSettings settings)
    {
        try
        {
            return await PerfClusterStore.OpenAsync(settings);
        }
        catch (StoreException e)
        {
            throw new UsageException(e.Message);
        }
    }
}
