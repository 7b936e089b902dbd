using PerfCluster.Core.Hocon;
using PerfCluster.Core.Input;

namespace PerfCluster.Core.Scenarios;

/// <summary>
/// The keys a scenario file may use, per section. Keys match after normalising: '_' becomes '-' and case is
/// ignored, so the guide's snake_case JSON and kebab-case HOCON read the same.
/// </summary>
internal sealed class KeySet
{
    public KeySet(string section, IEnumerable<string> keys, IReadOnlyDictionary<string, string>? aliases = null,
        IEnumerable<string>? ignored = null)
    {
        Section = section;
        Keys = keys.ToList();
        Aliases = aliases ?? new Dictionary<string, string>();
        Ignored = (ignored ?? []).ToHashSet(StringComparer.Ordinal);
    }

    public string Section { get; }

    public IReadOnlyList<string> Keys { get; }

    /// <summary>Other spellings of a key, e.g. the guide's ramp-up-time for ramp-up.</summary>
    public IReadOnlyDictionary<string, string> Aliases { get; }

    /// <summary>Accepted because the guide's files carry them, but with no meaning for PerfCluster.</summary>
    public IReadOnlySet<string> Ignored { get; }

    public KeySet With(string section, params string[] more) => new(section, Keys.Concat(more), Aliases, Ignored);

    /// <summary>The canonical key for a normalised key; null when it is ignored or unknown.</summary>
    public string? Canonical(string normalized) =>
        Keys.Contains(normalized) ? normalized
        : Aliases.TryGetValue(normalized, out var canonical) ? canonical
        : null;

    public bool Knows(string normalized) =>
        Keys.Contains(normalized) || Aliases.ContainsKey(normalized) || Ignored.Contains(normalized);
}

/// <summary>The fields of one section, by canonical key.</summary>
internal sealed class Section(Dictionary<string, HoconField> fields)
{
    public HoconField? Field(string key) => fields.GetValueOrDefault(key);

    public HoconNode? Value(string key) => fields.GetValueOrDefault(key)?.Value;
}

internal static class ScenarioKeys
{
    /// <summary>
    /// The guide's benchmark_config keys, which are not scenario settings (<see cref="BenchmarkSettings"/> reads them: the
    /// log level, and a warning for each one not honoured as written), plus <c>vars</c>: an object of values
    /// that exist only to be substituted elsewhere (<c>vars { api = "/api/v1" }</c>, <c>path = ${vars.api}"/tasks"</c>).
    /// </summary>
    public static readonly string[] BenchmarkKeysIgnored =
    [
        "benchmark-type", "enable-monitoring", "enable-optimization", "monitoring-duration",
        "debug-mode", "log-level", "save-raw-data", "target-environment", "vars",
    ];

    private static readonly Dictionary<string, string> ScenarioAliases = new() { ["ramp-up-time"] = "ramp-up" };

    /// <summary>Keys that may sit at plan level and are inherited by every scenario that does not set its own.</summary>
    public static readonly KeySet Plan = new(
        "the plan",
        [
            "target", "endpoints", "request-patterns", "thresholds", "http", "environment-config",
            "alert-thresholds", "regression-thresholds", "think-time", "ramp-up", "graceful-stop", "warm-up", "pre-allocated-users", "max-users",
            "sla-thresholds", "alert-rules", "monitor", "flow", "flows", "setup", "feeders", "databases", "modules", "module-targets", "grpc", "outputs",
        ],
        ScenarioAliases,
        BenchmarkKeysIgnored);

    public static readonly KeySet PlanWithScenarios = Plan.With("the plan", "scenarios");

    public static readonly KeySet Scenario = new(
        "a scenario",
        ["name", "description", "concurrent-users", "duration", "stages", "arrival-rate", "scalability", .. Plan.Keys],
        ScenarioAliases,
        BenchmarkKeysIgnored);

    public static readonly KeySet Http = new("http", ["timeout", "max-connections", "engine", "cookies", "max-response-size", "version", "streams", "tls"]);

    public static readonly KeySet Tls = new(
        "tls", ["accept-self-signed", "server-name", "client-certificate", "client-key", "client-certificate-pem", "client-key-pem"],
        new Dictionary<string, string> { ["sni"] = "server-name" });

    /// <summary>A request step's own <c>http</c>: the version it is sent with.</summary>
    public static readonly KeySet StepHttp = new("a request step's http", ["version"]);

    /// <summary>One step of a flow: exactly one kind key, and what a failure does.</summary>
    public static readonly KeySet Step = new("a step", ["request", "pause", "group", "repeat", "while", "if", "sql", "transaction", "redis", "set", "module",
        "ws-connect", "ws-send", "ws-receive", "ws-close", "grpc", "on-failure"]);

    /// <summary>The step kinds: the keys of <see cref="Step"/> that say what the step is.</summary>
    public static readonly string[] StepKinds = ["request", "pause", "group", "repeat", "while", "if", "sql", "transaction", "redis", "set", "module",
        "ws-connect", "ws-send", "ws-receive", "ws-close", "grpc"];

    public static readonly KeySet WsConnect = new("a ws-connect step", ["name", "socket", "path", "headers", "subprotocols", "timeout", "on-failure"]);
    public static readonly KeySet WsSend = new("a ws-send step", ["name", "socket", "message", "on-failure"]);
    public static readonly KeySet WsReceive = new("a ws-receive step", ["name", "socket", "until", "timeout", "extract", "check", "on-failure"]);
    public static readonly KeySet WsClose = new("a ws-close step", ["socket"]);

    /// <summary>The scenario's gRPC contract: its .proto files (the written form carries their text, by import name).</summary>
    public static readonly KeySet Grpc = new("grpc", ["protos", "proto", "import-paths", "files"]);

    /// <summary>Where a run's results go besides its report.</summary>
    public static readonly KeySet Outputs = new("outputs", ["otlp"]);

    public static readonly KeySet Otlp = new("otlp", ["endpoint", "protocol", "interval", "temporality", "headers"]);

    public static readonly KeySet GrpcStep = new("a grpc step", ["name", "method", "message", "metadata", "timeout", "expect-code", "extract", "check", "on-failure"]);

    /// <summary>One database or cache of <c>databases</c>.</summary>
    public static readonly KeySet Database = new("a database", ["provider", "connection", "pool-size", "prepare", "timeout", "pool-timeout", "max-memory"]);

    /// <summary>One C# module of <c>modules</c>: its files (paths, or inline in the written form), the class to use, the variables it sets.</summary>
    public static readonly KeySet Module = new("a module", ["source", "files", "class", "sets"]);

    public static readonly KeySet ModuleFile = new("a module file", ["path", "text"]);

    /// <summary>The object form of a module step: <c>module { use = reasoning, name = fast-reasoning }</c>.</summary>
    public static readonly KeySet ModuleStep = new("a module step", ["use", "name", "timeout", "check", "on-failure"]);

    /// <summary>One module's targets in <c>module-targets</c> (the guide's JSON).</summary>
    public static readonly KeySet ModuleTarget = new("a module target", ["min-ops-per-second", "max-latency-ms", "scalability-threshold"]);

    /// <summary>The two-phase closed model: N users for a phase, then 2N for another.</summary>
    public static readonly KeySet Scalability = new("scalability", ["users", "phase"]);

    public static readonly KeySet SqlStep = new(
        "a sql step", ["name", "database", "query", "params", "extract", "min-rows", "timeout", "on-failure"], new Dictionary<string, string> { ["sql"] = "query" });

    public static readonly KeySet SqlParameter = new("a sql parameter", ["value", "type"]);

    public static readonly KeySet TransactionStep = new("a transaction", ["name", "database", "isolation", "steps", "on-failure"]);

    public static readonly KeySet RedisStep = new(
        "a redis step", ["name", "database", "command", "key", "value", "field", "ttl", "args", "extract", "timeout", "on-failure"]);

    public static readonly KeySet RequestStep = new(
        "a request step", ["name", "method", "path", "headers", "body", "expect-status", "timeout", "extract", "check", "on-failure", "http"]);

    public static readonly KeySet Pause = new("a pause", ["min", "max", "duration"]);

    public static readonly KeySet Group = new("a group", ["name", "steps"]);

    public static readonly KeySet Repeat = new("repeat", ["times", "steps"]);

    public static readonly KeySet While = new("while", ["condition", "max", "steps"]);

    public static readonly KeySet If = new("if", ["condition", "then", "else"]);

    public static readonly KeySet Flow = new("a flow", ["weight", "steps"]);

    public static readonly KeySet Extractor = new("an extractor", ["json", "regex", "header", "cookie"]);

    public static readonly KeySet Check = new("a check", ["status", "json", "equals", "exists", "matches", "body-contains", "regex", "latency-under"]);

    public static readonly KeySet Feeder = new("a feeder", ["file", "rows", "fields", "mode", "per", "on-exhausted"]);

    public static readonly KeySet Endpoint = new(
        "an endpoint", ["name", "method", "path", "weight", "headers", "body", "expect-status"]);

    public static readonly KeySet RequestPatterns = new("request-patterns", ["distribution", "weights"]);

    public static readonly KeySet Threshold = new(
        "a threshold", ["threshold", "endpoint", "step", "flow", "check"], new Dictionary<string, string> { ["expr"] = "threshold" });

    public static readonly KeySet EnvironmentConfig = new(
        "environment-config", ["api-base-url", "required-services"], ignored: ["target-environment"]);

    public static readonly KeySet RequiredService = new("a required service", ["name", "host", "port"]);

    public static readonly KeySet AlertThresholds = new(
        "alert-thresholds", ["error-rate-max", "latency-p95-max"], ignored: ["cpu-usage-max", "memory-usage-max"]);

    /// <summary>One element of <c>sla-thresholds</c>; the aliases are the guide's SLAThreshold field names.</summary>
    public static readonly KeySet SlaThreshold = new(
        "an SLA threshold", ["metric", "value", "comparison", "severity", "description"],
        new Dictionary<string, string> { ["metric-name"] = "metric", ["threshold-value"] = "value", ["threshold"] = "value" });

    /// <summary>One element of <c>alert-rules</c>; <c>for</c> is Prometheus' word for the duration.</summary>
    public static readonly KeySet AlertRule = new(
        "an alert rule", ["name", "metric", "threshold", "comparison", "duration", "severity", "action", "url", "endpoint"],
        new Dictionary<string, string>
        {
            ["metric-name"] = "metric", ["threshold-value"] = "threshold", ["for"] = "duration", ["webhook-url"] = "url",
        });

    /// <summary>The <c>monitor</c> section: which target process and exporter to watch, and how leaks are judged.</summary>
    public static readonly KeySet Monitor = new(
        "monitor", ["pid", "process-name", "prometheus", "series", "memory-growth-threshold-mb", "leak-window"]);

    public static readonly KeySet RegressionThresholds = new(
        "regression-thresholds",
        [
            "throughput-degradation-percent", "latency-increase-percent", "error-rate-increase-percent", "memory-increase-percent",
            "cpu-increase-percent", "latency-percentiles", "warning-ratio", "significance", "abort-on-fail",
        ]);

    /// <summary>A percentage of <c>regression-thresholds</c> written with both levels: <c>{ warning = 5, failure = 10 }</c>.</summary>
    public static readonly KeySet RegressionLimit = new("a regression limit", ["warning", "failure"]);

    public static readonly KeySet ThinkTime = new("think-time", ["mean", "jitter"]);

    /// <summary>One element of <c>stages</c> (users in the closed model, iterations/s in <c>arrival-rate</c>).</summary>
    public static readonly KeySet Stage = new("a stage", ["duration", "target"]);

    /// <summary>The ramping form of the open model: <c>arrival-rate { start = 0, stages = [...] }</c>.</summary>
    public static readonly KeySet ArrivalRate = new("arrival-rate", ["start", "stages"]);

    /// <summary>Keys whose presence at top level means the file is one scenario; they are never inherited from the plan.</summary>
    public static readonly string[] ScenarioOnly = ["name", "description", "concurrent-users", "duration", "stages", "arrival-rate", "scalability"];

    public static string Normalize(string key) => key.Replace('_', '-').ToLowerInvariant();

    public static Section Read(HoconObject obj, KeySet keys) => Read(obj.Fields, keys);

    /// <summary>Maps fields to canonical keys; rejects unknown keys (with a suggestion when one is close) and keys set twice.</summary>
    public static Section Read(IEnumerable<HoconField> fields, KeySet keys)
    {
        var result = new Dictionary<string, HoconField>(StringComparer.Ordinal);
        foreach (var field in fields)
        {
            var normalized = Normalize(field.Key);
            if (!keys.Knows(normalized)) throw Unknown(field, keys);
            var canonical = keys.Canonical(normalized);
            if (canonical is null) continue;
            if (result.TryGetValue(canonical, out var earlier))
                throw new ScenarioException(
                    $"'{field.Key}' sets '{canonical}' again (already set as '{earlier.Key}' at {earlier.KeyPosition.Line}:{earlier.KeyPosition.Column})",
                    field.KeyPosition);
            result[canonical] = field;
        }
        return new Section(result);
    }

    public static ScenarioException Unknown(HoconField field, KeySet keys, string? hint = null)
    {
        var suggestion = Suggest(field.Key, keys);
        if (suggestion is not null)
            return new ScenarioException($"unknown key '{field.Key}'; did you mean '{suggestion}'?", field.KeyPosition);
        return new ScenarioException(
            $"unknown key '{field.Key}' in {keys.Section}; allowed keys: {string.Join(", ", keys.Keys)}{hint}",
            field.KeyPosition);
    }

    /// <summary>The known key within edit distance 2, written in the file's own style (snake_case or kebab-case).</summary>
    public static string? Suggest(string key, KeySet keys)
    {
        var normalized = Normalize(key);
        var best = keys.Keys.Concat(keys.Aliases.Keys).Concat(keys.Ignored)
            .Select(k => (Key: k, Distance: Spelling.EditDistance(normalized, k)))
            .Where(c => c.Distance <= 2)
            .OrderBy(c => c.Distance)
            .Select(c => c.Key)
            .FirstOrDefault();
        if (best is null) return null;
        return key.Contains('_') && !key.Contains('-') ? best.Replace('-', '_') : best;
    }
}
