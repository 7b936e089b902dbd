namespace PerfCluster.Core.Optimisation;

/// <summary>
/// Scores trials against the baseline trial. Each objective's figure becomes a ratio to the baseline's (new/old for a figure
/// to raise, old/new for one to lower, so req/s and ms weigh alike), and the score is the weighted sum of the ratios' logs:
/// 0 is the baseline, exp(score) the weighted geometric mean of the improvements (+0.095 ≈ 10 % better). Rates that are
/// often zero (the error rate) are taken above 0.1 %. A trial that breaks a constraint, failed or was stopped is infeasible.
/// </summary>
public sealed class StudyScoring
{
    /// <summary>Error rates under 0.1 % count as 0.1 %: no error and 0.01 % are equally good.</summary>
    public const double RateFloor = 0.001;

    private readonly StudyDefinition _study;
    private readonly TrialRecord _baseline;
    private readonly List<Objective> _objectives;
    private readonly double _weights;

    public StudyScoring(StudyDefinition study, TrialRecord baseline)
    {
        _study = study;
        _baseline = baseline;
        // An objective the baseline could not measure (a monitor that saw nothing) cannot be normalised: it is left out.
        _objectives = study.Objectives.Where(o => double.IsFinite(baseline.MetricOf(o.Metric)) && baseline.MetricOf(o.Metric) > 0 || o.Metric.IsRate && double.IsFinite(baseline.MetricOf(o.Metric))).ToList();
        _weights = _objectives.Sum(o => o.Weight);
        Unscored = study.Objectives.Except(_objectives).Select(o => $"objective {o.Metric.Describe()} is not scored: the baseline trial did not measure it").ToList();
    }

    public IReadOnlyList<Objective> Scored => _objectives;

    /// <summary>Objectives left out, with why.</summary>
    public IReadOnlyList<string> Unscored { get; }

    /// <summary>The trial's score; null when it was not measured or lacks a figure.</summary>
    public double? Score(TrialRecord trial)
    {
        if (!trial.Measured || _weights <= 0) return null;
        var sum = 0.0;
        foreach (var o in _objectives)
        {
            var ratio = Ratio(o, trial.MetricOf(o.Metric), _baseline.MetricOf(o.Metric));
            if (!double.IsFinite(ratio) || ratio <= 0) return null;
            sum += o.Weight / _weights * Math.Log(ratio);
        }
        return sum;
    }

    /// <summary>The improvement ratio of one objective (above 1 is better than the baseline).</summary>
    public static double Ratio(Objective objective, double value, double baseline)
    {
        if (objective.Metric.IsRate)
        {
            value = Math.Max(value, RateFloor);
            baseline = Math.Max(baseline, RateFloor);
        }
        return objective.Goal == ObjectiveGoal.Maximize ? value / baseline : baseline / value;
    }

    /// <summary>The constraints the trial breaks (all of them when it has no figures).</summary>
    public IReadOnlyList<Constraint> Broken(TrialRecord trial) => _study.Constraints.Where(c => !c.Holds(trial.MetricOf(c.Metric))).ToList();

    public bool Feasible(TrialRecord trial) => trial.Measured && Score(trial) is not null && Broken(trial).Count == 0;

    /// <summary>A score as the gain it stands for: +0.095 → 0.10 (10 % better).</summary>
    public static double Gain(double score) => Math.Exp(score) - 1;
}
