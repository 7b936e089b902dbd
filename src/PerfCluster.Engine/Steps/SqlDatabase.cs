using System.Data;
using System.Data.Common;
using System.Globalization;
using Microsoft.Data.Sqlite;
using MySqlConnector;
using Npgsql;
using NpgsqlTypes;
using PerfCluster.Core.Steps;

namespace PerfCluster.Engine.Steps;

/// <summary>
/// An open connection of the share's own pool, with each step's command made (and, with <c>prepare = true</c>, prepared)
/// once on it: a statement after the first only sets its parameters' values.
/// </summary>
internal sealed class PooledConnection(DbConnection connection) : IAsyncDisposable
{
    public DbConnection Connection { get; } = connection;
    public Dictionary<SqlStep, DbCommand> Commands { get; } = new(ReferenceEqualityComparer.Instance);

    public async ValueTask DisposeAsync()
    {
        foreach (var command in Commands.Values) await command.DisposeAsync().ConfigureAwait(false);
        await Connection.DisposeAsync().ConfigureAwait(false);
    }
}

/// <summary>What one statement did: rows read, rows changed, the first row's extracted values (null when it had no row).</summary>
internal readonly record struct SqlOutcome(long Rows, long Affected, string?[]? Extracted, bool MissingColumn);

/// <summary>
/// One SQL database of a share: the provider's data source, the <see cref="PoolGate"/> that limits the share to its part
/// of <c>pool-size</c>, and the open connections the gate's holders take and give back (a stack: the most recently used
/// first). A connection that failed is closed, not given back, so a database that went away is connected to afresh.
/// Statements always go as parameterised commands; with <c>prepare = true</c> they are prepared once per connection.
/// </summary>
internal sealed class SqlDatabase : IAsyncDisposable
{
    private readonly DbDataSource? _source;
    private readonly Stack<PooledConnection> _idle = new();
    private readonly Lock _idleLock = new();

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

    /// <summary>An idle connection of the pool, or a new one (the caller holds a slot of the gate).</summary>
    public async ValueTask<PooledConnection> RentAsync(CancellationToken cancel)
    {
        lock (_idleLock)
            if (_idle.TryPop(out var idle)) return idle;
        return new PooledConnection(await OpenAsync(cancel).ConfigureAwait(false));
    }

    /// <summary>Gives a connection back, or closes it when it failed or the pool holds more than the gate allows.</summary>
    public async ValueTask ReturnAsync(PooledConnection connection, bool healthy)
    {
        if (healthy && connection.Connection.State == ConnectionState.Open)
            lock (_idleLock)
                if (_idle.Count < Gate.Capacity)
                {
                    _idle.Push(connection);
                    return;
                }
        await connection.DisposeAsync().ConfigureAwait(false);
    }

    private async Task<DbConnection> OpenAsync(CancellationToken cancel)
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
    public async Task<SqlOutcome> ExecuteAsync(PooledConnection connection, DbTransaction? transaction, SqlStep step, string[] values, TimeSpan timeout,
        CancellationToken cancel)
    {
        if (!connection.Commands.TryGetValue(step, out var command))
        {
            command = connection.Connection.CreateCommand();
            command.CommandText = step.Query;
            foreach (var p in step.Parameters) command.Parameters.Add(Parameter(command, p));
            connection.Commands[step] = command;
            if (Definition.Prepare)
            {
                SetValues(command, step, values);
                command.Transaction = transaction;
                await command.PrepareAsync(cancel).ConfigureAwait(false);
            }
        }
        command.Transaction = transaction;
        // Whole seconds, rounded up: the providers time a statement out in seconds.
        command.CommandTimeout = (int)Math.Clamp(Math.Ceiling(timeout.TotalSeconds), 1, int.MaxValue);
        SetValues(command, step, values);
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

    /// <summary>A parameter of <paramref name="command"/> typed as <paramref name="definition"/> says (its value is set per statement).</summary>
    internal static DbParameter Parameter(DbCommand command, SqlParameter definition)
    {
        // Npgsql's typed parameter: the value is written without boxing or a type lookup per statement.
        if (command is NpgsqlCommand && definition.Type == ParameterType.Integer) return new NpgsqlParameter<long> { ParameterName = definition.Name };
        var p = command.CreateParameter();
        p.ParameterName = definition.Name;
        if (definition.Type == ParameterType.Auto && p is NpgsqlParameter npgsql)
            // Typed by the server from where it stands in the statement, as a literal would be.
            npgsql.NpgsqlDbType = NpgsqlDbType.Unknown;
        else
            p.DbType = definition.Type switch
            {
                ParameterType.Integer => DbType.Int64,
                ParameterType.Float => DbType.Double,
                ParameterType.Boolean => DbType.Boolean,
                ParameterType.Uuid => DbType.Guid,
                ParameterType.Timestamp => DbType.DateTime,
                _ => DbType.String,
            };
        return p;
    }

    private static void SetValues(DbCommand command, SqlStep step, string[] values)
    {
        for (var i = 0; i < values.Length; i++)
        {
            if (command.Parameters[i] is NpgsqlParameter<long> typed)
                typed.TypedValue = long.Parse(values[i], NumberStyles.Integer, CultureInfo.InvariantCulture);
            else command.Parameters[i].Value = Value(step.Parameters[i].Type, values[i]);
        }
    }

    /// <summary>A rendered value as its declared type (a value that is not of it throws <see cref="FormatException"/>).</summary>
    private static object Value(ParameterType type, string value) => type switch
    {
        ParameterType.Integer => long.Parse(value, NumberStyles.Integer, CultureInfo.InvariantCulture),
        ParameterType.Float => double.Parse(value, NumberStyles.Float, CultureInfo.InvariantCulture),
        ParameterType.Boolean => bool.Parse(value),
        ParameterType.Uuid => Guid.Parse(value),
        ParameterType.Timestamp => DateTime.Parse(value, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal),
        _ => value,
    };

    public async ValueTask DisposeAsync()
    {
        List<PooledConnection> idle;
        lock (_idleLock)
        {
            idle = [.. _idle];
            _idle.Clear();
        }
        foreach (var connection in idle) await connection.DisposeAsync().ConfigureAwait(false);
        Gate.Dispose();
        if (_source is not null) await _source.DisposeAsync().ConfigureAwait(false);
    }
}
