using Akka.Configuration;
using PerfCluster.Engine.Hosting;
using PerfCluster.Engine.Persistence;

namespace PerfCluster.Engine.Tests.Persistence;

public class PersistenceSettingsSpecs
{
    private static Config Conf(string hocon = "") => ConfigurationFactory.ParseString(hocon).WithFallback(EngineReference.Config);

    private static Func<string, string?> Env(params (string Name, string Value)[] vars) =>
        name => vars.FirstOrDefault(v => v.Name == name).Value;

    [Fact]
    public void Should_default_to_a_sqlite_file_in_the_users_data_directory()
    {
        var s = PersistenceSettings.From(Conf(), null, Env());

        var expected = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData), "perfcluster");
        Assert.Equal((StoreProvider.Sqlite, expected, 50), (s.Provider, s.DataDirectory, s.SnapshotEvery));
        Assert.Equal(Path.Combine(expected, "perfcluster.db"), s.SqliteFile);
        Assert.Equal("SQLite.MS", s.ProviderName);
    }

    [Fact]
    public void Should_take_the_data_dir_from_the_command_line_then_the_environment_then_the_config()
    {
        var conf = Conf("perfcluster.persistence.data-dir = \"/conf/dir\"");
        var env = Env((PersistenceSettings.DataDirVariable, "/env/dir"));

        Assert.Equal("/cli/dir", PersistenceSettings.From(conf, "/cli/dir", env).DataDirectory);
        Assert.Equal("/env/dir", PersistenceSettings.From(conf, null, env).DataDirectory);
        Assert.Equal("/conf/dir", PersistenceSettings.From(conf, null, Env()).DataDirectory);
        Assert.Equal("/cli/dir/perfcluster.db", PersistenceSettings.From(conf, "/cli/dir", env).SqliteFile);
    }

    [Fact]
    public void Should_take_the_connection_string_from_the_environment_before_the_config()
    {
        var conf = Conf("""
            perfcluster.persistence { provider = postgresql, connection-string = "Host=conf;Database=a", snapshot-every = 3 }
            """);

        var fromConf = PersistenceSettings.From(conf, null, Env());
        var fromEnv = PersistenceSettings.From(conf, null, Env((PersistenceSettings.ConnectionVariable, "Host=env;Database=b")));

        Assert.Equal((StoreProvider.PostgreSql, "PostgreSQL.15", "Host=conf;Database=a", 3),
            (fromConf.Provider, fromConf.ProviderName, fromConf.ConnectionString, fromConf.SnapshotEvery));
        Assert.Equal("Host=env;Database=b", fromEnv.ConnectionString);
        Assert.Null(fromEnv.SqliteFile);
    }

    [Fact]
    public void Should_reject_an_unknown_provider_a_postgresql_store_without_connection_and_a_zero_snapshot_interval()
    {
        Assert.Contains("sqlite or postgresql", Assert.Throws<StoreException>(() =>
            PersistenceSettings.From(Conf("perfcluster.persistence.provider = mongo"), null, Env())).Message);
        Assert.Contains("PERFCLUSTER_DB_CONNECTION", Assert.Throws<StoreException>(() =>
            PersistenceSettings.From(Conf("perfcluster.persistence.provider = postgresql"), null, Env())).Message);
        Assert.Contains("snapshot-every", Assert.Throws<StoreException>(() =>
            PersistenceSettings.From(Conf("perfcluster.persistence.snapshot-every = 0"), null, Env())).Message);
    }

    [Fact]
    public void Should_configure_the_sql_journal_and_snapshot_store_with_an_escaped_connection_string()
    {
        var s = PersistenceSettings.ForSqliteDirectory("/tmp/a \"quoted\" dir");

        var akka = s.ToAkkaConfig();

        Assert.Equal("akka.persistence.journal.sql", akka.GetString("akka.persistence.journal.plugin"));
        Assert.Equal("akka.persistence.snapshot-store.sql", akka.GetString("akka.persistence.snapshot-store.plugin"));
        Assert.Equal(s.ConnectionString, akka.GetString("akka.persistence.journal.sql.connection-string"));
        Assert.Equal(s.ConnectionString, akka.GetString("akka.persistence.snapshot-store.sql.connection-string"));
        Assert.Equal("SQLite.MS", akka.GetString("akka.persistence.journal.sql.provider-name"));
        Assert.True(akka.GetBoolean("akka.persistence.journal.sql.auto-initialize"));
        Assert.Equal("Akka.Persistence.Sql.Journal.SqlWriteJournal, Akka.Persistence.Sql", akka.GetString("akka.persistence.journal.sql.class"));
    }

    [Fact]
    public void Should_describe_a_postgresql_store_without_its_password()
    {
        var s = new PersistenceSettings
        {
            Provider = StoreProvider.PostgreSql,
            ConnectionString = "Host=db.example;Port=5433;Database=perf;Username=me;Password=secret",
            DataDirectory = "/tmp",
        };

        Assert.Equal("PostgreSQL database 'perf' on db.example:5433 as 'me'", s.Describe());
    }
}
