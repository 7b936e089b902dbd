using PerfCluster.Core.Monitoring;
using Xunit;

namespace PerfCluster.Core.Tests.Monitoring;

public class LeakDetectorSpecs
{
    private static readonly LeakDetectorOptions Options = LeakDetectorOptions.Default;   // 5 min, 50 MB, R² 0.5

    /// <summary>One sample a second for <paramref name="seconds"/> seconds.</summary>
    private static List<MemorySample> Series(int seconds, Func<double, double> mbAt, double start = 0) =>
        Enumerable.Range(0, seconds).Select(i => new MemorySample(TimeSpan.FromSeconds(start + i), mbAt(start + i))).ToList();

    /// <summary>A GC sawtooth: memory climbs <paramref name="amplitude"/> MB over each period, then a collection drops it back.</summary>
    private static double Sawtooth(double t, double period, double amplitude, double phase) =>
        amplitude * (((t + phase) % period + period) % period) / period;

    private static LeakAssessment Run(IEnumerable<MemorySample> samples, LeakDetectorOptions? options = null)
    {
        var detector = new LeakDetector(options ?? Options);
        foreach (var s in samples) detector.Add(s);
        return detector.Assess();
    }

    [Fact]
    public void Should_fit_an_exact_line()
    {
        var a = LeakDetector.Assess(Series(300, t => 100 + 2 * t / 60), Options with { GrowthThresholdMb = 5 });

        Assert.Equal(2, a.SlopeMbPerMinute, 9);
        Assert.Equal(100, a.InterceptMb, 6);
        Assert.Equal(1, a.RSquared, 9);
        Assert.Equal(0, a.SlopeStdErrorMbPerMinute, 6);
        Assert.Equal(2 * 299 / 60.0, a.GrowthMb, 6);
        Assert.True(a.Suspected);
    }

    [Fact]
    public void Should_fire_on_steady_growth_with_noise()
    {
        var random = new Random(7);
        var a = Run(Series(300, t => 400 + 30 * t / 60 + (random.NextDouble() - 0.5) * 40));

        Assert.True(a.Suspected, a.Reason);
        Assert.InRange(a.SlopeMbPerMinute, 27, 33);
        Assert.True(a.SlopeCiLowMbPerMinute > 0 && a.SlopeCiLowMbPerMinute < a.SlopeMbPerMinute);
        Assert.True(a.SlopeCiHighMbPerMinute > a.SlopeMbPerMinute);
        Assert.InRange(a.GrowthMb, 130, 165);
        Assert.StartsWith("memory grew ", a.Reason);
    }

    [Theory]
    [InlineData(20, 0)]
    [InlineData(45, 0)]
    [InlineData(45, 30)]
    [InlineData(60, 0)]
    [InlineData(60, 59)]
    [InlineData(90, 10)]
    [InlineData(90, 80)]
    [InlineData(110, 100)]
    public void Should_not_fire_on_a_steady_gc_sawtooth(double period, double phase)
    {
        var random = new Random(11);
        var a = Run(Series(300, t => 300 + Sawtooth(t, period, 50, phase) + (random.NextDouble() - 0.5) * 4));

        Assert.False(a.Suspected, a.Reason);
    }

    [Fact]
    public void Should_not_fire_on_a_wide_sawtooth_whose_tilted_fit_passes_the_growth_threshold()
    {
        // Two cycles of a 150 MB, 150 s sawtooth: the fitted line grows past 50 MB, but explains little of the movement.
        var a = Run(Series(300, t => 300 + Sawtooth(t, 150, 150, 0)));

        Assert.False(a.Suspected, a.Reason);
        Assert.True(a.GrowthMb > Options.GrowthThresholdMb, a.Reason);
        Assert.True(a.SlopeCiLowMbPerMinute > 0, a.Reason);
        Assert.Contains("not a steady trend", a.Reason);
    }

    [Theory]
    [InlineData(2, false)]
    [InlineData(6, false)]
    [InlineData(20, true)]
    [InlineData(40, true)]
    public void Should_fire_on_a_slow_leak_under_a_sawtooth_once_the_trend_is_big_enough(double mbPerMinute, bool suspected)
    {
        var random = new Random(3);
        var a = Run(Series(300, t => 300 + mbPerMinute * t / 60 + Sawtooth(t, 45, 50, 0) + (random.NextDouble() - 0.5) * 4));

        Assert.Equal(suspected, a.Suspected);
        if (suspected) Assert.InRange(a.SlopeMbPerMinute, mbPerMinute * 0.8, mbPerMinute * 1.2);
    }

    [Fact]
    public void Should_give_no_verdict_before_the_samples_cover_half_the_window()
    {
        var a = Run(Series(120, t => 100 + 100 * t / 60));

        Assert.False(a.Suspected);
        Assert.True(double.IsNaN(a.SlopeMbPerMinute));
        Assert.Equal("samples span 119s; a verdict needs 150s", a.Reason);
    }

    [Fact]
    public void Should_forget_growth_that_left_the_window()
    {
        // Ten minutes of growth, then ten flat minutes: the 5-minute window now sees only the flat part.
        var growth = Series(600, t => 100 + 20 * t / 60);
        var flat = Series(600, _ => 300, start: 600);
        var detector = new LeakDetector();
        foreach (var s in growth) detector.Add(s);
        Assert.True(detector.Assess().Suspected);

        foreach (var s in flat) detector.Add(s);

        Assert.False(detector.Assess().Suspected);
        Assert.Equal(301, detector.Count);
    }

    [Fact]
    public void Should_ignore_out_of_order_and_non_finite_samples()
    {
        var detector = new LeakDetector();

        Assert.True(detector.Add(TimeSpan.FromSeconds(2), 10));
        Assert.False(detector.Add(TimeSpan.FromSeconds(2), 11));
        Assert.False(detector.Add(TimeSpan.FromSeconds(1), 11));
        Assert.False(detector.Add(TimeSpan.FromSeconds(3), double.NaN));
        Assert.Equal(1, detector.Count);
    }

    [Theory]
    [InlineData(1, 12.706)]
    [InlineData(10, 2.228)]
    [InlineData(30, 2.042)]
    [InlineData(40, 2.021)]
    [InlineData(120, 1.980)]
    [InlineData(100_000, 1.960)]
    public void Should_use_students_t_for_the_interval(int df, double expected)
    {
        Assert.Equal(expected, LeakDetector.StudentT975(df), 3);
    }
}
