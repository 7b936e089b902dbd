using System.Text;
using PerfCluster.Core.Metrics;
using PerfCluster.Core.Results;
using PerfCluster.Core.Steps;

namespace PerfCluster.Core.Databases;

/// <summary>One pattern's figures.</summary>
public sealed record QueryPatternPoint(string Pattern, string Scenario, string Description, double Throughput, LatencySummary Latency, long Requests, long Errors,
    long RowsRead, long RowsAffected);

public sealed record QueryPatternsResult(string Provider, string Prefix, long Rows, IReadOnlyList<QueryPatternPoint> Points, bool Dropped);

/// <summary>
/// The guide's query-pattern benchmark on tables of its own (every name starts with a unique prefix): a primary-key
/// SELECT, a JOIN, an aggregation, a full-text search (tsvector on PostgreSQL, FTS5 on SQLite, FULLTEXT on MySQL) and a
/// TPC-B-like transaction (update an account, read it back, insert a history row). Each is a scenario of SQL steps.
/// </summary>
public static class QueryPatterns
{
    public static readonly IReadOnlyList<(string Name, string Description)> All =
    [
        ("simple_select", "a row by primary key"),
        ("join", "a customer joined with its orders, summed"),
        ("aggregation", "orders of 200 customers grouped by city: count and mean"),
        ("full_text", "a word searched in 20-word documents"),
        ("transaction", "TPC-B-like: update an account, read it back, insert a history row, in one transaction"),
    ];

    /// <summary>Words of the documents: "w100" … "w599" (four characters, above MySQL's shortest full-text token).</summary>
    public const int FirstWord = 100;
    public const int Words = 500;

    public static string Steps(string pattern, DatabaseProvider provider, string p, long rows) => pattern switch
    {
        "simple_select" => Sql("simple_select", $"SELECT name, city FROM {p}customers WHERE id = @id", $"id = {{ value = \"{{{{random_int(1, {rows})}}}}\", type = integer }}"),
        "join" => Sql("join", $"SELECT c.name, COUNT(*) AS orders, SUM(o.amount) AS total FROM {p}customers c JOIN {p}orders o ON o.customer_id = c.id WHERE c.id = @id GROUP BY c.name",
            $"id = {{ value = \"{{{{random_int(1, {rows})}}}}\", type = integer }}"),
        "aggregation" => Sql("aggregation", $"SELECT c.city, COUNT(*) AS orders, AVG(o.amount) AS mean FROM {p}orders o JOIN {p}customers c ON c.id = o.customer_id WHERE c.id >= @lo AND c.id < @lo + 200 GROUP BY c.city",
            $"lo = {{ value = \"{{{{random_int(1, {Math.Max(1, rows - 200)})}}}}\", type = integer }}"),
        "full_text" => Sql("full_text", provider switch
        {
            DatabaseProvider.PostgreSql => $"SELECT id FROM {p}docs WHERE tsv @@ plainto_tsquery('simple', @word) LIMIT 20",
            DatabaseProvider.Sqlite => $"SELECT rowid FROM {p}docs WHERE {p}docs MATCH @word LIMIT 20",
            _ => $"SELECT id FROM {p}docs WHERE MATCH(body) AGAINST (@word IN NATURAL LANGUAGE MODE) LIMIT 20",
        }, $"word = \"w{{{{random_int({FirstWord}, {FirstWord + Words - 1})}}}}\""),
        "transaction" => string.Join('\n',
            $"  {{ set {{ aid = \"{{{{random_int(1, {rows})}}}}\", delta = \"{{{{random_int(-5000, 5000)}}}}\" }} }}",
            "  { transaction { name = transaction, steps = [",
            $"    {{ sql {{ name = update_account, query = \"UPDATE {p}accounts SET balance = balance + @delta WHERE id = @aid\", params {{ delta = {{ value = \"{{{{delta}}}}\", type = integer }}, aid = {{ value = \"{{{{aid}}}}\", type = integer }} }} }} }}",
            $"    {{ sql {{ name = read_account, query = \"SELECT balance FROM {p}accounts WHERE id = @aid\", params {{ aid = {{ value = \"{{{{aid}}}}\", type = integer }} }}, min-rows = 1 }} }}",
            $"    {{ sql {{ name = insert_history, query = \"INSERT INTO {p}history (account_id, delta) VALUES (@aid, @delta)\", params {{ delta = {{ value = \"{{{{delta}}}}\", type = integer }}, aid = {{ value = \"{{{{aid}}}}\", type = integer }} }} }} }}",
            "  ] } }"),
        _ => throw new ArgumentOutOfRangeException(nameof(pattern)),
    };

    private static string Sql(string name, string query, string parameters) =>
        $"  {{ sql {{ name = {name}, query = \"{query}\", params {{ {parameters} }} }} }}";

    /// <summary>The scenario of one pattern, as HOCON.</summary>
    public static string ScenarioText(string pattern, DatabaseDefinition db, string prefix, long rows, int users, TimeSpan duration)
    {
        static string Q(string text) => "\"" + text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
        var text = new StringBuilder();
        text.Append("name = ").Append(Q($"pattern {pattern}")).Append('\n');
        text.Append("description = ").Append(Q(All.First(a => a.Name == pattern).Description)).Append('\n');
        text.Append("concurrent-users = ").Append(users).Append("\nduration = ").Append((long)duration.TotalMilliseconds).Append("ms\nramp-up = 0s\nthink-time = 0s\n");
        text.Append("databases { main { provider = ").Append(db.ProviderKey).Append(", connection = ").Append(Q(db.Connection))
            .Append(", prepare = true").Append(db.PoolSize > 0 ? $", pool-size = {db.PoolSize}" : "").Append(" } }\n");
        text.Append("flow = [\n").Append(Steps(pattern, db.Provider, prefix, rows)).Append("\n]\n");
        return text.ToString();
    }

    public static QueryPatternPoint Point(string pattern, string scenario, ScenarioStatistics stats)
    {
        var series = stats.Endpoints.FirstOrDefault(e => e.Name == pattern) ?? stats.Overall;
        return new QueryPatternPoint(pattern, scenario, All.First(a => a.Name == pattern).Description, series.Throughput, series.Latency, series.Requests,
            stats.Overall.Errors, stats.Overall.RowsRead, stats.Overall.RowsAffected);
    }

    /// <summary>A prefix no other table has: pc_qp_ and eight random letters and digits.</summary>
    public static string NewPrefix() => "pc_qp_" + Guid.NewGuid().ToString("N")[..8] + "_";
}
