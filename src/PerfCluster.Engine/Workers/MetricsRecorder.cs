using System.Diagnostics;
using HdrHistogram;
using PerfCluster.Core.Metrics;

namespace PerfCluster.Engine.Workers;

/// <summary>
/// Per-endpoint HDR recorders written concurrently by every virtual user of one share. Writers are
/// wait-free (HdrHistogram's <see cref="Recorder"/>); <see cref="Flush"/> swaps in fresh interval
/// histograms, so every request lands in exactly one flush.
/// </summary>
public sealed class MetricsRecorder
{
    private readonly string[] _names;
    private readonly Recorder[] _latency;
    private readonly long[][] _errors;
    private long _abandoned;

    public MetricsRecorder(IReadOnlyList<string> endpointNames)
    {
        _names = endpointNames.ToArray();
        _latency = _names.Select(_ => HistogramFactory.With64BitBucketSize()
            .WithValuesFrom(Latency.Lowest)
            .WithValuesUpTo(Latency.Highest)
            .WithPrecisionOf(Latency.SignificantDigits)
            .WithThreadSafeWrites()
            .WithThreadSafeReads()
            .Create()).ToArray();
        _errors = _names.Select(_ => new long[ErrorKinds.Count]).ToArray();
    }

    /// <summary>Records one finished request, successful (<paramref name="error"/> null) or not.</summary>
    public void Record(int endpoint, long startTimestamp, long endTimestamp, ErrorKind? error)
    {
        var micros = (endTimestamp - startTimestamp) * 1_000_000 / Stopwatch.Frequency;
        _latency[endpoint].RecordValue(Math.Clamp(micros, Latency.Lowest, Latency.Highest));
        if (error is { } kind) Interlocked.Increment(ref _errors[endpoint][(int)kind]);
    }

    /// <summary>A request cut off by the end of the graceful-stop period: not counted, only reported.</summary>
    public void RecordAbandoned() => Interlocked.Increment(ref _abandoned);

    public long TakeAbandoned() => Interlocked.Exchange(ref _abandoned, 0);

    public IReadOnlyList<EndpointDelta> Flush()
    {
        var deltas = new List<EndpointDelta>(_names.Length);
        for (var i = 0; i < _names.Length; i++)
        {
            var histogram = _latency[i].GetIntervalHistogram();
            var errors = new long[ErrorKinds.Count];
            for (var k = 0; k < errors.Length; k++) errors[k] = Interlocked.Exchange(ref _errors[i][k], 0);
            if (histogram.TotalCount == 0 && errors.All(e => e == 0)) continue;
            deltas.Add(new EndpointDelta(_names[i], Latency.Encode(histogram), errors));
        }
        return deltas;
    }
}
