using StackExchange.Redis;

namespace PerfCluster.Engine.Steps;

/// <summary>
/// The administration a cache comparison does on a Redis the user points at for the purpose: refuse one that holds keys
/// (unless forced), set maxmemory and its policy, flush and reset the counters between strategies, read INFO, and put
/// the settings back at the end. A Redis that refuses any of it (CONFIG renamed or disabled) is a clear error.
/// </summary>
public sealed class RedisAdmin : IAsyncDisposable
{
    private readonly ConnectionMultiplexer _connection;
    private readonly IServer _server;
    private readonly (string MaxMemory, string Policy) _original;

    private RedisAdmin(ConnectionMultiplexer connection, IServer server, (string, string) original)
    {
        _connection = connection;
        _server = server;
        _original = original;
    }

    /// <exception cref="RedisAdminException">Not reachable, holds keys without <paramref name="force"/>, or refuses CONFIG.</exception>
    public static async Task<RedisAdmin> OpenAsync(string connection, bool force)
    {
        var options = ConfigurationOptions.Parse(connection);
        options.AllowAdmin = true;
        options.AbortOnConnectFail = true;
        options.TieBreaker = "";
        options.ConnectTimeout = 5000;
        ConnectionMultiplexer multiplexer;
        try
        {
            multiplexer = await ConnectionMultiplexer.ConnectAsync(options);
        }
        catch (Exception e) when (e is RedisConnectionException or ArgumentException)
        {
            throw new RedisAdminException($"Redis at {PerfCluster.Core.Steps.Secrets.Mask(connection)} is not reachable: {e.Message.Split('\n')[0]}");
        }
        var server = multiplexer.GetServer(multiplexer.GetEndPoints()[0]);
        try
        {
            var keys = await server.DatabaseSizeAsync();
            if (keys > 0 && !force)
                throw new RedisAdminException(
                    $"Redis at {server.EndPoint} holds {keys} keys; a cache comparison sets maxmemory and flushes between strategies, so point it at a Redis kept for the purpose (or pass --force)");
            var maxMemory = (await server.ConfigGetAsync("maxmemory")).FirstOrDefault().Value ?? "0";
            var policy = (await server.ConfigGetAsync("maxmemory-policy")).FirstOrDefault().Value ?? "noeviction";
            return new RedisAdmin(multiplexer, server, (maxMemory, policy));
        }
        catch (RedisServerException e)
        {
            await multiplexer.DisposeAsync();
            throw new RedisAdminException($"Redis at {server.EndPoint} refuses the administration a cache comparison needs (CONFIG, DBSIZE): {e.Message}");
        }
        catch
        {
            await multiplexer.DisposeAsync();
            throw;
        }
    }

    /// <summary>An empty cache of <paramref name="maxMemory"/> bytes evicting by <paramref name="policy"/>, with zeroed counters.</summary>
    public async Task PrepareAsync(long maxMemory, string policy)
    {
        try
        {
            await _server.FlushDatabaseAsync();
            await _server.ConfigSetAsync("maxmemory", maxMemory.ToString(System.Globalization.CultureInfo.InvariantCulture));
            await _server.ConfigSetAsync("maxmemory-policy", policy);
            await _server.ConfigResetStatisticsAsync();
        }
        catch (RedisServerException e)
        {
            throw new RedisAdminException($"Redis at {_server.EndPoint} refused CONFIG SET maxmemory / maxmemory-policy {policy}: {e.Message}");
        }
    }

    /// <summary>INFO stats and memory: keyspace hits and misses, evicted keys, used memory.</summary>
    public async Task<(long Hits, long Misses, long Evicted, long UsedMemory)> StatsAsync()
    {
        var info = (await _server.InfoAsync()).SelectMany(g => g).ToDictionary(p => p.Key, p => p.Value);
        long Field(string name) => info.TryGetValue(name, out var v) && long.TryParse(v, out var n) ? n : 0;
        return (Field("keyspace_hits"), Field("keyspace_misses"), Field("evicted_keys"), Field("used_memory"));
    }

    /// <summary>Flushes what the comparison wrote and puts maxmemory and its policy back.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            await _server.FlushDatabaseAsync();
            await _server.ConfigSetAsync("maxmemory", _original.MaxMemory);
            await _server.ConfigSetAsync("maxmemory-policy", _original.Policy);
        }
        catch (Exception e) when (e is RedisException or RedisServerException)
        {
            Serilog.Log.Warning("Could not restore maxmemory {MaxMemory} and maxmemory-policy {Policy}: {Error}", _original.MaxMemory, _original.Policy, e.Message);
        }
        await _connection.DisposeAsync();
    }
}

public sealed class RedisAdminException(string message) : Exception(message);
