using System.Diagnostics;
using PerfCluster.Core.Steps;

namespace PerfCluster.Engine.Steps;

/// <summary>
/// Hands a share's users the rows of one feeder. Circular: user u's k-th row is (u + k) mod n, so users start at their
/// own places; random: any row; unique: rows leased from the coordinator in blocks (<see cref="UniqueRows"/>), so each
/// row is used at most once in the whole run.
/// </summary>
internal sealed class FeederRows
{
    private readonly UniqueRows? _unique;

    public FeederRows(FeederDefinition feeder, int[] slots, Action<string, int>? requestLease)
    {
        Feeder = feeder;
        Slots = slots;
        if (feeder.Mode == FeederMode.Unique)
            _unique = new UniqueRows(feeder.Name, requestLease ?? throw new ArgumentNullException(nameof(requestLease)));
    }

    public FeederDefinition Feeder { get; }

    /// <summary>The user-variable slot of each field, in field order.</summary>
    public int[] Slots { get; }

    public UniqueRows? Unique => _unique;

    /// <summary>The row for this use; -1 when a unique feeder has no row left. Cancelled by <paramref name="abandon"/>.</summary>
    public ValueTask<int> NextAsync(JourneyUser user, int feederIndex, CancellationToken abandon)
    {
        var rows = Feeder.Rows.Count;
        switch (Feeder.Mode)
        {
            case FeederMode.Circular:
                var uses = user.FeederUses[feederIndex]++;
                return ValueTask.FromResult((int)((user.Variables.Vu + uses) % rows));
            case FeederMode.Random:
                return ValueTask.FromResult(Random.Shared.Next(rows));
            default:
                return _unique!.TakeAsync(abandon);
        }
    }

    /// <summary>Copies row <paramref name="row"/> into the user's variables.</summary>
    public void Apply(JourneyUser user, int row)
    {
        var values = Feeder.Rows[row];
        for (var i = 0; i < Slots.Length; i++) user.Variables[Slots[i]] = values[i];
    }
}

/// <summary>
/// The rows of a unique feeder this share holds: blocks leased from the coordinator, one message per block (16 rows at
/// first, doubling to 4,096 while the share keeps taking them), asked for before the block runs out. Rows of a block a
/// worker never uses (it stopped, died or the run ended) are never handed out again: each row is used at most once.
/// </summary>
internal sealed class UniqueRows(string feeder, Action<string, int> requestLease)
{
    private static readonly long RetryAfter = Stopwatch.Frequency * 2;

    private readonly object _gate = new();
    private readonly Queue<(int From, int To)> _blocks = new();
    private readonly Queue<TaskCompletionSource<int>> _waiters = new();
    private int _next = -1;
    private int _end = -1;
    private int _block = 16;
    private long _requestedAt;
    private bool _exhausted;

    public string Feeder { get; } = feeder;

    /// <summary>Rows received from the coordinator so far.</summary>
    public long Leased { get; private set; }

    public ValueTask<int> TakeAsync(CancellationToken abandon)
    {
        TaskCompletionSource<int> waiter;
        var ask = 0;
        lock (_gate)
        {
            if (TryTakeLocked(out var row))
            {
                ask = PrefetchLocked();
                if (ask > 0) requestLease(Feeder, ask);
                return ValueTask.FromResult(row);
            }
            if (_exhausted) return ValueTask.FromResult(-1);
            waiter = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Enqueue(waiter);
            ask = RequestLocked();
        }
        if (ask > 0) requestLease(Feeder, ask);
        return new ValueTask<int>(waiter.Task.WaitAsync(abandon));
    }

    /// <summary>The coordinator's answer: rows [from, to), or none left when they are equal.</summary>
    public void Grant(int from, int to)
    {
        var served = new List<(TaskCompletionSource<int>, int)>();
        lock (_gate)
        {
            _requestedAt = 0;
            if (to <= from) _exhausted = true;
            else
            {
                _blocks.Enqueue((from, to));
                Leased += to - from;
                _block = Math.Min(_block * 2, 4096);
            }
            while (_waiters.Count > 0)
            {
                if (TryTakeLocked(out var row)) served.Add((_waiters.Dequeue(), row));
                else if (_exhausted) served.Add((_waiters.Dequeue(), -1));
                else break;
            }
        }
        foreach (var (waiter, row) in served) waiter.TrySetResult(row);
        var ask = 0;
        lock (_gate) ask = _waiters.Count > 0 ? RequestLocked() : PrefetchLocked();
        if (ask > 0) requestLease(Feeder, ask);
    }

    /// <summary>Asks again when an answer is overdue (a lost message, a coordinator fail-over).</summary>
    public void RetryIfOverdue()
    {
        int ask;
        lock (_gate)
        {
            if (_requestedAt == 0 || Stopwatch.GetTimestamp() - _requestedAt < RetryAfter) return;
            _requestedAt = 0;
            ask = _waiters.Count > 0 ? RequestLocked() : PrefetchLocked();
        }
        if (ask > 0) requestLease(Feeder, ask);
    }

    private bool TryTakeLocked(out int row)
    {
        while (_next >= _end)
        {
            if (_blocks.Count == 0)
            {
                row = -1;
                return false;
            }
            (_next, _end) = _blocks.Dequeue();
        }
        row = _next++;
        return true;
    }

    /// <summary>Less than half a block left and nothing asked for: ask now, so users rarely wait.</summary>
    private int PrefetchLocked()
    {
        if (_exhausted || _requestedAt != 0) return 0;
        var left = Math.Max(0, _end - _next) + _blocks.Sum(b => b.To - b.From);
        return left < _block / 2 ? RequestLocked() : 0;
    }

    private int RequestLocked()
    {
        if (_exhausted || _requestedAt != 0) return 0;
        _requestedAt = Stopwatch.GetTimestamp();
        return _block;
    }
}
