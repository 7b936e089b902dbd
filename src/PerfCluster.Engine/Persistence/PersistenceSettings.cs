using Akka.Configuration;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace PerfCluster.Engine.Persistence;

public enum StoreProvider
{
    Sqlite,
    PostgreSql,
}

/// <summary>
/// Where baselines and run history live, resolved from <c>perfcluster.persistence</c>, the environment and the
/// command line. Precedence: --data-dir, then PERFCLUSTER_DATA_DIR, then <c>data-dir</c>, then the user's data
/// directory; PERFCLUSTER_DB_CONNECTION, then <c>connection-string</c>, then the SQLite file
/// <c>&lt;data-dir&gt;/perfcluster.db</c>; PERFCLUSTER_DB_PROVIDER, then <c>provider</c>.
/// </summary>
public sealed record PersistenceSettings
{
    public const string ConfigPath = "perfcluster.persistence";
    public const string DataDirVariable = "PERFCLUSTER_DATA_DIR";
    public const string ConnectionVariable = "PERFCLUSTER_DB_CONNECTION";
    public const string ProviderVariable = "PERFCLUSTER_DB_PROVIDER";
    public const string DatabaseFileName = "perfcluster.db";

    public required StoreProvider Provider { get; init; }
    public required string ConnectionString { get; init; }
    /// <summary>The data directory (the SQLite file's home unless a connection string names another file).</summary>
    public required string DataDirectory { get; init; }
    /// <summary>Each persistent actor saves a snapshot after this many events.</summary>
    public int SnapshotEvery { get; init; } = 50;

    /// <summary>The linq2db provider name Akka.Persistence.Sql is given.</summary>
    public string ProviderName => Provider == StoreProvider.Sqlite ? "SQLite.MS" : "PostgreSQL.15";

    /// <summary>The SQLite file in use (null for PostgreSQL or an in-memory database).</summary>
    public string? SqliteFile
    {
        get
        {
            if (Provider != StoreProvider.Sqlite) return null;
            var source = new SqliteConnectionStringBuilder(ConnectionString).DataSource;
            return string.IsNullOrEmpty(source) || source == ":memory:" ? null : Path.GetFullPath(source);
        }
    }

    /// <summary>A SQLite store in <paramref name="dataDirectory"/> (tests, tools).</summary>
    public static PersistenceSettings ForSqliteDirectory(string dataDirectory, int snapshotEvery = 50)
    {
        var dir = Path.GetFullPath(dataDirectory);
        return new PersistenceSettings
        {
            Provider = StoreProvider.Sqlite,
            DataDirectory = dir,
            ConnectionString = SqliteConnectionFor(dir),
            SnapshotEvery = snapshotEvery,
        };
    }

    /// <summary>Resolves the settings from <paramref name="config"/> (with the embedded defaults behind it) and the environment.</summary>
    public static PersistenceSettings From(Config config, string? dataDirOverride = null) =>
        From(config, dataDirOverride, Environment.GetEnvironmentVariable);

    internal static PersistenceSettings From(Config config, string? dataDirOverride, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(config);
        var section = config.GetConfig(ConfigPath) ?? ConfigurationFactory.Empty;

        var providerText = NonEmpty(environment(ProviderVariable)) ?? section.GetString("provider", "sqlite");
        var provider = ParseProvider(providerText);

        var dataDir = NonEmpty(dataDirOverride) ?? NonEmpty(environment(DataDirVariable)) ?? NonEmpty(section.GetString("data-dir", ""))
                      ?? DefaultDataDirectory();
        if (dataDir.Length > 0) dataDir = Path.GetFullPath(Environment.ExpandEnvironmentVariables(ExpandHome(dataDir)));

        var connection = NonEmpty(environment(ConnectionVariable)) ?? NonEmpty(section.GetString("connection-string", ""));
        if (connection is null)
        {
            if (provider == StoreProvider.PostgreSql)
                throw new StoreException(
                    $"perfcluster.persistence.provider is postgresql but no connection string is set: set {ConnectionVariable} or perfcluster.persistence.connection-string");
            connection = dataDir.Length == 0 ? "" : SqliteConnectionFor(dataDir);
        }

        var snapshotEvery = section.GetInt("snapshot-every", 50);
        if (snapshotEvery < 1)
            throw new StoreException($"perfcluster.persistence.snapshot-every must be at least 1 (got {snapshotEvery})");

        return new PersistenceSettings
        {
            Provider = provider,
            ConnectionString = connection,
            DataDirectory = dataDir,
            SnapshotEvery = snapshotEvery,
        };
    }

    /// <summary>
    /// The Akka configuration of the SQL journal and snapshot store for these settings, with
    /// Akka.Persistence.Sql's own defaults behind it. Tables are created on first use.
    /// </summary>
    public Config ToAkkaConfig()
    {
        var connection = Quote(ConnectionString);
        var provider = Quote(ProviderName);
        return ConfigurationFactory.ParseString($$"""
            akka.persistence {
              journal {
                plugin = "akka.persistence.journal.sql"
                sql {
                  class = "Akka.Persistence.Sql.Journal.SqlWriteJournal, Akka.Persistence.Sql"
                  connection-string = {{connection}}
                  provider-name = {{provider}}
                  auto-initialize = on
                  # Several processes write these journals one after another (StoreLock), each request from a new actor
                  # with its own writer id; the replay filter would take that for concurrent writers and drop events.
                  # The journal's unique (persistence id, sequence number) already refuses a second writer of a number.
                  replay-filter.mode = off
                }
              }
              snapshot-store {
                plugin = "akka.persistence.snapshot-store.sql"
                sql {
                  class = "Akka.Persistence.Sql.Snapshot.SqlSnapshotStore, Akka.Persistence.Sql"
                  connection-string = {{connection}}
                  provider-name = {{provider}}
                  auto-initialize = on
                }
              }
              query.journal.sql {
                connection-string = {{connection}}
                provider-name = {{provider}}
                write-plugin = "akka.persistence.journal.sql"
              }
            }
            """).WithFallback(Akka.Persistence.Sql.SqlPersistence.DefaultConfiguration);
    }

    /// <summary>Where the connection string points, without its password: for messages.</summary>
    public string Describe()
    {
        if (Provider == StoreProvider.Sqlite)
            return $"SQLite database {SqliteFile ?? ConnectionString}";
        try
        {
            var b = new NpgsqlConnectionStringBuilder(ConnectionString);
            return $"PostgreSQL database '{b.Database}' on {b.Host}:{b.Port} as '{b.Username}'";
        }
        catch (ArgumentException)
        {
            return "PostgreSQL database (connection string not understood)";
        }
    }

    private static StoreProvider ParseProvider(string text) => text.Trim().ToLowerInvariant() switch
    {
        "sqlite" => StoreProvider.Sqlite,
        "postgresql" or "postgres" => StoreProvider.PostgreSql,
        _ => throw new StoreException($"perfcluster.persistence.provider must be sqlite or postgresql (got '{text}')"),
    };

    private static string SqliteConnectionFor(string dataDir) =>
        new SqliteConnectionStringBuilder { DataSource = Path.Combine(dataDir, DatabaseFileName) }.ToString();

    private static string DefaultDataDirectory()
    {
        var root = Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.DoNotVerify);
        return string.IsNullOrEmpty(root) ? "" : Path.Combine(root, "perfcluster");
    }

    private static string ExpandHome(string path)
    {
        if (path != "~" && !path.StartsWith("~/", StringComparison.Ordinal)) return path;
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        return string.IsNullOrEmpty(home) ? path : home + path[1..];
    }

    private static string? NonEmpty(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();

    private static string Quote(string s) => "\"" + s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
}
