using PerfCluster.Core.Regression;
using PerfCluster.Core.Reports;

namespace PerfCluster.Core.Schedules;

/// <summary>
/// One run the coordinator started for a schedule: recorded as <see cref="ScheduledRunOutcomes.Running"/> when it
/// starts (that is what moves the schedule on to its next occurrence) and again with its outcome when it ends.
/// </summary>
public sealed record ScheduledRun(
    string RunId,
    DateTimeOffset StartedAt,
    string Outcome,
    string? Detail = null,
    DateTimeOffset? FinishedAt = null);

/// <summary>How a scheduled run came out, in the spelling of <c>schedule list</c>.</summary>
public static class ScheduledRunOutcomes
{
    public const string Running = "running";
    /// <summary>Every scenario passed its thresholds and, with a baseline, the regression gate.</summary>
    public const string Passed = "passed";
    /// <summary>A threshold failed, or a scenario completed no requests.</summary>
    public const string Failed = "failed";
    /// <summary>The regression gate against the schedule's baseline failed (or warned, under strict).</summary>
    public const string Regressed = "regressed";
    public const string Interrupted = "interrupted";
    /// <summary>The run could not be carried out (no workers, an unreadable scenario or baseline, ...).</summary>
    public const string Error = "error";
    /// <summary>The coordinator stopped while the run was going; its outcome is unknown.</summary>
    public const string Abandoned = "abandoned";

    /// <summary>Outcomes that mean something needs looking at.</summary>
    public static bool IsFailure(string outcome) => outcome is Failed or Regressed or Error or Abandoned;

    /// <summary>
    /// The outcome of a finished run and a one-line account of it: a failed regression gate wins over failed
    /// thresholds, which win over a pass (a pass with regression warnings says so).
    /// </summary>
    public static (string Outcome, string? Detail) Of(RunReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        if (report.Status == RunStatus.Error)
            return (Error, report.Notes.LastOrDefault() ?? "the run could not be carried out");
        if (report.Interrupted)
            return (Interrupted, report.Notes.LastOrDefault());
        if (report.Scenarios.Count == 0)
            return (Error, "no scenario ran");

        var gates = report.Scenarios.Where(s => s.Regression is { Passed: false }).ToList();
        if (gates.Count > 0)
            return (Regressed, string.Join("; ", gates.Select(s => $"{s.Name}: {Gate(s.Regression!)}")));

        var failed = report.Scenarios.Where(s => !s.Passed).ToList();
        if (failed.Count > 0)
            return (Failed, string.Join("; ", failed.Select(s => s.CompletedNoRequests
                ? $"{s.Name}: completed no requests"
                : $"{s.Name}: {string.Join(", ", s.FailedThresholds.Select(t => t.Expression))}")));

        var warned = report.Scenarios.Where(s => s.Regression is { Outcome: RegressionOutcome.Warning }).ToList();
        return warned.Count > 0
            ? (Passed, "warnings: " + string.Join("; ", warned.Select(s => $"{s.Name}: {Gate(s.Regression!)}")))
            : (Passed, null);
    }

    private static string Gate(RegressionVerdict v)
    {
        var metrics = (v.Failures.Any() ? v.Failures : v.Warnings).ToList();
        // The scenario's own metrics tell the story; endpoints are named only when they alone moved.
        var shown = metrics.Where(m => m.Endpoint is null).ToList() is { Count: > 0 } overall ? overall : metrics;
        var more = metrics.Count - shown.Count;
        return $"{string.Join(", ", shown.Select(RegressionFormat.Describe))}{(more > 0 ? $" (and {more} per endpoint)" : "")} vs {RegressionFormat.Baseline(v)}";
    }
}
