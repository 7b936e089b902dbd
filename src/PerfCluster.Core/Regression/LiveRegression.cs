using PerfCluster.Core.Metrics;
using PerfCluster.Core.Scenarios;

namespace PerfCluster.Core.Regression;

/// <summary>The running comparison of one metric during a <c>perfcluster test</c> run.</summary>
/// <param name="Baseline">Median of the baseline's windows over the same seconds of the run.</param>
/// <param name="Current">Median of the run's windows so far.</param>
public sealed record LiveMetric(
    string Metric, double Baseline, double Current, double ChangePercent, double PValue, int BaselineSamples, int CurrentSamples)
{
    public static LiveMetric Empty(string metric) => new(metric, double.NaN, double.NaN, double.NaN, double.NaN, 0, 0);
}

/// <summary>
/// Compares a <c>test</c> run with its baseline window by window while it runs, for the live view and for
/// <c>abort-on-fail</c>. Windows are matched by their second in the run, so the ramp-up of this run is set against
/// the ramp-up of the baseline rather than against its steady state. A failure is called certain only when it
/// would be hard to be wrong: at least <see cref="MinimumWindows"/> windows on each side, a change beyond the failure
/// level, and a Mann-Whitney p-value below <see cref="Certainty"/> (far stricter than the final verdict's level,
/// because the test is repeated after every window). Once certain, it stays certain.
/// </summary>
public sealed class LiveRegression
{
    public const int DefaultMinimumWindows = 10;
    public const double DefaultCertainty = 0.001;

    private readonly RegressionThresholds _thresholds;
    private readonly IReadOnlyList<BaselineWindow> _baseline;
    private readonly List<WindowStatistics> _windows = [];

    public LiveRegression(Baseline baseline, RegressionThresholds thresholds,
        int minimumWindows = DefaultMinimumWindows, double certainty = DefaultCertainty)
    {
        ArgumentNullException.ThrowIfNull(baseline);
        ArgumentNullException.ThrowIfNull(thresholds);
        ArgumentOutOfRangeException.ThrowIfLessThan(minimumWindows, 2);
        if (certainty is <= 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(certainty), certainty, "must be between 0 and 1");
        _thresholds = thresholds;
        _baseline = baseline.Overall.Windows.OrderBy(w => w.Second).ToList();
        MinimumWindows = minimumWindows;
        Certainty = certainty;
    }

    public int MinimumWindows { get; }

    public double Certainty { get; }

    /// <summary>Windows fed so far (idle ones, with neither requests nor users, are skipped as in the baseline).</summary>
    public int Windows => _windows.Count;

    public LiveMetric Throughput { get; private set; } = LiveMetric.Empty("throughput");

    public LiveMetric LatencyP95 { get; private set; } = LiveMetric.Empty("latency_p95");

    public bool IsCertainFailure { get; private set; }

    /// <summary>Why the run is certain to fail (for the abort message); null while it is not.</summary>
    public string? FailureReason { get; private set; }

    public void Add(WindowStatistics window)
    {
        ArgumentNullException.ThrowIfNull(window);
        if (window.Requests <= 0 && window.ActiveUsers <= 0) return;
        _windows.Add(window);
        var last = _windows.Max(w => w.Second);
        var aligned = _baseline.Where(w => w.Second <= last).ToList();

        Throughput = Measure("throughput", aligned.Select(w => (double?)w.Throughput), _windows.Select(w => (double?)w.Throughput));
        LatencyP95 = Measure("latency_p95", aligned.Select(w => w.P95Ms),
            _windows.Select(w => w.Requests > 0 ? w.Latency.P95 * 1000 : (double?)null));

        if (IsCertainFailure) return;
        if (Certain(Throughput, MetricDirection.LowerIsWorse, _thresholds.ThroughputDegradation) is { } t)
        {
            IsCertainFailure = true;
            FailureReason = t;
        }
        else if (Certain(LatencyP95, MetricDirection.HigherIsWorse, _thresholds.LatencyIncrease) is { } l)
        {
            IsCertainFailure = true;
            FailureReason = l;
        }
    }

    private LiveMetric Measure(string metric, IEnumerable<double?> baseline, IEnumerable<double?> current)
    {
        var x = baseline.OfType<double>().Where(double.IsFinite).ToList();
        var y = current.OfType<double>().Where(double.IsFinite).ToList();
        if (x.Count == 0 || y.Count == 0) return LiveMetric.Empty(metric) with { BaselineSamples = x.Count, CurrentSamples = y.Count };
        var b = Median(x);
        var c = Median(y);
        var change = b != 0 ? (c - b) / Math.Abs(b) * 100 : double.NaN;
        return new LiveMetric(metric, b, c, change, MannWhitney.Test(x, y).PValue, x.Count, y.Count);
    }

    private string? Certain(LiveMetric m, MetricDirection direction, RegressionLimit limit)
    {
        if (m.BaselineSamples < MinimumWindows || m.CurrentSamples < MinimumWindows) return null;
        if (!double.IsFinite(m.ChangePercent) || !(m.PValue < Certainty)) return null;
        var worsening = direction == MetricDirection.HigherIsWorse ? m.ChangePercent : -m.ChangePercent;
        if (worsening <= limit.Failure) return null;
        return $"{m.Metric} {RegressionComparer.Number(m.ChangePercent, "+0.#;-0.#")}% against the baseline over " +
               $"{m.CurrentSamples} windows (failure level {RegressionComparer.Number(limit.Failure, "0.##")}%, " +
               $"p = {m.PValue.ToString("0.######", System.Globalization.CultureInfo.InvariantCulture)})";
    }

    private static double Median(List<double> values)
    {
        values.Sort();
        var n = values.Count;
        return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
    }
}
