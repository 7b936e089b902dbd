using System.Data.Common;
using System.Text;
using PerfCluster.Core.Databases;
using PerfCluster.Core.Steps;

namespace PerfCluster.Engine.Steps;

/// <summary>
/// The tables of <c>perfcluster db patterns</c>, every one named with the run's prefix: created, seeded to the chosen size
/// in batched parameterised inserts, and dropped at the end. Nothing else in the database is read or written.
/// </summary>
public sealed class QueryPatternSchema(DatabaseDefinition database, string prefix)
{
    private static readonly string[] Cities = ["Amsterdam", "Berlin", "Lisbon", "Madrid", "Oslo", "Paris", "Prague", "Rome", "Vienna", "Warsaw"];

    public string Prefix { get; } = prefix;

    private string P => Prefix;

    private IEnumerable<string> Tables => [$"{P}history", $"{P}accounts", $"{P}orders", $"{P}customers", $"{P}docs"];

    private string[] CreateStatements() => database.Provider switch
    {
        DatabaseProvider.PostgreSql =>
        [
            $"CREATE TABLE {P}customers (id bigint PRIMARY KEY, name text NOT NULL, city text NOT NULL)",
            $"CREATE TABLE {P}orders (id bigint PRIMARY KEY, customer_id bigint NOT NULL REFERENCES {P}customers(id), amount numeric(12,2) NOT NULL)",
            $"CREATE INDEX {P}orders_customer ON {P}orders (customer_id)",
            $"CREATE TABLE {P}docs (id bigint PRIMARY KEY, body text NOT NULL, tsv tsvector GENERATED ALWAYS AS (to_tsvector('simple', body)) STORED)",
            $"CREATE INDEX {P}docs_tsv ON {P}docs USING GIN (tsv)",
            $"CREATE TABLE {P}accounts (id bigint PRIMARY KEY, balance bigint NOT NULL)",
            $"CREATE TABLE {P}history (id bigserial PRIMARY KEY, account_id bigint NOT NULL, delta bigint NOT NULL, at timestamptz NOT NULL DEFAULT now())",
        ],
        DatabaseProvider.MySql =>
        [
            $"CREATE TABLE {P}customers (id BIGINT PRIMARY KEY, name VARCHAR(64) NOT NULL, city VARCHAR(64) NOT NULL) ENGINE=InnoDB",
            $"CREATE TABLE {P}orders (id BIGINT PRIMARY KEY, customer_id BIGINT NOT NULL, amount DECIMAL(12,2) NOT NULL, INDEX (customer_id)) ENGINE=InnoDB",
            $"CREATE TABLE {P}docs (id BIGINT PRIMARY KEY, body TEXT NOT NULL, FULLTEXT (body)) ENGINE=InnoDB",
            $"CREATE TABLE {P}accounts (id BIGINT PRIMARY KEY, balance BIGINT NOT NULL) ENGINE=InnoDB",
            $"CREATE TABLE {P}history (id BIGINT AUTO_INCREMENT PRIMARY KEY, account_id BIGINT NOT NULL, delta BIGINT NOT NULL, at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP) ENGINE=InnoDB",
        ],
        DatabaseProvider.Sqlite =>
        [
            $"CREATE TABLE {P}customers (id INTEGER PRIMARY KEY, name TEXT NOT NULL, city TEXT NOT NULL)",
            $"CREATE TABLE {P}orders (id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL, amount REAL NOT NULL)",
            $"CREATE INDEX {P}orders_customer ON {P}orders (customer_id)",
            $"CREATE VIRTUAL TABLE {P}docs USING fts5(body)",
            $"CREATE TABLE {P}accounts (id INTEGER PRIMARY KEY, balance INTEGER NOT NULL)",
            $"CREATE TABLE {P}history (id INTEGER PRIMARY KEY AUTOINCREMENT, account_id INTEGER NOT NULL, delta INTEGER NOT NULL, at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP)",
        ],
        _ => throw new ArgumentException($"{database.ProviderKey} is not a SQL provider"),
    };

    /// <summary>Creates the tables and seeds <paramref name="rows"/> customers (5 orders each), documents and accounts.</summary>
    public async Task CreateAsync(long rows, Action<string> progress, CancellationToken cancel)
    {
        await using var source = SqlDatabase.Create(database, 4);
        await using var connection = await source.OpenConnectionAsync(cancel);
        foreach (var sql in CreateStatements()) await ExecuteAsync(connection, null, sql, [], cancel);
        var random = new Random(20261203);
        progress($"seeding {rows:N0} customers, {rows * 5:N0} orders, {rows:N0} documents and {rows:N0} accounts into {P}*");
        await InsertAsync(connection, $"{P}customers", ["id", "name", "city"], rows, i => [i, $"customer {i}", Cities[i % Cities.Length]], cancel);
        await InsertAsync(connection, $"{P}orders", ["id", "customer_id", "amount"], rows * 5, i => [i, (i - 1) / 5 + 1, Math.Round(random.NextDouble() * 500, 2)], cancel);
        await InsertAsync(connection, $"{P}docs",
            database.Provider == DatabaseProvider.Sqlite ? ["rowid", "body"] : ["id", "body"], rows, i => [i, Document(random)], cancel);
        await InsertAsync(connection, $"{P}accounts", ["id", "balance"], rows, i => [i, 0L], cancel);
        if (database.Provider == DatabaseProvider.PostgreSql) await ExecuteAsync(connection, null, $"ANALYZE {P}customers, {P}orders, {P}docs, {P}accounts", [], cancel);
    }

    /// <summary>Drops every table it created (those that exist).</summary>
    public async Task DropAsync()
    {
        await using var source = SqlDatabase.Create(database, 4);
        await using var connection = await source.OpenConnectionAsync();
        foreach (var table in Tables)
            await ExecuteAsync(connection, null, $"DROP TABLE IF EXISTS {table}", [], CancellationToken.None);
    }

    /// <summary>Tables of the database whose names start with the prefix (none after <see cref="DropAsync"/>).</summary>
    public async Task<long> CountTablesAsync()
    {
        await using var source = SqlDatabase.Create(database, 4);
        await using var connection = await source.OpenConnectionAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = database.Provider switch
        {
            DatabaseProvider.PostgreSql => "SELECT COUNT(*) FROM pg_tables WHERE tablename LIKE @p",
            DatabaseProvider.MySql => "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name LIKE @p",
            _ => "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name LIKE @p",
        };
        var p = command.CreateParameter();
        p.ParameterName = "p";
        p.Value = P.Replace("_", "\\_", StringComparison.Ordinal) + "%";
        command.Parameters.Add(p);
        if (database.Provider == DatabaseProvider.Sqlite) command.CommandText += " ESCAPE '\\'";
        return Convert.ToInt64(await command.ExecuteScalarAsync());
    }

    private static string Document(Random random)
    {
        var words = new StringBuilder();
        for (var w = 0; w < 20; w++) words.Append(w == 0 ? "" : " ").Append('w').Append(QueryPatterns.FirstWord + random.Next(QueryPatterns.Words));
        return words.ToString();
    }

    private static async Task InsertAsync(DbConnection connection, string table, string[] columns, long rows, Func<long, object[]> row, CancellationToken cancel)
    {
        const int batch = 500;
        await using var transaction = await connection.BeginTransactionAsync(cancel);
        for (long from = 1; from <= rows; from += batch)
        {
            var to = Math.Min(rows, from + batch - 1);
            var sql = new StringBuilder($"INSERT INTO {table} ({string.Join(", ", columns)}) VALUES ");
            var values = new List<object>();
            for (var i = from; i <= to; i++)
            {
                if (i > from) sql.Append(", ");
                sql.Append('(');
                var fields = row(i);
                for (var f = 0; f < fields.Length; f++)
                {
                    if (f > 0) sql.Append(", ");
                    sql.Append("@v").Append(values.Count);
                    values.Add(fields[f]);
                }
                sql.Append(')');
            }
            await ExecuteAsync(connection, transaction, sql.ToString(), values, cancel);
        }
        await transaction.CommitAsync(cancel);
    }

    private static async Task ExecuteAsync(DbConnection connection, DbTransaction? transaction, string sql, IReadOnlyList<object> values, CancellationToken cancel)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        command.CommandTimeout = 300;
        for (var i = 0; i < values.Count; i++)
        {
            var p = command.CreateParameter();
            p.ParameterName = "v" + i;
            p.Value = values[i];
            command.Parameters.Add(p);
        }
        await command.ExecuteNonQueryAsync(cancel);
    }
}
