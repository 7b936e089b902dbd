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

    public MetricsRecorder(IReadOnlyList<string> endpointNames)
    {
        _names = endpointNames.ToArray();
        _latency = _names.Select(_ => NewRecorder()).ToArray();
        _service = _names.Select(_ => NewRecorder()).ToArray();
        _errors = _names.Select(_ => new long[ErrorKinds.Count]).ToArray();
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
            if (histogram.TotalCount == 0 && errors.All(e => e == 0)) continue;
            deltas.Add(new EndpointDelta(_names[i], Latency.Encode(histogram), errors)
            {
                ServiceTime = service.TotalCount > 0 ? Latency.Encode(service) : null,
            });
        }
        return deltas;
    }
}
