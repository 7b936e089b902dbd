using System.Data;
using System.Data.Common;
using System.Globalization;
using Microsoft.Data.Sqlite;
using MySqlConnector;
using Npgsql;
using NpgsqlTypes;
using PerfCluster.Core.Steps;

namespace PerfCluster.Engine.Steps;

/// <summary>What one statement did: rows read, rows changed, the first row's extracted values (null when it had no row).</summary>
internal readonly record struct SqlOutcome(long Rows, long Affected, string?[]? Extracted, bool MissingColumn);

/// <summary>
/// One SQL database of a share: the provider's data source (its own pool sized to hold the gate's connections) and the
/// <see cref="PoolGate"/> that limits the share to its part of <c>pool-size</c>. Statements always go as parameterised
/// commands; with <c>prepare = true</c> they are prepared once per connection (PostgreSQL prepares automatically).
/// </summary>
internal sealed class SqlDatabase : IAsyncDisposable
{
    private readonly DbDataSource? _source;

    public SqlDatabase(DatabaseDefinition definition, int capacity, int poolIndex)
    {
        Definition = definition;
        Gate = new PoolGate(capacity);
        PoolIndex = poolIndex;
        try
        {
            _source = Create(definition, Math.Max(100, definition.PoolSize));
        }
        catch (Exception e) when (e is ArgumentException or FormatException or KeyNotFoundException or InvalidOperationException)
        {
            Broken = $"the connection string of database '{definition.Name}' is not valid for {definition.ProviderKey}: {Secrets.Mask(e.Message)}";
        }
    }

    public DatabaseDefinition Definition { get; }
    public PoolGate Gate { get; }
    public int PoolIndex { get; }

    /// <summary>Why the database cannot be used at all (a connection string the provider refuses); every step fails as <c>db_connection</c>.</summary>
    public string? Broken { get; }

    /// <summary>The provider's data source for <paramref name="definition"/>: pooled, with at least <paramref name="maxPool"/> connections.</summary>
    public static DbDataSource Create(DatabaseDefinition definition, int maxPool)
    {
        switch (definition.Provider)
        {
            case DatabaseProvider.PostgreSql:
            {
                var b = new NpgsqlConnectionStringBuilder(definition.Connection);
                b.MaxPoolSize = Math.Max(b.MaxPoolSize, maxPool);
                // No DISCARD ALL when a connection goes back to the pool: it would be one more statement per step.
                b.NoResetOnClose = true;
                if (definition.Prepare && b.MaxAutoPrepare == 0)
                {
                    b.MaxAutoPrepare = 256;
                    b.AutoPrepareMinUsages = 2;
                }
                return NpgsqlDataSource.Create(b.ConnectionString);
            }
            case DatabaseProvider.MySql:
            {
                var b = new MySqlConnectionStringBuilder(definition.Connection);
                b.MaximumPoolSize = (uint)Math.Max(b.MaximumPoolSize, maxPool);
                b.ConnectionReset = false;
                return new MySqlDataSource(b.ConnectionString);
            }
            case DatabaseProvider.Sqlite:
            {
                var b = new SqliteConnectionStringBuilder(definition.Connection);
                return SqliteFactory.Instance.CreateDataSource(b.ConnectionString);
            }
            default:
                throw new ArgumentException($"{definition.ProviderKey} is not a SQL provider");
        }
    }

    public async Task<DbConnection> OpenAsync(CancellationToken cancel)
    {
        if (_source is null) throw new InvalidOperationException(Broken);
        var connection = await _source.OpenConnectionAsync(cancel).ConfigureAwait(false);
        if (Definition.Provider == DatabaseProvider.Sqlite)
        {
            // Several users write one file: wait for its lock as long as a statement may take, instead of failing at once.
            await using var busy = connection.CreateCommand();
            busy.CommandText = $"PRAGMA busy_timeout = {(long)Definition.Timeout.TotalMilliseconds}";
            await busy.ExecuteNonQueryAsync(cancel).ConfigureAwait(false);
        }
        return connection;
    }

    /// <summary>Runs <paramref name="step"/> with its rendered parameter values on <paramref name="connection"/>.</summary>
    public async Task<SqlOutcome> ExecuteAsync(DbConnection connection, DbTransaction? transaction, SqlStep step, string[] values, CancellationToken cancel)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = step.Query;
        command.Transaction = transaction;
        command.CommandTimeout = 0;   // the step's timeout cancels it, to the millisecond
        for (var i = 0; i < step.Parameters.Count; i++)
            command.Parameters.Add(Parameter(command, step.Parameters[i], values[i]));
        if (Definition.Prepare && Definition.Provider != DatabaseProvider.PostgreSql) await command.PrepareAsync(cancel).ConfigureAwait(false);
        await using var reader = await command.ExecuteReaderAsync(cancel).ConfigureAwait(false);
        long rows = 0;
        string?[]? extracted = null;
        var missingColumn = false;
        if (await reader.ReadAsync(cancel).ConfigureAwait(false))
        {
            rows = 1;
            if (step.Extract.Count > 0)
            {
                extracted = new string?[step.Extract.Count];
                for (var i = 0; i < step.Extract.Count; i++)
                {
                    var ordinal = Ordinal(reader, step.Extract[i].Column);
                    if (ordinal < 0) missingColumn = true;
                    else extracted[i] = reader.IsDBNull(ordinal) ? null : Text(reader.GetValue(ordinal));
                }
            }
            while (await reader.ReadAsync(cancel).ConfigureAwait(false)) rows++;
        }
        while (await reader.NextResultAsync(cancel).ConfigureAwait(false))
            while (await reader.ReadAsync(cancel).ConfigureAwait(false)) rows++;
        var affected = Math.Max(0, reader.RecordsAffected);
        return new SqlOutcome(rows, affected, extracted, missingColumn);
    }

    private static int Ordinal(DbDataReader reader, string column)
    {
        for (var i = 0; i < reader.FieldCount; i++)
            if (string.Equals(reader.GetName(i), column, StringComparison.OrdinalIgnoreCase)) return i;
        return -1;
    }

    private static string Text(object value) => value switch
    {
        DateTime d => d.ToString("O", CultureInfo.InvariantCulture),
        DateTimeOffset d => d.ToString("O", CultureInfo.InvariantCulture),
        bool b => b ? "true" : "false",
        byte[] bytes => Convert.ToBase64String(bytes),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    private DbParameter Parameter(DbCommand command, SqlParameter definition, string value)
    {
        var p = command.CreateParameter();
        p.ParameterName = definition.Name;
        switch (definition.Type)
        {
            case ParameterType.Auto when p is NpgsqlParameter npgsql:
                // Typed by the server from where it stands in the statement, as a literal would be.
                npgsql.NpgsqlDbType = NpgsqlDbType.Unknown;
                p.Value = value;
                break;
            case ParameterType.Auto or ParameterType.Text:
                p.DbType = DbType.String;
                p.Value = value;
                break;
            case ParameterType.Integer:
                p.DbType = DbType.Int64;
                p.Value = long.Parse(value, NumberStyles.Integer, CultureInfo.InvariantCulture);
                break;
            case ParameterType.Float:
                p.DbType = DbType.Double;
                p.Value = double.Parse(value, NumberStyles.Float, CultureInfo.InvariantCulture);
                break;
            case ParameterType.Boolean:
                p.DbType = DbType.Boolean;
                p.Value = bool.Parse(value);
                break;
            case ParameterType.Uuid:
                p.DbType = DbType.Guid;
                p.Value = Guid.Parse(value);
                break;
            case ParameterType.Timestamp:
                p.DbType = DbType.DateTime;
                p.Value = DateTime.Parse(value, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);
                break;
        }
        return p;
    }

    public async ValueTask DisposeAsync()
    {
        Gate.Dispose();
        if (_source is not null) await _source.DisposeAsync().ConfigureAwait(false);
    }
}
