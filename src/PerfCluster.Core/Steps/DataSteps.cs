using System.Data;
using System.Text.RegularExpressions;
using PerfCluster.Core.Input;

namespace PerfCluster.Core.Steps;

/// <summary>The client a database of the scenario's <c>databases</c> block is spoken to with.</summary>
public enum DatabaseProvider { PostgreSql, MySql, Sqlite, Redis, Memory }

/// <summary>
/// One database or cache of the scenario (<c>databases { main { provider, connection, pool-size } }</c>). The connection
/// string travels with the scenario to the workers; everything that shows it (reports, logs, the API, baselines, the
/// store) shows <see cref="MaskedConnection"/>.
/// </summary>
public sealed record DatabaseDefinition(string Name, DatabaseProvider Provider, string Connection)
{
    /// <summary>
    /// Connections over the whole run, split over the workers in proportion to their users (like users), so the database
    /// sees this total. 0: as many as the share has users (SQL), one multiplexer (Redis).
    /// </summary>
    public int PoolSize { get; init; }

    /// <summary>SQL: prepare every statement once per connection (PostgreSQL: automatic preparation).</summary>
    public bool Prepare { get; init; }

    /// <summary>A statement's (or command's) own timeout: past it the step fails as <c>timeout</c>.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The longest a step waits for a pooled connection before it fails as <c>timeout</c>.</summary>
    public TimeSpan PoolTimeout { get; init; } = TimeSpan.FromSeconds(30);

    public SourcePosition? Position { get; init; }

    /// <summary>Memory provider: the most bytes of values the in-process cache holds before it evicts (least recently used first).</summary>
    public long MaxMemory { get; init; } = 64L << 20;

    public bool IsSql => Provider is not (DatabaseProvider.Redis or DatabaseProvider.Memory);

    /// <summary>The connection string with every password replaced by <c>***</c>.</summary>
    public string MaskedConnection => Secrets.Mask(Connection);

    public string ProviderKey => KeyOf(Provider);

    /// <summary>Equal when everything but where it was written is equal (a scenario read back from its written form is the same).</summary>
    public bool Equals(DatabaseDefinition? other) => other is not null && Name == other.Name && Provider == other.Provider &&
        Connection == other.Connection && PoolSize == other.PoolSize && Prepare == other.Prepare && Timeout == other.Timeout && PoolTimeout == other.PoolTimeout &&
        MaxMemory == other.MaxMemory;

    public override int GetHashCode() => HashCode.Combine(Name, Provider, Connection, PoolSize, Prepare, Timeout, PoolTimeout, MaxMemory);

    /// <summary>The hosts the connection string names (none for SQLite, a local file): what the workers' allow-list checks.</summary>
    public IReadOnlyList<string> Hosts
    {
        get
        {
            if (Provider is DatabaseProvider.Sqlite or DatabaseProvider.Memory) return [];
            IEnumerable<string> endpoints;
            if (Provider == DatabaseProvider.Redis) endpoints = Connection.Split(',').Select(p => p.Trim()).Where(p => p.Length > 0 && !p.Contains('='));
            else
            {
                var builder = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = Connection };
                var key = new[] { "host", "server", "data source", "datasource", "address", "addr", "network address" }.FirstOrDefault(builder.ContainsKey);
                endpoints = key is null ? ["localhost"] : (builder[key]?.ToString() ?? "").Split(',').Select(p => p.Trim()).Where(p => p.Length > 0);
            }
            return endpoints.Select(HostOf).Where(h => h.Length > 0).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        }
    }

    /// <summary>"[::1]:6379" → "::1", "db:5432" → "db", "10.0.0.1" → itself.</summary>
    private static string HostOf(string endpoint)
    {
        if (endpoint.StartsWith('['))
        {
            var close = endpoint.IndexOf(']');
            return close > 0 ? endpoint[1..close] : endpoint;
        }
        var colon = endpoint.IndexOf(':');
        return colon >= 0 && endpoint.IndexOf(':', colon + 1) < 0 ? endpoint[..colon] : endpoint;
    }

    public static string KeyOf(DatabaseProvider provider) => provider switch
    {
        DatabaseProvider.PostgreSql => "postgresql",
        DatabaseProvider.MySql => "mysql",
        DatabaseProvider.Sqlite => "sqlite",
        DatabaseProvider.Memory => "memory",
        _ => "redis",
    };

    /// <summary>The providers a scenario may name, with their aliases.</summary>
    public static readonly IReadOnlyDictionary<string, DatabaseProvider> Providers = new Dictionary<string, DatabaseProvider>(StringComparer.OrdinalIgnoreCase)
    {
        ["postgresql"] = DatabaseProvider.PostgreSql,
        ["postgres"] = DatabaseProvider.PostgreSql,
        ["mysql"] = DatabaseProvider.MySql,
        ["mariadb"] = DatabaseProvider.MySql,
        ["sqlite"] = DatabaseProvider.Sqlite,
        ["redis"] = DatabaseProvider.Redis,
        ["memory"] = DatabaseProvider.Memory,
    };

    /// <summary>This share's part of <see cref="PoolSize"/>: the parts of consecutive user ranges add up to the total exactly (at least 1 per share with users).</summary>
    public int PoolFor(int from, int to, int totalUsers, int fallback)
    {
        if (PoolSize <= 0) return Math.Max(1, fallback);
        if (totalUsers <= 0 || to <= from) return 1;
        var part = (int)((long)PoolSize * to / totalUsers - (long)PoolSize * from / totalUsers);
        return Math.Max(1, part);
    }
}

/// <summary>How a SQL parameter's value is typed: <c>auto</c> lets the server infer it from the statement (a literal's typing).</summary>
public enum ParameterType { Auto, Text, Integer, Float, Boolean, Uuid, Timestamp }

/// <summary>One named parameter of a SQL step (<c>@name</c> in the statement), its value a template: never concatenated into the text.</summary>
public sealed record SqlParameter(string Name, Template Value, ParameterType Type = ParameterType.Auto);

/// <summary>
/// A SQL statement on one of the scenario's databases: parameters from templates, the first row's columns extracted into
/// variables, rows read and rows affected counted. Inside a <see cref="TransactionStep"/> it runs on the transaction's
/// connection.
/// </summary>
public sealed record SqlStep : SeriesStep
{
    public required string Database { get; init; }
    public required string Query { get; init; }
    public IReadOnlyList<SqlParameter> Parameters { get; init; } = [];
    /// <summary>Variable ← column of the first row; no row, or no such column, fails the step as <c>extract_failed</c>.</summary>
    public IReadOnlyList<(string Variable, string Column)> Extract { get; init; } = [];
    /// <summary>Fewer rows than this fails the step as <c>check_failed</c>.</summary>
    public int? MinRows { get; init; }
    /// <summary>This statement's own timeout; null: the database's.</summary>
    public TimeSpan? Timeout { get; init; }
}

/// <summary>
/// SQL steps run in one BEGIN … COMMIT on one connection; any failure rolls back. The transaction is a series of its own:
/// its latency spans BEGIN to COMMIT (or ROLLBACK) and its error is the first failure's kind.
/// </summary>
public sealed record TransactionStep : SeriesStep
{
    public required string Database { get; init; }
    public IsolationLevel Isolation { get; init; } = IsolationLevel.Unspecified;
    public required IReadOnlyList<Step> Steps { get; init; }
}

public enum RedisCommand { Get, Set, Del, Incr, Expire, HGet, HSet, Command }

/// <summary>
/// A Redis command on one of the scenario's caches. GET, HGET, INCR and generic commands can extract their answer into a
/// variable; a GET or HGET that finds nothing clears it (a miss is not an error) and counts no row read, so a step's
/// rows read over its count is its hit rate.
/// </summary>
public sealed record RedisStep : SeriesStep
{
    public required string Database { get; init; }
    public required RedisCommand Command { get; init; }
    public Template? Key { get; init; }
    public Template? Value { get; init; }
    public Template? Field { get; init; }
    /// <summary>SET's expiry (SET … PX), EXPIRE's.</summary>
    public TimeSpan? Ttl { get; init; }
    /// <summary>A generic command's name (e.g. ZADD) and its arguments.</summary>
    public string? Verb { get; init; }
    public IReadOnlyList<Template> Args { get; init; } = [];
    public string? Extract { get; init; }
    public TimeSpan? Timeout { get; init; }

    /// <summary>The command as the series shows it: <c>GET user:{{key}}</c>.</summary>
    public string Describe() => Command == RedisCommand.Command
        ? string.Join(' ', new[] { Verb! }.Concat(Args.Select(a => a.Text)))
        : $"{Command.ToString().ToUpperInvariant()} {Key?.Text}".TrimEnd();
}

/// <summary>Masks secrets in connection strings and messages: <c>Password=…</c>, <c>pwd=…</c>, <c>password=…</c> (Redis) and <c>user:pass@</c> in URLs.</summary>
public static partial class Secrets
{
    [GeneratedRegex("""(?<key>\b(?:password|pwd)\s*=\s*)(?<value>"(?:[^"]|"")*"|'(?:[^']|'')*'|[^;,]*)""", RegexOptions.IgnoreCase)]
    private static partial Regex KeyValue();

    [GeneratedRegex("""(?<scheme>[a-z][a-z0-9+.-]*://[^:/@\s]*):(?<value>[^@\s/]+)@""", RegexOptions.IgnoreCase)]
    private static partial Regex UrlPassword();

    public static string Mask(string text)
    {
        if (string.IsNullOrEmpty(text)) return text;
        var masked = KeyValue().Replace(text, m => m.Groups["value"].Length == 0 ? m.Value : m.Groups["key"].Value + "***");
        return UrlPassword().Replace(masked, m => m.Groups["scheme"].Value + ":***@");
    }

    /// <summary>Masks every password of <paramref name="databases"/> that appears in <paramref name="text"/> (an exception's message, say), then the patterns.</summary>
    public static string Mask(string text, IEnumerable<DatabaseDefinition> databases)
    {
        foreach (var db in databases)
        foreach (var password in PasswordsIn(db.Connection))
            if (password.Length >= 3) text = text.Replace(password, "***", StringComparison.Ordinal);
        return Mask(text);
    }

    private static IEnumerable<string> PasswordsIn(string connection)
    {
        foreach (Match m in KeyValue().Matches(connection))
        {
            var value = m.Groups["value"].Value.Trim();
            if (value.Length >= 2 && value[0] is '"' or '\'' && value[^1] == value[0]) value = value[1..^1];
            if (value.Length > 0) yield return value;
        }
        foreach (Match m in UrlPassword().Matches(connection)) yield return m.Groups["value"].Value;
    }
}
