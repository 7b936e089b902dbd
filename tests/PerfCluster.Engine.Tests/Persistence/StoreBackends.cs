using Microsoft.Data.Sqlite;
using Npgsql;
using PerfCluster.Engine.Persistence;

namespace PerfCluster.Engine.Tests.Persistence;

/// <summary>A fresh, empty database for one spec, removed afterwards.</summary>
public interface IStoreBackend : IDisposable
{
    PersistenceSettings Settings(int snapshotEvery = 50);
    /// <summary>Settings whose database cannot be opened.</summary>
    PersistenceSettings Unreachable();
    /// <summary>Runs one SQL statement against the spec's database (to break it on purpose).</summary>
    Task ExecuteAsync(string sql);
    /// <summary>The rows of a query, each as its column values.</summary>
    Task<List<object[]>> QueryAsync(string sql);
}

internal static class Sql
{
    public static async Task<List<object[]>> Rows(System.Data.Common.DbConnection connection, string sql)
    {
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<object[]>();
        while (await reader.ReadAsync())
        {
            var row = new object[reader.FieldCount];
            reader.GetValues(row);
            rows.Add(row);
        }
        return rows;
    }
}

/// <summary>A SQLite file in a temporary directory of its own.</summary>
public sealed class SqliteBackend : IStoreBackend
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "perfcluster-store-" + Guid.NewGuid().ToString("N"));

    public PersistenceSettings Settings(int snapshotEvery = 50) => PersistenceSettings.ForSqliteDirectory(_dir, snapshotEvery);

    /// <summary>The data directory would have to be created below a regular file.</summary>
    public PersistenceSettings Unreachable()
    {
        Directory.CreateDirectory(_dir);
        var file = Path.Combine(_dir, "not-a-directory");
        File.WriteAllText(file, "");
        return PersistenceSettings.ForSqliteDirectory(Path.Combine(file, "data"));
    }

    public async Task ExecuteAsync(string sql)
    {
        await using var connection = new SqliteConnection(Settings().ConnectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }

    public async Task<List<object[]>> QueryAsync(string sql)
    {
        await using var connection = new SqliteConnection(Settings().ConnectionString);
        return await Sql.Rows(connection, sql);
    }

    public void Dispose()
    {
        SqliteConnection.ClearPool(new SqliteConnection(Settings().ConnectionString));
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}

/// <summary>
/// A schema of its own in the PostgreSQL database named by PERFCLUSTER_TEST_POSTGRES (the connection's search path
/// points at it, so the journal's tables are created there), dropped afterwards.
/// </summary>
public sealed class PostgreSqlBackend : IStoreBackend
{
    public const string Variable = "PERFCLUSTER_TEST_POSTGRES";

    private readonly string _admin;
    private readonly string _schema = "pc_spec_" + Guid.NewGuid().ToString("N")[..16];
    private readonly string _connection;

    public PostgreSqlBackend()
    {
        _admin = Environment.GetEnvironmentVariable(Variable)
                 ?? throw new InvalidOperationException($"{Variable} is not set");
        Run(_admin, $"CREATE SCHEMA {_schema}").GetAwaiter().GetResult();
        _connection = new NpgsqlConnectionStringBuilder(_admin) { SearchPath = _schema }.ConnectionString;
    }

    public PersistenceSettings Settings(int snapshotEvery = 50) => new()
    {
        Provider = StoreProvider.PostgreSql,
        ConnectionString = _connection,
        DataDirectory = Path.GetTempPath(),
        SnapshotEvery = snapshotEvery,
    };

    /// <summary>Nothing listens on port 1.</summary>
    public PersistenceSettings Unreachable() => Settings() with
    {
        ConnectionString = new NpgsqlConnectionStringBuilder(_connection) { Host = "127.0.0.1", Port = 1, Timeout = 2 }.ConnectionString,
    };

    public Task ExecuteAsync(string sql) => Run(_connection, sql);

    public async Task<List<object[]>> QueryAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(_connection);
        return await Sql.Rows(connection, sql);
    }

    private static async Task Run(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }

    public void Dispose()
    {
        NpgsqlConnection.ClearPool(new NpgsqlConnection(_connection));
        Run(_admin, $"DROP SCHEMA IF EXISTS {_schema} CASCADE").GetAwaiter().GetResult();
    }
}
