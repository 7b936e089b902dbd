namespace PerfCluster.Engine.Steps;

/// <summary>
/// The connections one share may hold on one database: a semaphore whose capacity follows the share (a re-split grows or
/// shrinks it; a shrink takes slots back as they are released). Its waits are what <c>pool_wait</c> measures.
/// </summary>
internal sealed class PoolGate(int capacity) : IDisposable
{
    private readonly SemaphoreSlim _slots = new(capacity, int.MaxValue);
    private readonly Lock _lock = new();
    private int _capacity = capacity;
    /// <summary>Slots to swallow on release after a shrink that found them in use.</summary>
    private int _debt;

    public int Capacity => _capacity;

    public Task<bool> WaitAsync(TimeSpan timeout, CancellationToken cancel) => _slots.WaitAsync(timeout, cancel);

    public void Release()
    {
        lock (_lock)
        {
            if (_debt > 0)
            {
                _debt--;
                return;
            }
        }
        _slots.Release();
    }

    public void Resize(int capacity)
    {
        capacity = Math.Max(1, capacity);
        lock (_lock)
        {
            var change = capacity - _capacity;
            _capacity = capacity;
            if (change > 0)
            {
                var paid = Math.Min(change, _debt);
                _debt -= paid;
                if (change - paid > 0) _slots.Release(change - paid);
            }
            else
            {
                var take = -change;
                while (take > 0 && _slots.Wait(0)) take--;
                _debt += take;
            }
        }
    }

    public void Dispose() => _slots.Dispose();
}
