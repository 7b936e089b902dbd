using System.Text.Json;
using Npgsql;
using PerfCluster.Target;

namespace PerfCluster.Tests.Cli;

/// <summary>
/// SQL and Redis steps run for real against the PostgreSQL of PERFCLUSTER_TEST_POSTGRES and a redis-server of the test's
/// own: every count the report gives is compared with the server's own (a counter table, pg_stat_statements, Redis INFO),
/// passwords never show, and a cache killed mid-run gives counted errors while the run goes on.
/// </summary>
/// <summary>A fact that needs the MariaDB or MySQL server named by PERFCLUSTER_TEST_MYSQL (scripts/start-mariadb.sh); skipped, with the reason shown, without it.</summary>
public sealed class MySqlFactAttribute : FactAttribute
{
    public const string Variable = "PERFCLUSTER_TEST_MYSQL";

    public MySqlFactAttribute()
    {
        if (string.IsNullOrWhiteSpace(System.Environment.GetEnvironmentVariable(Variable)))
            Skip = $"{Variable} is not set (export PERFCLUSTER_TEST_MYSQL=\"$(scripts/start-mariadb.sh | tail -n 1)\")";
    }

    public static string ConnectionString => System.Environment.GetEnvironmentVariable(Variable)!;
}

public sealed class DatabaseEndToEndSpecs
{
    private static Dictionary<string, string?> Env() => new() { ["PERFCLUSTER_TARGET_DB"] = PostgresFactAttribute.ConnectionString };

    private static async Task<NpgsqlConnection> OpenAsync()
    {
        var connection = new NpgsqlConnection(PostgresFactAttribute.ConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    private static async Task<long> ScalarAsync(string sql)
    {
        await using var connection = await OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync());
    }

    private static async Task ExecuteAsync(string sql)
    {
        await using var connection = await OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>calls of the statement that touches <paramref name="table"/>, or null without pg_stat_statements.</summary>
    private static async Task<long?> StatementCallsAsync(string table)
    {
        try
        {
            return await ScalarAsync($"SELECT COALESCE(SUM(calls), 0) FROM pg_stat_statements WHERE query LIKE 'UPDATE {table} %'");
        }
        catch (PostgresException)
        {
            return null;
        }
    }

    private static string CounterScenario(string table, int users, int pool) => $$$"""
        name = "sql-count"
        concurrent-users = {{{users}}}
        duration = 4s
        databases {
          main { provider = postgresql, connection = ${?PERFCLUSTER_TARGET_DB}, pool-size = {{{pool}}}, prepare = true }
        }
        flow = [
          { sql { name = bump, query = "UPDATE {{{table}}} SET n = n + 1 WHERE id = @id RETURNING n", params { id = "1" }, extract { n = n }, min-rows = 1 } }
          { sql { name = read, query = "SELECT n FROM {{{table}}} WHERE id = @id", params { id = { value = "1", type = integer } } } }
        ]
        thresholds = [ "error_rate == 0" ]
        """;

    private async Task AssertCountsMatchTheServer(params string[] extra)
    {
        var table = "pc_count_" + Guid.NewGuid().ToString("N")[..10];
        await ExecuteAsync($"CREATE TABLE {table} (id int PRIMARY KEY, n bigint NOT NULL); INSERT INTO {table} VALUES (1, 0)");
        try
        {
            using var dir = new TempDirectory();
            var file = dir.File("sql.conf", CounterScenario(table, 6, 3));
            var (code, stdout, stderr) = await CliProcess.RunAsync(TimeSpan.FromSeconds(120), Env(), ["run", file, "--out", dir.Sub("out"), .. extra]);
            Assert.True(code == 0, $"exit {code}\n{stdout}\n{stderr}");

            var test = ReportFiles.Read(dir.Sub("out")).GetProperty("load_tests").GetProperty("sql-count");
            var bump = test.GetProperty("endpoints").GetProperty("bump");
            var requests = bump.GetProperty("requests").GetInt64();
            Assert.True(requests > 100, $"only {requests} statements");
            Assert.Equal(0, test.GetProperty("errors").GetInt64());
            Assert.Equal(await ScalarAsync($"SELECT n FROM {table} WHERE id = 1"), requests);
            Assert.Equal(requests, bump.GetProperty("rows_affected").GetInt64());
            Assert.Equal(requests, bump.GetProperty("rows_read").GetInt64());
            if (await StatementCallsAsync(table) is { } calls) Assert.Equal(requests, calls);

            var read = test.GetProperty("endpoints").GetProperty("read");
            Assert.Equal(read.GetProperty("requests").GetInt64(), read.GetProperty("rows_read").GetInt64());
            var pool = test.GetProperty("journey").GetProperty("pools").GetProperty("main");
            Assert.Equal(requests + read.GetProperty("requests").GetInt64(), pool.GetProperty("acquired").GetInt64());
            Assert.True(pool.GetProperty("wait").GetProperty("p99").GetDouble() > 0, "6 users on 3 connections wait for them");

            var everything = stdout + stderr + string.Concat(Directory.GetFiles(dir.Sub("out")).Select(File.ReadAllText));
            Assert.DoesNotContain("Password=perfcluster", everything, StringComparison.OrdinalIgnoreCase);
            Assert.Contains("Password=***", File.ReadAllText(Path.Combine(dir.Sub("out"), "report.json")));
            Assert.Contains("Pool", File.ReadAllText(Path.Combine(dir.Sub("out"), "summary.txt")));
            Assert.Contains("Connection pools", File.ReadAllText(Path.Combine(dir.Sub("out"), "report.html")));
        }
        finally
        {
            await ExecuteAsync($"DROP TABLE IF EXISTS {table}");
        }
    }

    [PostgresFact]
    public Task Should_count_exactly_what_postgresql_executed() => AssertCountsMatchTheServer();

    [PostgresFact]
    public Task Should_count_exactly_what_postgresql_executed_over_two_workers() => AssertCountsMatchTheServer("--workers", "2");

    [PostgresFact]
    public async Task Should_log_in_over_http_then_write_rows_with_the_extracted_ids()
    {
        var table = "pc_tasks_" + Guid.NewGuid().ToString("N")[..10];
        await ExecuteAsync($"CREATE TABLE {table} (id bigserial PRIMARY KEY, project text NOT NULL, username text NOT NULL, token text NOT NULL)");
        try
        {
            await using var target = await DemoTarget.StartAsync(new DemoTargetOptions(0, TimeSpan.FromMilliseconds(1), TimeSpan.Zero));
            using var dir = new TempDirectory();
            var file = dir.File("mixed.conf", $$$""""
                name = "mixed"
                target = "{{{target.BaseUrl}}}"
                concurrent-users = 4
                duration = 3s
                feeders { users { mode = unique, rows = [ { username = user00001 }, { username = user00002 }, { username = user00003 }, { username = user00004 } ] } }
                databases { main { provider = postgresql, connection = ${?PERFCLUSTER_TARGET_DB} } }
                setup = [
                  { request { name = login, method = POST, path = "/shop/auth/login", headers { Content-Type = "application/json" }
                      body = """{"username": "{{users.username}}", "password": "pw-{{users.username}}"}""", expect-status = 200
                      extract { token { json = "token" } } } }
                ]
                flow = [
                  { request { name = projects, path = "/shop/projects", headers { Authorization = "Bearer {{token}}" },
                              extract { project { json = "projects[0].id" } } } }
                  { sql { name = record, query = "INSERT INTO {{{table}}} (project, username, token) VALUES (@project, @user, @token) RETURNING id",
                          params { project = "{{project}}", user = "{{users.username}}", token = "{{token}}" }, extract { row = id } } }
                  { sql { name = check, query = "SELECT username FROM {{{table}}} WHERE id = @row", params { row = { value = "{{row}}", type = integer } },
                          extract { owner = username }, min-rows = 1 } }
                  { pause = 20ms }
                ]
                """");
            var (code, stdout, stderr) = await CliProcess.RunAsync(TimeSpan.FromSeconds(90), Env(), "run", file, "--out", dir.Sub("out"));
            Assert.True(code == 0, $"exit {code}\n{stdout}\n{stderr}");
            var test = ReportFiles.Read(dir.Sub("out")).GetProperty("load_tests").GetProperty("mixed");
            Assert.Equal(0, test.GetProperty("errors").GetInt64());
            var steps = test.GetProperty("endpoints");
            var inserted = steps.GetProperty("record").GetProperty("requests").GetInt64();
            Assert.Equal(target.Shop.Steps[ShopApi.Projects], inserted);
            Assert.Equal(4, target.Shop.Steps[ShopApi.Login]);
            Assert.Equal(inserted, await ScalarAsync($"SELECT COUNT(*) FROM {table}"));
            Assert.Equal(4, await ScalarAsync($"SELECT COUNT(DISTINCT username) FROM {table}"));
            // Each user's rows carry the one session token its login got, and no other user's.
            Assert.Equal(4, await ScalarAsync($"SELECT COUNT(DISTINCT token) FROM {table}"));
            Assert.Equal(4, await ScalarAsync($"SELECT COUNT(DISTINCT (username, token)) FROM {table}"));
            Assert.Equal(0, await ScalarAsync($"SELECT COUNT(*) FROM {table} WHERE project = ''"));
            Assert.Equal(inserted, steps.GetProperty("check").GetProperty("rows_read").GetInt64());
        }
        finally
        {
            await ExecuteAsync($"DROP TABLE IF EXISTS {table}");
        }
    }

    [PostgresFact]
    public async Task Should_count_statement_errors_by_kind_and_roll_back_failed_transactions()
    {
        var table = "pc_tx_" + Guid.NewGuid().ToString("N")[..10];
        await ExecuteAsync($"CREATE TABLE {table} (id int PRIMARY KEY, n int NOT NULL CHECK (n >= 0)); INSERT INTO {table} VALUES (1, 0)");
        try
        {
            using var dir = new TempDirectory();
            var file = dir.File("errors.conf", $$$"""
                name = "sql-errors"
                concurrent-users = 2
                duration = 2s
                databases { main { provider = postgresql, connection = ${?PERFCLUSTER_TARGET_DB} } }
                flow = [
                  { sql { name = divide, query = "SELECT 1 / @z", params { z = { value = "0", type = integer } }, on-failure = continue } }
                  { transaction { name = move, on-failure = continue, steps = [
                      { sql { name = up, query = "UPDATE {{{table}}} SET n = n + 1 WHERE id = 1" } }
                      { sql { name = below_zero, query = "UPDATE {{{table}}} SET n = -1 WHERE id = 1" } }
                  ] } }
                  { pause = 10ms }
                ]
                """);
            var (code, stdout, stderr) = await CliProcess.RunAsync(TimeSpan.FromSeconds(90), Env(), "run", file, "--out", dir.Sub("out"));
            Assert.True(code == 0, $"exit {code}\n{stdout}\n{stderr}");
            var steps = ReportFiles.Read(dir.Sub("out")).GetProperty("load_tests").GetProperty("sql-errors").GetProperty("endpoints");
            var divide = steps.GetProperty("divide");
            Assert.True(divide.GetProperty("requests").GetInt64() > 10);
            Assert.Equal(divide.GetProperty("requests").GetInt64(), divide.GetProperty("errors_by_kind").GetProperty("db_error").GetInt64());
            var move = steps.GetProperty("move");
            Assert.Equal(move.GetProperty("requests").GetInt64(), move.GetProperty("errors_by_kind").GetProperty("db_constraint").GetInt64());
            Assert.Equal(move.GetProperty("requests").GetInt64(), steps.GetProperty("up").GetProperty("requests").GetInt64());
            Assert.Equal(0, await ScalarAsync($"SELECT n FROM {table} WHERE id = 1"));   // every transaction rolled back
            Assert.Contains("22012", stderr + stdout);   // the first error of a kind is logged with its SQLSTATE
        }
        finally
        {
            await ExecuteAsync($"DROP TABLE IF EXISTS {table}");
        }
    }

    [PostgresFact]
    public async Task Should_refuse_to_start_when_a_statement_does_not_prepare_or_the_database_is_unreachable()
    {
        using var dir = new TempDirectory();
        var file = dir.File("typo.conf", """
            name = "typo"
            concurrent-users = 1
            duration = 2s
            databases { main { provider = postgresql, connection = ${?PERFCLUSTER_TARGET_DB} } }
            flow = [
              { sql { name = ok, query = "SELECT 1" } }
              { sql { name = typo, query = "SELEC name FROM nowhere" } }
            ]
            """);
        var (code, stdout, stderr) = await CliProcess.RunAsync(TimeSpan.FromSeconds(60), Env(), "run", file, "--out", dir.Sub("out"));
        Assert.True(code == 2, $"exit {code}\n{stdout}\n{stderr}");
        Assert.Contains("sql step 'typo' at", stderr);
        Assert.Contains("typo.conf:7", stderr);
        Assert.Contains("42601", stderr);
        Assert.False(File.Exists(Path.Combine(dir.Sub("out"), "report.json")));

        var wrongPassword = new Dictionary<string, string?> { ["PERFCLUSTER_TARGET_DB"] = PostgresFactAttribute.ConnectionString.Replace("Password=perfcluster", "Password=wrong-secret") };
        (code, stdout, stderr) = await CliProcess.RunAsync(TimeSpan.FromSeconds(60), wrongPassword, "run", file, "--out", dir.Sub("out2"));
        Assert.True(code == 2, $"exit {code}\n{stdout}\n{stderr}");
        Assert.Contains("database 'main'", stderr);
        Assert.Contains("Password=***", stderr);
        Assert.DoesNotContain("wrong-secret", stdout + stderr);
        Assert.DoesNotContain("   at ", stderr);
    }

    /// <summary>
    /// The same counter on MariaDB (PERFCLUSTER_TEST_MYSQL, scripts/start-mariadb.sh) and SQLite (a file of the test's):
    /// the report counts what the database changed.
    /// </summary>
    private static async Task AssertCounterOn(string provider, string connection, Func<string, Task> execute, Func<string, Task<long>> scalar)
    {
        var table = "pc_count_" + Guid.NewGuid().ToString("N")[..10];
        await execute($"CREATE TABLE {table} (id INTEGER PRIMARY KEY, n BIGINT NOT NULL)");
        await execute($"INSERT INTO {table} (id, n) VALUES (1, 0)");
        using var dir = new TempDirectory();
        var file = dir.File("counter.conf", $$$"""
            name = "counter"
            concurrent-users = 4
            duration = 3s
            databases { main { provider = {{{provider}}}, connection = ${?PERFCLUSTER_TARGET_DB}, pool-size = 2, prepare = true } }
            flow = [
              { sql { name = bump, query = "UPDATE {{{table}}} SET n = n + 1 WHERE id = @id", params { id = "1" } } }
              { sql { name = read, query = "SELECT n FROM {{{table}}} WHERE id = @id", params { id = { value = "1", type = integer } }, extract { n = n }, min-rows = 1 } }
            ]
            """);
        var env = new Dictionary<string, string?> { ["PERFCLUSTER_TARGET_DB"] = connection };
        var (code, stdout, stderr) = await CliProcess.RunAsync(TimeSpan.FromSeconds(90), env, "run", file, "--out", dir.Sub("out"));
        Assert.True(code == 0, $"exit {code}\n{stdout}\n{stderr}");
        var test = ReportFiles.Read(dir.Sub("out")).GetProperty("load_tests").GetProperty("counter");
        Assert.Equal(0, test.GetProperty("errors").GetInt64());
        var bump = test.GetProperty("endpoints").GetProperty("bump");
        var requests = bump.GetProperty("requests").GetInt64();
        Assert.True(requests > 50, $"only {requests} statements");
        Assert.Equal(await scalar($"SELECT n FROM {table} WHERE id = 1"), requests);
        Assert.Equal(requests, bump.GetProperty("rows_affected").GetInt64());
        Assert.Equal(test.GetProperty("endpoints").GetProperty("read").GetProperty("requests").GetInt64(),
            test.GetProperty("endpoints").GetProperty("read").GetProperty("rows_read").GetInt64());
        Assert.DoesNotContain("Password=perfcluster", File.ReadAllText(Path.Combine(dir.Sub("out"), "report.json")));
        await execute($"DROP TABLE {table}");
    }

    /// <summary>Statements and scalars on any ADO.NET connection the factory makes (each call opens its own).</summary>
    private static (Func<string, Task> Execute, Func<string, Task<long>> Scalar) Ado(Func<System.Data.Common.DbConnection> connect)
    {
        async Task<object?> Run(string sql, bool scalar)
        {
            await using var c = connect();
            await c.OpenAsync();
            await using var command = c.CreateCommand();
            command.CommandText = sql;
            return scalar ? await command.ExecuteScalarAsync() : await command.ExecuteNonQueryAsync();
        }
        return (async sql => await Run(sql, false), async sql => Convert.ToInt64(await Run(sql, true)));
    }

    [MySqlFact]
    public Task Should_count_exactly_what_mariadb_executed()
    {
        var connection = MySqlFactAttribute.ConnectionString;
        var (execute, scalar) = Ado(() => new MySqlConnector.MySqlConnection(connection));
        return AssertCounterOn("mariadb", connection, execute, scalar);
    }

    [Fact]
    public async Task Should_count_exactly_what_sqlite_executed()
    {
        using var dir = new TempDirectory();
        var connection = $"Data Source={dir.Sub("target.db")}";
        var (execute, scalar) = Ado(() => new Microsoft.Data.Sqlite.SqliteConnection(connection));
        await AssertCounterOn("sqlite", connection, execute, scalar);
    }

    [PostgresFact]
    public async Task Should_pick_the_pool_size_an_exhaustive_sweep_picks_in_fewer_runs()
    {
        // 300 statements/s of 10 ms each need 3 connections: throughput grows with the pool up to 3 or 4, then stays flat.
        using var dir = new TempDirectory();
        var file = dir.File("sweep.conf", """
            name = "sleepy"
            arrival-rate = 300
            duration = 2s
            pre-allocated-users = 50
            max-users = 400
            databases { main { provider = postgresql, connection = ${?PERFCLUSTER_TARGET_DB}, pool-timeout = 2s } }
            flow = [ { sql { name = work, query = "SELECT pg_sleep(0.01)" } } ]
            """);
        async Task<JsonElement> Sweep(string output, params string[] extra)
        {
            var (code, stdout, stderr) = await CliProcess.RunAsync(TimeSpan.FromSeconds(240), Env(), ["db", "pool-sweep", file, "--out", dir.Sub(output), .. extra]);
            Assert.True(code == 0, $"exit {code}\n{stdout}\n{stderr}");
            Assert.Contains("Pool sweep of database main", stdout);
            Assert.Contains("Pool sweep of database main", File.ReadAllText(Path.Combine(dir.Sub(output), "summary.txt")));
            Assert.Contains("Throughput and p99 per pool size", File.ReadAllText(Path.Combine(dir.Sub(output), "report.html")));
            return ReportFiles.Read(dir.Sub(output)).GetProperty("pool_sweep");
        }

        var adaptive = await Sweep("adaptive", "--sizes", "1,2,6");
        var exhaustive = await Sweep("exhaustive", "--sizes", "1,6", "--exhaustive");
        var picked = adaptive.GetProperty("optimal_pool_size").GetInt32();
        var truth = exhaustive.GetProperty("optimal_pool_size").GetInt32();
        Assert.InRange(picked, truth - 1, truth + 1);
        Assert.InRange(truth, 3, 5);
        Assert.Equal(6, exhaustive.GetProperty("sizes").GetArrayLength());
        Assert.True(adaptive.GetProperty("sizes").GetArrayLength() < 6, "the search runs fewer sizes than every one");
        Assert.Equal("adaptive", adaptive.GetProperty("search").GetString());
        var one = exhaustive.GetProperty("sizes").EnumerateArray().First();
        Assert.True(one.GetProperty("pool_wait_p99").GetDouble() > 0.1, "one connection for 300 statements/s makes them wait");
    }

    private static async Task AssertPatternsRunAndCleanUp(string provider, string connection, Func<string, Task<long>> scalar, string tablesLike)
    {
        using var dir = new TempDirectory();
        var (code, stdout, stderr) = await CliProcess.RunAsync(TimeSpan.FromSeconds(180),
            "db", "patterns", "--provider", provider, "--database", connection, "--rows", "1000", "--duration", "1s", "--users", "4", "--out", dir.Sub("out"));
        Assert.True(code == 0, $"exit {code}\n{stdout}\n{stderr}");
        var report = ReportFiles.Read(dir.Sub("out"));
        var patterns = report.GetProperty("query_patterns");
        Assert.True(patterns.GetProperty("dropped").GetBoolean());
        var prefix = patterns.GetProperty("prefix").GetString()!;
        Assert.Matches("^pc_qp_[0-9a-f]{8}_$", prefix);
        var names = patterns.GetProperty("patterns").EnumerateArray().Select(p => p.GetProperty("pattern").GetString()).ToList();
        Assert.Equal(["simple_select", "join", "aggregation", "full_text", "transaction"], names);
        foreach (var p in patterns.GetProperty("patterns").EnumerateArray())
        {
            Assert.True(p.GetProperty("requests").GetInt64() > 10, p.ToString());
            Assert.Equal(0, p.GetProperty("errors").GetInt64());
            Assert.True(p.GetProperty("rows_read").GetInt64() > 0, p.ToString());
        }
        var transaction = patterns.GetProperty("patterns").EnumerateArray().Last();
        Assert.Equal(2 * transaction.GetProperty("requests").GetInt64(), transaction.GetProperty("rows_affected").GetInt64());   // an update and an insert each
        Assert.Contains("Query patterns on", File.ReadAllText(Path.Combine(dir.Sub("out"), "summary.txt")));
        Assert.Contains("Query patterns on", File.ReadAllText(Path.Combine(dir.Sub("out"), "report.html")));
        Assert.Equal(0, await scalar(tablesLike.Replace("PREFIX", prefix.Replace("_", "\\_"))));
        Assert.DoesNotContain("Password=perfcluster", File.ReadAllText(Path.Combine(dir.Sub("out"), "report.json")));
    }

    [PostgresFact]
    public async Task Should_benchmark_the_query_patterns_on_postgresql_and_touch_no_other_table()
    {
        var sentinel = "pc_sentinel_" + Guid.NewGuid().ToString("N")[..10];
        await ExecuteAsync($"CREATE TABLE {sentinel} (id int PRIMARY KEY); INSERT INTO {sentinel} VALUES (1), (2), (3)");
        try
        {
            await AssertPatternsRunAndCleanUp("postgresql", PostgresFactAttribute.ConnectionString, ScalarAsync,
                "SELECT COUNT(*) FROM pg_tables WHERE tablename LIKE 'PREFIX%'");
            Assert.Equal(3, await ScalarAsync($"SELECT COUNT(*) FROM {sentinel}"));
        }
        finally
        {
            await ExecuteAsync($"DROP TABLE IF EXISTS {sentinel}");
        }
    }

    [Fact]
    public async Task Should_benchmark_the_query_patterns_on_sqlite_with_fts5()
    {
        using var dir = new TempDirectory();
        var connection = $"Data Source={dir.Sub("patterns.db")}";
        var (_, scalar) = Ado(() => new Microsoft.Data.Sqlite.SqliteConnection(connection));
        await AssertPatternsRunAndCleanUp("sqlite", connection, scalar, "SELECT COUNT(*) FROM sqlite_master WHERE name LIKE 'PREFIX%' ESCAPE '\\'");
    }

    private static string CacheScenario(string connection, string duration) => $$$"""
        name = "cache"
        concurrent-users = 8
        duration = {{{duration}}}
        databases { cache { provider = redis, connection = "{{{connection}}}" } }
        flow = [
          { set { key = "{{zipf(2000, 1.0)}}" } }
          { redis { name = get, command = get, key = "item:{{key}}", extract = value, on-failure = continue } }
          { if { condition = "value is not set", then = [
              { redis { name = fill, command = set, key = "item:{{key}}", value = "v{{key}}", ttl = 60s } }
          ] } }
        ]
        """;

    [RedisFact]
    public async Task Should_compare_cache_strategies_with_redis_own_counts_and_put_its_settings_back()
    {
        await using var redis = await RedisServer.StartAsync();
        using var dir = new TempDirectory();
        var (code, stdout, stderr) = await CliProcess.RunAsync(TimeSpan.FromSeconds(120),
            "cache", "strategies", "--redis", redis.Connection, "--keys", "20000", "--duration", "2s", "--users", "8", "--max-memory", "2MB",
            "--backend-latency", "1ms", "--value-size", "2048", "--out", dir.Sub("out"));
        Assert.True(code == 0, $"exit {code}\n{stdout}\n{stderr}");

        var report = ReportFiles.Read(dir.Sub("out"));
        var cache = report.GetProperty("cache_strategies");
        var strategies = cache.GetProperty("strategies").EnumerateArray().ToList();
        Assert.Equal(["redis-lru", "redis-lfu", "memory-ttl"], strategies.Select(s => s.GetProperty("strategy").GetString()));
        foreach (var s in strategies)
        {
            Assert.True(s.GetProperty("gets").GetInt64() > 1000, s.ToString());
            Assert.True(s.GetProperty("evictions").GetInt64() > 0, "a 2 MB cache cannot hold 20,000 values of 2 KB");
            Assert.True(s.GetProperty("memory_bytes").GetInt64() > 0);
            var tests = report.GetProperty("load_tests").GetProperty(s.GetProperty("load_test").GetString()!);
            Assert.Equal(s.GetProperty("gets").GetInt64(), tests.GetProperty("endpoints").GetProperty("get").GetProperty("requests").GetInt64());
        }
        foreach (var s in strategies.Take(2))
            Assert.InRange(s.GetProperty("hit_rate").GetDouble() - s.GetProperty("server_hit_rate").GetDouble(), -0.01, 0.01);
        Assert.Equal(JsonValueKind.Null, strategies[2].GetProperty("server_hit_rate").ValueKind);
        Assert.Contains(cache.GetProperty("winner").GetString(), new[] { "redis-lru", "redis-lfu", "memory-ttl" });
        Assert.Contains("Cache strategies", File.ReadAllText(Path.Combine(dir.Sub("out"), "summary.txt")));
        Assert.Contains("Redis hit rate (INFO)", File.ReadAllText(Path.Combine(dir.Sub("out"), "report.html")));
        Assert.Equal("noeviction", await redis.ConfigAsync("maxmemory-policy"));
        Assert.Equal("0", await redis.ConfigAsync("maxmemory"));

        // A Redis that holds keys is refused unless forced; one that refuses CONFIG is a clear error.
        await using (var admin = await redis.AdminAsync()) await admin.GetDatabase().StringSetAsync("someone-elses", "data");
        (code, stdout, stderr) = await CliProcess.RunAsync(TimeSpan.FromSeconds(60), "cache", "strategies", "--redis", redis.Connection, "--duration", "1s");
        Assert.True(code == 2, $"exit {code}\n{stdout}\n{stderr}");
        Assert.Contains("holds 1 keys", stderr);
        await using var locked = await RedisServer.StartAsync(null, "--rename-command", "CONFIG", "");
        (code, stdout, stderr) = await CliProcess.RunAsync(TimeSpan.FromSeconds(60), "cache", "strategies", "--redis", locked.Connection, "--duration", "1s");
        Assert.True(code == 2, $"exit {code}\n{stdout}\n{stderr}");
        Assert.Contains("refuses", stderr);
        Assert.DoesNotContain("   at ", stderr);
    }

    [RedisFact]
    public async Task Should_report_the_hit_rate_that_redis_itself_counts()
    {
        await using var redis = await RedisServer.StartAsync();
        await redis.ResetStatsAsync();
        using var dir = new TempDirectory();
        var file = dir.File("cache.conf", CacheScenario(redis.Connection, "3s"));
        var (code, stdout, stderr) = await CliProcess.RunAsync(TimeSpan.FromSeconds(90), "run", file, "--out", dir.Sub("out"));
        Assert.True(code == 0, $"exit {code}\n{stdout}\n{stderr}");

        var test = ReportFiles.Read(dir.Sub("out")).GetProperty("load_tests").GetProperty("cache");
        var steps = test.GetProperty("endpoints");
        var get = steps.GetProperty("get");
        var gets = get.GetProperty("requests").GetInt64();
        var hits = get.GetProperty("rows_read").GetInt64();
        var (redisHits, redisMisses) = (await redis.StatAsync("keyspace_hits"), await redis.StatAsync("keyspace_misses"));
        Assert.True(gets > 1000, $"only {gets} GETs");
        // Redis also served any command the end of the run cut off (abandoned in flight, not counted).
        Assert.InRange(redisHits + redisMisses - gets, 0, test.GetProperty("abandoned_in_flight").GetInt64());
        Assert.InRange((double)hits / gets - (double)redisHits / (redisHits + redisMisses), -0.01, 0.01);
        Assert.Equal(gets - hits, steps.GetProperty("fill").GetProperty("requests").GetInt64());
    }

    [RedisFact]
    public async Task Should_count_errors_while_the_cache_is_down_and_recover_when_it_returns()
    {
        await using var redis = await RedisServer.StartAsync();
        using var dir = new TempDirectory();
        var file = dir.File("cache.conf", CacheScenario(redis.Connection, "12s"));
        using var run = CliProcess.Start("run", file, "--out", dir.Sub("out"));
        await run.WaitForOutputAsync("users", TimeSpan.FromSeconds(40));
        await Task.Delay(TimeSpan.FromSeconds(2.5));
        redis.Kill();
        await Task.Delay(TimeSpan.FromSeconds(2));
        await redis.StartAgainAsync();
        var code = await run.WaitAsync(TimeSpan.FromSeconds(90));
        Assert.True(code == 0, $"exit {code}\n{run.Stdout}\n{run.Stderr}");

        var test = ReportFiles.Read(dir.Sub("out")).GetProperty("load_tests").GetProperty("cache");
        var get = test.GetProperty("endpoints").GetProperty("get");
        var lost = get.GetProperty("errors_by_kind").GetProperty("db_connection").GetInt64() + get.GetProperty("errors_by_kind").GetProperty("timeout").GetInt64();
        Assert.True(lost > 0, "GETs while the server was down fail");
        var timeline = test.GetProperty("timeline").EnumerateArray().ToList();
        Assert.Equal(0, timeline[0].GetProperty("errors").GetInt64());   // before the kill
        // Commands succeed after the kill as well as before it. (Known gap: after a restart StackExchange.Redis may leave a
        // command unanswered until the step's timeout, so a user can stay stuck that long; see docs/databases.md.)
        var afterKill = timeline.Skip(3).Sum(w => w.GetProperty("requests").GetInt64() - w.GetProperty("errors").GetInt64());
        Assert.True(afterKill > 0, "commands succeed after the kill");
    }
}
