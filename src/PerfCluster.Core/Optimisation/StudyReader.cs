using System.Globalization;
using System.Text.RegularExpressions;
using PerfCluster.Core.Hocon;
using PerfCluster.Core.Input;
using PerfCluster.Core.Scenarios;
using PerfCluster.Core.Thresholds;

namespace PerfCluster.Core.Optimisation;

/// <summary>
/// Reads the top-level <c>optimize</c> block of a scenario file into a <see cref="StudyDefinition"/>, checked against the plan
/// it sits in (the scored scenario exists, metrics that need a monitor have one, templates name parameters). Every problem is
/// a <see cref="ScenarioException"/> at its line.
/// </summary>
public static partial class StudyReader
{
    public const string Key = "optimize";

    private static readonly KeySet Block = new("optimize",
        ["name", "parameters", "objectives", "constraints", "budget", "max-trials", "max-time", "initial-trials", "convergence", "remeasure", "seed",
         "early-stop", "apply", "scenario"],
        new Dictionary<string, string> { ["trials"] = "max-trials" });

    private static readonly KeySet Parameter = new("a parameter", ["type", "min", "max", "step", "start", "choices", "values", "scale"],
        new Dictionary<string, string> { ["current"] = "start", ["default"] = "start" });

    private static readonly KeySet ObjectiveKeys = new("an objective", ["metric", "goal", "weight", "step"]);
    private static readonly KeySet ConstraintKeys = new("a constraint", ["threshold", "step"]);
    private static readonly KeySet Budget = new("budget", ["trials", "time"]);
    private static readonly KeySet ConvergenceKeys = new("convergence", ["threshold", "trials"]);
    private static readonly KeySet Apply = new("apply", ["url", "method", "body", "headers", "command", "environment", "readiness", "settle", "timeout"]);

    /// <summary>The guide's four objectives and weights.</summary>
    public static readonly IReadOnlyList<(string Metric, ObjectiveGoal Goal, double Weight)> GuideObjectives =
    [
        ("throughput", ObjectiveGoal.Maximize, 0.4), ("latency_p95", ObjectiveGoal.Minimize, 0.3),
        ("error_rate", ObjectiveGoal.Minimize, 0.2), ("cpu_usage", ObjectiveGoal.Minimize, 0.1),
    ];

    /// <summary>The guide's six parameters with the demo target's ranges and defaults (its <c>POST /__config</c>).</summary>
    public static IReadOnlyList<(ParameterDefinition Parameter, object Start)> GuideParameters { get; } =
    [
        (ParameterDefinition.Integer("db_pool_size", 1, 100) with { Log = true }, 10L),
        (ParameterDefinition.Integer("cache_size_mb", 16, 1024, 16) with { Log = true }, 64L),
        (ParameterDefinition.Integer("worker_threads", 1, 64) with { Log = true }, 4L),
        (ParameterDefinition.Real("request_timeout", 0.5, 30) with { Log = true }, 30.0),
        (ParameterDefinition.Integer("batch_size", 1, 500) with { Log = true }, 100L),
        (ParameterDefinition.Boolean("compression_enabled"), false),
    ];

    [GeneratedRegex(@"\{\{\s*([^}\s]+)\s*\}\}")]
    private static partial Regex Placeholder();

    /// <summary>True when the file's top level says <c>enable_optimization: true</c> (the guide's benchmark_config).</summary>
    public static bool EnablesOptimization(string text, string fileName)
    {
        var root = HoconDocument.Parse(text, fileName);
        var field = root.Fields.FirstOrDefault(f => ScenarioKeys.Normalize(f.Key) == "enable-optimization");
        return field is not null && field.Value.AsBool(field.Key);
    }

    /// <summary>The study of the file's <c>optimize</c> block; null when it has none.</summary>
    public static StudyDefinition? Read(string text, string fileName, TestPlan plan)
    {
        var root = HoconDocument.Parse(text, fileName);
        var field = root.Fields.FirstOrDefault(f => ScenarioKeys.Normalize(f.Key) is "optimize" or "optimization");
        if (field is null) return null;
        if (field.Value is not HoconObject obj)
            throw new ScenarioException($"expected an object for '{field.Key}' but found {field.Value.Describe()}", field.Value.Position);
        return Read(obj, plan, Path.GetFileNameWithoutExtension(fileName));
    }

    /// <summary>
    /// The study the guide's <c>enable_optimization: true</c> runs without an <c>optimize</c> block: its six parameters
    /// (the demo target's ranges and current values), its four objectives, applied with <c>POST {target}/__config</c>.
    /// </summary>
    public static StudyDefinition GuideDefault(TestPlan plan, string name)
    {
        var scenario = plan.Scenarios[0];
        var space = new SearchSpace(GuideParameters.Select(p => p.Parameter).ToList());
        var (objectives, notes) = DefaultObjectives(scenario);
        return new StudyDefinition
        {
            Name = name,
            Space = space,
            Start = GuideParameters.ToDictionary(p => p.Parameter.Name, p => p.Start),
            Objectives = objectives,
            InitialTrials = StudyDefinition.DefaultInitial(space),
            Apply = new ApplyDefinition(new HttpApply(new Uri(scenario.Target, "/__config"), "POST", null, new Dictionary<string, string>()), null,
                TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(10)),
            Notes = [.. notes, "no optimize block: the guide's six parameters at the demo target's ranges, applied with POST /__config"],
        };
    }

    private static StudyDefinition Read(HoconObject obj, TestPlan plan, string defaultName)
    {
        var section = ScenarioKeys.Read(obj, Block);
        var scenario = plan.Scenarios[0];
        string? scenarioName = null;
        if (section.Field("scenario") is { } sf)
        {
            scenarioName = sf.Value.AsString(sf.Key);
            scenario = plan.Scenarios.FirstOrDefault(s => s.Name == scenarioName)
                       ?? throw new ScenarioException($"'{sf.Key}' names '{scenarioName}', which is not a scenario of this file; it has: {string.Join(", ", plan.Scenarios.Select(s => s.Name))}", sf.Value.Position);
        }

        var (parameters, start) = ReadParameters(section.Field("parameters") ?? throw new ScenarioException("'optimize' needs 'parameters': name → { type, min, max, start }", obj.Position));
        var space = new SearchSpace(parameters);
        var notes = new List<string>();
        List<Objective> objectives;
        if (section.Field("objectives") is { } of) objectives = ReadObjectives(of, scenario);
        else (objectives, notes) = DefaultObjectives(scenario);
        var constraints = section.Field("constraints") is { } cf ? ReadConstraints(cf, scenario) : [];

        var maxTrials = StudyDefinition.DefaultMaxTrials;
        var maxTime = StudyDefinition.DefaultMaxTime;
        if (section.Field("budget") is { } bf)
        {
            var budget = ScenarioKeys.Read(Object(bf), Budget);
            if (budget.Field("trials") is { } t) maxTrials = Positive(t, 2, 1000);
            if (budget.Field("time") is { } tt) maxTime = PositiveDuration(tt);
        }
        if (section.Field("max-trials") is { } mt) maxTrials = Positive(mt, 2, 1000);
        if (section.Field("max-time") is { } mx) maxTime = PositiveDuration(mx);

        var convergence = StudyDefinition.DefaultConvergence;
        var patience = StudyDefinition.DefaultPatience;
        if (section.Field("convergence") is { } cv)
        {
            if (cv.Value is HoconObject)
            {
                var c = ScenarioKeys.Read(Object(cv), ConvergenceKeys);
                if (c.Field("threshold") is { } th) convergence = Fraction(th);
                if (c.Field("trials") is { } k) patience = Positive(k, 1, 100);
            }
            else convergence = Fraction(cv);
        }

        var initial = section.Field("initial-trials") is { } it ? Positive(it, 2, 100) : StudyDefinition.DefaultInitial(space);
        var remeasure = section.Field("remeasure") is { } rm ? NonNegative(rm, 5) : 1;
        if (initial + remeasure >= maxTrials)
            throw new ScenarioException($"a budget of {maxTrials} trials leaves no room for the search after {initial} design trials and {remeasure} re-measurement(s); raise 'max-trials' or lower 'initial-trials'",
                (section.Field("max-trials") ?? section.Field("budget"))?.Value.Position ?? obj.Position);

        var apply = ReadApply(section.Field("apply") ?? throw new ScenarioException("'optimize' needs 'apply': how a configuration reaches the system (an HTTP request or a command)", obj.Position),
            parameters);
        return new StudyDefinition
        {
            Name = section.Value("name")?.AsString("name") ?? defaultName,
            Space = space,
            Start = start,
            Objectives = objectives,
            Constraints = constraints,
            MaxTrials = maxTrials,
            MaxTime = maxTime,
            InitialTrials = initial,
            Convergence = convergence,
            Patience = patience,
            Remeasure = remeasure,
            Seed = section.Field("seed") is { } seed ? seed.Value.AsInt(seed.Key) : 1,
            EarlyStop = section.Field("early-stop") is not { } es || es.Value.AsBool(es.Key),
            Apply = apply,
            Scenario = scenarioName,
            Notes = notes,
            Position = obj.Position,
        };
    }

    private static (List<ParameterDefinition>, Dictionary<string, object>) ReadParameters(HoconField field)
    {
        var map = Object(field);
        if (map.Count == 0) throw new ScenarioException($"'{field.Key}' holds no parameter", map.Position);
        var parameters = new List<ParameterDefinition>();
        var start = new Dictionary<string, object>(StringComparer.Ordinal);
        foreach (var entry in map.Fields)
        {
            if (!Regex.IsMatch(entry.Key, "^[A-Za-z_][A-Za-z0-9_-]*$"))
                throw new ScenarioException($"'{entry.Key}' is not a parameter name (a letter or '_', then letters, digits, '_' and '-')", entry.KeyPosition);
            var p = ScenarioKeys.Read(Object(entry), Parameter);
            var choices = (p.Field("choices") ?? p.Field("values")) is { } cf ? Strings(cf) : null;
            var type = p.Field("type") is { } tf ? tf.Value.AsString(tf.Key).ToLowerInvariant() : choices is not null ? "choice" : null;
            var startField = p.Field("start") ?? throw new ScenarioException($"parameter '{entry.Key}' needs 'start': the system's current value (the baseline trial)", entry.Value.Position);
            ParameterDefinition definition;
            object value;
            switch (type)
            {
                case "boolean" or "bool":
                    definition = ParameterDefinition.Boolean(entry.Key);
                    value = startField.Value.AsBool(startField.Key);
                    break;
                case "choice" or "categorical" or "enum":
                    if (choices is null || choices.Count < 2)
                        throw new ScenarioException($"choice parameter '{entry.Key}' needs 'choices' with two or more values", entry.Value.Position);
                    if (choices.Distinct().Count() != choices.Count)
                        throw new ScenarioException($"choice parameter '{entry.Key}' lists a value twice", entry.Value.Position);
                    definition = ParameterDefinition.Choice(entry.Key, [.. choices]);
                    value = startField.Value.AsString(startField.Key);
                    if (!choices.Contains((string)value))
                        throw new ScenarioException($"'start' of '{entry.Key}' is '{value}', which is not one of its choices: {string.Join(", ", choices)}", startField.Value.Position);
                    break;
                case "integer" or "int" or "real" or "float" or "double" or null:
                    var min = p.Field("min") ?? throw new ScenarioException($"parameter '{entry.Key}' needs 'min' and 'max' (or 'type = boolean', or 'choices')", entry.Value.Position);
                    var max = p.Field("max") ?? throw new ScenarioException($"parameter '{entry.Key}' needs 'max'", entry.Value.Position);
                    var integer = type is "integer" or "int" || type is null && IsWhole(min) && IsWhole(max) && IsWhole(startField) && (p.Field("step") is not { } st0 || IsWhole(st0));
                    var low = min.Value.AsDouble(min.Key);
                    var high = max.Value.AsDouble(max.Key);
                    if (!(high > low)) throw new ScenarioException($"parameter '{entry.Key}' has an empty range: 'max' ({Text(high)}) must be above 'min' ({Text(low)})", max.Value.Position);
                    var s = startField.Value.AsDouble(startField.Key);
                    if (s < low || s > high) throw new ScenarioException($"'start' of '{entry.Key}' is {Text(s)}, outside its range {Text(low)}..{Text(high)}", startField.Value.Position);
                    if (integer)
                    {
                        if (!IsWhole(min) || !IsWhole(max) || !IsWhole(startField))
                            throw new ScenarioException($"integer parameter '{entry.Key}' needs whole 'min', 'max' and 'start'", entry.Value.Position);
                        var step = p.Field("step") is { } sf ? sf.Value.AsInt(sf.Key) : 1;
                        if (step < 1 || step > high - low) throw new ScenarioException($"'step' of '{entry.Key}' must be from 1 to {Text(high - low)}", p.Field("step")!.Value.Position);
                        if ((s - low) % step != 0) throw new ScenarioException($"'start' of '{entry.Key}' ({Text(s)}) is not min + a whole number of steps of {step}", startField.Value.Position);
                        definition = ParameterDefinition.Integer(entry.Key, (long)low, (long)high, step);
                        value = (long)s;
                    }
                    else
                    {
                        if (p.Field("step") is { } sf) throw new ScenarioException($"'step' applies to integer parameters; '{entry.Key}' is real", sf.KeyPosition);
                        definition = ParameterDefinition.Real(entry.Key, low, high);
                        value = s;
                    }
                    break;
                default:
                    throw new ScenarioException($"unknown parameter type '{type}' for '{entry.Key}'; expected integer, real, boolean or choice", p.Field("type")!.Value.Position);
            }
            if (p.Field("scale") is { } scale)
            {
                var log = scale.Value.AsString(scale.Key).ToLowerInvariant() switch
                {
                    "log" or "logarithmic" => true,
                    "linear" => false,
                    var other => throw new ScenarioException($"unknown scale '{other}' for '{entry.Key}'; expected linear or log", scale.Value.Position),
                };
                if (log && definition.Kind is not (ParameterKind.Integer or ParameterKind.Real))
                    throw new ScenarioException($"'scale = log' applies to integer and real parameters; '{entry.Key}' is {definition.Kind.ToString().ToLowerInvariant()}", scale.KeyPosition);
                if (log && definition.Min <= 0)
                    throw new ScenarioException($"'scale = log' needs 'min' above 0 ('{entry.Key}' starts at {Text(definition.Min)})", scale.Value.Position);
                definition = definition with { Log = log };
            }
            parameters.Add(definition);
            start[entry.Key] = value;
        }
        return (parameters, start);
    }

    private static (List<Objective>, List<string>) DefaultObjectives(ScenarioDefinition scenario)
    {
        var objectives = new List<Objective>();
        var notes = new List<string>();
        foreach (var (name, goal, weight) in GuideObjectives)
        {
            StudyMetric.TryResolve(name, null, out var metric);
            if (metric.NeedsMonitor && scenario.Monitor is null)
            {
                notes.Add($"objective {name} (weight {Text(weight)}) left out: scenario '{scenario.Name}' has no monitor section to measure the target's CPU");
                continue;
            }
            objectives.Add(new Objective(metric, goal, weight));
        }
        return (objectives, notes);
    }

    private static List<Objective> ReadObjectives(HoconField field, ScenarioDefinition scenario)
    {
        var objectives = new List<Objective>();
        IEnumerable<(HoconNode Node, string? Metric)> entries = field.Value switch
        {
            HoconArray array => array.Items.Select(i => (i, (string?)null)),
            HoconObject map => map.Fields.Select(f => (f.Value, (string?)f.Key)),
            _ => throw new ScenarioException($"expected an array of objectives for '{field.Key}', e.g. [{{ metric = throughput, goal = maximize, weight = 0.4 }}], but found {field.Value.Describe()}", field.Value.Position),
        };
        foreach (var (node, mapKey) in entries)
        {
            string metricText;
            string? goalText, step = null;
            HoconNode? weightNode;
            switch (node)
            {
                case HoconArray tuple when tuple.Count == 3:
                    // The guide's ('throughput', 'maximize', 0.4).
                    metricText = tuple[0].AsString("metric");
                    goalText = tuple[1].AsString("goal");
                    weightNode = tuple[2];
                    break;
                case HoconObject o:
                    var s = ScenarioKeys.Read(o, ObjectiveKeys);
                    metricText = mapKey ?? s.Value("metric")?.AsString("metric") ?? throw new ScenarioException("an objective needs 'metric'", o.Position);
                    goalText = s.Value("goal")?.AsString("goal");
                    weightNode = s.Value("weight");
                    step = s.Value("step")?.AsString("step");
                    break;
                default:
                    throw new ScenarioException($"expected an objective {{ metric, goal, weight }} or [metric, goal, weight] but found {node.Describe()}", node.Position);
            }
            var metric = Metric(metricText, step, scenario, node.Position);
            var goal = goalText?.ToLowerInvariant() switch
            {
                "maximize" or "maximise" or "max" => ObjectiveGoal.Maximize,
                "minimize" or "minimise" or "min" => ObjectiveGoal.Minimize,
                null => metric.Name is "throughput" or "requests" ? ObjectiveGoal.Maximize : ObjectiveGoal.Minimize,
                _ => throw new ScenarioException($"unknown goal '{goalText}' for objective {metricText}; expected maximize or minimize", node.Position),
            };
            var weight = weightNode?.AsDouble("weight") ?? 1;
            if (!(weight > 0) || !double.IsFinite(weight))
                throw new ScenarioException($"the weight of objective {metricText} must be above 0 (got {Text(weight)})", (weightNode ?? node).Position);
            objectives.Add(new Objective(metric, goal, weight) { Position = node.Position });
        }
        if (objectives.Count == 0) throw new ScenarioException($"'{field.Key}' holds no objective", field.Value.Position);
        var twice = objectives.GroupBy(o => o.Metric.Key).FirstOrDefault(g => g.Count() > 1);
        if (twice is not null) throw new ScenarioException($"objective {twice.Key} is named twice", twice.Last().Position);
        return objectives;
    }

    private static List<Constraint> ReadConstraints(HoconField field, ScenarioDefinition scenario)
    {
        if (field.Value is not HoconArray array)
            throw new ScenarioException($"expected an array of constraints for '{field.Key}', e.g. [\"p95 < 2s\", \"error_rate < 0.01\"], but found {field.Value.Describe()}", field.Value.Position);
        var constraints = new List<Constraint>();
        foreach (var node in array.Items)
        {
            string text;
            string? step = null;
            if (node is HoconObject o)
            {
                var s = ScenarioKeys.Read(o, ConstraintKeys);
                text = s.Value("threshold")?.AsString("threshold") ?? throw new ScenarioException("a constraint object needs 'threshold', e.g. \"p99 < 300ms\"", o.Position);
                step = s.Value("step")?.AsString("step");
            }
            else text = node.AsString("constraint");
            constraints.Add(Constraint(text, step, scenario, node.Position));
        }
        return constraints;
    }

    private static Constraint Constraint(string text, string? step, ScenarioDefinition scenario, SourcePosition position)
    {
        var at = text.IndexOfAny(['<', '>', '=', '!']);
        if (at <= 0) throw new ScenarioException($"constraint \"{text}\" is not \"<metric> <operator> <value>\", e.g. \"p95 < 2s\"", position);
        var metric = Metric(text[..at], step, scenario, position);
        var written = text.Trim();
        if (!metric.NeedsMonitor)
        {
            // The threshold syntax and its units: "p95 < 2s", "error_rate < 1%", "throughput > 500".
            var name = metric.Name;
            var expression = ThresholdExpression.Parse(new ThresholdDefinition(name + " " + text[at..].Trim(), Position: position));
            return new Constraint(written, metric, expression.Operator, expression.Limit) { Position = position };
        }
        var rest = text[at..].Trim();
        var opLength = rest.Length > 1 && rest[1] == '=' ? 2 : 1;
        if (!ThresholdOperators.TryParse(rest[..opLength], out var op))
            throw new ScenarioException($"unknown operator in constraint \"{text}\"; expected one of: {string.Join(", ", ThresholdOperators.Symbols)}", position);
        var number = rest[opLength..].Trim().TrimEnd('%').Trim();
        if (number.EndsWith("mb", StringComparison.OrdinalIgnoreCase)) number = number[..^2].Trim();
        if (!double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var limit) || !double.IsFinite(limit))
            throw new ScenarioException($"invalid value in constraint \"{text}\"; expected a number ({metric.Name} is in {(metric.Name == "memory_mb" ? "MB" : "percent")})", position);
        return new Constraint(written, metric, op, limit) { Position = position };
    }

    private static StudyMetric Metric(string text, string? step, ScenarioDefinition scenario, SourcePosition position)
    {
        if (!StudyMetric.TryResolve(text, step, out var metric))
            throw new ScenarioException(metric is not null && step is not null
                ? $"{text.Trim()} is a figure of the target, not of a step; drop 'step'"
                : $"unknown metric '{text.Trim()}'; expected one of: {string.Join(", ", StudyMetric.Names)}", position);
        if (metric.NeedsMonitor && scenario.Monitor is null)
            throw new ScenarioException($"{metric.Name} is measured by the scenario's monitor section, and scenario '{scenario.Name}' has none (add monitor {{ pid | process-name | prometheus }})", position);
        if (metric.Name.StartsWith("series.", StringComparison.Ordinal) && scenario.Monitor is { } m && !m.Series.Contains(metric.Name["series.".Length..]))
            throw new ScenarioException($"{metric.Name}: the monitor section does not keep series '{metric.Name["series.".Length..]}' (add it to monitor.series)", position);
        return metric;
    }

    private static ApplyDefinition ReadApply(HoconField field, IReadOnlyList<ParameterDefinition> parameters)
    {
        var a = ScenarioKeys.Read(Object(field), Apply);
        var names = parameters.Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
        void CheckTemplate(string text, SourcePosition position)
        {
            foreach (Match m in Placeholder().Matches(text))
                if (!names.Contains(m.Groups[1].Value))
                    throw new ScenarioException($"'{{{{{m.Groups[1].Value}}}}}' is not a parameter; the parameters are: {string.Join(", ", names)}", position);
        }
        ApplyMethod method;
        if (a.Field("url") is { } uf)
        {
            if (a.Field("command") is { } both) throw new ScenarioException("'apply' takes either 'url' (an HTTP request) or 'command', not both", both.KeyPosition);
            var url = Url(uf);
            var verb = (a.Value("method")?.AsString("method") ?? "POST").ToUpperInvariant();
            if (verb is not ("POST" or "PUT" or "PATCH" or "GET"))
                throw new ScenarioException($"unsupported method '{verb}' for 'apply'; expected POST, PUT, PATCH or GET", a.Value("method")!.Position);
            var body = a.Value("body")?.AsString("body");
            if (body is not null) CheckTemplate(body, a.Value("body")!.Position);
            var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            if (a.Field("headers") is { } hf)
                foreach (var h in Object(hf).Fields)
                {
                    headers[h.Key] = h.Value.AsString(h.Key);
                    CheckTemplate(headers[h.Key], h.Value.Position);
                }
            method = new HttpApply(url, verb, body, headers);
        }
        else if (a.Field("command") is { } cf)
        {
            var command = cf.Value is HoconArray ? Strings(cf) : [cf.Value.AsString(cf.Key)];
            if (command.Count == 0 || string.IsNullOrWhiteSpace(command[0])) throw new ScenarioException("'command' names no program", cf.Value.Position);
            foreach (var part in command) CheckTemplate(part, cf.Value.Position);
            method = new CommandApply(command[0], command.Skip(1).ToList(), a.Field("environment") is not { } ef || ef.Value.AsBool(ef.Key));
        }
        else throw new ScenarioException("'apply' needs 'url' (an HTTP request with the parameters as its JSON body) or 'command' (a program and its arguments)", field.Value.Position);
        var readiness = a.Field("readiness") is { } rf ? Url(rf) : null;
        var settle = a.Field("settle") is { } sf ? sf.Value.AsDuration(sf.Key) : readiness is null ? TimeSpan.FromSeconds(1) : TimeSpan.Zero;
        var timeout = a.Field("timeout") is { } tf ? PositiveDuration(tf) : TimeSpan.FromSeconds(30);
        return new ApplyDefinition(method, readiness, settle, timeout);
    }

    /// <summary>A template's text with each <c>{{name}}</c> replaced by <paramref name="render"/> of that parameter's value.</summary>
    public static string Render(string template, IReadOnlyDictionary<string, object> values, Func<object, string> render) =>
        Placeholder().Replace(template, m => render(values[m.Groups[1].Value]));

    private static Uri Url(HoconField field)
    {
        var text = field.Value.AsString(field.Key);
        if (Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https") return uri;
        throw new ScenarioException($"'{field.Key}' must be an absolute http(s) URL (got '{text}')", field.Value.Position);
    }

    private static HoconObject Object(HoconField field) => field.Value as HoconObject
        ?? throw new ScenarioException($"expected an object for '{field.Key}' but found {field.Value.Describe()}", field.Value.Position);

    private static List<string> Strings(HoconField field) => field.Value is HoconArray array
        ? array.Items.Select(i => i.AsString(field.Key)).ToList()
        : throw new ScenarioException($"expected an array for '{field.Key}' but found {field.Value.Describe()}", field.Value.Position);

    private static bool IsWhole(HoconField field) => field.Value is HoconScalar { Kind: HoconScalarKind.Number } s && !s.Raw.Contains('.') && !s.Raw.Contains('e') && !s.Raw.Contains('E');

    private static int Positive(HoconField field, int min, int max)
    {
        var value = field.Value.AsInt(field.Key);
        if (value < min || value > max) throw new ScenarioException($"'{field.Key}' must be from {min} to {max} (got {value})", field.Value.Position);
        return value;
    }

    private static int NonNegative(HoconField field, int max) => field.Value.AsInt(field.Key) is var v && v >= 0 && v <= max
        ? v : throw new ScenarioException($"'{field.Key}' must be from 0 to {max}", field.Value.Position);

    private static TimeSpan PositiveDuration(HoconField field)
    {
        var value = field.Value.AsDuration(field.Key);
        if (value <= TimeSpan.Zero) throw new ScenarioException($"'{field.Key}' must be a positive duration", field.Value.Position);
        return value;
    }

    private static double Fraction(HoconField field)
    {
        var text = field.Value is HoconScalar s ? s.Raw.Trim() : field.Value.AsString(field.Key);
        var percent = text.EndsWith('%');
        if (!double.TryParse(percent ? text[..^1] : text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value))
            throw new ScenarioException($"'{field.Key}' must be a fraction (0.05) or a percentage (5%) (got '{text}')", field.Value.Position);
        if (percent) value /= 100;
        if (value is <= 0 or >= 1) throw new ScenarioException($"'{field.Key}' must be above 0 and below 100% (got '{text}')", field.Value.Position);
        return value;
    }

    private static string Text(double value) => value.ToString("0.######", CultureInfo.InvariantCulture);
}
