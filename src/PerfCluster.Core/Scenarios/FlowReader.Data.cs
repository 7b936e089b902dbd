using System.Data;
using System.Text.RegularExpressions;
using PerfCluster.Core.Hocon;
using PerfCluster.Core.Input;
using PerfCluster.Core.Steps;

namespace PerfCluster.Core.Scenarios;

/// <summary>The data steps of a journey: <c>sql</c>, <c>transaction</c>, <c>redis</c> and <c>set</c>.</summary>
internal sealed partial class FlowReader
{
    private Dictionary<string, DatabaseDefinition> _databases = new(StringComparer.Ordinal);
    /// <summary>The transaction whose steps are being read; null outside one.</summary>
    private TransactionStep? _transaction;
    private string? _transactionDatabase;

    [GeneratedRegex(@"(?<![@\w$:])@([A-Za-z_][A-Za-z0-9_]*)")]
    private static partial Regex ParameterReference();

    /// <summary>A series step as the endpoint list shows it: SQL and Redis steps name their database as the method.</summary>
    private static EndpointDefinition EndpointOf(SeriesStep step) => step switch
    {
        RequestStep r => new EndpointDefinition
        {
            Name = r.Name,
            Method = r.Method,
            Path = r.Path.Text,
            Headers = r.Headers.ToDictionary(h => h.Name, h => h.Value.Text, StringComparer.OrdinalIgnoreCase),
            Body = r.Body?.Text,
            ExpectedStatus = r.ExpectedStatus,
        },
        SqlStep q => new EndpointDefinition { Name = q.Name, Method = "SQL", Path = q.Query },
        TransactionStep t => new EndpointDefinition { Name = t.Name, Method = "SQL", Path = "BEGIN … COMMIT" },
        RedisStep r => new EndpointDefinition { Name = r.Name, Method = "REDIS", Path = r.Describe() },
        ModuleStep m => new EndpointDefinition { Name = m.Name, Method = "MODULE", Path = m.Module },
        WsConnectStep c => new EndpointDefinition { Name = c.Name, Method = "WS", Path = c.Path.Text },
        WsSendStep w => new EndpointDefinition { Name = w.Name, Method = "WS-SEND", Path = w.Socket },
        WsReceiveStep w => new EndpointDefinition { Name = w.Name, Method = "WS-RECEIVE", Path = w.Socket },
        GrpcStep g => new EndpointDefinition { Name = g.Name, Method = "GRPC", Path = "/" + g.Method.FullName },
        _ => throw new ArgumentOutOfRangeException(nameof(step)),
    };

    private DatabaseDefinition DatabaseOf(Section section, SourcePosition at, bool sql, string what)
    {
        string name;
        SourcePosition position;
        if (section.Field("database") is { } d)
        {
            name = d.Value.AsString(d.Key).Trim();
            position = d.Value.Position;
        }
        else if (_transactionDatabase is not null && sql) return _databases[_transactionDatabase];
        else if (_databases.Values.Where(x => x.IsSql == sql).ToList() is [var only]) return only;
        else
            throw new ScenarioException(
                _databases.Count == 0
                    ? $"a {what} step needs a database: add a 'databases {{ main {{ provider = {(sql ? "postgresql" : "redis")}, connection = \"...\" }} }}' block"
                    : $"a {what} step needs 'database' (one of {string.Join(", ", _databases.Keys)})", at);
        if (!_databases.TryGetValue(name, out var db))
            throw new ScenarioException(
                $"unknown database '{name}'; the scenario's 'databases' block has {(_databases.Count == 0 ? "none" : string.Join(", ", _databases.Keys))}", position);
        if (db.IsSql != sql)
            throw new ScenarioException($"database '{name}' is {db.ProviderKey}: a {what} step needs a {(sql ? "SQL database" : "redis or memory one")}", position);
        if (_transactionDatabase is not null && sql && name != _transactionDatabase)
            throw new ScenarioException($"a transaction runs on one database ('{_transactionDatabase}'), but this step names '{name}'", position);
        return db;
    }

    private string StepName(Section section, SourcePosition at, string fallback)
    {
        var name = fallback;
        var position = at;
        if (section.Field("name") is { } n)
        {
            name = n.Value.AsString(n.Key).Trim();
            position = n.Value.Position;
            if (name.Length == 0) throw new ScenarioException($"'{n.Key}' must not be empty", n.Value.Position);
        }
        Unique(_stepNames, name, "step", position);
        return name;
    }

    private static TimeSpan? TimeoutOf(Section section)
    {
        if (section.Field("timeout") is not { } t) return null;
        var timeout = t.Value.AsDuration(t.Key);
        return timeout > TimeSpan.Zero ? timeout : throw new ScenarioException($"'{t.Key}' must be greater than 0", t.Value.Position);
    }

    private SqlStep Sql(HoconField field)
    {
        var obj = field.Value as HoconObject;
        if (field.Value is HoconScalar text)
            // { sql = "SELECT 1" }: the statement alone, on the scenario's only SQL database.
            return SqlStatement(null, text.AsString(field.Key), text.Position, field.Value.Position);
        obj ??= ObjectOf(field, "sql { database = main, query = \"SELECT name FROM users WHERE id = @id\", params { id = \"{{user_id}}\" } }");
        return SqlStatement(obj, null, null, obj.Position);
    }

    private SqlStep SqlStatement(HoconObject? obj, string? bare, SourcePosition? barePosition, SourcePosition position)
    {
        var section = obj is null ? new Section(new Dictionary<string, HoconField>()) : ScenarioKeys.Read(obj, ScenarioKeys.SqlStep);
        string query;
        SourcePosition queryPosition;
        if (bare is not null)
        {
            query = bare.Trim();
            queryPosition = barePosition ?? position;
        }
        else
        {
            var q = section.Field("query") ?? throw new ScenarioException("a sql step needs a 'query' (e.g. query = \"SELECT 1\")", position);
            query = q.Value.AsString(q.Key).Trim();
            queryPosition = q.Value.Position;
        }
        if (query.Length == 0) throw new ScenarioException("a sql step's query must not be empty", queryPosition);
        if (query.Contains("{{", StringComparison.Ordinal))
            throw new ScenarioException(
                "a sql query is not a template: put values in 'params' and use @name in the query (they are sent as parameters, never pasted into the text)",
                queryPosition);
        var db = DatabaseOf(section, position, sql: true, "sql");
        var name = StepName(section, position, DefaultSqlName(query));

        var parameters = new List<SqlParameter>();
        if (section.Field("params") is { } p)
        {
            foreach (var entry in ObjectOf(p, "params { id = \"{{user_id}}\" }").Fields)
            {
                if (!Regex.IsMatch(entry.Key, "^[A-Za-z_][A-Za-z0-9_]*$"))
                    throw new ScenarioException($"'{entry.Key}' is not a parameter name (letters, digits and '_')", entry.KeyPosition);
                if (entry.Value is HoconObject typed)
                {
                    var ts = ScenarioKeys.Read(typed, ScenarioKeys.SqlParameter);
                    var v = ts.Field("value") ?? throw new ScenarioException($"parameter '{entry.Key}' needs a 'value'", typed.Position);
                    parameters.Add(new SqlParameter(entry.Key, Template.Parse(v.Value.AsString(v.Key), v.Value.Position),
                        ts.Field("type") is { } t ? TypeOf(t) : ParameterType.Auto));
                }
                else parameters.Add(new SqlParameter(entry.Key, Template.Parse(entry.Value.AsString(entry.Key), entry.Value.Position)));
            }
        }
        var used = ParameterReference().Matches(query).Select(m => m.Groups[1].Value).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        foreach (var u in used)
            if (!parameters.Any(x => x.Name.Equals(u, StringComparison.OrdinalIgnoreCase)))
                throw new ScenarioException($"the query uses @{u}, but 'params' has no '{u}'", queryPosition);
        foreach (var x in parameters)
            if (!used.Contains(x.Name, StringComparer.OrdinalIgnoreCase))
                throw new ScenarioException($"parameter '{x.Name}' is not used in the query (write @{x.Name} where its value goes)", queryPosition);

        var extract = new List<(string, string)>();
        if (section.Field("extract") is { } x2)
        {
            foreach (var entry in ObjectOf(x2, "extract { user_id = id }").Fields)
            {
                if (!Template.IsName(entry.Key) || entry.Key.Contains('.'))
                    throw new ScenarioException($"'{entry.Key}' is not a variable name (letters, digits, '_' and '-')", entry.KeyPosition);
                var column = entry.Value.AsString(entry.Key).Trim();
                if (column.Length == 0) throw new ScenarioException($"'{entry.Key}' names no column", entry.Value.Position);
                _variables.Add(entry.Key);
                extract.Add((entry.Key, column));
            }
        }
        int? minRows = null;
        if (section.Field("min-rows") is { } mr)
        {
            minRows = mr.Value.AsInt(mr.Key);
            if (minRows < 0) throw new ScenarioException($"'{mr.Key}' must be 0 or more", mr.Value.Position);
        }
        return new SqlStep
        {
            Position = position,
            Name = name,
            Database = db.Name,
            Query = query,
            Parameters = parameters,
            Extract = extract,
            MinRows = minRows,
            Timeout = TimeoutOf(section),
        };
    }

    /// <summary>"SELECT name FROM users WHERE id = @id" → "sql SELECT name FROM users WHERE id = @id", cut at 60 characters.</summary>
    private static string DefaultSqlName(string query)
    {
        var flat = Regex.Replace(query, @"\s+", " ");
        return "sql " + (flat.Length > 60 ? flat[..57] + "..." : flat);
    }

    private static ParameterType TypeOf(HoconField t) => ScenarioKeys.Normalize(t.Value.AsString(t.Key).Trim()) switch
    {
        "auto" => ParameterType.Auto,
        "text" or "string" => ParameterType.Text,
        "int" or "integer" or "bigint" or "long" => ParameterType.Integer,
        "float" or "double" or "numeric" or "decimal" => ParameterType.Float,
        "bool" or "boolean" => ParameterType.Boolean,
        "uuid" => ParameterType.Uuid,
        "timestamp" or "datetime" => ParameterType.Timestamp,
        var other => throw new ScenarioException($"'{t.Key}' must be auto, text, integer, float, boolean, uuid or timestamp but is '{other}'", t.Value.Position),
    };

    private TransactionStep Transaction(HoconField field)
    {
        if (_transaction is not null) throw new ScenarioException("transactions do not nest", field.Value.Position);
        var obj = ObjectOf(field, "transaction { name = transfer, database = main, steps = [ { sql { ... } } ] }");
        var section = ScenarioKeys.Read(obj, ScenarioKeys.TransactionStep);
        var db = DatabaseOf(section, obj.Position, sql: true, "transaction");
        var name = StepName(section, obj.Position, $"transaction {db.Name}");
        var isolation = IsolationLevel.Unspecified;
        if (section.Field("isolation") is { } i)
        {
            isolation = ScenarioKeys.Normalize(i.Value.AsString(i.Key).Trim()) switch
            {
                "read-committed" => IsolationLevel.ReadCommitted,
                "repeatable-read" => IsolationLevel.RepeatableRead,
                "serializable" => IsolationLevel.Serializable,
                "read-uncommitted" => IsolationLevel.ReadUncommitted,
                "default" => IsolationLevel.Unspecified,
                var other => throw new ScenarioException(
                    $"'{i.Key}' must be default, read-committed, repeatable-read or serializable but is '{other}'", i.Value.Position),
            };
        }
        var stepsField = section.Field("steps") ?? throw new ScenarioException($"transaction '{name}' needs 'steps'", obj.Position);
        var shell = new TransactionStep { Position = obj.Position, Name = name, Database = db.Name, Isolation = isolation, Steps = [] };
        _transaction = shell;
        _transactionDatabase = db.Name;
        try
        {
            return shell with { Steps = Steps(stepsField) };
        }
        finally
        {
            _transaction = null;
            _transactionDatabase = null;
        }
    }

    private static readonly Dictionary<string, RedisCommand> RedisCommands = new(StringComparer.OrdinalIgnoreCase)
    {
        ["get"] = RedisCommand.Get, ["set"] = RedisCommand.Set, ["del"] = RedisCommand.Del, ["incr"] = RedisCommand.Incr,
        ["expire"] = RedisCommand.Expire, ["hget"] = RedisCommand.HGet, ["hset"] = RedisCommand.HSet,
    };

    private RedisStep Redis(HoconField field)
    {
        var obj = ObjectOf(field, "redis { command = get, key = \"user:{{key}}\", extract = value }");
        var section = ScenarioKeys.Read(obj, ScenarioKeys.RedisStep);
        var db = DatabaseOf(section, obj.Position, sql: false, "redis");
        var c = section.Field("command") ?? throw new ScenarioException(
            "a redis step needs a 'command': get, set, del, incr, expire, hget, hset, or any other with 'args'", obj.Position);
        var verb = c.Value.AsString(c.Key).Trim();
        if (verb.Length == 0 || verb.Any(char.IsWhiteSpace))
            throw new ScenarioException($"'{c.Key}' is one command name such as get or ZADD, but is '{verb}'", c.Value.Position);
        var command = RedisCommands.GetValueOrDefault(verb, RedisCommand.Command);
        if (db.Provider == DatabaseProvider.Memory && command is not (RedisCommand.Get or RedisCommand.Set or RedisCommand.Del))
            throw new ScenarioException($"memory database '{db.Name}' answers get, set and del, not {verb}", c.Value.Position);
        Template? T(string key) => section.Field(key) is { } f ? Template.Parse(f.Value.AsString(f.Key), f.Value.Position) : null;
        var key = T("key");
        var value = T("value");
        var hashField = T("field");
        TimeSpan? ttl = null;
        if (section.Field("ttl") is { } t)
        {
            ttl = t.Value.AsDuration(t.Key);
            if (ttl <= TimeSpan.Zero) throw new ScenarioException($"'{t.Key}' must be greater than 0", t.Value.Position);
        }
        var args = new List<Template>();
        if (section.Field("args") is { } a)
        {
            if (a.Value is not HoconArray list) throw new ScenarioException($"expected an array for '{a.Key}' but found {a.Value.Describe()}", a.Value.Position);
            args.AddRange(list.Items.Select(item => Template.Parse(item.AsString(a.Key), item.Position)));
        }

        void Need(Template? what, string name)
        {
            if (what is null) throw new ScenarioException($"redis {verb.ToLowerInvariant()} needs '{name}'", obj.Position);
        }
        void None(string name)
        {
            if (section.Field(name) is { } f) throw new ScenarioException($"redis {verb.ToLowerInvariant()} takes no '{name}'", f.KeyPosition);
        }
        switch (command)
        {
            case RedisCommand.Get or RedisCommand.Del or RedisCommand.Incr: Need(key, "key"); None("value"); None("field"); None("args"); None("ttl"); break;
            case RedisCommand.Set: Need(key, "key"); Need(value, "value"); None("field"); None("args"); break;
            case RedisCommand.Expire:
                Need(key, "key"); None("value"); None("field"); None("args");
                if (ttl is null) throw new ScenarioException("redis expire needs 'ttl'", obj.Position);
                break;
            case RedisCommand.HGet: Need(key, "key"); Need(hashField, "field"); None("value"); None("args"); None("ttl"); break;
            case RedisCommand.HSet: Need(key, "key"); Need(hashField, "field"); Need(value, "value"); None("args"); None("ttl"); break;
            default:
                None("value"); None("field"); None("ttl");
                if (key is not null) args.Insert(0, key);
                break;
        }
        string? extract = null;
        if (section.Field("extract") is { } x)
        {
            if (command is RedisCommand.Set or RedisCommand.Del or RedisCommand.Expire or RedisCommand.HSet)
                throw new ScenarioException($"redis {verb.ToLowerInvariant()} has no value to extract", x.KeyPosition);
            extract = x.Value.AsString(x.Key).Trim();
            if (!Template.IsName(extract) || extract.Contains('.'))
                throw new ScenarioException($"'{extract}' is not a variable name (letters, digits, '_' and '-')", x.Value.Position);
            _variables.Add(extract);
        }
        var step = new RedisStep
        {
            Position = obj.Position,
            Name = "",
            Database = db.Name,
            Command = command,
            Key = command == RedisCommand.Command ? null : key,
            Value = value,
            Field = hashField,
            Ttl = ttl,
            Verb = command == RedisCommand.Command ? verb.ToUpperInvariant() : null,
            Args = args,
            Extract = extract,
            Timeout = TimeoutOf(section),
        };
        return step with { Name = StepName(section, obj.Position, "redis " + step.Describe()) };
    }

    private SetStep Set(HoconField field)
    {
        var obj = ObjectOf(field, "set { key = \"{{zipf(10000, 1.1)}}\" }");
        var values = new List<(string, Template)>();
        foreach (var entry in obj.Fields)
        {
            if (!Template.IsName(entry.Key) || entry.Key.Contains('.'))
                throw new ScenarioException($"'{entry.Key}' is not a variable name (letters, digits, '_' and '-')", entry.KeyPosition);
            _variables.Add(entry.Key);
            values.Add((entry.Key, Template.Parse(entry.Value.AsString(entry.Key), entry.Value.Position)));
        }
        if (values.Count == 0) throw new ScenarioException("a set step sets at least one variable", obj.Position);
        return new SetStep(values) { Position = obj.Position };
    }
}
