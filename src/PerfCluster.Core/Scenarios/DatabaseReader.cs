using System.Data.Common;
using PerfCluster.Core.Hocon;
using PerfCluster.Core.Input;
using PerfCluster.Core.Steps;

namespace PerfCluster.Core.Scenarios;

/// <summary>
/// Reads <c>databases { NAME { provider, connection, pool-size, prepare, timeout, pool-timeout } }</c>. A connection
/// string that cannot be read is an error here, at its line, and shown masked.
/// </summary>
internal static class DatabaseReader
{
    public static IReadOnlyList<DatabaseDefinition> Read(Scope scenario) =>
        NamedObjects.Read(scenario, "databases", "database", "{ provider = postgresql, connection = \"...\" }")
            .Select(d => Database(d.Name, d.Value)).ToList();

    private static DatabaseDefinition Database(string name, HoconObject obj)
    {
        var section = ScenarioKeys.Read(obj, ScenarioKeys.Database);
        var p = section.Field("provider") ?? throw new ScenarioException(
            $"database '{name}' needs a 'provider' ({string.Join(", ", DatabaseDefinition.Providers.Keys)})", obj.Position);
        var providerText = p.Value.AsString(p.Key).Trim();
        if (!DatabaseDefinition.Providers.TryGetValue(providerText, out var provider))
            throw new ScenarioException(
                $"unknown provider '{providerText}' for database '{name}'; expected one of {string.Join(", ", DatabaseDefinition.Providers.Keys)}", p.Value.Position);
        if (provider == DatabaseProvider.Memory)
        {
            if (section.Field("connection") is { } none) throw new ScenarioException($"memory database '{name}' is in this process: it takes no 'connection'", none.KeyPosition);
            var memory = new DatabaseDefinition(name, provider, "memory") { Position = obj.Position };
            if (section.Field("max-memory") is { } mm)
            {
                var text = mm.Value.AsString(mm.Key);
                memory = memory with { MaxMemory = SizeText.TryParse(text) is { } bytes and > 0 ? bytes : throw new ScenarioException($"'{mm.Key}' must be a size such as 64MB but is '{text}'", mm.Value.Position) };
            }
            if (section.Field("timeout") is { } mt) memory = memory with { Timeout = Positive(mt) };
            return memory;
        }
        if (section.Field("max-memory") is { } unused) throw new ScenarioException($"'max-memory' applies to memory databases only (Redis: its own maxmemory)", unused.KeyPosition);
        var c = section.Field("connection") ?? throw new ScenarioException(
            $"database '{name}' needs a 'connection' (e.g. connection = ${{?PERFCLUSTER_TARGET_DB}}, with that variable set)", obj.Position);
        var connection = c.Value.AsString(c.Key).Trim();
        if (connection.Length == 0) throw new ScenarioException($"'{c.Key}' of database '{name}' is empty", c.Value.Position);
        CheckConnection(name, provider, connection, c.Value.Position);

        var db = new DatabaseDefinition(name, provider, connection) { Position = obj.Position };
        if (section.Field("pool-size") is { } size)
        {
            var n = size.Value.AsInt(size.Key);
            if (n is < 1 or > 100_000) throw new ScenarioException($"'{size.Key}' must be between 1 and 100000 but is {n}", size.Value.Position);
            db = db with { PoolSize = n };
        }
        if (section.Field("prepare") is { } prepare) db = db with { Prepare = prepare.Value.AsBool(prepare.Key) };
        if (section.Field("timeout") is { } t) db = db with { Timeout = Positive(t) };
        if (section.Field("pool-timeout") is { } pt) db = db with { PoolTimeout = Positive(pt) };
        return db;
    }

    private static TimeSpan Positive(HoconField f)
    {
        var value = f.Value.AsDuration(f.Key);
        return value > TimeSpan.Zero ? value : throw new ScenarioException($"'{f.Key}' must be greater than 0", f.Value.Position);
    }

    /// <summary>SQL connection strings are key=value pairs; a Redis one is "host:port,option=value,…".</summary>
    private static void CheckConnection(string name, DatabaseProvider provider, string connection, SourcePosition? position)
    {
        if (provider == DatabaseProvider.Redis)
        {
            var first = connection.Split(',')[0].Trim();
            if (first.Length == 0 || first.Contains('='))
                throw new ScenarioException(
                    $"the connection of Redis database '{name}' starts with host:port (e.g. \"127.0.0.1:6379,password=...\") but is \"{Secrets.Mask(connection)}\"", position);
            return;
        }
        try
        {
            var builder = new DbConnectionStringBuilder { ConnectionString = connection };
            if (builder.Count == 0) throw new ArgumentException("no key=value pair");
        }
        catch (ArgumentException)
        {
            throw new ScenarioException(
                $"the connection of database '{name}' is not a connection string of key=value pairs (e.g. \"Host=127.0.0.1;Username=app;Password=...\"): \"{Secrets.Mask(connection)}\"",
                position);
        }
    }
}
