using System.Diagnostics;
using HdrHistogram;
using PerfCluster.Core.Metrics;

namespace PerfCluster.Engine.Drivers;

/// <summary>
/// Per-endpoint HDR recorders written concurrently by every virtual user of one share. Writers are
/// wait-free (HdrHistogram's <see cref="Recorder"/>); <see cref="Flush"/> swaps in fresh interval
/// histograms, so every request lands in exactly one flush. In the open model each request is also
/// recorded as service time (from the actual send), while its latency counts from its intended start.
/// </summary>
public sealed class MetricsRecorder
{
    private readonly string[] _names;
    private readonly Recorder[] _latency;
    private readonly Recorder[] _service;
    private readonly long[][] _errors;
    private readonly Recorder _schedulingLag = NewRecorder();
    private long _abandoned;
    private long _dropped;

    private readonly (string Name, bool Group)[] _timings;
    private readonly Recorder[] _durations;
    private readonly long[] _completed;
    private readonly long[] _failed;
    private readonly string[] _checks;
    private readonly long[] _passes;
    private readonly long[] _failures;
    private readonly long[] _rowsRead;
    private readonly long[] _rowsAffected;
    private readonly string[] _pools;
    private readonly Recorder[] _poolWaits;
    private readonly long[] _poolTimeouts;
    private readonly long[] _poolEvictions;

    public MetricsRecorder(IReadOnlyList<string> endpointNames)
        : this(endpointNames, [], [])
    {
    }

    /// <param name="timings">Journeys: the flows and groups whose durations are recorded, by index.</param>
    /// <param name="checks">Journeys: the named checks, by index.</param>
    /// <param name="pools">Journeys with SQL or Redis steps: the databases whose pool waits are recorded, by index.</param>
    public MetricsRecorder(IReadOnlyList<string> endpointNames, IReadOnlyList<(string Name, bool Group)> timings, IReadOnlyList<string> checks,
        IReadOnlyList<string>? pools = null)
    {
        _rowsRead = new long[endpointNames.Count];
        _rowsAffected = new long[endpointNames.Count];
        _pools = (pools ?? []).ToArray();
        _poolWaits = _pools.Select(_ => NewRecorder()).ToArray();
        _poolTimeouts = new long[_pools.Length];
        _poolEvictions = new long[_pools.Length];
        _names = endpointNames.ToArray();
        _latency = _names.Select(_ => NewRecorder()).ToArray();
        _service = _names.Select(_ => NewRecorder()).ToArray();
        _errors = _names.Select(_ => new long[ErrorKinds.Count]).ToArray();
        _timings = timings.ToArray();
        _durations = _timings.Select(_ => NewRecorder()).ToArray();
        _completed = new long[_timings.Length];
        _failed = new long[_timings.Length];
        _checks = checks.ToArray();
        _passes = new long[_checks.Length];
        _failures = new long[_checks.Length];
    }

    /// <summary>One flow iteration or group block ended, from <paramref name="startTimestamp"/> (its intended start in the open model).</summary>
    public void RecordTiming(int timing, long startTimestamp, long endTimestamp, bool failed)
    {
        _durations[timing].RecordValue(Micros(startTimestamp, endTimestamp));
        Interlocked.Increment(ref failed ? ref _failed[timing] : ref _completed[timing]);
    }

    /// <summary>Rows a SQL or Redis step read and changed.</summary>
    public void RecordRows(int endpoint, long read, long affected)
    {
        if (read > 0) Interlocked.Add(ref _rowsRead[endpoint], read);
        if (affected > 0) Interlocked.Add(ref _rowsAffected[endpoint], affected);
    }

    /// <summary>One acquisition of a pooled connection: how long it waited, and whether it gave up.</summary>
    public void RecordPoolWait(int pool, long fromTimestamp, long toTimestamp, bool timedOut)
    {
        _poolWaits[pool].RecordValue(Micros(fromTimestamp, toTimestamp));
        if (timedOut) Interlocked.Increment(ref _poolTimeouts[pool]);
    }

    /// <summary>An in-process cache evicted an entry for room.</summary>
    public void RecordEviction(int pool) => Interlocked.Increment(ref _poolEvictions[pool]);

    /// <summary>In-process caches: the bytes and entries a pool holds now; null for a SQL pool. Read at each flush.</summary>
    public Func<int, (long Bytes, long Entries)?>? PoolGauge { get; set; }

    /// <summary>Each database's pool waits since the last call.</summary>
    public IReadOnlyList<PoolDelta> FlushPools()
    {
        var pools = new List<PoolDelta>();
        for (var i = 0; i < _pools.Length; i++)
        {
            var waits = _poolWaits[i].GetIntervalHistogram();
            var timeouts = Interlocked.Exchange(ref _poolTimeouts[i], 0);
            var evictions = Interlocked.Exchange(ref _poolEvictions[i], 0);
            var gauge = PoolGauge?.Invoke(i);
            if (waits.TotalCount > 0 || timeouts > 0 || evictions > 0 || gauge is not null)
                pools.Add(new PoolDelta(_pools[i], Latency.Encode(waits), timeouts) { Evictions = evictions, Bytes = gauge?.Bytes, Entries = gauge?.Entries });
        }
        return pools;
    }

    public void RecordCheck(int check, bool passed) => Interlocked.Increment(ref passed ? ref _passes[check] : ref _failures[check]);

    /// <summary>Journeys: the flows', groups' and checks' figures since the last call.</summary>
    public (IReadOnlyList<TimingDelta> Timings, IReadOnlyList<CheckDelta> Checks) FlushJourney()
    {
        var timings = new List<TimingDelta>();
        for (var i = 0; i < _timings.Length; i++)
        {
            var durations = _durations[i].GetIntervalHistogram();
            var completed = Interlocked.Exchange(ref _completed[i], 0);
            var failed = Interlocked.Exchange(ref _failed[i], 0);
            if (durations.TotalCount == 0 && completed == 0 && failed == 0) continue;
            timings.Add(new TimingDelta(_timings[i].Name, _timings[i].Group, Latency.Encode(durations), completed, failed));
        }
        var checks = new List<CheckDelta>();
        for (var i = 0; i < _checks.Length; i++)
        {
            var passes = Interlocked.Exchange(ref _passes[i], 0);
            var failures = Interlocked.Exchange(ref _failures[i], 0);
            if (passes + failures > 0) checks.Add(new CheckDelta(_checks[i], passes, failures));
        }
        return (timings, checks);
    }

    private sealed class OperationSlot
    {
        public readonly Recorder Durations = NewRecorder();
        public long Failed;
    }

    private sealed class ExceptionSlot
    {
        public long Count;
        /// <summary>The first exception's message and place; sent once, in the first delta that counts this type.</summary>
        public string? Sample;
    }

    private readonly System.Collections.Concurrent.ConcurrentDictionary<(string Module, string Name), OperationSlot> _operations = new();
    private readonly System.Collections.Concurrent.ConcurrentDictionary<(int Series, string Type), ExceptionSlot> _exceptions = new();

    /// <summary>The most sub-operation names a share keeps; later names are counted under <see cref="OtherOperations"/>.</summary>
    public const int MaxOperationNames = 64;

    public const string OtherOperations = "(other)";

    /// <summary>
    /// A module's named sub-operation ended (<c>context.Time(name)</c>): a series of the module's own, made on first use.
    /// Names are labels: past <see cref="MaxOperationNames"/> a new one is counted as <see cref="OtherOperations"/>, so a
    /// module that puts ids in its names cannot grow the deltas without bound.
    /// </summary>
    public void RecordOperation(string module, string name, long startTimestamp, long endTimestamp, bool failed)
    {
        if (!_operations.TryGetValue((module, name), out var slot))
            slot = _operations.GetOrAdd(_operations.Count < MaxOperationNames ? (module, name) : (module, OtherOperations), static _ => new OperationSlot());
        slot.Durations.RecordValue(Micros(startTimestamp, endTimestamp));
        if (failed) Interlocked.Increment(ref slot.Failed);
    }

    /// <summary>
    /// A module step's operation threw <paramref name="type"/> (its error kind; the step's series counts it as
    /// <see cref="ErrorKind.ModuleException"/>). <paramref name="sample"/> describes the first one of each type.
    /// </summary>
    public void RecordException(int series, string type, Func<string> sample)
    {
        var slot = _exceptions.GetOrAdd((series, type), static _ => new ExceptionSlot());
        if (Interlocked.Increment(ref slot.Count) == 1 && slot.Sample is null) Interlocked.CompareExchange(ref slot.Sample, sample(), null);
    }

    /// <summary>Modules: the sub-operations' durations and the exceptions by type since the last call.</summary>
    public (IReadOnlyList<OperationDelta> Operations, IReadOnlyList<ExceptionDelta> Exceptions) FlushModules()
    {
        var operations = new List<OperationDelta>();
        foreach (var ((module, name), slot) in _operations)
        {
            var durations = slot.Durations.GetIntervalHistogram();
            var failed = Interlocked.Exchange(ref slot.Failed, 0);
            if (durations.TotalCount > 0 || failed > 0) operations.Add(new OperationDelta(module, name, Latency.Encode(durations), failed));
        }
        var exceptions = new List<ExceptionDelta>();
        foreach (var ((series, type), slot) in _exceptions)
        {
            var count = Interlocked.Exchange(ref slot.Count, 0);
            if (count == 0) continue;
            var sample = Interlocked.Exchange(ref slot.Sample, "");
            exceptions.Add(new ExceptionDelta(_names[series], type, count, string.IsNullOrEmpty(sample) ? null : sample));
        }
        return (operations, exceptions);
    }

    /// <summary>Optional source of the connection pool's wait count (the driver's), read at each flush.</summary>
    public Func<long>? ConnectionWaits { get; set; }

    private static Recorder NewRecorder() => HistogramFactory.With64BitBucketSize()
        .WithValuesFrom(Latency.Lowest)
        .WithValuesUpTo(Latency.Highest)
        .WithPrecisionOf(Latency.SignificantDigits)
        .WithThreadSafeWrites()
        .WithThreadSafeReads()
        .Create();

    private static long Micros(long from, long to) =>
        Math.Clamp((to - from) * 1_000_000 / Stopwatch.Frequency, Latency.Lowest, Latency.Highest);

    /// <summary>Records one finished request, successful (<paramref name="error"/> null) or not.</summary>
    public void Record(int endpoint, long startTimestamp, long endTimestamp, ErrorKind? error) =>
        Record(endpoint, null, startTimestamp, endTimestamp, error);

    /// <summary>
    /// Records one finished request. In the open model (<paramref name="intendedStart"/> set) its
    /// latency counts from the iteration's intended start and its service time from
    /// <paramref name="sentAt"/>; in the closed model latency is the service time.
    /// </summary>
    public void Record(int endpoint, long? intendedStart, long sentAt, long endTimestamp, ErrorKind? error)
    {
        _latency[endpoint].RecordValue(Micros(intendedStart ?? sentAt, endTimestamp));
        if (intendedStart is not null) _service[endpoint].RecordValue(Micros(sentAt, endTimestamp));
        if (error is { } kind) Interlocked.Increment(ref _errors[endpoint][(int)kind]);
    }

    /// <summary>A request cut off by the end of the graceful-stop period: not counted, only reported.</summary>
    public void RecordAbandoned() => Interlocked.Increment(ref _abandoned);

    /// <summary>An open-model iteration that found no free user at its intended start.</summary>
    public void RecordDropped() => Interlocked.Increment(ref _dropped);

    /// <summary>How late an iteration (or a timer) ran after it was due.</summary>
    public void RecordSchedulingLag(long dueTimestamp, long ranAt) =>
        _schedulingLag.RecordValue(ranAt > dueTimestamp ? Micros(dueTimestamp, ranAt) : Latency.Lowest);

    public long TakeAbandoned() => Interlocked.Exchange(ref _abandoned, 0);

    /// <summary>Generator-health figures since the last call, for the delta's sample.</summary>
    public (long Dropped, byte[]? SchedulingLag) TakeGeneratorHealth()
    {
        var lag = _schedulingLag.GetIntervalHistogram();
        return (Interlocked.Exchange(ref _dropped, 0), lag.TotalCount > 0 ? Latency.Encode(lag) : null);
    }

    public IReadOnlyList<EndpointDelta> Flush()
    {
        var deltas = new List<EndpointDelta>(_names.Length);
        for (var i = 0; i < _names.Length; i++)
        {
            var histogram = _latency[i].GetIntervalHistogram();
            var service = _service[i].GetIntervalHistogram();
            var errors = new long[ErrorKinds.Count];
            for (var k = 0; k < errors.Length; k++) errors[k] = Interlocked.Exchange(ref _errors[i][k], 0);
            var rowsRead = Interlocked.Exchange(ref _rowsRead[i], 0);
            var rowsAffected = Interlocked.Exchange(ref _rowsAffected[i], 0);
            if (histogram.TotalCount == 0 && errors.All(e => e == 0) && rowsRead == 0 && rowsAffected == 0) continue;
            deltas.Add(new EndpointDelta(_names[i], Latency.Encode(histogram), errors)
            {
                ServiceTime = service.TotalCount > 0 ? Latency.Encode(service) : null,
                RowsRead = rowsRead,
                RowsAffected = rowsAffected,
            });
        }
        return deltas;
    }
}
