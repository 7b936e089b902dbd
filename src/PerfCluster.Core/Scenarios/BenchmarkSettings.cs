using PerfCluster.Core.Hocon;
using PerfCluster.Core.Input;

namespace PerfCluster.Core.Scenarios;

/// <summary>How much a run logs: the guide's <c>log_level</c> (or <c>debug_mode = true</c>).</summary>
public enum RunLogLevel { Debug, Information, Warning, Error }

/// <summary>
/// The guide's <c>benchmark_config</c> keys at the top of a scenario file. <c>debug_mode</c> and <c>log_level</c> set how
/// much the run logs; the keys PerfCluster does not act on (or acts on in its own way) are not silently accepted: each
/// becomes a warning that says what PerfCluster does instead, printed before the run. (<c>enable_optimization</c> is
/// honoured by <c>run</c> itself: it tunes after the benchmark.)
/// </summary>
public sealed record BenchmarkSettings
{
    public static readonly BenchmarkSettings None = new();

    /// <summary>The log level the file asks for; null: the command line's.</summary>
    public RunLogLevel? LogLevel { get; init; }

    /// <summary>"file:line: key: what PerfCluster does instead", one per key it does not honour as written.</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];

    public static BenchmarkSettings Read(HoconObject root)
    {
        RunLogLevel? level = null;
        var warnings = new List<string>();
        HoconField? Field(string key) => root.Fields.FirstOrDefault(f => ScenarioKeys.Normalize(f.Key) == key);
        void Warn(HoconField f, string text) => warnings.Add($"{f.KeyPosition}: {f.Key}: {text}");

        if (Field("log-level") is { } log)
        {
            var text = log.Value.AsString(log.Key).Trim();
            level = text.ToUpperInvariant() switch
            {
                "DEBUG" or "TRACE" or "VERBOSE" => RunLogLevel.Debug,
                "INFO" or "INFORMATION" => RunLogLevel.Information,
                "WARN" or "WARNING" => RunLogLevel.Warning,
                "ERROR" or "CRITICAL" or "FATAL" => RunLogLevel.Error,
                _ => throw new ScenarioException($"'{log.Key}' must be DEBUG, INFO, WARNING or ERROR but is '{text}'", log.Value.Position),
            };
        }
        if (Field("debug-mode") is { } debug && debug.Value.AsBool(debug.Key)) level ??= RunLogLevel.Debug;
        if (Field("save-raw-data") is { } raw && raw.Value.AsBool(raw.Key))
            Warn(raw, "raw per-request files are not written yet; report.json keeps every step's exact percentiles (HDR histograms) and the per-second timeline");
        if (Field("enable-monitoring") is { } monitoring && !monitoring.Value.AsBool(monitoring.Key))
            Warn(monitoring, "monitoring cannot be turned off: the generator, the SLA thresholds and the alert rules are watched every second of every run (leave out the 'monitor' block and the target is not sampled)");
        if (Field("monitoring-duration") is { } duration)
            Warn(duration, "not used: monitoring lasts as long as the load (duration, or the stages), sampling every second; a 'monitor' block says what of the target is sampled");
        if (Field("benchmark-type") is { } type)
            Warn(type, "a label only: PerfCluster runs the scenarios this file describes (none: the guide's predefined suite)");
        if (Field("target-environment") is { } environment)
            Warn(environment, "a label only: the target is 'target' (or environment-config.api-base-url, or --target)");
        return level is null && warnings.Count == 0 ? None : new BenchmarkSettings { LogLevel = level, Warnings = warnings };
    }
}
