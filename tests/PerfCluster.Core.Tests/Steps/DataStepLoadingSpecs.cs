using PerfCluster.Core.Coordination;
using PerfCluster.Core.Input;
using PerfCluster.Core.Scenarios;
using PerfCluster.Core.Steps;
using Xunit;

namespace PerfCluster.Core.Tests.Steps;

/// <summary>The databases block and the sql, transaction, redis and set steps as the loader reads them, and what it refuses.</summary>
public sealed class DataStepLoadingSpecs : IDisposable
{
    private const string Head = "concurrent-users = 4\nduration = 5s\n";
    private const string Databases = """
        databases {
          main { provider = postgresql, connection = "Host=127.0.0.1;Username=app;Password=s3cret;Database=shop", pool-size = 10 }
          cache { provider = redis, connection = "127.0.0.1:6379,password=hush" }
        }

        """;
    private readonly string _dir = Directory.CreateTempSubdirectory("perfcluster-data-steps-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private ScenarioDefinition Load(string text)
    {
        var file = Path.Combine(_dir, "scenario.conf");
        File.WriteAllText(file, text);
        return ScenarioLoader.LoadFile(file).Scenarios.Single();
    }

    private ScenarioException Rejects(string text) => Assert.Throws<ScenarioException>(() => Load(text));

    [Fact]
    public void Should_read_sql_transaction_redis_and_set_steps_as_series_on_their_databases()
    {
        var scenario = Load(Head + Databases + """
            flow = [
              { set { key = "{{zipf(1000, 1.1)}}" } }
              { redis { name = cached, command = get, key = "user:{{key}}", extract = name } }
              { sql { name = by_id, database = main, query = "SELECT name FROM users WHERE id = @id", params { id = "{{key}}" }, extract { name = name } } }
              { transaction { name = transfer, isolation = serializable, steps = [
                  { sql { query = "UPDATE accounts SET balance = balance - @amount WHERE id = @id", params { id = "{{key}}", amount = { value = "5", type = integer } } } }
              ] } }
              { redis { command = ZADD, args = ["board", "{{iteration}}", "{{vu}}"] } }
            ]
            """);
        Assert.False(scenario.SendsHttp);
        var journey = scenario.Journey!;
        Assert.Equal(["cached", "by_id", "transfer", "sql UPDATE accounts SET balance = balance - @amount WHERE id ...", "redis ZADD board {{iteration}} {{vu}}"],
            journey.Series.Select(s => s.Name).ToList());
        Assert.Equal(["REDIS", "SQL", "SQL", "SQL", "REDIS"], scenario.Endpoints.Select(e => e.Method).ToList());
        var transfer = Assert.IsType<TransactionStep>(journey.Series[2]);
        Assert.Equal(System.Data.IsolationLevel.Serializable, transfer.Isolation);
        var update = Assert.IsType<SqlStep>(Assert.Single(transfer.Steps));
        Assert.Equal("main", update.Database);
        Assert.Equal(ParameterType.Integer, update.Parameters.Single(p => p.Name == "amount").Type);
        Assert.Equal(["main", "cache"], journey.Databases.Select(d => d.Name));
        Assert.Equal(10, journey.Databases[0].PoolSize);
        Assert.Equal(["127.0.0.1"], journey.Databases[1].Hosts);
    }

    [Fact]
    public void Should_carry_connection_strings_to_workers_but_mask_them_everywhere_else()
    {
        var scenario = Load(Head + Databases + """flow = [ { sql { database = main, query = "SELECT 1" } } ]""");
        var masked = ScenarioJson.Write(scenario);
        Assert.DoesNotContain("s3cret", masked);
        Assert.DoesNotContain("hush", masked);
        Assert.Contains("Password=***", masked);
        var whole = ScenarioJson.Write(scenario, secrets: true);
        Assert.Contains("Password=s3cret", whole);
        var back = ScenarioJson.Read(whole).Journey!.Databases;
        Assert.Equal(scenario.Journey!.Databases, back);
    }

    [Theory]
    [InlineData("Host=db;Password=s3cret;Username=u", "Host=db;Password=***;Username=u")]
    [InlineData("Server=db;Pwd=\"a;b\";Uid=u", "Server=db;Pwd=***;Uid=u")]
    [InlineData("127.0.0.1:6379,password=hush,ssl=true", "127.0.0.1:6379,password=***,ssl=true")]
    [InlineData("postgres://app:s3cret@db:5432/shop", "postgres://app:***@db:5432/shop")]
    [InlineData("Data Source=/tmp/a.db", "Data Source=/tmp/a.db")]
    public void Should_mask_passwords(string connection, string masked) => Assert.Equal(masked, Secrets.Mask(connection));

    [Theory]
    [InlineData("databases { main { provider = oracle, connection = \"x=y\" } }\nflow = [ { sql = \"SELECT 1\" } ]", "unknown provider 'oracle'", 3)]
    [InlineData("databases { main { provider = postgresql, connection = \"Host=db;Password=s3cret;junk\" } }\nflow = [ { sql = \"SELECT 1\" } ]", "not a connection string", 3)]
    [InlineData("databases { main { provider = postgresql } }\nflow = [ { sql = \"SELECT 1\" } ]", "needs a 'connection'", 3)]
    [InlineData("flow = [ { sql = \"SELECT 1\" } ]", "add a 'databases", 3)]
    [InlineData("databases { main { provider = sqlite, connection = \"Data Source=a.db\" } }\nflow = [\n { sql { query = \"SELECT * FROM t WHERE id = {{vu}}\" } } ]", "not a template", 5)]
    [InlineData("databases { main { provider = sqlite, connection = \"Data Source=a.db\" } }\nflow = [\n { sql { query = \"SELECT * FROM t WHERE id = @id\" } } ]", "params' has no 'id'", 5)]
    [InlineData("databases { main { provider = sqlite, connection = \"Data Source=a.db\" } }\nflow = [\n { sql { database = other, query = \"SELECT 1\" } } ]", "unknown database 'other'", 5)]
    [InlineData("databases { c { provider = redis, connection = \"127.0.0.1:6379\" } }\nflow = [\n { sql { database = c, query = \"SELECT 1\" } } ]", "is redis", 5)]
    [InlineData("databases { c { provider = redis, connection = \"127.0.0.1:6379\" } }\nflow = [\n { redis { command = set, key = k } } ]", "needs 'value'", 5)]
    [InlineData("databases { main { provider = sqlite, connection = \"Data Source=a.db\" } }\nflow = [ { transaction { steps = [\n { pause = 1s } ] } } ]", "a transaction holds", 5)]
    [InlineData("databases { c { provider = redis, connection = \"127.0.0.1:6379\" } }\nflow = [\n { set { k = \"{{zipf(0, 1)}}\" } } ]", "zipf takes", 5)]
    public void Should_refuse_bad_database_input_at_its_line_with_the_password_masked(string body, string expected, int line)
    {
        var error = Rejects(Head + body);
        Assert.Contains(expected, error.Message);
        Assert.DoesNotContain("s3cret", error.Message);
        Assert.Equal(line, error.Position!.Line);
    }

    [Fact]
    public void Should_split_pool_size_over_shares_so_the_parts_add_up_to_the_total()
    {
        var db = new DatabaseDefinition("main", DatabaseProvider.PostgreSql, "Host=db") { PoolSize = 20 };
        foreach (var workers in new[] { 1, 2, 3, 7 })
        {
            var shares = Shares.SplitUsers(100, Enumerable.Repeat(1.0, workers).ToList());
            Assert.Equal(20, shares.Sum(s => db.PoolFor(s.From, s.To, 100, s.Count)));
        }
        Assert.Equal(25, (db with { PoolSize = 0 }).PoolFor(0, 25, 100, 25));   // no pool-size: one connection per user
    }

    [Fact]
    public void Should_draw_zipf_keys_with_the_hot_set_its_exponent_gives()
    {
        const int n = 1000;
        const double s = 1.1;
        var template = Template.Parse("{{zipf(1000, 1.1)}}", null);
        var user = new UserVariables(0, 0);
        var counts = new int[n + 1];
        const int draws = 200_000;
        for (var i = 0; i < draws; i++) counts[int.Parse(template.Render(user, out _)!)]++;
        var harmonic = Enumerable.Range(1, n).Sum(k => 1 / Math.Pow(k, s));
        foreach (var k in new[] { 1, 2, 10, 100 })
        {
            var expected = draws / Math.Pow(k, s) / harmonic;
            Assert.InRange(counts[k], expected - 5 * Math.Sqrt(expected) - 2, expected + 5 * Math.Sqrt(expected) + 2);
        }
        Assert.Equal(0, counts[0]);

        var scan = Template.Parse("k{{sequence(3)}}", null);
        Assert.Equal(["k1", "k2", "k3", "k1"], Enumerable.Range(0, 4).Select(_ => scan.Render(user, out string? _)));
    }
}
