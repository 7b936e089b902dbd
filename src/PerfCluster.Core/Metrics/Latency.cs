using HdrHistogram;
using HdrHistogram.Utilities;

namespace PerfCluster.Core.Metrics;

/// <summary>
/// The one histogram shape used everywhere: microseconds from 1 µs to 1 h, 3 significant digits.
/// Memory per histogram is fixed by this range, however long a run lasts.
/// </summary>
public static class Latency
{
    public const long Lowest = 1;
    public const long Highest = 3_600_000_000;   // 1 h in µs
    public const int SignificantDigits = 3;

    public static LongHistogram NewHistogram() => new(Lowest, Highest, SignificantDigits);

    /// <summary>Microseconds, clamped into the histogram's range so a recording never throws.</summary>
    public static long ToMicros(TimeSpan elapsed) => Math.Clamp(elapsed.Ticks / 10, Lowest, Highest);

    public static double MicrosToSeconds(long micros) => micros / 1_000_000.0;

    public static byte[] Encode(HistogramBase histogram)
    {
        var buffer = ByteBuffer.Allocate(histogram.GetNeededByteBufferCapacity());
        var length = HistogramEncoding.EncodeIntoCompressedByteBuffer(histogram, buffer);
        // ByteBuffer exposes its bytes only one at a time; a compressed histogram is a few hundred bytes.
        buffer.Position = 0;
        var bytes = new byte[length];
        for (var i = 0; i < length; i++) bytes[i] = buffer.Get();
        return bytes;
    }

    public static HistogramBase Decode(byte[] encoded) =>
        HistogramEncoding.DecodeFromCompressedByteBuffer(ByteBuffer.Allocate(encoded), 0);
}

/// <summary>Latency figures of one histogram, in seconds (the guide's unit).</summary>
public sealed record LatencySummary(
    double Min, double Mean, double StdDev, double P50, double P90, double P95, double P99, double P999, double Max)
{
    public static readonly LatencySummary Empty = new(0, 0, 0, 0, 0, 0, 0, 0, 0);

    public static LatencySummary From(HistogramBase h)
    {
        if (h.TotalCount == 0) return Empty;
        double S(long v) => Latency.MicrosToSeconds(h.HighestEquivalentValue(v));
        return new LatencySummary(
            Min: Latency.MicrosToSeconds(h.LowestEquivalentValue(h.GetValueAtPercentile(0))),
            Mean: h.GetMean() / 1_000_000.0,
            StdDev: h.GetStdDeviation() / 1_000_000.0,
            P50: S(h.GetValueAtPercentile(50)),
            P90: S(h.GetValueAtPercentile(90)),
            P95: S(h.GetValueAtPercentile(95)),
            P99: S(h.GetValueAtPercentile(99)),
            P999: S(h.GetValueAtPercentile(99.9)),
            Max: S(h.GetMaxValue()));
    }
}
