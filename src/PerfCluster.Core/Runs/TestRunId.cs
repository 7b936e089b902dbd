using System.Security.Cryptography;

namespace PerfCluster.Core.Runs;

/// <summary>
/// The id of one test run (a plan of scenarios, each run once or <c>--iterations</c> times), and the one scheme that
/// names the scenario runs it is made of: the run's own id when the plan runs one scenario once,
/// <c>RUN~S</c> for scenario S (from 1), <c>RUN~S.N</c> for iteration N of it. The CLI, the API and the scheduler
/// name their runs differently (<see cref="ForCli"/>, <see cref="ForApi"/>, <see cref="ForSchedule"/>), never their
/// scenario runs.
/// </summary>
public sealed record TestRunId
{
    public const char ScenarioSeparator = '~';
    public const int MaxLength = 100;

    public TestRunId(string value)
    {
        if (!IsValid(value))
            throw new ArgumentException(
                $"a run id is 1 to {MaxLength} letters, digits, '_', '.', '-' or '~' starting with a letter or digit (got '{Input.InputEcho.Cut(value)}')",
                nameof(value));
        Value = value;
    }

    public string Value { get; }

    /// <summary>"benchmark_" and the Unix time in seconds at which the run started: the guide's <c>benchmark_run_id</c>.</summary>
    public static TestRunId ForCli(DateTimeOffset startedAt) => new($"benchmark_{startedAt.ToUnixTimeSeconds()}");

    /// <summary>A run submitted to a coordinator's API without an id: its UTC time and a random suffix, e.g. run-20250101-120000-3fa2.</summary>
    public static TestRunId ForApi(DateTimeOffset at) =>
        new($"run-{at.UtcDateTime:yyyyMMdd-HHmmss}-{Convert.ToHexString(RandomNumberGenerator.GetBytes(2)).ToLowerInvariant()}");

    /// <summary>"sched-nightly-20261126-020000": a scheduled run, the schedule's name kept to the characters a run id allows.</summary>
    public static TestRunId ForSchedule(string schedule, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        var slug = new string(schedule.Select(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-' ? c : '-').ToArray()).Trim('-', '.');
        if (slug.Length > 60) slug = slug[..60];
        return new($"sched-{(slug.Length == 0 ? "run" : slug)}-{at.UtcDateTime:yyyyMMdd-HHmmss}");
    }

    public static bool IsValid(string? id) =>
        id is { Length: > 0 and <= MaxLength } && char.IsAsciiLetterOrDigit(id[0]) &&
        id.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-' or ScenarioSeparator);

    /// <summary>The id of iteration <paramref name="iteration"/> (from 1) of scenario <paramref name="scenario"/> (from 0).</summary>
    public string ScenarioRun(int scenario, int iteration, int scenarios, int iterations)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(scenario);
        ArgumentOutOfRangeException.ThrowIfLessThan(iteration, 1);
        if (scenarios == 1 && iterations == 1) return Value;
        return iterations == 1 ? $"{Value}{ScenarioSeparator}{scenario + 1}" : $"{Value}{ScenarioSeparator}{scenario + 1}.{iteration}";
    }

    /// <summary>Whether <paramref name="scenarioRunId"/> names this run or one of its scenario runs.</summary>
    public bool Owns(string scenarioRunId) =>
        scenarioRunId == Value || scenarioRunId.StartsWith(Value + ScenarioSeparator, StringComparison.Ordinal);

    public override string ToString() => Value;
}
