using System.Text;
using System.Text.Json;
using PerfCluster.Core.Hocon;
using PerfCluster.Core.Input;
using PerfCluster.Core.Steps;

namespace PerfCluster.Core.Scenarios;

/// <summary>
/// Reads a journey: <c>feeders</c>, <c>setup</c> and <c>flow</c> (one flow) or <c>flows</c> (named, weighted). Every
/// template is compiled and bound to a variable slot here, so a name that no step extracts and no feeder provides is
/// a load-time error at its line; step, group and check names must be unique in the scenario.
/// </summary>
internal sealed partial class FlowReader
{
    private readonly Dictionary<string, SourcePosition> _stepNames = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SourcePosition> _checkNames = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SourcePosition> _groupNames = new(StringComparer.Ordinal);
    private readonly VariableTable _variables = new();

    public static bool IsJourney(Scope scenario) => scenario.Get("flow") is not null || scenario.Get("flows") is not null;

    /// <summary>The journey and the request steps as endpoints (one named series each), or null when the scenario has no flow.</summary>
    public static (Journey Journey, IReadOnlyList<EndpointDefinition> Steps)? Read(Scope scenario, ClosedLoad load, OpenLoad? open)
    {
        if (!IsJourney(scenario)) return null;
        if (scenario.Own?.Field("endpoints") is { } endpoints)
            throw new ScenarioException("a scenario has either 'endpoints' (a request mix) or 'flow'/'flows' (journeys), not both", endpoints.KeyPosition);
        return new FlowReader().ReadJourney(scenario, load, open);
    }

    private (Journey, IReadOnlyList<EndpointDefinition>) ReadJourney(Scope scenario, ClosedLoad load, OpenLoad? open)
    {
        _databases = DatabaseReader.Read(scenario).ToDictionary(d => d.Name, StringComparer.Ordinal);
        _modules = ModuleReader.Read(scenario).ToDictionary(m => m.Name, StringComparer.Ordinal);
        _grpc = GrpcReader.Read(scenario);
        _grpcAt = scenario.Get("grpc")?.KeyPosition;
        foreach (var module in _modules.Values)
        foreach (var variable in module.Sets)
            _variables.Add(variable);
        var feeders = FeederReader.Read(scenario);
        foreach (var feeder in feeders)
        foreach (var field in feeder.Fields)
            _variables.Add(feeder.VariableOf(field));
        CheckFeederSizes(feeders, load, open);

        var source = new Dictionary<string, HoconNode>();
        IReadOnlyList<Step> setup = [];
        if (scenario.Get("setup") is { } setupField)
        {
            setup = Steps(setupField);
            source["setup"] = setupField.Value;
        }
        var flows = new List<FlowDefinition>();
        var single = scenario.Get("flow");
        var many = scenario.Get("flows");
        if (single is not null && many is not null)
            throw new ScenarioException("set 'flow' (one flow) or 'flows' (several, by name), not both", many.KeyPosition);
        if (single is not null)
        {
            flows.Add(new FlowDefinition("main", 1, Steps(single)));
            source["flow"] = single.Value;
        }
        else
        {
            if (many!.Value is not HoconObject map || map.Count == 0)
                throw new ScenarioException($"expected an object of name → flow for '{many.Key}' but found {many.Value.Describe()}", many.Value.Position);
            foreach (var entry in map.Fields) flows.Add(Flow(entry));
            if (!(flows.Sum(f => f.Weight) > 0))
                throw new ScenarioException("flow weights must add up to more than 0", many.Value.Position);
            source["flows"] = many.Value;
        }

        CheckSockets();
        var bound = new Binder(_variables);
        setup = bound.Steps(setup);
        flows = flows.Select(f => f with { Steps = bound.Steps(f.Steps) }).ToList();
        var cookies = Cookies(scenario);
        var journey = new Journey(feeders, setup, flows, _variables, SourceJson(source)) { Cookies = cookies, Databases = _databases.Values.ToList(), Modules = _modules.Values.ToList(), Grpc = _grpc };
        var endpoints = journey.Series.Select(EndpointOf).ToList();
        return (journey, endpoints);
    }

    private static bool Cookies(Scope scenario)
    {
        if (scenario.Get("http") is not { Value: HoconObject http }) return true;
        return ScenarioKeys.Read(http, ScenarioKeys.Http).Field("cookies") is { } c ? c.Value.AsBool(c.Key) : true;
    }

    private static string SourceJson(Dictionary<string, HoconNode> source)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            foreach (var (key, node) in source)
            {
                json.WritePropertyName(key);
                HoconJson.Write(json, node);
            }
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>A unique feeder taken once per user must have a row for every user the run may hold when running out fails.</summary>
    private static void CheckFeederSizes(IReadOnlyList<FeederDefinition> feeders, ClosedLoad load, OpenLoad? open)
    {
        var users = open?.MaxUsers ?? Math.Max(load.Users, load.Stages.Count == 0 ? 0 : (int)Math.Ceiling(load.Stages.Max(s => s.Target)));
        foreach (var f in feeders)
            if (f is { Mode: FeederMode.Unique, Take: FeederTake.PerUser, OnExhausted: FeederExhausted.Fail } && f.Rows.Count < users)
                throw new ScenarioException(
                    $"unique feeder '{f.Name}' has {f.Rows.Count} rows but the run may hold {users} users, each taking one (on-exhausted = fail); " +
                    "add rows, lower the users or use on-exhausted = stop-user", f.Position);
    }

    private FlowDefinition Flow(HoconField entry)
    {
        if (!Template.IsName(entry.Key) || entry.Key.Contains('.'))
            throw new ScenarioException($"'{entry.Key}' is not a flow name (letters, digits, '_' and '-')", entry.KeyPosition);
        if (entry.Value is HoconArray) return new FlowDefinition(entry.Key, 1, Steps(entry));
        if (entry.Value is not HoconObject obj)
            throw new ScenarioException($"expected a flow (an array of steps, or {{ weight, steps }}) for '{entry.Key}' but found {entry.Value.Describe()}", entry.Value.Position);
        var section = ScenarioKeys.Read(obj, ScenarioKeys.Flow);
        var weight = 1.0;
        if (section.Field("weight") is { } w)
        {
            weight = w.Value.AsDouble(w.Key);
            if (weight < 0) throw new ScenarioException($"'{w.Key}' must be 0 or more but is {w.Value.AsString()}", w.Value.Position);
        }
        var steps = section.Field("steps") ?? throw new ScenarioException($"flow '{entry.Key}' needs 'steps'", obj.Position);
        return new FlowDefinition(entry.Key, weight, Steps(steps));
    }

    private IReadOnlyList<Step> Steps(HoconField field)
    {
        if (field.Value is not HoconArray array)
            throw new ScenarioException($"expected an array of steps for '{field.Key}' but found {field.Value.Describe()}", field.Value.Position);
        if (array.Count == 0) throw new ScenarioException($"'{field.Key}' must list at least one step", array.Position);
        return array.Items.Select(Step).ToList();
    }

    private Step Step(HoconNode item)
    {
        if (item is not HoconObject obj)
            throw new ScenarioException(
                $"expected a step such as {{ request {{ path = \"/\" }} }} or {{ pause = 1s }} but found {item.Describe()}", item.Position);
        var section = ScenarioKeys.Read(obj, ScenarioKeys.Step);
        var kinds = ScenarioKeys.StepKinds.Where(k => section.Field(k) is not null).ToList();
        if (kinds.Count != 1)
            throw new ScenarioException(
                kinds.Count == 0
                    ? $"a step needs one of {string.Join(", ", ScenarioKeys.StepKinds)}"
                    : $"a step is one thing, but this one sets {string.Join(" and ", kinds)}", obj.Position);
        var field = section.Field(kinds[0])!;
        Step step = kinds[0] switch
        {
            "request" => Request(field),
            "pause" => Pause(field),
            "group" => Group(field),
            "repeat" => Repeat(field),
            "while" => While(field),
            "if" => If(field),
            "sql" => Sql(field),
            "transaction" => Transaction(field),
            "redis" => Redis(field),
            "module" => Module(field),
            "ws-connect" => WsConnect(field),
            "ws-send" => WsSend(field),
            "ws-receive" => WsReceive(field),
            "ws-close" => WsClose(field),
            "grpc" => Grpc(field),
            _ => Set(field),
        };
        if (_transaction is not null && step is not (SqlStep or SetStep or IfStep or RepeatStep))
            throw new ScenarioException($"a transaction holds sql, set, if and repeat steps, not {kinds[0]}", obj.Position);
        if (section.Field("on-failure") is { } f) step = step with { OnFailure = OnFailureOf(f) };
        return step;
    }

    private static OnFailure OnFailureOf(HoconField f) => ScenarioKeys.Normalize(f.Value.AsString(f.Key).Trim()) switch
    {
        "continue" => OnFailure.Continue,
        "stop-iteration" => OnFailure.StopIteration,
        "stop-user" => OnFailure.StopUser,
        var other => throw new ScenarioException($"'{f.Key}' must be continue, stop-iteration or stop-user but is '{other}'", f.Value.Position),
    };

    private static HoconObject ObjectOf(HoconField field, string example) =>
        field.Value as HoconObject ?? throw new ScenarioException($"expected an object for '{field.Key}' (e.g. {example}) but found {field.Value.Describe()}", field.Value.Position);

    private RequestStep Request(HoconField field)
    {
        var obj = ObjectOf(field, "request { method = POST, path = \"/login\" }");
        var section = ScenarioKeys.Read(obj, ScenarioKeys.RequestStep);
        var pathField = section.Field("path") ?? throw new ScenarioException("a request step needs a 'path' (e.g. path = \"/shop/projects\")", obj.Position);
        var pathText = pathField.Value.AsString(pathField.Key).Trim();
        var literal = System.Text.RegularExpressions.Regex.Replace(pathText, "{{.*?}}", "x");
        if (!pathText.StartsWith('/') || literal.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
            throw new ScenarioException($"a request path starts with '/' and has no whitespace, but is '{pathText}'", pathField.Value.Position);
        var path = Template.Parse(pathText, pathField.Value.Position);
        var method = section.Field("method") is { } m ? EndpointReader.Method(m.Value.AsString(m.Key).Trim(), m.Key, m.Value.Position) : "GET";

        var name = $"{method} {pathText}";
        var namePosition = obj.Position;
        if (section.Field("name") is { } n)
        {
            name = n.Value.AsString(n.Key).Trim();
            namePosition = n.Value.Position;
            if (name.Length == 0) throw new ScenarioException($"'{n.Key}' must not be empty", n.Value.Position);
        }
        Unique(_stepNames, name, "step", namePosition);

        var headers = new List<(string, Template)>();
        if (section.Field("headers") is { } h)
        {
            foreach (var header in ObjectOf(h, "headers { Authorization = \"Bearer {{token}}\" }").Fields)
            {
                if (!EndpointReader.IsToken(header.Key))
                    throw new ScenarioException($"'{header.Key}' is not a valid HTTP header name", header.KeyPosition);
                headers.Add((header.Key, Template.Parse(header.Value.AsString(header.Key), header.Value.Position)));
            }
        }
        var body = section.Field("body") is { } b ? Template.Parse(b.Value.AsString(b.Key), b.Value.Position) : null;

        var expected = new List<int>();
        if (section.Field("expect-status") is { } s)
        {
            foreach (var value in s.Value is HoconArray statuses ? statuses.Items : [s.Value])
            {
                var status = value.AsInt(s.Key);
                if (status is < 100 or > 599)
                    throw new ScenarioException($"'{s.Key}' values must be HTTP status codes 100..599 but found {status}", value.Position);
                expected.Add(status);
            }
        }
        TimeSpan? timeout = null;
        if (section.Field("timeout") is { } t)
        {
            timeout = t.Value.AsDuration(t.Key);
            if (timeout <= TimeSpan.Zero) throw new ScenarioException($"'{t.Key}' must be greater than 0", t.Value.Position);
        }
        HttpProtocol? version = null;
        if (section.Field("http") is { } stepHttp)
        {
            var own = ScenarioKeys.Read(ObjectOf(stepHttp, "http { version = 2 }"), ScenarioKeys.StepHttp);
            if (own.Field("version") is { } v)
            {
                if (!HttpSettings.TryParseVersion(v.Value.AsString(v.Key), out var parsed))
                    throw new ScenarioException($"'{v.Key}' must be 1.1 or 2 but is '{v.Value.AsString()}'", v.Value.Position);
                version = parsed;
            }
        }
        var step = new RequestStep
        {
            Position = obj.Position,
            Version = version,
            Name = name,
            Method = method,
            Path = path,
            Headers = headers,
            Body = body,
            ExpectedStatus = expected,
            Timeout = timeout,
            Extract = section.Field("extract") is { } x ? Extractors(x) : [],
            Checks = section.Field("check") is { } c ? Checks(c) : [],
        };
        return section.Field("on-failure") is { } f ? step with { OnFailure = OnFailureOf(f) } : step;
    }

    private IReadOnlyList<Extractor> Extractors(HoconField field)
    {
        var result = new List<Extractor>();
        foreach (var entry in ObjectOf(field, "extract { token { json = \"token\" } }").Fields)
        {
            if (!Template.IsName(entry.Key) || entry.Key.Contains('.'))
                throw new ScenarioException($"'{entry.Key}' is not a variable name (letters, digits, '_' and '-')", entry.KeyPosition);
            var obj = entry.Value as HoconObject
                ?? throw new ScenarioException($"expected {{ json = \"path\" }}, {{ regex = \"...\" }}, {{ header = Name }} or {{ cookie = name }} for '{entry.Key}' but found {entry.Value.Describe()}", entry.Value.Position);
            var section = ScenarioKeys.Read(obj, ScenarioKeys.Extractor);
            var sources = new[] { ("json", ExtractSource.Json), ("regex", ExtractSource.Regex), ("header", ExtractSource.Header), ("cookie", ExtractSource.Cookie) }
                .Where(s => section.Field(s.Item1) is not null).ToList();
            if (sources.Count != 1)
                throw new ScenarioException($"extractor '{entry.Key}' needs exactly one of json, regex, header or cookie", obj.Position);
            var source = section.Field(sources[0].Item1)!;
            var expression = source.Value.AsString(source.Key);
            if (expression.Trim().Length == 0) throw new ScenarioException($"'{source.Key}' must not be empty", source.Value.Position);
            _variables.Add(entry.Key);
            result.Add(Extractor.Create(entry.Key, sources[0].Item2, expression, source.Value.Position));
        }
        return result;
    }

    private IReadOnlyList<Check> Checks(HoconField field)
    {
        var result = new List<Check>();
        foreach (var entry in ObjectOf(field, "check { has_token { json = \"token\", exists = true } }").Fields)
        {
            if (!Template.IsName(entry.Key) || entry.Key.Contains('.'))
                throw new ScenarioException($"'{entry.Key}' is not a check name (letters, digits, '_' and '-')", entry.KeyPosition);
            Unique(_checkNames, entry.Key, "check", entry.KeyPosition);
            var obj = entry.Value as HoconObject
                ?? throw new ScenarioException($"expected a check object (status, json with equals/exists/matches, body-contains or latency-under) for '{entry.Key}' but found {entry.Value.Describe()}", entry.Value.Position);
            var section = ScenarioKeys.Read(obj, ScenarioKeys.Check);
            result.Add(Check(entry.Key, section, obj.Position));
        }
        return result;
    }

    private static Check Check(string name, Section section, SourcePosition position)
    {
        var kinds = new[] { "status", "json", "body-contains", "regex", "latency-under" }.Where(k => section.Field(k) is not null).ToList();
        if (kinds.Count != 1)
            throw new ScenarioException($"check '{name}' tests one thing: status, json (with equals, exists or matches), body-contains, regex or latency-under", position);
        var field = section.Field(kinds[0])!;
        switch (kinds[0])
        {
            case "status":
                var statuses = (field.Value is HoconArray a ? a.Items : [field.Value]).Select(v => v.AsInt(field.Key)).ToList();
                return new Check(name, CheckKind.Status, position) { Statuses = statuses };
            case "body-contains":
                return new Check(name, CheckKind.BodyContains, position) { Value = Template.Parse(field.Value.AsString(field.Key), field.Value.Position) };
            case "regex":
                return new Check(name, CheckKind.BodyMatches, position) { Pattern = Patterns.Compile(field.Value.AsString(field.Key), field.Value.Position) };
            case "latency-under":
                var limit = field.Value.AsDuration(field.Key);
                if (limit <= TimeSpan.Zero) throw new ScenarioException($"'{field.Key}' must be greater than 0", field.Value.Position);
                return new Check(name, CheckKind.LatencyUnder, position) { Limit = limit };
        }
        var path = JsonPath.Parse(field.Value.AsString(field.Key), field.Value.Position);
        var tests = new[] { "equals", "exists", "matches" }.Where(k => section.Field(k) is not null).ToList();
        if (tests.Count > 1)
            throw new ScenarioException($"check '{name}' uses one of equals, exists or matches with its json path", position);
        var test = tests.Count == 0 ? null : section.Field(tests[0]);
        return test?.Key switch
        {
            null => new Check(name, CheckKind.JsonExists, position) { Json = path },
            _ when ScenarioKeys.Normalize(test.Key) == "equals" =>
                new Check(name, CheckKind.JsonEquals, position) { Json = path, Value = Template.Parse(test.Value.AsString(test.Key), test.Value.Position) },
            _ when ScenarioKeys.Normalize(test.Key) == "exists" =>
                new Check(name, CheckKind.JsonExists, position) { Json = path, Exists = test.Value.AsBool(test.Key) },
            _ => new Check(name, CheckKind.JsonMatches, position) { Json = path, Pattern = Patterns.Compile(test.Value.AsString(test.Key), test.Value.Position) },
        };
    }

    private PauseStep Pause(HoconField field)
    {
        if (field.Value is not HoconObject obj)
        {
            var fixedPause = NonNegative(field.Value.AsDuration(field.Key), field);
            return new PauseStep(fixedPause, fixedPause) { Position = field.Value.Position };
        }
        var section = ScenarioKeys.Read(obj, ScenarioKeys.Pause);
        if (section.Field("duration") is { } d)
        {
            var fixedPause = NonNegative(d.Value.AsDuration(d.Key), d);
            return new PauseStep(fixedPause, fixedPause) { Position = obj.Position };
        }
        var min = section.Field("min") ?? throw new ScenarioException("a pause object needs 'min' and 'max' (uniform between them) or 'duration'", obj.Position);
        var max = section.Field("max") ?? throw new ScenarioException("a pause object needs 'max' beside 'min'", obj.Position);
        var low = NonNegative(min.Value.AsDuration(min.Key), min);
        var high = NonNegative(max.Value.AsDuration(max.Key), max);
        if (high < low) throw new ScenarioException($"'{max.Key}' must not be below '{min.Key}'", max.Value.Position);
        return new PauseStep(low, high) { Position = obj.Position };
    }

    private static TimeSpan NonNegative(TimeSpan value, HoconField field) =>
        value >= TimeSpan.Zero ? value : throw new ScenarioException($"'{field.Key}' must not be negative", field.Value.Position);

    private GroupStep Group(HoconField field)
    {
        var obj = ObjectOf(field, "group { name = checkout, steps = [...] }");
        var section = ScenarioKeys.Read(obj, ScenarioKeys.Group);
        var n = section.Field("name") ?? throw new ScenarioException("a group needs a 'name'", obj.Position);
        var name = n.Value.AsString(n.Key).Trim();
        if (name.Length == 0) throw new ScenarioException($"'{n.Key}' must not be empty", n.Value.Position);
        if (name == "tls-handshake")
            throw new ScenarioException("the group name 'tls-handshake' is taken: an https scenario reports its TLS handshakes under it", n.Value.Position);
        Unique(_groupNames, name, "group", n.Value.Position);
        var steps = section.Field("steps") ?? throw new ScenarioException($"group '{name}' needs 'steps'", obj.Position);
        return new GroupStep(name, Steps(steps)) { Position = obj.Position };
    }

    private RepeatStep Repeat(HoconField field)
    {
        var obj = ObjectOf(field, "repeat { times = 3, steps = [...] }");
        var section = ScenarioKeys.Read(obj, ScenarioKeys.Repeat);
        var t = section.Field("times") ?? throw new ScenarioException("repeat needs 'times'", obj.Position);
        var times = t.Value.AsInt(t.Key);
        if (times is < 0 or > 1_000_000) throw new ScenarioException($"'{t.Key}' must be between 0 and 1000000 but is {times}", t.Value.Position);
        var steps = section.Field("steps") ?? throw new ScenarioException("repeat needs 'steps'", obj.Position);
        return new RepeatStep(times, Steps(steps)) { Position = obj.Position };
    }

    private WhileStep While(HoconField field)
    {
        var obj = ObjectOf(field, "while { condition = \"{{status}} != done\", max = 10, steps = [...] }");
        var section = ScenarioKeys.Read(obj, ScenarioKeys.While);
        var c = section.Field("condition") ?? throw new ScenarioException("while needs a 'condition'", obj.Position);
        var m = section.Field("max") ?? throw new ScenarioException("while needs 'max', the most times it runs (loops are bounded)", obj.Position);
        var max = m.Value.AsInt(m.Key);
        if (max is < 1 or > 1_000_000) throw new ScenarioException($"'{m.Key}' must be between 1 and 1000000 but is {max}", m.Value.Position);
        var steps = section.Field("steps") ?? throw new ScenarioException("while needs 'steps'", obj.Position);
        return new WhileStep(Condition.Parse(c.Value.AsString(c.Key), c.Value.Position), max, Steps(steps)) { Position = obj.Position };
    }

    private IfStep If(HoconField field)
    {
        var obj = ObjectOf(field, "if { condition = \"{{role}} == admin\", then = [...] }");
        var section = ScenarioKeys.Read(obj, ScenarioKeys.If);
        var c = section.Field("condition") ?? throw new ScenarioException("if needs a 'condition'", obj.Position);
        var then = section.Field("then") ?? throw new ScenarioException("if needs 'then'", obj.Position);
        var otherwise = section.Field("else") is { } e ? Steps(e) : [];
        return new IfStep(Condition.Parse(c.Value.AsString(c.Key), c.Value.Position), Steps(then), otherwise) { Position = obj.Position };
    }

    private static void Unique(Dictionary<string, SourcePosition> seen, string name, string what, SourcePosition position)
    {
        if (seen.TryGetValue(name, out var first))
            throw new ScenarioException($"duplicate {what} name '{name}' (first used at {first.Line}:{first.Column}); give each {what} a distinct 'name'", position);
        seen[name] = position;
    }

    /// <summary>Binds every template and condition of a step tree to the variable table.</summary>
    private sealed class Binder(VariableTable table)
    {
        public IReadOnlyList<Step> Steps(IReadOnlyList<Step> steps) => steps.Select(Bind).ToList();

        private Step Bind(Step step) => step switch
        {
            RequestStep r => r with
            {
                Path = r.Path.Bind(table),
                Headers = r.Headers.Select(h => (h.Name, h.Value.Bind(table))).ToList(),
                Body = r.Body?.Bind(table),
                Checks = r.Checks.Select(c => c.Value is null ? c : c with { Value = c.Value.Bind(table) }).ToList(),
            },
            SqlStep q => q with { Parameters = q.Parameters.Select(p => p with { Value = p.Value.Bind(table) }).ToList() },
            TransactionStep t => t with { Steps = Steps(t.Steps) },
            RedisStep r => r with { Key = r.Key?.Bind(table), Value = r.Value?.Bind(table), Field = r.Field?.Bind(table), Args = r.Args.Select(a => a.Bind(table)).ToList() },
            WsConnectStep c => c with { Path = c.Path.Bind(table), Headers = c.Headers.Select(h => (h.Name, h.Value.Bind(table))).ToList() },
            WsSendStep w => w with { Message = w.Message.Bind(table) },
            GrpcStep g => g with
            {
                Message = g.Message.Bind(table),
                Metadata = g.Metadata.Select(m => (m.Name, m.Value.Bind(table))).ToList(),
                Checks = g.Checks.Select(c => c.Value is null ? c : c with { Value = c.Value.Bind(table) }).ToList(),
            },
            WsReceiveStep w => w with
            {
                Until = w.Until is { Value: not null } u ? u with { Value = u.Value.Bind(table) } : w.Until,
                Checks = w.Checks.Select(c => c.Value is null ? c : c with { Value = c.Value.Bind(table) }).ToList(),
            },
            SetStep set => set with { Values = set.Values.Select(v => (v.Variable, v.Value.Bind(table))).ToList() },
            GroupStep g => g with { Steps = Steps(g.Steps) },
            RepeatStep rep => rep with { Steps = Steps(rep.Steps) },
            WhileStep w => w with { Condition = w.Condition.Bind(table), Steps = Steps(w.Steps) },
            IfStep i => i with { Condition = i.Condition.Bind(table), Then = Steps(i.Then), Else = Steps(i.Else) },
            _ => step,
        };
    }
}
