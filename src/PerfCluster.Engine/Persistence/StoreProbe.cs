using System.Data.Common;
using System.Net.Sockets;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace PerfCluster.Engine.Persistence;

/// <summary>
/// Opens the configured database once, before any actor depends on it, so that a wrong connection string, an
/// unreachable server or an unwritable directory is reported at once in words, instead of as a journal that keeps
/// failing in the background.
/// </summary>
public static class StoreProbe
{
    /// <summary>Creates the data directory for a SQLite file (the file itself is created on first use).</summary>
    public static void EnsureDataDirectory(PersistenceSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (settings.Provider != StoreProvider.Sqlite) return;
        if (string.IsNullOrEmpty(settings.ConnectionString))
            throw new StoreException(
                $"no data directory: the user's data directory is unknown here; set {PersistenceSettings.DataDirVariable} or --data-dir");
        string? file;
        try
        {
            file = settings.SqliteFile;
        }
        catch (ArgumentException e)
        {
            throw new StoreException($"the SQLite connection string is not valid: {e.Message}", e);
        }
        var dir = file is null ? null : Path.GetDirectoryName(file);
        if (string.IsNullOrEmpty(dir)) return;
        try
        {
            Directory.CreateDirectory(dir);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            throw new StoreException($"cannot create the data directory {dir}: {e.Message}", e);
        }
    }

    /// <summary>Opens a connection and runs a trivial statement; throws <see cref="StoreException"/> with the reason.</summary>
    public static async Task CheckAsync(PersistenceSettings settings, CancellationToken ct = default)
    {
        EnsureDataDirectory(settings);
        var target = settings.Describe();
        try
        {
            await using var connection = Open(settings);
            await connection.OpenAsync(ct).ConfigureAwait(false);
            await using var command = connection.CreateCommand();
            // SQLite: write-ahead logging roughly doubles sequential persist throughput and keeps readers off the
            // writer's lock; the mode is stored in the file. With synchronous=FULL (the default) a commit is durable.
            command.CommandText = settings.Provider == StoreProvider.Sqlite ? "PRAGMA journal_mode=WAL;" : "SELECT 1;";
            await command.ExecuteScalarAsync(ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            throw;
        }
        catch (StoreException)
        {
            throw;
        }
        catch (ArgumentException e)
        {
            throw new StoreException($"the {Kind(settings)} connection string is not valid: {e.Message}", e);
        }
        catch (Exception e) when (e is DbException or SocketException or IOException or TimeoutException
                                      or UnauthorizedAccessException or InvalidOperationException)
        {
            throw new StoreException($"cannot open the {target}: {e.GetBaseException().Message}", e);
        }
    }

    private static DbConnection Open(PersistenceSettings settings)
    {
        if (settings.Provider == StoreProvider.Sqlite) return new SqliteConnection(settings.ConnectionString);
        var builder = new NpgsqlConnectionStringBuilder(settings.ConnectionString);
        // Fail within seconds when the server is not there, unless the connection string asks otherwise.
        if (!settings.ConnectionString.Contains("timeout", StringComparison.OrdinalIgnoreCase)) builder.Timeout = 5;
        return new NpgsqlConnection(builder.ConnectionString);
    }

    private static string Kind(PersistenceSettings settings) => settings.Provider == StoreProvider.Sqlite ? "SQLite" : "PostgreSQL";
}
