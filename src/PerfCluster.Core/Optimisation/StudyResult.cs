namespace PerfCluster.Core.Optimisation;

/// <summary>One trial as reported: the stored record with its score and feasibility, and the constraints it broke.</summary>
public sealed record ScoredTrial(TrialRecord Trial, double? Score, bool Feasible, IReadOnlyList<string> Broken);

/// <summary>How much each parameter moves the score: the inverse of its fitted length scale, as a share of all parameters'.</summary>
public sealed record ParameterImportance(string Parameter, double LengthScale, double Share);

/// <summary>
/// What a study found, for report.json, summary.txt and report.html: every trial, the best configuration and its gain over the
/// baseline with a 95 % interval, the best score after each trial (the convergence curve), parameter importance, and what was
/// applied at the end.
/// </summary>
public sealed record StudyResult
{
    public required StudyDefinition Study { get; init; }
    /// <summary>The scenario whose trials were scored.</summary>
    public string Scenario { get; init; } = "";
    public required IReadOnlyList<ScoredTrial> Trials { get; init; }
    public required string StopReason { get; init; }
    public bool Interrupted { get; init; }
    /// <summary>The best feasible configuration's trials (its first and its repeats); empty when none is feasible.</summary>
    public IReadOnlyList<int> BestTrials { get; init; } = [];
    public IReadOnlyDictionary<string, string>? Best { get; init; }
    public double? BestScore { get; init; }
    public double? Gain { get; init; }
    public double? GainLow { get; init; }
    public double? GainHigh { get; init; }
    /// <summary>The measurement noise of a score (standard deviation), from repeated configurations and the fitted process.</summary>
    public double? Noise { get; init; }
    /// <summary>The best score after each trial, in trial order (null until a trial is feasible).</summary>
    public IReadOnlyList<double?> Convergence { get; init; } = [];
    public IReadOnlyList<ParameterImportance> Importance { get; init; } = [];
    /// <summary>What the study left the system on (the best, or the baseline when nothing beat it); null when nothing was applied.</summary>
    public IReadOnlyDictionary<string, string>? Applied { get; init; }
    public bool AppliedBest { get; init; }
    public string? Error { get; init; }
    public double? ProposalMsMean { get; init; }
    public double? ProposalMsMax { get; init; }
    public IReadOnlyList<string> Notes { get; init; } = [];

    /// <summary>0 when a configuration at least as good as the baseline was found and applied; 130 interrupted (after applying); else 1.</summary>
    public int ExitCode => Error is not null || Applied is null ? (Interrupted ? 130 : 1) : Interrupted ? 130 : Best is null ? 1 : 0;

    public static StudyResult Of(StudyDefinition study, IReadOnlyList<TrialRecord> trials, TrialRecord? baseline, string stop, bool interrupted,
        IReadOnlyDictionary<string, object>? applied, string? error, IReadOnlyList<double> proposalMs)
    {
        var notes = study.Notes.ToList();
        var scoring = baseline is { Measured: true } ? new StudyScoring(study, baseline) : null;
        if (scoring is not null) notes.AddRange(scoring.Unscored);
        var scored = trials.Select(t => scoring is null
            ? new ScoredTrial(t, null, false, [])
            : new ScoredTrial(t, scoring.Score(t), scoring.Feasible(t), scoring.Broken(t).Select(c => c.Text).ToList())).ToList();

        var convergence = new List<double?>();
        double? running = null;
        foreach (var t in scored)
        {
            if (t.Feasible && t.Score is { } s && (running is null || s > running)) running = s;
            convergence.Add(running);
        }

        var groups = scored.GroupBy(t => t.Trial.ConfigurationKey).Select(g => g.ToList())
            .Where(g => g.All(t => t.Feasible)).Select(g => new ConfigurationScore(g, g.Average(t => t.Score!.Value))).ToList();
        var best = groups.Where(g => g.Score >= 0).MaxBy(g => g.Score);

        var noise = NoiseOf(scored, study);
        double? gain = null, low = null, high = null;
        if (best is { Trials: var bestTrials, Score: var bestScore })
        {
            gain = StudyScoring.Gain(bestScore);
            if (noise is { } sd)
            {
                var baselineMeasurements = Math.Max(1, scored.Count(t => t.Trial.ConfigurationKey == baseline!.ConfigurationKey && t.Score is not null));
                var half = 1.96 * sd * Math.Sqrt(1.0 / bestTrials.Count + (bestTrials[0].Trial.Kind == TrialKinds.Baseline ? 0 : 1.0 / baselineMeasurements));
                low = StudyScoring.Gain(bestScore - half);
                high = StudyScoring.Gain(bestScore + half);
            }
        }

        return new StudyResult
        {
            Study = study,
            Trials = scored,
            StopReason = stop,
            Interrupted = interrupted,
            BestTrials = best?.Trials.Select(t => t.Trial.Number).ToList() ?? [],
            Best = best?.Trials[0].Trial.Parameters,
            BestScore = best?.Score,
            Gain = gain,
            GainLow = low,
            GainHigh = high,
            Noise = noise,
            Convergence = convergence,
            Importance = ImportanceOf(study, scored),
            Applied = applied?.ToDictionary(v => v.Key, v => StudyDefinition.Format(v.Value)),
            AppliedBest = applied is not null && best is not null,
            Error = error,
            ProposalMsMean = proposalMs.Count == 0 ? null : proposalMs.Average(),
            ProposalMsMax = proposalMs.Count == 0 ? null : proposalMs.Max(),
            Notes = notes,
        };
    }

    /// <summary>
    /// The noise of one score: the pooled spread of configurations measured more than once; without repeats, the measurement
    /// noise of a process fitted to every feasible trial.
    /// </summary>
    private sealed record ConfigurationScore(List<ScoredTrial> Trials, double Score);

    private static double? NoiseOf(IReadOnlyList<ScoredTrial> scored, StudyDefinition study)
    {
        var repeated = scored.Where(t => t.Score is not null).GroupBy(t => t.Trial.ConfigurationKey).Where(g => g.Count() > 1).ToList();
        double? pooled = null;
        if (repeated.Count > 0)
        {
            var ss = repeated.Sum(g => { var m = g.Average(t => t.Score!.Value); return g.Sum(t => Math.Pow(t.Score!.Value - m, 2)); });
            var dof = repeated.Sum(g => g.Count() - 1);
            pooled = Math.Sqrt(ss / dof);
        }
        var fitted = Fit(study, scored)?.NoiseStdDev;
        return (pooled, fitted) switch
        {
            ({ } p, { } f) => Math.Max(p, f),
            ({ } p, null) => p,
            (null, { } f) => f,
            _ => null,
        };
    }

    private static GaussianProcess? Fit(StudyDefinition study, IReadOnlyList<ScoredTrial> scored)
    {
        var usable = scored.Where(t => t.Feasible && t.Score is not null).ToList();
        if (usable.Count < 3) return null;
        var process = new GaussianProcess();
        process.Fit(usable.Select(t => t.Trial.Point).ToList(), usable.Select(t => -t.Score!.Value).ToList(), new Random(study.Seed));
        return process;
    }

    /// <summary>Each parameter's inverse length scale (a choice's shortest over its one-hot dimensions), as a share of their sum.</summary>
    private static List<ParameterImportance> ImportanceOf(StudyDefinition study, IReadOnlyList<ScoredTrial> scored)
    {
        if (Fit(study, scored) is not { } process) return [];
        var lengths = new List<(string Name, double Length)>();
        var d = 0;
        foreach (var p in study.Space.Parameters)
        {
            lengths.Add((p.Name, process.LengthScales.Skip(d).Take(p.Dimensions).Min()));
            d += p.Dimensions;
        }
        var total = lengths.Sum(l => 1 / l.Length);
        return lengths.Select(l => new ParameterImportance(l.Name, l.Length, 1 / l.Length / total)).OrderByDescending(i => i.Share).ToList();
    }
}
