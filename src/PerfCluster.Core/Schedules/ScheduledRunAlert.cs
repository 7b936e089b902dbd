using System.Text.Json;
using System.Text.Json.Serialization;

namespace PerfCluster.Core.Schedules;

/// <summary>
/// The JSON body POSTed to a schedule's webhook when one of its runs fails (thresholds, regression gate, a run that
/// could not start or was abandoned). Field names are snake_case like the alert webhooks' (<c>Alerts.WebhookPayload</c>),
/// with a one-line <see cref="Message"/> a chat hook can show as is; <see cref="Report"/> is the run's report path on
/// the coordinator's API.
/// </summary>
public sealed record ScheduledRunAlert(
    string Kind,
    string Schedule,
    string Cron,
    string TimeZone,
    string RunId,
    string Outcome,
    string? Detail,
    string? Baseline,
    DateTimeOffset StartedAt,
    DateTimeOffset? FinishedAt,
    string Report,
    string Message)
{
    public const string FailedKind = "scheduled_run_failed";

    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>The alert for <paramref name="run"/> of <paramref name="schedule"/>; null when the run did not fail.</summary>
    public static ScheduledRunAlert? For(ScheduleDefinition schedule, ScheduledRun run)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        ArgumentNullException.ThrowIfNull(run);
        if (!ScheduledRunOutcomes.IsFailure(run.Outcome)) return null;
        return new ScheduledRunAlert(FailedKind, schedule.Name, schedule.Cron, schedule.TimeZone, run.RunId, run.Outcome, run.Detail,
            schedule.Baseline, run.StartedAt, run.FinishedAt, $"/api/runs/{Uri.EscapeDataString(run.RunId)}/report",
            $"scheduled run {run.RunId} of '{schedule.Name}' {run.Outcome}" + (run.Detail is { } d ? $": {d}" : ""));
    }

    public string ToJson() => JsonSerializer.Serialize(this, Options);
}
