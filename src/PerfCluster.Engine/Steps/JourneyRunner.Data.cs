using System.Collections.Concurrent;
using System.Data.Common;
using System.Diagnostics;
using PerfCluster.Core.Coordination;
using PerfCluster.Core.Metrics;
using PerfCluster.Core.Steps;

namespace PerfCluster.Engine.Steps;

/// <summary>A transaction step's connection and transaction while its steps run, and the first failure's kind.</summary>
internal sealed class OpenTransaction(SqlDatabase database, PooledConnection connection, DbTransaction transaction)
{
    public SqlDatabase Database { get; } = database;
    public PooledConnection Connection { get; } = connection;
    public DbTransaction Transaction { get; } = transaction;
    public ErrorKind? FirstError { get; set; }
}

/// <summary>
/// The data steps: SQL statements and transactions through each database's <see cref="PoolGate"/> (the wait for a
/// connection is recorded as the database's pool wait, and counts in the step's latency, as the user would feel it),
/// Redis commands, and <c>set</c>. A database that fails gives counted errors of its kind, never an exception out of an
/// iteration; the first error of each kind per step is logged with its SQLSTATE and no password.
/// </summary>
public sealed partial class JourneyRunner
{
    private readonly Dictionary<string, SqlDatabase> _sql = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ICacheDatabase> _redis = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(int Step, ErrorKind Kind), bool> _logged = new();
    private UserShare _share;
    private readonly int _totalUsers;

    private void OpenDatabases(int connections)
    {
        var pool = 0;
        foreach (var db in _journey.Databases)
        {
            if (db.IsSql) _sql[db.Name] = new SqlDatabase(db, db.PoolFor(_share.From, _share.To, _totalUsers, connections), pool++);
            else if (db.Provider == DatabaseProvider.Memory)
            {
                var index = pool++;
                _redis[db.Name] = new MemoryCacheDatabase(db, () => _recorder.RecordEviction(index));
            }
            else _redis[db.Name] = new RedisDatabase(db, db.PoolSize <= 0 ? 1 : db.PoolFor(_share.From, _share.To, _totalUsers, 1));
        }
        var caches = _journey.Databases.Where(d => d.Provider != DatabaseProvider.Redis).Select(d => _redis.GetValueOrDefault(d.Name) as MemoryCacheDatabase).ToArray();
        if (caches.Any(c => c is not null))
            _recorder.PoolGauge = i => caches[i] is { } cache ? cache.Gauge() : null;
    }

    /// <summary>The share was re-split: each SQL pool takes its new part of <c>pool-size</c> (Redis keeps its connections).</summary>
    public void ShareChanged(UserShare share)
    {
        _share = share;
        foreach (var db in _sql.Values)
            db.Gate.Resize(db.Definition.PoolFor(share.From, share.To, _totalUsers, Math.Max(1, share.Count)));
    }

    private void CloseDatabases()
    {
        foreach (var db in _sql.Values) db.DisposeAsync().AsTask().Wait(TimeSpan.FromSeconds(5));
        foreach (var db in _redis.Values) db.DisposeAsync().AsTask().Wait(TimeSpan.FromSeconds(5));
    }

    private void Fail(int index, ErrorKind kind, Exception? e, IterationState state)
    {
        state.Failed = true;
        if (state.Transaction is { FirstError: null } tx) tx.FirstError = kind;
        if (e is null || !_logged.TryAdd((index, kind), true)) return;
        var step = _journey.Series[index];
        Serilog.Log.Warning("Step {Step}: {Kind} ({Error}); later errors of this kind on this step are counted, not logged",
            step.Name, kind.Key(), Secrets.Mask(DatabaseErrors.Describe(e), _journey.Databases));
    }

    /// <summary>Renders every parameter; null (the step failed as <c>missing_variable</c>) when a variable is unset.</summary>
    private static string[]? Values(SqlStep step, UserVariables vars)
    {
        var values = new string[step.Parameters.Count];
        for (var i = 0; i < values.Length; i++)
            if (step.Parameters[i].Value.Render(vars, out _) is { } v) values[i] = v;
            else return null;
        return values;
    }

    private async ValueTask<Flow> SqlAsync(SqlStep step, IterationState state)
    {
        var index = _requestIndex[step];
        var db = _sql[step.Database];
        var intended = state.TakeIntendedStart();
        var start = Stopwatch.GetTimestamp();
        if (Values(step, state.User.Variables) is not { } values)
        {
            _recorder.Record(index, intended, start, start, ErrorKind.MissingVariable);
            Fail(index, ErrorKind.MissingVariable, null, state);
            return Flow.Next;
        }
        if (db.Broken is not null)
        {
            _recorder.Record(index, intended, start, start, ErrorKind.DbConnection);
            Fail(index, ErrorKind.DbConnection, new InvalidOperationException(db.Broken), state);
            return Flow.Next;
        }
        var timeout = step.Timeout ?? db.Definition.Timeout;
        long sentAt = start;
        ErrorKind? error = null;
        Exception? failure = null;
        SqlOutcome outcome = default;
        var pooled = false;
        PooledConnection? connection = null;
        try
        {
            if (state.Transaction is { } tx)
                outcome = await db.ExecuteAsync(tx.Connection, tx.Transaction, step, values, timeout, state.Abandon).ConfigureAwait(false);
            else
            {
                var acquired = await db.Gate.WaitAsync(db.Definition.PoolTimeout, state.Abandon).ConfigureAwait(false);
                sentAt = Stopwatch.GetTimestamp();
                _recorder.RecordPoolWait(db.PoolIndex, start, sentAt, !acquired);
                if (!acquired) error = ErrorKind.Timeout;
                else
                {
                    pooled = true;
                    connection = await db.RentAsync(state.Abandon).ConfigureAwait(false);
                    outcome = await db.ExecuteAsync(connection, null, step, values, timeout, state.Abandon).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (state.Abandon.IsCancellationRequested)
        {
            _recorder.RecordAbandoned();
            return Flow.Abandoned;
        }
        catch (OperationCanceledException e)
        {
            error = ErrorKind.Timeout;
            failure = e;
        }
        catch (Exception e) when (e is FormatException or OverflowException)
        {
            error = ErrorKind.DbError;
            failure = new FormatException($"a parameter's value does not have its declared type: {e.Message}");
        }
        catch (Exception e)
        {
            error = DatabaseErrors.Classify(e);
            failure = e;
        }
        finally
        {
            if (connection is not null) await db.ReturnAsync(connection, Healthy(error)).ConfigureAwait(false);
            if (pooled) db.Gate.Release();
        }
        var end = Stopwatch.GetTimestamp();
        if (error is null)
        {
            var vars = state.User.Variables;
            if (step.Extract.Count > 0)
            {
                if (outcome.Extracted is null || outcome.MissingColumn) error = ErrorKind.ExtractFailed;
                else
                    for (var i = 0; i < step.Extract.Count; i++)
                        vars[_journey.Variables.SlotOf(step.Extract[i].Variable)] = outcome.Extracted[i];
            }
            if (step.MinRows is { } min && outcome.Rows < min) error ??= ErrorKind.CheckFailed;
            _recorder.RecordRows(index, outcome.Rows, outcome.Affected);
        }
        _recorder.Record(index, intended ?? start, sentAt, end, error);
        if (error is { } kind) Fail(index, kind, failure, state);
        return Flow.Next;
    }

    private async ValueTask<Flow> TransactionAsync(TransactionStep step, IterationState state)
    {
        var index = _requestIndex[step];
        var db = _sql[step.Database];
        var intended = state.TakeIntendedStart();
        var start = Stopwatch.GetTimestamp();
        if (db.Broken is not null)
        {
            _recorder.Record(index, intended, start, start, ErrorKind.DbConnection);
            Fail(index, ErrorKind.DbConnection, new InvalidOperationException(db.Broken), state);
            return Flow.Next;
        }
        bool acquired;
        try
        {
            acquired = await db.Gate.WaitAsync(db.Definition.PoolTimeout, state.Abandon).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            _recorder.RecordAbandoned();
            return Flow.Abandoned;
        }
        var sentAt = Stopwatch.GetTimestamp();
        _recorder.RecordPoolWait(db.PoolIndex, start, sentAt, !acquired);
        if (!acquired)
        {
            _recorder.Record(index, intended ?? start, sentAt, sentAt, ErrorKind.Timeout);
            Fail(index, ErrorKind.Timeout, null, state);
            return Flow.Next;
        }
        var result = Flow.Next;
        ErrorKind? error = null;
        Exception? failure = null;
        var outer = state.Failed;
        PooledConnection? connection = null;
        try
        {
            connection = await db.RentAsync(state.Abandon).ConfigureAwait(false);
            await using var transaction = await connection.Connection.BeginTransactionAsync(step.Isolation, state.Abandon).ConfigureAwait(false);
            var open = new OpenTransaction(db, connection, transaction);
            state.Transaction = open;
            state.Failed = false;
            try
            {
                result = await RunAsync(step.Steps, state).ConfigureAwait(false);
            }
            finally
            {
                state.Transaction = null;
            }
            if (result == Flow.Abandoned)
            {
                await transaction.RollbackAsync(CancellationToken.None).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                return Flow.Abandoned;
            }
            if (state.Failed)
            {
                error = open.FirstError ?? ErrorKind.DbError;
                await transaction.RollbackAsync(CancellationToken.None).ConfigureAwait(false);
            }
            else await transaction.CommitAsync(state.Abandon).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (state.Abandon.IsCancellationRequested)
        {
            _recorder.RecordAbandoned();
            return Flow.Abandoned;
        }
        catch (Exception e)
        {
            error ??= DatabaseErrors.Classify(e);
            failure = e;
        }
        finally
        {
            if (connection is not null) await db.ReturnAsync(connection, Healthy(error) && result != Flow.Abandoned).ConfigureAwait(false);
            db.Gate.Release();
        }
        state.Failed = outer;
        _recorder.Record(index, intended ?? start, sentAt, Stopwatch.GetTimestamp(), error);
        if (error is { } kind) Fail(index, kind, failure, state);
        // The transaction's own failure decides its on-failure; the steps' already ended the block.
        return result == Flow.EndUser ? Flow.EndUser : Flow.Next;
    }

    /// <summary>A connection stays in the pool after a statement's own error; after a lost connection or a timeout it is closed.</summary>
    private static bool Healthy(ErrorKind? error) => error is not (ErrorKind.DbConnection or ErrorKind.Timeout or ErrorKind.DbError);

    private async ValueTask<Flow> RedisAsync(RedisStep step, IterationState state)
    {
        var index = _requestIndex[step];
        var db = _redis[step.Database];
        var vars = state.User.Variables;
        var intended = state.TakeIntendedStart();
        var start = Stopwatch.GetTimestamp();
        string? key = null, value = null, field = null;
        object[]? args = null;
        var missing = step.Key is not null && (key = step.Key.Render(vars, out _)) is null ||
                      step.Value is not null && (value = step.Value.Render(vars, out _)) is null ||
                      step.Field is not null && (field = step.Field.Render(vars, out _)) is null;
        if (!missing && step.Command == RedisCommand.Command)
        {
            args = new object[step.Args.Count];
            for (var i = 0; i < args.Length && !missing; i++)
                if (step.Args[i].Render(vars, out _) is { } a) args[i] = a;
                else missing = true;
        }
        if (missing)
        {
            _recorder.Record(index, intended, start, start, ErrorKind.MissingVariable);
            Fail(index, ErrorKind.MissingVariable, null, state);
            return Flow.Next;
        }
        ErrorKind? error = null;
        Exception? failure = null;
        RedisOutcome outcome = default;
        try
        {
            outcome = await db.ExecuteAsync(step, key, value, field, args, step.Timeout ?? db.Definition.Timeout, state.Abandon).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (state.Abandon.IsCancellationRequested)
        {
            _recorder.RecordAbandoned();
            return Flow.Abandoned;
        }
        catch (Exception e)
        {
            error = DatabaseErrors.Classify(e);
            failure = e;
        }
        var end = Stopwatch.GetTimestamp();
        if (error is null)
        {
            if (step.Extract is { } variable) vars[_journey.Variables.SlotOf(variable)] = outcome.Value;
            _recorder.RecordRows(index, outcome.Rows, outcome.Affected);
        }
        _recorder.Record(index, intended, start, end, error);
        if (error is { } kind) Fail(index, kind, failure, state);
        return Flow.Next;
    }

    private void Set(SetStep step, IterationState state)
    {
        var vars = state.User.Variables;
        foreach (var (variable, template) in step.Values)
        {
            if (template.Render(vars, out _) is { } value) vars[_journey.Variables.SlotOf(variable)] = value;
            else state.Failed = true;
        }
    }
}
