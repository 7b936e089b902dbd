using Cronos;

namespace PerfCluster.Core.Schedules;

/// <summary>A schedule that cannot be used (bad cron expression, unknown time zone, bad name); the message says why.</summary>
public sealed class ScheduleException(string message) : Exception(message);

/// <summary>
/// A scenario run on a cron schedule by the coordinator. The schedule keeps the scenario file's text, so it does
/// not depend on the file after it was added. <see cref="Name"/> is its id. Times are evaluated in
/// <see cref="TimeZone"/> (an IANA id such as "Europe/Berlin"), so "0 2 * * *" means 02:00 on the wall clock of
/// that zone, summer and winter (see <see cref="ScheduleClock"/> for the days the clocks change).
/// </summary>
public sealed record ScheduleDefinition(
    string Name,
    string Cron,
    string TimeZone,
    string ScenarioFileName,
    string ScenarioText,
    string? Baseline,
    bool Strict,
    bool Enabled,
    DateTimeOffset CreatedAt,
    DateTimeOffset? EnabledAt = null,
    Uri? Webhook = null)
{
    public const string DefaultTimeZone = "UTC";
    public const int MaxNameLength = 100;

    /// <summary>
    /// Since when the schedule is active: created, or enabled again. Occurrences before it are never run, so a
    /// schedule that was disabled for a week does not catch up when it is enabled.
    /// </summary>
    public DateTimeOffset ActiveSince => EnabledAt is { } e && e > CreatedAt ? e : CreatedAt;

    /// <summary>A checked schedule (enabled). Throws <see cref="ScheduleException"/> with a message for the user.</summary>
    public static ScheduleDefinition Create(string name, string cron, string? timeZone, string scenarioFileName, string scenarioText,
        string? baseline, bool strict, DateTimeOffset createdAt, string? webhook = null)
    {
        CheckName(name, "schedule name");
        ParseCron(cron);
        var zone = FindTimeZone(timeZone);
        if (string.IsNullOrWhiteSpace(scenarioText)) throw new ScheduleException($"scenario file '{scenarioFileName}' is empty");
        if (baseline is not null) CheckName(baseline, "baseline name");
        Uri? hook = null;
        if (webhook is not null && (!Uri.TryCreate(webhook.Trim(), UriKind.Absolute, out hook) || hook.Scheme is not ("http" or "https")))
            throw new ScheduleException($"webhook '{webhook}' is not an absolute http:// or https:// URL");
        return new ScheduleDefinition(name.Trim(), NormalizeCron(cron), zone.Id, scenarioFileName, scenarioText,
            baseline?.Trim(), strict, Enabled: true, createdAt, Webhook: hook);
    }

    /// <summary>
    /// Parses a standard 5-field cron expression (minute hour day-of-month month day-of-week), e.g. "0 2 * * *" or
    /// "*/15 8-18 * * MON-FRI".
    /// </summary>
    public static CronExpression ParseCron(string? cron)
    {
        if (string.IsNullOrWhiteSpace(cron))
            throw new ScheduleException("the cron expression is empty; expected 5 fields: minute hour day-of-month month day-of-week, e.g. \"0 2 * * *\"");
        var fields = cron.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length != 5)
            throw new ScheduleException(
                $"cron expression \"{cron}\" has {fields.Length} field(s); expected 5: minute hour day-of-month month day-of-week, e.g. \"0 2 * * *\"");
        try
        {
            return CronExpression.Parse(string.Join(' ', fields), CronFormat.Standard);
        }
        catch (CronFormatException e)
        {
            throw new ScheduleException($"cron expression \"{cron}\" is not valid: {e.Message}");
        }
    }

    /// <summary>An IANA time zone id ("Europe/Berlin"); null or empty is UTC.</summary>
    public static TimeZoneInfo FindTimeZone(string? id)
    {
        if (string.IsNullOrWhiteSpace(id)) return TimeZoneInfo.Utc;
        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById(id.Trim());
        }
        catch (Exception e) when (e is TimeZoneNotFoundException or InvalidTimeZoneException or ArgumentException)
        {
            throw new ScheduleException($"unknown time zone '{id}': use an IANA id such as UTC, Europe/Berlin or America/New_York");
        }
    }

    /// <summary>The expression as it is stored and shown: its fields separated by single spaces.</summary>
    public static string NormalizeCron(string cron) => string.Join(' ', cron.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));

    public static void CheckName(string? name, string what)
    {
        if (string.IsNullOrWhiteSpace(name) || name.Trim().Length > MaxNameLength || name.Any(char.IsControl))
            throw new ScheduleException($"{what} must be 1 to {MaxNameLength} printable characters (got '{name}')");
    }
}
