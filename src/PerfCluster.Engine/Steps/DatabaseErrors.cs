using System.Net.Sockets;
using Microsoft.Data.Sqlite;
using MySqlConnector;
using Npgsql;
using PerfCluster.Core.Metrics;
using StackExchange.Redis;

namespace PerfCluster.Engine.Steps;

/// <summary>
/// Sorts what a database or cache threw into the error kinds: connection failures, timeouts, deadlocks and serialisation
/// failures, constraint violations, statements wrong for the database (SQLSTATE class 42), and other server errors.
/// </summary>
public static class DatabaseErrors
{
    public static ErrorKind Classify(Exception e)
    {
        switch (e)
        {
            case PostgresException pg:
                return BySqlState(pg.SqlState) ?? ErrorKind.DbError;
            case NpgsqlException npgsql:
                return npgsql.InnerException is TimeoutException ? ErrorKind.Timeout : ErrorKind.DbConnection;
            case MySqlException my:
                if (my.ErrorCode is MySqlErrorCode.LockDeadlock or MySqlErrorCode.LockWaitTimeout) return ErrorKind.DbDeadlock;
                if (my.ErrorCode is MySqlErrorCode.UnableToConnectToHost or MySqlErrorCode.TooManyUserConnections or MySqlErrorCode.ConnectionCountError
                    or MySqlErrorCode.AccessDenied) return ErrorKind.DbConnection;
                if (my.ErrorCode is MySqlErrorCode.CommandTimeoutExpired or MySqlErrorCode.QueryInterrupted) return ErrorKind.Timeout;
                return BySqlState(my.SqlState) ?? ErrorKind.DbError;
            case SqliteException lite:
                return (lite.SqliteErrorCode & 0xFF) switch
                {
                    5 or 6 => ErrorKind.DbDeadlock,     // SQLITE_BUSY, SQLITE_LOCKED
                    19 => ErrorKind.DbConstraint,      // SQLITE_CONSTRAINT
                    14 or 26 => ErrorKind.DbConnection, // SQLITE_CANTOPEN, SQLITE_NOTADB
                    1 when lite.Message.Contains("syntax error", StringComparison.OrdinalIgnoreCase) || lite.Message.Contains("no such", StringComparison.OrdinalIgnoreCase)
                        => ErrorKind.DbSyntax,
                    _ => ErrorKind.DbError,
                };
            case RedisTimeoutException or TimeoutException:
                return ErrorKind.Timeout;
            case RedisConnectionException:
                return ErrorKind.DbConnection;
            case RedisServerException:
                return ErrorKind.DbError;
            case SocketException or IOException:
                return ErrorKind.DbConnection;
            case AggregateException { InnerException: { } inner }:
                return Classify(inner);
            default:
                return e.InnerException is { } cause ? Classify(cause) : ErrorKind.DbError;
        }
    }

    /// <summary>The kind of a SQLSTATE: 40001 and 40P01 are contention, class 08 the connection, 23 a constraint, 42 the statement, 57014 a cancelled (timed-out) statement.</summary>
    public static ErrorKind? BySqlState(string? state)
    {
        if (string.IsNullOrEmpty(state) || state.Length < 2) return null;
        if (state is "40001" or "40P01") return ErrorKind.DbDeadlock;
        if (state == "57014") return ErrorKind.Timeout;
        if (state is "57P01" or "57P02" or "57P03" or "53300") return ErrorKind.DbConnection;
        return state[..2] switch
        {
            "08" => ErrorKind.DbConnection,
            "23" => ErrorKind.DbConstraint,
            "42" => ErrorKind.DbSyntax,
            _ => null,
        };
    }

    /// <summary>What a log line says about an error: its SQLSTATE (or code) and message, without any password.</summary>
    public static string Describe(Exception e) => e switch
    {
        PostgresException pg => $"SQLSTATE {pg.SqlState}: {pg.MessageText}",
        MySqlException my => $"SQLSTATE {my.SqlState} (MySQL {(int)my.ErrorCode}): {my.Message}",
        SqliteException lite => $"SQLite {lite.SqliteErrorCode}: {lite.Message}",
        AggregateException { InnerException: { } inner } => Describe(inner),
        _ => $"{e.GetType().Name}: {e.Message}",
    };
}
