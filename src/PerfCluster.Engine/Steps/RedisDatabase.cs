using PerfCluster.Core.Steps;
using StackExchange.Redis;

namespace PerfCluster.Engine.Steps;

/// <summary>What one Redis command answered: the value to extract (null: nothing, a miss), rows read (1 on a hit) and changed.</summary>
internal readonly record struct RedisOutcome(string? Value, long Rows, long Affected);

/// <summary>
/// One Redis database of a share. StackExchange.Redis is meant to be used through few long-lived multiplexers that pipeline
/// every caller's commands over one connection each, so <c>pool-size</c> is the number of multiplexers (connections) over
/// the run, split over the workers like users; commands go to them in turn. Connections are made in the background and
/// remade after a loss (commands meanwhile fail as <c>db_connection</c>).
/// </summary>
/// <summary>A cache a redis step runs on: Redis itself, or the in-process cache of <c>provider = memory</c>.</summary>
internal interface ICacheDatabase : IAsyncDisposable
{
    DatabaseDefinition Definition { get; }

    Task<RedisOutcome> ExecuteAsync(RedisStep step, string? key, string? value, string? field, object[]? args, TimeSpan timeout, CancellationToken cancel);
}

internal sealed class RedisDatabase : ICacheDatabase
{
    private readonly Task<ConnectionMultiplexer>[] _connections;
    private long _next;

    public RedisDatabase(DatabaseDefinition definition, int connections)
    {
        Definition = definition;
        try
        {
            var options = Options(definition);
            _connections = Enumerable.Range(0, Math.Max(1, connections)).Select(_ => ConnectionMultiplexer.ConnectAsync(options.Clone())).ToArray();
        }
        catch (ArgumentException e)
        {
            // A connection string the client refuses (the preflight says so before a local run): every command fails as db_connection.
            _connections = [];
            Broken = $"the connection of redis database '{definition.Name}' is not valid: {Secrets.Mask(e.Message)}";
        }
    }

    public DatabaseDefinition Definition { get; }

    /// <summary>Why the database cannot be used at all, or null.</summary>
    public string? Broken { get; }

    public static ConfigurationOptions Options(DatabaseDefinition definition)
    {
        var options = ConfigurationOptions.Parse(definition.Connection);
        options.AbortOnConnectFail = false;
        options.AsyncTimeout = (int)Math.Min(int.MaxValue, definition.Timeout.TotalMilliseconds);
        options.SyncTimeout = options.AsyncTimeout;
        options.ClientName ??= "perfcluster";
        // A load test wants the cache back as soon as it is: try again every half second, not with the client's backoff.
        options.ReconnectRetryPolicy = new LinearRetry(500);
        // While it is away a command fails at once (db_connection) instead of waiting in the client's backlog for the timeout.
        options.BacklogPolicy = BacklogPolicy.FailFast;
        // No GET of a tie-breaker key on connect: the server's counts (INFO keyspace_hits/misses) are the steps' alone.
        options.TieBreaker = "";
        return options;
    }

    public async Task<RedisOutcome> ExecuteAsync(RedisStep step, string? key, string? value, string? field, object[]? args, TimeSpan timeout, CancellationToken cancel)
    {
        if (Broken is not null) throw new RedisConnectionException(ConnectionFailureType.UnableToConnect, CommandFlags.None, Broken);
        var index = (int)((ulong)Interlocked.Increment(ref _next) % (ulong)_connections.Length);
        var connection = await _connections[index].WaitAsync(cancel).ConfigureAwait(false);
        if (!connection.IsConnected) throw new RedisConnectionException(ConnectionFailureType.UnableToConnect, CommandFlags.None, $"redis database '{Definition.Name}' is not connected");
        var db = connection.GetDatabase();
        switch (step.Command)
        {
            case RedisCommand.Get:
            {
                var v = await db.StringGetAsync(key).WaitAsync(timeout, cancel).ConfigureAwait(false);
                return v.IsNull ? new RedisOutcome(null, 0, 0) : new RedisOutcome(v.ToString(), 1, 0);
            }
            case RedisCommand.Set:
                await db.StringSetAsync(key, value, step.Ttl is { } ttl ? (Expiration)ttl : default).WaitAsync(timeout, cancel).ConfigureAwait(false);
                return new RedisOutcome(null, 0, 1);
            case RedisCommand.Del:
                return new RedisOutcome(null, 0, await db.KeyDeleteAsync(key).WaitAsync(timeout, cancel).ConfigureAwait(false) ? 1 : 0);
            case RedisCommand.Incr:
            {
                var n = await db.StringIncrementAsync(key).WaitAsync(timeout, cancel).ConfigureAwait(false);
                return new RedisOutcome(n.ToString(System.Globalization.CultureInfo.InvariantCulture), 1, 1);
            }
            case RedisCommand.Expire:
                return new RedisOutcome(null, 0, await db.KeyExpireAsync(key, step.Ttl).WaitAsync(timeout, cancel).ConfigureAwait(false) ? 1 : 0);
            case RedisCommand.HGet:
            {
                var v = await db.HashGetAsync(key, field).WaitAsync(timeout, cancel).ConfigureAwait(false);
                return v.IsNull ? new RedisOutcome(null, 0, 0) : new RedisOutcome(v.ToString(), 1, 0);
            }
            case RedisCommand.HSet:
                await db.HashSetAsync(key, field, value).WaitAsync(timeout, cancel).ConfigureAwait(false);
                return new RedisOutcome(null, 0, 1);
            default:
            {
                var result = await db.ExecuteAsync(step.Verb!, args ?? []).WaitAsync(timeout, cancel).ConfigureAwait(false);
                return result.IsNull ? new RedisOutcome(null, 0, 0) : new RedisOutcome(result.ToString(), 1, 0);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var c in _connections)
        {
            try
            {
                await (await c.ConfigureAwait(false)).DisposeAsync().ConfigureAwait(false);
            }
            catch (Exception)
            {
                // never connected: nothing to close
            }
        }
    }
}
