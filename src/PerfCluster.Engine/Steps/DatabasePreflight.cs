using PerfCluster.Core.Scenarios;
using PerfCluster.Core.Steps;
using StackExchange.Redis;

namespace PerfCluster.Engine.Steps;

/// <summary>
/// Before any load: every database of the plan accepts a connection, and every SQL statement prepares on it (so a syntax
/// error or an unknown table is found with its step's file and line, not as a run of errors). Nothing is executed: the
/// statements are prepared inside a transaction that is rolled back.
/// </summary>
public static class DatabasePreflight
{
    /// <summary>The first problem, masked and with its step's position, or null when every database is ready.</summary>
    public static async Task<string?> CheckAsync(TestPlan plan, TimeSpan timeout)
    {
        foreach (var scenario in plan.Scenarios)
        {
            if (scenario.Journey is not { Databases.Count: > 0 } journey) continue;
            foreach (var db in journey.Databases.Where(d => d.Provider != DatabaseProvider.Memory))
            {
                var problem = db.IsSql ? await SqlAsync(db, journey, timeout).ConfigureAwait(false) : await RedisAsync(db, timeout).ConfigureAwait(false);
                if (problem is not null) return Secrets.Mask($"scenario '{scenario.Name}': {problem}", journey.Databases);
            }
        }
        return null;
    }

    private static async Task<string?> SqlAsync(DatabaseDefinition db, Journey journey, TimeSpan timeout)
    {
        System.Data.Common.DbDataSource source;
        try
        {
            source = SqlDatabase.Create(db, 1);
        }
        catch (Exception e) when (e is ArgumentException or FormatException or KeyNotFoundException or InvalidOperationException)
        {
            return $"the connection of database '{db.Name}' is not valid for {db.ProviderKey} ({db.MaskedConnection}): {e.Message}";
        }
        await using (source.ConfigureAwait(false))
        {
            using var cancel = new CancellationTokenSource(timeout);
            System.Data.Common.DbConnection connection;
            try
            {
                connection = await source.OpenConnectionAsync(cancel.Token).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                return $"database '{db.Name}' ({db.MaskedConnection}) is not reachable: {(e is OperationCanceledException ? $"no connection within {timeout.TotalSeconds:0} s" : DatabaseErrors.Describe(e))}";
            }
            await using (connection.ConfigureAwait(false))
            {
                var steps = journey.Series.OfType<SqlStep>().Where(s => s.Database == db.Name).ToList();
                if (steps.Count == 0) return null;
                // A journey that creates its own tables (setup: CREATE TABLE …) prepares statements on objects that do not exist
                // yet: only a syntax error stops it then.
                var createsObjects = steps.Any(s => s.Query.TrimStart().StartsWith("CREATE", StringComparison.OrdinalIgnoreCase) ||
                                                    s.Query.TrimStart().StartsWith("ALTER", StringComparison.OrdinalIgnoreCase));
                await using var transaction = await connection.BeginTransactionAsync(cancel.Token).ConfigureAwait(false);
                foreach (var step in steps)
                {
                    try
                    {
                        await using var command = connection.CreateCommand();
                        command.CommandText = step.Query;
                        command.Transaction = transaction;
                        foreach (var p in step.Parameters)
                        {
                            var parameter = SqlDatabase.Parameter(command, p);
                            if (parameter is not Npgsql.NpgsqlParameter<long>) parameter.Value = DBNull.Value;
                            command.Parameters.Add(parameter);
                        }
                        await command.PrepareAsync(cancel.Token).ConfigureAwait(false);
                    }
                    catch (Exception e) when (DatabaseErrors.Classify(e) is Core.Metrics.ErrorKind.DbSyntax && (!createsObjects || IsSyntaxError(e)))
                    {
                        return $"sql step '{step.Name}' at {step.Position.File}:{step.Position.Line} does not prepare on database '{db.Name}': {DatabaseErrors.Describe(e)}";
                    }
                    catch (Exception)
                    {
                        // Anything else (a lock, a type the server wants at run time) shows when the step runs.
                        break;
                    }
                }
                await transaction.RollbackAsync(CancellationToken.None).ConfigureAwait(false);
            }
        }
        return null;
    }

    /// <summary>The statement does not parse (PostgreSQL 42601, MySQL 1064, SQLite "syntax error"), whatever exists in the database.</summary>
    private static bool IsSyntaxError(Exception e) => e switch
    {
        Npgsql.PostgresException pg => pg.SqlState == "42601",
        MySqlConnector.MySqlException my => my.ErrorCode == MySqlConnector.MySqlErrorCode.ParseError,
        Microsoft.Data.Sqlite.SqliteException lite => lite.Message.Contains("syntax error", StringComparison.OrdinalIgnoreCase),
        _ => false,
    };

    private static async Task<string?> RedisAsync(DatabaseDefinition db, TimeSpan timeout)
    {
        var options = RedisDatabase.Options(db);
        options.ConnectTimeout = (int)timeout.TotalMilliseconds;
        options.AbortOnConnectFail = true;
        try
        {
            await using var connection = await ConnectionMultiplexer.ConnectAsync(options).ConfigureAwait(false);
            await connection.GetDatabase().PingAsync().ConfigureAwait(false);
            return null;
        }
        catch (Exception e)
        {
            return $"redis database '{db.Name}' ({db.MaskedConnection}) is not reachable: {e.Message.Split('\n')[0]}";
        }
    }
}
