using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using StackExchange.Redis;

namespace PerfCluster.Tests.Cli;

/// <summary>A fact that needs Debian's redis-server on the PATH (.ci/run installs it); skipped, with the reason shown, without it.</summary>
public sealed class RedisFactAttribute : FactAttribute
{
    public RedisFactAttribute()
    {
        if (RedisServer.Binary is null) Skip = "redis-server is not installed (apt-get install redis-server)";
    }
}

/// <summary>A real redis-server on 127.0.0.1 and a free port, no persistence, stopped (killed) with the test.</summary>
public sealed class RedisServer : IAsyncDisposable
{
    private Process? _process;

    private RedisServer(int port) => Port = port;

    public int Port { get; }

    public string Connection => $"127.0.0.1:{Port}";

    public static string? Binary =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Select(d => Path.Combine(d, "redis-server")).FirstOrDefault(File.Exists);

    private string[] _extra = [];

    public static async Task<RedisServer> StartAsync(int? port = null, params string[] extra)
    {
        var server = new RedisServer(port ?? FreePort()) { _extra = extra };
        await server.StartAgainAsync();
        return server;
    }

    /// <summary>Starts the server (again, on the same port after <see cref="Kill"/>) and waits until it answers.</summary>
    public async Task StartAgainAsync()
    {
        _process = Process.Start(new ProcessStartInfo(Binary!, ["--port", Port.ToString(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", .. _extra])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        _process.OutputDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            try
            {
                using var tcp = new TcpClient();
                await tcp.ConnectAsync(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(50);
            }
        }
    }

    /// <summary>Kills the server at once (SIGKILL): what a crash looks like to its clients.</summary>
    public void Kill()
    {
        _process?.Kill();
        _process?.WaitForExit(5000);
    }

    public async Task<ConnectionMultiplexer> AdminAsync() =>
        await ConnectionMultiplexer.ConnectAsync(new ConfigurationOptions { EndPoints = { Connection }, AllowAdmin = true, TieBreaker = "" });

    /// <summary>A field of INFO stats (e.g. keyspace_hits).</summary>
    public async Task<long> StatAsync(string field)
    {
        await using var admin = await AdminAsync();
        var info = await admin.GetServer(Connection).InfoAsync("stats");
        return long.Parse(info.SelectMany(g => g).First(p => p.Key == field).Value);
    }

    public async Task<string> ConfigAsync(string key)
    {
        await using var admin = await AdminAsync();
        return (await admin.GetServer(Connection).ConfigGetAsync(key)).Single().Value;
    }

    public async Task ResetStatsAsync()
    {
        await using var admin = await AdminAsync();
        await admin.GetServer(Connection).ConfigResetStatisticsAsync();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public ValueTask DisposeAsync()
    {
        Kill();
        _process?.Dispose();
        return ValueTask.CompletedTask;
    }
}
