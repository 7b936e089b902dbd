using System.Runtime.CompilerServices;
using Npgsql;

namespace PerfCluster.Engine.Persistence;

/// <summary>
/// One writer at a time per store, across processes: Akka.Persistence assumes one writer per persistence id, but the
/// CLI (<c>baseline</c>, <c>schedule add</c>, the run history of every local run) and the coordinators all write the
/// same journals. Every store request reads the journal afresh and writes under this lock, so a version number or a
/// sequence number is computed from what the last writer stored, never from a stale copy.
/// SQLite: an exclusive lock on <c>perfcluster.db.lock</c> beside the database file (released by the kernel when the
/// holder dies); PostgreSQL: a session advisory lock (released when the holder's connection ends).
/// </summary>
public abstract class StoreLock
{
    private static readonly ConditionalWeakTable<object, StoreLock> Registered = new();

    /// <summary>How long one holder may keep others waiting before they give up with a <see cref="StoreException"/>.</summary>
    public static readonly TimeSpan DefaultWait = TimeSpan.FromSeconds(30);

    public static StoreLock For(PersistenceSettings settings) => settings.Provider == StoreProvider.Sqlite
        ? new FileLock(settings.SqliteFile is { } file ? file + ".lock" : throw new StoreException("the SQLite connection string names no file"))
        : new AdvisoryLock(settings.ConnectionString);

    /// <summary>Remembers the lock of a node's store (<see cref="Stores.PersistenceHosting"/>), for the store attached to it later.</summary>
    public static void Register(object owner, StoreLock storeLock) => Registered.AddOrUpdate(owner, storeLock);

    public static StoreLock? Of(object owner) => Registered.TryGetValue(owner, out var l) ? l : null;

    /// <summary>Waits for the lock; dispose the result to release it.</summary>
    /// <exception cref="StoreException">Another process held it for longer than <paramref name="wait"/>, or the database cannot be reached.</exception>
    public abstract Task<IAsyncDisposable> AcquireAsync(TimeSpan wait, CancellationToken ct);

    private sealed class FileLock(string path) : StoreLock
    {
        public override async Task<IAsyncDisposable> AcquireAsync(TimeSpan wait, CancellationToken ct)
        {
            var until = DateTime.UtcNow + wait;
            while (true)
            {
                try
                {
                    // FileShare.None takes an exclusive flock on Unix; another process (or handle) cannot take it until this one is closed.
                    return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.None);
                }
                catch (IOException) when (DateTime.UtcNow < until)
                {
                    await Task.Delay(Random.Shared.Next(5, 25), ct).ConfigureAwait(false);
                }
                catch (IOException e)
                {
                    throw new StoreException($"another perfcluster process kept the store's write lock {path} for over {wait.TotalSeconds:0} s", e);
                }
                catch (UnauthorizedAccessException e)
                {
                    throw new StoreException($"cannot open the store's write lock {path}: {e.Message}", e);
                }
            }
        }
    }

    private sealed class AdvisoryLock(string connectionString) : StoreLock
    {
        /// <summary>The advisory lock's key: "PerfClus" as a number, the same in every process.</summary>
        private const long Key = 0x506572_66436C7573;

        public override async Task<IAsyncDisposable> AcquireAsync(TimeSpan wait, CancellationToken ct)
        {
            // Its own session, never pooled: the lock belongs to the session, and a pooled one would outlive this holder.
            var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
            try
            {
                await connection.OpenAsync(ct).ConfigureAwait(false);
                await using (var timeout = new NpgsqlCommand($"SET lock_timeout = {(long)wait.TotalMilliseconds}", connection))
                    await timeout.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
                await using (var take = new NpgsqlCommand($"SELECT pg_advisory_lock({Key})", connection))
                    await take.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
                return new Held(connection);
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.LockNotAvailable)
            {
                await connection.DisposeAsync().ConfigureAwait(false);
                throw new StoreException($"another perfcluster process kept the store's write lock for over {wait.TotalSeconds:0} s", e);
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException)
            {
                await connection.DisposeAsync().ConfigureAwait(false);
                throw new StoreException($"cannot take the store's write lock: {e.GetBaseException().Message}", e);
            }
        }

        /// <summary>Unlocks, then closes; a connection that breaks on the way still releases the lock when it ends.</summary>
        private sealed class Held(NpgsqlConnection connection) : IAsyncDisposable
        {
            public async ValueTask DisposeAsync()
            {
                try
                {
                    await using var release = new NpgsqlCommand($"SELECT pg_advisory_unlock({Key})", connection);
                    await release.ExecuteNonQueryAsync().ConfigureAwait(false);
                }
                catch (Exception e) when (e is NpgsqlException or InvalidOperationException)
                {
                    // the session's end releases it
                }
                await connection.DisposeAsync().ConfigureAwait(false);
            }
        }
    }
}
