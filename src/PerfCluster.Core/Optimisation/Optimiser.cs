namespace PerfCluster.Core.Optimisation;

/// <summary>
/// The closed loop: the baseline trial (the system's current values), a space-filling design, then expected improvement
/// under a Gaussian process fitted to every trial so far; each trial is handed to <c>record</c> the moment it finishes
/// (the store), so a study continues after a crash from what was recorded. It stops at the trial or time budget, when the
/// expected improvement stays under <see cref="StudyDefinition.Convergence"/> of the incumbent for
/// <see cref="StudyDefinition.Patience"/> proposals, or on an interrupt; measures the incumbent again before declaring it
/// best; and applies the best feasible configuration, or the baseline when none beats it.
/// </summary>
public sealed class Optimiser(StudyDefinition study, ITrialRunner runner, Func<TrialRecord, Task> record, Action<string>? log = null,
    TimeProvider? time = null)
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly List<TrialRecord> _trials = new();

    /// <summary>Proposal times (ms), for the report.</summary>
    private readonly List<double> _proposalMs = new();

    public async Task<StudyResult> RunAsync(IReadOnlyList<TrialRecord> resumed, CancellationToken cancellationToken)
    {
        _trials.AddRange(resumed.OrderBy(t => t.Number));
        var started = _time.GetTimestamp();
        var stop = StopReasons.Trials;
        var interrupted = false;
        bool OutOfTime() => _time.GetElapsedTime(started) >= study.MaxTime;

        if (_trials.FirstOrDefault(t => t.Kind == TrialKinds.Baseline) is null)
        {
            var (baselineTrial, stopped) = await TrialAsync(TrialKinds.Baseline, study.Space.Encode(study.Start), cancellationToken);
            if (stopped || baselineTrial is null) return Finish(StopReasons.Interrupted, interrupted: true, applied: null, applyError: null);
        }
        var baseline = _trials.First(t => t.Kind == TrialKinds.Baseline);
        if (!baseline.Measured)
            return Finish(StopReasons.BaselineFailed, false, null, $"the baseline trial failed: {baseline.Reason}");

        var search = new BayesianSearch(study.Space, study.Seed, study.InitialTrials);
        var patience = 0;
        var searchBudget = Math.Max(1, study.MaxTrials - study.Remeasure);
        while (true)
        {
            if (cancellationToken.IsCancellationRequested) { stop = StopReasons.Interrupted; interrupted = true; break; }
            if (_trials.Count >= searchBudget) { stop = StopReasons.Trials; break; }
            if (OutOfTime()) { stop = StopReasons.Time; break; }
            var clock = _time.GetTimestamp();
            var point = search.Next(Observations());
            _proposalMs.Add(_time.GetElapsedTime(clock).TotalMilliseconds);
            var ei = search.LastExpectedImprovement;
            if (double.IsFinite(ei))
            {
                // The values are score logs, so an improvement of ln(1.05) is 5 % on the incumbent whatever its size.
                patience = ei < Math.Log(1 + study.Convergence) ? patience + 1 : 0;
                if (patience >= study.Patience)
                {
                    log?.Invoke($"Converged: the expected improvement stayed under {study.Convergence:P0} for {patience} proposals");
                    stop = StopReasons.Converged;
                    break;
                }
            }
            var kind = double.IsFinite(ei) ? TrialKinds.Search : TrialKinds.Design;
            var (_, wasStopped) = await TrialAsync(kind, point, cancellationToken);
            if (wasStopped) { stop = StopReasons.Interrupted; interrupted = true; break; }
        }

        // Noise: a configuration that looks best after one measurement may have been lucky. Measure it again (within the
        // budget); if the repeat demotes it, the new leader gets its repeat too.
        for (var attempts = 0; !interrupted && attempts < 2 * study.Remeasure && _trials.Count < study.MaxTrials && !OutOfTime(); attempts++)
        {
            var best = Configurations().Where(c => c.Feasible).MaxBy(c => c.Score);
            if (best is null || best.Measurements >= 1 + study.Remeasure || best.Trials[0].Kind == TrialKinds.Baseline) break;
            log?.Invoke($"Measuring the incumbent (trial {best.Trials[0].Number}) again");
            var (_, wasStopped) = await TrialAsync(TrialKinds.Remeasure, best.Trials[0].Point, cancellationToken);
            if (wasStopped) { stop = StopReasons.Interrupted; interrupted = true; }
        }

        // Whatever ended the study, the system is left on the best feasible configuration, or on the baseline.
        var pick = Configurations().Where(c => c.Feasible && c.Score >= 0).MaxBy(c => c.Score);
        var values = pick is null ? study.Start : study.Space.Decode(pick.Trials[0].Point);
        var error = await runner.ApplyAsync(values, CancellationToken.None);
        return Finish(stop, interrupted, values, error is null ? null : $"applying the {(pick is null ? "baseline" : "best")} configuration failed: {error}");
    }

    /// <summary>Runs one trial and records it; returns (null, true) when an interrupt stopped it before it finished.</summary>
    private async Task<(TrialRecord? Trial, bool Interrupted)> TrialAsync(string kind, double[] point, CancellationToken cancellationToken)
    {
        var number = _trials.Count + 1;
        var values = study.Space.Decode(point);
        log?.Invoke($"Trial {number} ({kind}): {StudyDefinition.Describe(values)}");
        var startedAt = _time.GetUtcNow();
        var baseline = _trials.FirstOrDefault(t => t.Kind == TrialKinds.Baseline);
        var outcome = await runner.RunAsync(number, values, baseline, cancellationToken);
        if (outcome.Interrupted) return (null, true);
        var trial = new TrialRecord(number, kind, study.Space.Snap(point), values.ToDictionary(v => v.Key, v => StudyDefinition.Format(v.Value)),
            outcome.Metrics, outcome.Status, outcome.Reason, outcome.RunId, startedAt, _time.GetUtcNow());
        await record(trial);
        _trials.Add(trial);
        if (trial.Status == TrialStatuses.Failed && baseline is not null)
        {
            // A configuration that could not be applied (or broke the system) must not stay on it: back to the baseline.
            log?.Invoke($"Trial {number} failed ({trial.Reason}); re-applying the baseline");
            if (await runner.ApplyAsync(study.Start, CancellationToken.None) is { } error) log?.Invoke($"Re-applying the baseline failed: {error}");
        }
        if (baseline is not null && new StudyScoring(study, baseline) is var scoring)
            log?.Invoke($"Trial {number}: {Describe(scoring, trial)}");
        else
            log?.Invoke($"Trial {number}: {(trial.Measured ? "the baseline, score 0 by definition: every other trial is scored against it" : $"{trial.Status}: {trial.Reason}")}");
        return (trial, false);
    }

    private static string Describe(StudyScoring scoring, TrialRecord trial)
    {
        if (!trial.Measured) return $"{trial.Status}: {trial.Reason}";
        var score = scoring.Score(trial);
        var broken = scoring.Broken(trial);
        return (score is { } s ? $"score {s:+0.000;-0.000} ({StudyScoring.Gain(s):+0.0%;-0.0%} vs baseline)" : "no score") +
               (broken.Count > 0 ? $", infeasible: breaks {string.Join(", ", broken.Select(c => c.Text))}" : "");
    }

    /// <summary>What the search sees: every trial's cost (−score); infeasible and failed trials cost more than the worst feasible one.</summary>
    private List<Observation> Observations()
    {
        var baseline = _trials.First(t => t.Kind == TrialKinds.Baseline);
        var scoring = new StudyScoring(study, baseline);
        var scores = _trials.Select(t => scoring.Feasible(t) ? scoring.Score(t) : null).ToList();
        var known = scores.OfType<double>().ToList();
        var worst = known.Count == 0 ? 0 : known.Min();
        var spread = known.Count < 2 ? 0.5 : Math.Max(0.1, known.Max() - worst);
        return _trials.Select((t, i) => new Observation(t.Point, -(scores[i] ?? Math.Min(worst, scoring.Score(t) ?? worst) - 0.5 * spread))).ToList();
    }

    /// <summary>The trials grouped by configuration: its mean score over its measurements, feasible when all of them were.</summary>
    private List<ConfigurationResult> Configurations()
    {
        var baseline = _trials.First(t => t.Kind == TrialKinds.Baseline);
        var scoring = new StudyScoring(study, baseline);
        return _trials.GroupBy(t => t.ConfigurationKey)
            .Select(g =>
            {
                var trials = g.ToList();
                var scores = trials.Select(scoring.Score).ToList();
                var feasible = trials.All(scoring.Feasible);
                return new ConfigurationResult(trials, feasible && scores.All(s => s is not null) ? scores.Average(s => s!.Value) : double.NaN, feasible, trials.Count);
            }).ToList();
    }

    private StudyResult Finish(string stop, bool interrupted, IReadOnlyDictionary<string, object>? applied, string? applyError)
    {
        var baseline = _trials.FirstOrDefault(t => t.Kind == TrialKinds.Baseline);
        return StudyResult.Of(study, _trials, baseline, stop, interrupted, applied, applyError, _proposalMs);
    }
}

/// <summary>One configuration and its measurements.</summary>
public sealed record ConfigurationResult(IReadOnlyList<TrialRecord> Trials, double Score, bool Feasible, int Measurements);

public static class StopReasons
{
    public const string Trials = "trial budget spent";
    public const string Time = "time budget spent";
    public const string Converged = "converged";
    public const string Interrupted = "interrupted";
    public const string BaselineFailed = "baseline failed";
}
