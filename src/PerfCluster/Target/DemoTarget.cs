using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace PerfCluster.Target;

/// <summary>Latency and failures the demo target injects into every request.</summary>
public sealed record DemoTargetOptions(int Port = 8000, TimeSpan? Latency = null, TimeSpan? Jitter = null, double ErrorRate = 0.0, string Host = "127.0.0.1")
{
    /// <summary>
    /// With <see cref="FreezeEvery"/>: the last <see cref="Freeze"/> of every period the target answers
    /// nothing; requests that arrive then wait until the period ends. The latency distribution under
    /// a constant arrival rate is then known exactly (benchmarks of coordinated omission use it).
    /// </summary>
    public TimeSpan Freeze { get; init; }
    public TimeSpan FreezeEvery { get; init; }

    /// <summary>Memory the target allocates, touches and never frees, per second: a leak for the leak detector to find.</summary>
    public double LeakMegabytesPerSecond { get; init; }

    /// <summary>A second port that speaks cleartext HTTP/2 only (h2c with prior knowledge); 0: any free port; null: none.</summary>
    public int? H2cPort { get; init; }

    /// <summary>An https port (HTTP/1.1 and HTTP/2 by ALPN) with a self-signed certificate for 127.0.0.1 and localhost made at start; 0: any free port; null: none.</summary>
    public int? TlsPort { get; init; }

    /// <summary>The https port asks every client for a certificate and refuses a connection without one (mutual TLS).</summary>
    public bool RequireClientCertificate { get; init; }

    public TimeSpan BaseLatency => Latency ?? TimeSpan.FromMilliseconds(5);
    public TimeSpan LatencyJitter => Jitter ?? TimeSpan.FromMilliseconds(2);
}

/// <summary>
/// The built-in system under test: serves the guide's endpoints (any method) and the shop API (<see cref="ShopApi"/>)
/// after a delay uniform in
/// [latency - jitter, latency + jitter], fails the given share with HTTP 500, and counts every request
/// it received per path. <c>POST /__config</c> sets the guide's six tuning parameters (<see cref="TuningModel"/>), whose model then
/// shapes every answer's latency and errors; <c>GET /__config</c> shows them with the model's figures. <c>GET /__stats</c> returns those counts (itself not counted);
/// <c>DELETE /__stats</c> resets them. <c>GET /metrics</c> gives its process figures in Prometheus
/// text format (resident memory, CPU seconds, requests served), the way a monitored service would.
/// </summary>
public sealed class DemoTarget : IAsyncDisposable
{
    public static readonly string[] Paths = ["/api/v1/projects", "/api/v1/tasks", "/api/v1/ai/generate"];

    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, long> _counts = new();
    private readonly ConcurrentDictionary<string, long> _protocols = new();
    private readonly long _startedAt = Stopwatch.GetTimestamp();
    private readonly CancellationTokenSource _stop = new();
    private readonly List<byte[]> _leaked = new();
    private volatile TuningModel? _tuning;

    private DemoTarget(WebApplication app, DemoTargetOptions options)
    {
        _app = app;
        Options = options;
    }

    public DemoTargetOptions Options { get; }

    /// <summary>The configuration <c>POST /__config</c> set last (the tuning model then shapes every answer); null until one is set.</summary>
    public TuningModel? Tuning => _tuning;
    public Uri BaseUrl { get; private set; } = null!;

    /// <summary>The h2c port's address (<see cref="DemoTargetOptions.H2cPort"/>); null when it has none.</summary>
    public Uri? H2cUrl { get; private set; }

    /// <summary>The https port's address (<see cref="DemoTargetOptions.TlsPort"/>); null when it has none.</summary>
    public Uri? TlsUrl { get; private set; }

    /// <summary>The self-signed certificate the https port presents.</summary>
    public System.Security.Cryptography.X509Certificates.X509Certificate2? Certificate { get; private init; }

    /// <summary>The shop API under <c>/shop</c>, for user journeys.</summary>
    public ShopApi Shop { get; } = new();

    /// <summary>The WebSocket endpoints under <c>/ws</c>.</summary>
    public SocketEndpoints Sockets { get; } = new();

    /// <summary>The gRPC calls served (<see cref="GreeterService"/>, on the h2c and https ports).</summary>
    public GrpcCounts Grpc { get; private init; } = new();

    /// <summary>Every request received: the guide's endpoints and the shop's.</summary>
    public long TotalServed => _counts.Values.Sum() + Shop.Total;

    public static async Task<DemoTarget> StartAsync(DemoTargetOptions options, CancellationToken cancellationToken = default)
    {
        if (options.ErrorRate is < 0 or > 1 || double.IsNaN(options.ErrorRate))
            throw new ArgumentOutOfRangeException(nameof(options), "error rate must be between 0 and 1");
        if (options.Freeze > TimeSpan.Zero && options.Freeze >= options.FreezeEvery)
            throw new ArgumentOutOfRangeException(nameof(options), "a freeze must be shorter than its period");
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        var grpcCounts = new GrpcCounts();
        builder.Services.AddGrpc();
        builder.Services.AddSingleton(grpcCounts);
        ListenOptions? main = null, h2c = null, tls = null;
        var certificate = options.TlsPort is null ? null : TargetCertificate.Create();
        builder.WebHost.ConfigureKestrel(k =>
        {
            var address = IPAddress.Parse(options.Host);
            k.Listen(address, options.Port, l => main = l);
            if (options.H2cPort is { } h2cPort) k.Listen(address, h2cPort, l => { l.Protocols = HttpProtocols.Http2; h2c = l; });
            if (options.TlsPort is { } tlsPort)
                k.Listen(address, tlsPort, l =>
                {
                    l.Protocols = HttpProtocols.Http1AndHttp2;
                    l.UseHttps(new HttpsConnectionAdapterOptions
                    {
                        ServerCertificate = certificate,
                        ClientCertificateMode = options.RequireClientCertificate ? ClientCertificateMode.RequireCertificate : ClientCertificateMode.NoCertificate,
                        // Any client certificate is let in (the demo has no CA); /__tls shows whose it was.
                        ClientCertificateValidation = (_, _, _) => true,
                    });
                    tls = l;
                });
            k.AddServerHeader = false;
            k.Limits.MaxConcurrentConnections = null;
            k.Limits.Http2.MaxStreamsPerConnection = 1000;
        });
        var app = builder.Build();
        var target = new DemoTarget(app, options) { Certificate = certificate, Grpc = grpcCounts };
        app.MapGrpcService<GreeterService>();
        target.MapEndpoints();
        await app.StartAsync(cancellationToken);
        if (options.LeakMegabytesPerSecond > 0) _ = target.LeakAsync();
        var host = options.Host is "0.0.0.0" or "::" ? "127.0.0.1" : options.Host;
        target.BaseUrl = new Uri($"http://{host}:{main!.IPEndPoint!.Port}/");
        if (h2c is not null) target.H2cUrl = new Uri($"http://{host}:{h2c.IPEndPoint!.Port}/");
        if (tls is not null) target.TlsUrl = new Uri($"https://{host}:{tls.IPEndPoint!.Port}/");
        return target;
    }

    public IReadOnlyDictionary<string, long> Counts => _counts.ToDictionary(kv => kv.Key, kv => kv.Value);

    /// <summary>Requests served by protocol ("HTTP/1.1", "HTTP/2"), the <c>/__</c> control paths left out.</summary>
    public IReadOnlyDictionary<string, long> Protocols => _protocols.ToDictionary(kv => kv.Key, kv => kv.Value);

    private void MapEndpoints()
    {
        foreach (var path in Paths)
        {
            Func<HttpContext, Task<IResult>> handler = ctx => Serve(ctx, path);
            _app.Map(path, (Delegate)handler);
        }
        _app.Use(next => ctx =>
        {
            if (!ctx.Request.Path.StartsWithSegments("/__")) _protocols.AddOrUpdate(ctx.Request.Protocol, 1, (_, n) => n + 1);
            return next(ctx);
        });
        Shop.Map(_app, DelayAsync);
        Sockets.Map(_app);
        _app.MapGet("/__tls", (HttpContext ctx) => Results.Json(new
        {
            protocol = ctx.Request.Protocol,
            https = ctx.Request.IsHttps,
            client_certificate = ctx.Connection.ClientCertificate?.Subject,
        }));
        _app.MapGet("/__stats", () => Results.Json(new
        {
            total = TotalServed, paths = Counts, shop = new { steps = Shop.Steps, users = Shop.Users }, protocols = Protocols,
            websocket = Sockets.Stats, grpc = Grpc.Stats,
        }));
        _app.MapDelete("/__stats", () =>
        {
            _counts.Clear();
            _protocols.Clear();
            Shop.Reset();
            Sockets.Reset();
            Grpc.Reset();
            return Results.NoContent();
        });
        _app.MapGet("/__config", () => Results.Json((_tuning ?? TuningModel.Defaults).ToJson()));
        _app.MapPost("/__config", async (HttpContext ctx) =>
        {
            System.Text.Json.JsonElement body;
            try
            {
                body = await System.Text.Json.JsonSerializer.DeserializeAsync<System.Text.Json.JsonElement>(ctx.Request.Body, cancellationToken: ctx.RequestAborted);
            }
            catch (System.Text.Json.JsonException e)
            {
                return Results.Json(new { error = $"the body is not JSON: {e.Message}" }, statusCode: 400);
            }
            var next = (_tuning ?? TuningModel.Defaults).With(body, out var error);
            if (error is not null) return Results.Json(new { error }, statusCode: 400);
            _tuning = next;
            return Results.Json(next.ToJson());
        });
        _app.MapDelete("/__config", () =>
        {
            _tuning = null;
            return Results.NoContent();
        });
        _app.MapGet("/metrics", () => Results.Text(Metrics(), "text/plain; version=0.0.4"));
        _app.MapGet("/", () => Results.Text(
            "PerfCluster demo target. Endpoints: " + string.Join(", ", Paths) + ", the shop API under /shop, WebSockets at /ws/echo and /ws/subscribe, gRPC perfcluster.demo.Greeter on the h2c and https ports; counts at GET /__stats\n"));
    }

    private async Task<IResult> Serve(HttpContext ctx, string path)
    {
        _counts.AddOrUpdate(path, 1, (_, n) => n + 1);
        var tuning = _tuning;
        await DelayAsync(ctx, tuning);
        if (tuning is not null && Random.Shared.NextDouble() < tuning.ErrorRate)
            return Results.Json(new { error = "timed out inside (request_timeout too short)" }, statusCode: 503);
        if (Options.ErrorRate > 0 && Random.Shared.NextDouble() < Options.ErrorRate)
            return Results.Json(new { error = "injected failure" }, statusCode: 500);
        return Results.Json(new { path, method = ctx.Request.Method, ok = true });
    }

    /// <summary>The injected latency (and freeze) of a request that has just arrived.</summary>
    private Task DelayAsync(HttpContext ctx) => DelayAsync(ctx, _tuning);

    private async Task DelayAsync(HttpContext ctx, TuningModel? tuning)
    {
        var arrived = Stopwatch.GetTimestamp();
        var jitter = Options.LatencyJitter.Ticks;
        // Tuned: the model's latency within ±10 %; else the configured latency and jitter.
        var delay = tuning is not null
            ? TimeSpan.FromTicks((long)(tuning.Latency.Ticks * (0.9 + 0.2 * Random.Shared.NextDouble())))
            : TimeSpan.FromTicks(Options.BaseLatency.Ticks + (jitter > 0 ? (long)((Random.Shared.NextDouble() * 2 - 1) * jitter) : 0));
        delay += FrozenFor(Stopwatch.GetElapsedTime(_startedAt, arrived));
        // Timers may fire a little early; the injected latency is a floor the answer never beats.
        for (var left = delay; left > TimeSpan.Zero; left = delay - Stopwatch.GetElapsedTime(arrived))
            await Task.Delay(left < TimeSpan.FromMilliseconds(1) ? TimeSpan.FromMilliseconds(1) : left, ctx.RequestAborted);
    }

    /// <summary>How long a request arriving <paramref name="sinceStart"/> after the start waits for a freeze to end.</summary>
    public TimeSpan FrozenFor(TimeSpan sinceStart)
    {
        if (Options.Freeze <= TimeSpan.Zero || Options.FreezeEvery <= TimeSpan.Zero) return TimeSpan.Zero;
        var inPeriod = TimeSpan.FromTicks(sinceStart.Ticks % Options.FreezeEvery.Ticks);
        var freezeStarts = Options.FreezeEvery - Options.Freeze;
        return inPeriod >= freezeStarts ? Options.FreezeEvery - inPeriod : TimeSpan.Zero;
    }

    private string Metrics()
    {
        using var self = Process.GetCurrentProcess();
        var c = System.Globalization.CultureInfo.InvariantCulture;
        return string.Create(c, $"""
            # HELP process_resident_memory_bytes Resident memory size in bytes.
            # TYPE process_resident_memory_bytes gauge
            process_resident_memory_bytes {self.WorkingSet64}
            # HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.
            # TYPE process_cpu_seconds_total counter
            process_cpu_seconds_total {self.TotalProcessorTime.TotalSeconds}
            # HELP demo_requests_total Requests served.
            # TYPE demo_requests_total counter
            demo_requests_total {TotalServed}

            """) + (_tuning is { } t ? string.Create(c, $"""
            # HELP demo_cpu_usage_percent CPU the tuning model says this configuration uses (modelled, with noise).
            # TYPE demo_cpu_usage_percent gauge
            demo_cpu_usage_percent {t.CpuPercent * (0.97 + 0.06 * Random.Shared.NextDouble())}

            """) : "");
    }

    /// <summary>Allocates and touches <see cref="DemoTargetOptions.LeakMegabytesPerSecond"/> every second, in tenths.</summary>
    private async Task LeakAsync()
    {
        var chunk = (int)(Options.LeakMegabytesPerSecond * 1024 * 1024 / 10);
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var block = new byte[chunk];
                Array.Fill(block, (byte)1);   // touched, so it is resident
                lock (_leaked) _leaked.Add(block);
                await Task.Delay(100, _stop.Token);
            }
        }
        catch (OperationCanceledException)
        {
            // stopped with the target
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        await _app.StopAsync();
        await _app.DisposeAsync();
        Certificate?.Dispose();
    }
}
