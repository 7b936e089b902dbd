namespace PerfCluster.Core.Optimisation;

/// <summary>Why a trial was run: the baseline, a point of the space-filling design, the search's proposal, or a repeat of the incumbent.</summary>
public static class TrialKinds
{
    public const string Baseline = "baseline";
    public const string Design = "design";
    public const string Search = "search";
    public const string Remeasure = "remeasure";
}

/// <summary>How a trial ended.</summary>
public static class TrialStatuses
{
    /// <summary>The scenario ran to its end and was measured.</summary>
    public const string Completed = "completed";
    /// <summary>Its first windows already broke a constraint far beyond the baseline: stopped, infeasible.</summary>
    public const string StoppedEarly = "stopped_early";
    /// <summary>The configuration could not be applied, or the run failed or completed no requests: infeasible.</summary>
    public const string Failed = "failed";
}

/// <summary>
/// One trial as it is stored the moment it finishes (the study's journal) and reported: the configuration (its point of the
/// unit cube and its values as text), every objective's and constraint's figure, and how it ended. Scores are not stored:
/// they are derived from the figures and the baseline's, so a resumed study scores every trial the same way.
/// </summary>
public sealed record TrialRecord(
    int Number, string Kind, double[] Point, IReadOnlyDictionary<string, string> Parameters, IReadOnlyDictionary<string, double?> Metrics,
    string Status, string? Reason, string? RunId, DateTimeOffset StartedAt, DateTimeOffset FinishedAt)
{
    public bool Measured => Status == TrialStatuses.Completed;

    public double MetricOf(StudyMetric metric) => Metrics.TryGetValue(metric.Key, out var v) && v is { } value ? value : double.NaN;

    /// <summary>The configuration's identity: trials of the same point are measurements of one configuration.</summary>
    public string ConfigurationKey => string.Join(",", Point.Select(v => Math.Round(v, 9).ToString("R", System.Globalization.CultureInfo.InvariantCulture)));
}

/// <summary>What running one configuration gave: its figures, or why it has none.</summary>
public sealed record TrialOutcome(IReadOnlyDictionary<string, double?> Metrics, string Status, string? Reason, string? RunId)
{
    /// <summary>Ctrl+C stopped the trial: it is not recorded, and the study ends.</summary>
    public bool Interrupted { get; init; }

    public static TrialOutcome Failed(string reason, string? runId = null) => new(new Dictionary<string, double?>(), TrialStatuses.Failed, reason, runId);
}

/// <summary>Runs configurations on the system under test: applies one, waits until it is ready, runs the scenario, measures it.</summary>
public interface ITrialRunner
{
    /// <param name="baseline">The baseline trial's figures once it exists (for stopping a hopeless trial early); null for the baseline itself.</param>
    Task<TrialOutcome> RunAsync(int number, IReadOnlyDictionary<string, object> configuration, TrialRecord? baseline, CancellationToken cancellationToken);

    /// <summary>Applies a configuration without running load (the final best, or the baseline when nothing beats it); null when it took, else why not.</summary>
    Task<string?> ApplyAsync(IReadOnlyDictionary<string, object> configuration, CancellationToken cancellationToken);
}
