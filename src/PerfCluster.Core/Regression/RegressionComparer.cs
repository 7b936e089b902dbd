using System.Globalization;
using PerfCluster.Core.Reports;
using PerfCluster.Core.Scenarios;

namespace PerfCluster.Core.Regression;

/// <summary>
/// Judges a run against its baseline. For each metric the relative change of the summary values is set against the
/// warning and failure levels of <see cref="RegressionThresholds"/>; noise is kept from failing a build by asking
/// that a change beyond the failure level is also a significant shift of the samples (Mann-Whitney U at
/// <see cref="RegressionThresholds.Significance"/>, in the worse direction) whenever both sides have
/// <see cref="RegressionThresholds.MinimumSamples"/> samples. Per-iteration samples are preferred to per-window ones
/// because windows of one run share its conditions and understate run-to-run spread; with windows only, the failure
/// level is what keeps a tiny but significant shift from failing. With too few samples the summary values decide
/// alone ("point"). Error rates use an absolute floor (<see cref="RegressionThresholds.ErrorRateFloor"/>): a rise
/// below it passes, so a baseline of zero errors does not turn one failed request into an infinite regression; a
/// rise above it from zero counts as +∞%.
/// </summary>
public static class RegressionComparer
{
    /// <summary>Compares the current run (made into the same shape with <see cref="Baseline.From"/>) with the baseline.</summary>
    public static RegressionVerdict Compare(Baseline baseline, Baseline current, RegressionThresholds thresholds, bool strict)
    {
        ArgumentNullException.ThrowIfNull(baseline);
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(thresholds);
        var metrics = new List<MetricComparison>();
        foreach (var spec in Specs(thresholds, scenarioLevel: true))
        {
            if (Compare(spec, null, baseline.Overall, current.Overall, thresholds) is { } m) metrics.Add(m);
        }

        var scenarioOutcomes = metrics.ToDictionary(m => m.Metric, m => m.Outcome, StringComparer.Ordinal);
        var endpointSpecs = Specs(thresholds, scenarioLevel: false);
        var currentEndpoints = current.Endpoints.ToDictionary(e => e.Name, StringComparer.Ordinal);
        foreach (var b in baseline.Endpoints)
        {
            if (!currentEndpoints.Remove(b.Name, out var c))
            {
                metrics.Add(Missing(b.Name, b.Throughput, double.NaN, $"endpoint '{b.Name}' is not in the current run"));
                continue;
            }
            foreach (var spec in endpointSpecs)
            {
                if (Compare(spec, b.Name, b, c, thresholds) is { } m) metrics.Add(Corroborated(m, spec.Metric, scenarioOutcomes));
            }
        }
        foreach (var c in current.Endpoints.Where(e => currentEndpoints.ContainsKey(e.Name)))
            metrics.Add(Missing(c.Name, double.NaN, c.Throughput, $"endpoint '{c.Name}' is not in the baseline"));

        return new RegressionVerdict
        {
            BaselineName = baseline.Name,
            BaselineVersion = baseline.Version,
            BaselineRunId = baseline.RunId,
            Metrics = metrics,
            EnvironmentWarnings = EnvironmentWarnings(baseline, current),
            Strict = strict,
        };
    }

    /// <summary>What differs between the set-ups the two runs were measured on.</summary>
    public static IReadOnlyList<string> EnvironmentWarnings(Baseline baseline, Baseline current)
    {
        ArgumentNullException.ThrowIfNull(baseline);
        ArgumentNullException.ThrowIfNull(current);
        var b = baseline.Environment;
        var c = current.Environment;
        var warnings = new List<string>();
        if (baseline.Scenario != current.Scenario)
            warnings.Add($"the baseline was recorded for scenario '{baseline.Scenario}', this run is '{current.Scenario}'");
        if (b.WorkerCount != c.WorkerCount)
            warnings.Add($"worker count differs: baseline {b.WorkerCount}, current {c.WorkerCount}");
        if (b.ToolVersion != c.ToolVersion)
            warnings.Add($"tool version differs: baseline {b.ToolVersion}, current {c.ToolVersion}");
        if (!string.Equals(b.MachineName, c.MachineName, StringComparison.OrdinalIgnoreCase))
            warnings.Add($"machine differs: baseline {b.MachineName}, current {c.MachineName}");
        if (b.ProcessorCount != c.ProcessorCount)
            warnings.Add($"processor count differs: baseline {b.ProcessorCount}, current {c.ProcessorCount}");
        if (b.OsDescription != c.OsDescription)
            warnings.Add($"operating system differs: baseline {b.OsDescription}, current {c.OsDescription}");
        return warnings;
    }

    /// <summary>One metric: its summary value, and its samples per window and per iteration (null where not kept).</summary>
    private sealed record Spec(
        string Metric,
        MetricDirection Direction,
        RegressionLimit Limit,
        Func<BaselineMetrics, double?> Point,
        Func<BaselineWindow, double?> Window,
        Func<BaselineIteration, double?> Iteration,
        bool IsErrorRate = false,
        bool Informational = false);

    private static List<Spec> Specs(RegressionThresholds t, bool scenarioLevel)
    {
        var specs = new List<Spec>
        {
            new("throughput", MetricDirection.LowerIsWorse, t.ThroughputDegradation, m => m.Throughput, w => w.Throughput, i => i.Throughput),
        };
        foreach (var p in t.LatencyPercentiles)
        {
            specs.Add(new("latency_" + p, MetricDirection.HigherIsWorse, t.LatencyIncrease,
                m => m.LatencyMs?.Of(p), w => w.Latency(p), i => i.LatencyMs?.Of(p)));
        }
        specs.Add(new("error_rate", MetricDirection.HigherIsWorse, t.ErrorRateIncrease,
            m => m.Requests > 0 ? m.ErrorRate : null, w => w.ErrorRate, i => i.Requests > 0 ? i.ErrorRate : null, IsErrorRate: true));
        if (scenarioLevel)
        {
            // The guide's memory and CPU limits judge the system under test, measured when the scenario monitors it.
            specs.Add(new("memory", MetricDirection.HigherIsWorse, t.MemoryIncrease,
                m => m.TargetPeakMemoryMb, w => w.TargetMemoryMb, _ => null));
            specs.Add(new("cpu", MetricDirection.HigherIsWorse, t.CpuIncrease,
                m => m.TargetCpuPercent, w => w.TargetCpuPercent, _ => null));
            // The generator's own cost is context: it moves with GC timing and says nothing about the target.
            specs.Add(new("generator_memory", MetricDirection.HigherIsWorse, t.MemoryIncrease,
                m => m.GeneratorPeakWorkingSetBytes, _ => null, i => i.GeneratorPeakWorkingSetBytes, Informational: true));
            specs.Add(new("generator_cpu", MetricDirection.HigherIsWorse, t.CpuIncrease,
                m => m.GeneratorCpuPercent, _ => null, i => i.GeneratorCpuPercent, Informational: true));
        }
        return specs;
    }

    private static MetricComparison? Compare(Spec spec, string? endpoint, BaselineMetrics baseline, BaselineMetrics current, RegressionThresholds t)
    {
        var metric = endpoint is null ? spec.Metric : $"{spec.Metric}[{endpoint}]";
        var b = Finite(spec.Point(baseline));
        var c = Finite(spec.Point(current));
        if (b is null && c is null && (spec.Informational || spec.Metric is "memory" or "cpu")) return null;

        var result = new MetricComparison
        {
            Metric = metric,
            Endpoint = endpoint,
            Direction = spec.Direction,
            Baseline = b ?? double.NaN,
            Current = c ?? double.NaN,
            ChangePercent = double.NaN,
            WarningThreshold = spec.Limit.Warning,
            FailureThreshold = spec.Limit.Failure,
            Outcome = RegressionOutcome.NotCompared,
            Test = RegressionTests.None,
        };
        if (b is null || c is null)
            return result with { Note = b is null ? "no value in the baseline" : "no value in the current run" };

        var worse = spec.Direction == MetricDirection.HigherIsWorse ? c.Value - b.Value : b.Value - c.Value;
        double change;
        if (b.Value != 0) change = (c.Value - b.Value) / Math.Abs(b.Value) * 100;
        else if (c.Value == 0) change = 0;
        else if (spec.IsErrorRate) change = double.PositiveInfinity;
        else return result with { Note = "the baseline value is 0, so there is no relative change to judge" };

        result = WithStatistics(result with { ChangePercent = change }, spec, baseline, current, t);
        if (spec.Informational)
            return result with { Note = "the load generator's own figure, shown for context and not judged; monitor the target to compare its memory and CPU" };
        var worsening = result.WorseningPercent;
        var outcome = worsening > spec.Limit.Failure ? RegressionOutcome.Fail
            : worsening > spec.Limit.Warning ? RegressionOutcome.Warning
            : RegressionOutcome.Pass;

        if (spec.IsErrorRate && worse < t.ErrorRateFloor && outcome != RegressionOutcome.Pass)
        {
            return result with
            {
                Outcome = RegressionOutcome.Pass,
                Note = $"rise of {Number(worse * 100, "0.###")} percentage points is below the " +
                       $"{Number(t.ErrorRateFloor * 100, "0.###")}-point floor",
            };
        }

        if (outcome == RegressionOutcome.Fail && result.Test == RegressionTests.MannWhitneyU)
        {
            var p = result.PValue ?? 1;
            // The rank statistic's sign says which side tends to be larger even when the median shift is 0 (mostly-zero error rates).
            var z = result.Z ?? 0;
            var towardsWorse = spec.Direction == MetricDirection.HigherIsWorse ? z < 0 : z > 0;
            if (p >= t.Significance || !towardsWorse)
            {
                return result with
                {
                    Outcome = RegressionOutcome.Warning,
                    Note = $"beyond the failure level but not a significant shift of the {result.SampleSource} " +
                           $"(p = {Number(p, "0.####")}, needs < {Number(t.Significance, "0.####")})",
                };
            }
            // A stall of a second or two moves a short run's total by more than the failure level while the other
            // windows hardly move. The typical shift (Hodges-Lehmann: the median of the pairwise differences) is
            // what regressed; error rates are left out, since errors in a few windows are a regression of their own.
            var typical = TypicalWorseningPercent(result, spec);
            if (!spec.IsErrorRate && double.IsFinite(typical) && typical <= spec.Limit.Failure)
            {
                return result with
                {
                    Outcome = RegressionOutcome.Warning,
                    Note = $"beyond the failure level over the whole run, but the typical shift of the {result.SampleSource} " +
                           $"(Hodges-Lehmann) is {Number(typical, "0.#")}%, within it: a few {result.SampleSource} moved the total",
                };
            }
        }
        return result with { Outcome = outcome };
    }

    /// <summary>The Hodges-Lehmann shift as a worsening in percent of the baseline figure; NaN when there is none to judge.</summary>
    private static double TypicalWorseningPercent(MetricComparison m, Spec spec)
    {
        if (!double.IsFinite(m.Effect) || m.Baseline == 0 || !double.IsFinite(m.Baseline)) return double.NaN;
        var shift = m.Effect / Math.Abs(m.Baseline) * 100;
        return spec.Direction == MetricDirection.HigherIsWorse ? shift : -shift;
    }

    /// <summary>
    /// An endpoint's figure compared as a point (windows keep no per-endpoint latency or error rate, so on a run without
    /// --iterations there are no samples to test) is the tail of a few requests and moves with noise alone. Beyond the
    /// failure level it fails only when the scenario's own figure, which has the samples, fails too; otherwise it warns.
    /// </summary>
    private static MetricComparison Corroborated(MetricComparison m, string metric, IReadOnlyDictionary<string, RegressionOutcome> scenario)
    {
        if (m.Outcome != RegressionOutcome.Fail || m.Test != RegressionTests.Point) return m;
        if (scenario.GetValueOrDefault(metric) == RegressionOutcome.Fail) return m;
        return m with
        {
            Outcome = RegressionOutcome.Warning,
            Note = $"beyond the failure level, but the endpoint has no samples to test its shift and the scenario's {metric} does not fail",
        };
    }

    /// <summary>Adds the Mann-Whitney test and Hodges-Lehmann shift when both sides have samples enough, else the point change.</summary>
    private static MetricComparison WithStatistics(
        MetricComparison result, Spec spec, BaselineMetrics baseline, BaselineMetrics current, RegressionThresholds t)
    {
        var (source, x, y) = Samples(spec, baseline, current, t.MinimumSamples);
        if (source is null)
        {
            return result with
            {
                Test = RegressionTests.Point,
                Effect = result.Current - result.Baseline,
                BaselineSamples = x.Count,
                CurrentSamples = y.Count,
            };
        }
        var test = MannWhitney.Test(x, y);
        var shift = MannWhitney.HodgesLehmann(x, y);
        return result with
        {
            Test = RegressionTests.MannWhitneyU,
            SampleSource = source,
            PValue = test.PValue,
            Z = test.Z,
            Effect = shift.Shift,
            EffectCi95Low = shift.Ci95Low,
            EffectCi95High = shift.Ci95High,
            BaselineSamples = x.Count,
            CurrentSamples = y.Count,
        };
    }

    private static (string? Source, IReadOnlyList<double> X, IReadOnlyList<double> Y) Samples(
        Spec spec, BaselineMetrics baseline, BaselineMetrics current, int minimum)
    {
        var xi = Values(baseline.Iterations.Select(spec.Iteration));
        var yi = Values(current.Iterations.Select(spec.Iteration));
        if (xi.Count >= minimum && yi.Count >= minimum) return ("iterations", xi, yi);
        var xw = Values(baseline.Windows.Select(spec.Window));
        var yw = Values(current.Windows.Select(spec.Window));
        if (xw.Count >= minimum && yw.Count >= minimum) return ("windows", xw, yw);
        return xi.Count > 0 || yi.Count > 0 ? (null, xi, yi) : (null, xw, yw);
    }

    private static MetricComparison Missing(string endpoint, double baseline, double current, string note) => new()
    {
        Metric = $"throughput[{endpoint}]",
        Endpoint = endpoint,
        Direction = MetricDirection.LowerIsWorse,
        Baseline = baseline,
        Current = current,
        ChangePercent = double.NaN,
        WarningThreshold = double.NaN,
        FailureThreshold = double.NaN,
        Outcome = RegressionOutcome.NotCompared,
        Test = RegressionTests.None,
        Note = note,
    };

    private static List<double> Values(IEnumerable<double?> values) =>
        values.Where(v => v is { } d && double.IsFinite(d)).Select(v => v!.Value).ToList();

    private static double? Finite(double? value) => value is { } v && double.IsFinite(v) ? v : null;

    internal static string Number(double value, string format) => value.ToString(format, CultureInfo.InvariantCulture);
}
