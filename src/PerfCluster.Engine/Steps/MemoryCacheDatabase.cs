using Microsoft.Extensions.Caching.Memory;
using PerfCluster.Core.Steps;

namespace PerfCluster.Engine.Steps;

/// <summary>
/// <c>provider = memory</c>: an in-process cache per worker (Microsoft.Extensions.Caching.Memory) holding at most
/// <c>max-memory</c> bytes of values, each entry expiring after its SET's <c>ttl</c>. Past the limit a SET is refused and
/// the cache compacts itself by a tenth, least recently used first; every entry removed for room counts as an eviction.
/// It answers GET, SET and DEL, so the same cache-aside flow runs on it and on Redis.
/// </summary>
internal sealed class MemoryCacheDatabase : ICacheDatabase
{
    private readonly MemoryCache _cache;
    private readonly Action _evicted;
    private readonly PostEvictionCallbackRegistration _onEviction;
    private long _bytes;

    public MemoryCacheDatabase(DatabaseDefinition definition, Action evicted)
    {
        Definition = definition;
        _evicted = evicted;
        _cache = new MemoryCache(new MemoryCacheOptions { SizeLimit = definition.MaxMemory, CompactionPercentage = 0.1, TrackStatistics = true });
        _onEviction = new PostEvictionCallbackRegistration { EvictionCallback = OnEvicted };
    }

    public DatabaseDefinition Definition { get; }

    /// <summary>The bytes of values held, and the entries.</summary>
    public (long Bytes, long Entries) Gauge() => (Interlocked.Read(ref _bytes), _cache.Count);

    private void OnEvicted(object key, object? value, EvictionReason reason, object? state)
    {
        if (value is string text) Interlocked.Add(ref _bytes, -Size(text));
        if (reason == EvictionReason.Capacity) _evicted();
    }

    private static long Size(string value) => Math.Max(1, System.Text.Encoding.UTF8.GetByteCount(value));

    public Task<RedisOutcome> ExecuteAsync(RedisStep step, string? key, string? value, string? field, object[]? args, TimeSpan timeout, CancellationToken cancel)
    {
        switch (step.Command)
        {
            case RedisCommand.Get:
                return Task.FromResult(_cache.TryGetValue(key!, out string? hit) && hit is not null ? new RedisOutcome(hit, 1, 0) : new RedisOutcome(null, 0, 0));
            case RedisCommand.Set:
            {
                var options = new MemoryCacheEntryOptions { Size = Size(value!) };
                if (step.Ttl is { } ttl) options.AbsoluteExpirationRelativeToNow = ttl;
                options.PostEvictionCallbacks.Add(_onEviction);
                Interlocked.Add(ref _bytes, options.Size.Value);
                _cache.Set(key!, value!, options);
                return Task.FromResult(new RedisOutcome(null, 0, 1));
            }
            case RedisCommand.Del:
            {
                var had = _cache.TryGetValue(key!, out _);
                _cache.Remove(key!);
                return Task.FromResult(new RedisOutcome(null, 0, had ? 1 : 0));
            }
            default:
                throw new NotSupportedException($"memory database '{Definition.Name}' answers get, set and del");
        }
    }

    public ValueTask DisposeAsync()
    {
        _cache.Dispose();
        return ValueTask.CompletedTask;
    }
}
