using System.Net;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Akka.Actor;
using Akka.Cluster;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using PerfCluster.Core.Scenarios;
using PerfCluster.Core.Input;

namespace PerfCluster.Api;

/// <summary>The coordinator's HTTP API: runs, cluster management and their event streams.</summary>
public static class ApiEndpoints
{
    /// <summary>Largest request body accepted (a scenario file is a few kilobytes).</summary>
    public const long MaxBodyBytes = 1024 * 1024;

    /// <summary>
    /// Every /api request needs <c>Authorization: Bearer TOKEN</c> when <paramref name="token"/> is set; bad
    /// input of any kind becomes a problem+json answer (400, 404, 409, 413), never a stack trace.
    /// </summary>
    public static void UseApiErrorsAndAuth(this WebApplication app, ApiGuard guard)
    {
        app.Use(async (ctx, next) =>
        {
            ApiGuard.AddHeaders(ctx);
            if (guard.RequiresToken && (ctx.Request.Path.StartsWithSegments("/api") || ctx.Request.Path.StartsWithSegments("/metrics")))
            {
                var client = ctx.Connection.RemoteIpAddress ?? IPAddress.None;
                if (guard.LockedOut(client))
                {
                    await TooManyFailures(ctx, guard);
                    return;
                }
                if (!Authorized(ctx.Request, guard))
                {
                    if (!guard.Fail(client))
                    {
                        await TooManyFailures(ctx, guard);
                        return;
                    }
                    ctx.Response.Headers.WWWAuthenticate = "Bearer";
                    await Problem(StatusCodes.Status401Unauthorized, "Unauthorized",
                        "this coordinator needs 'Authorization: Bearer <token>' (the token it was started with)").ExecuteAsync(ctx);
                    return;
                }
            }
            try
            {
                await next(ctx);
            }
            catch (Exception e) when (!ctx.Response.HasStarted && !ctx.RequestAborted.IsCancellationRequested)
            {
                var result = e switch
                {
                    ApiInputException bad => Problem(StatusCodes.Status400BadRequest, "Bad request", bad.Message),
                    ScenarioException bad => Problem(StatusCodes.Status400BadRequest, "Invalid scenario", bad.Describe()),
                    BadHttpRequestException bad => Problem(bad.StatusCode,
                        bad.StatusCode == StatusCodes.Status413PayloadTooLarge ? "Request body too large" : "Bad request",
                        bad.StatusCode == StatusCodes.Status413PayloadTooLarge
                            ? $"the request body is larger than the {MaxBodyBytes / 1024} KiB limit"
                            : bad.Message),
                    _ => null,
                };
                if (result is null)
                {
                    ctx.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("PerfCluster.Api")
                        .LogError(e, "{Method} {Path} failed", ctx.Request.Method, ctx.Request.Path);
                    result = Problem(StatusCodes.Status500InternalServerError, "Internal error", e.Message);
                }
                await result.ExecuteAsync(ctx);
            }
        });
    }

    /// <summary>
    /// The bearer header, or for a GET of an event stream only, <c>?access_token=</c>: a browser's EventSource
    /// cannot send headers, and the dashboard follows runs with one.
    /// </summary>
    private static Task TooManyFailures(HttpContext ctx, ApiGuard guard)
    {
        ctx.Response.Headers.RetryAfter = ((int)Math.Ceiling(guard.FailureWindow.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        return Problem(StatusCodes.Status429TooManyRequests, "Too many failed attempts",
            $"{guard.FailureLimit} requests from this address had no valid token within {guard.FailureWindow.TotalSeconds:0} s; try again later").ExecuteAsync(ctx);
    }

    private static bool Authorized(HttpRequest request, ApiGuard guard)
    {
        var header = request.Headers.Authorization.ToString();
        const string scheme = "Bearer ";
        string? given = header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase) ? header[scheme.Length..].Trim() : null;
        if (given is null && HttpMethods.IsGet(request.Method) && request.Path.Value?.EndsWith("/events", StringComparison.Ordinal) == true)
            given = request.Query["access_token"].ToString();
        return guard.Matches(given);
    }

    public static IResult Problem(int status, string title, string detail) =>
        Results.Problem(detail: detail, statusCode: status, title: title);

    private static IResult Json(object value, int status = StatusCodes.Status200OK) =>
        Results.Json(value, ApiJson.Options, statusCode: status);

    public static void MapRunsApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/runs", async (HttpContext ctx, RunLauncher launcher, TargetAllowList allowed, ModulePolicy modules) =>
        {
            var request = RunRequestReader.Read(await ReadJsonAsync(ctx));
            if (allowed.Refusal(request.Plan) is { } refusal) return Problem(StatusCodes.Status403Forbidden, "Forbidden target", refusal);
            if (modules.Refusal(request.Plan) is { } forbidden) return Problem(forbidden.Status, forbidden.Title, forbidden.Detail);
            var run = new RunRecord(request.Id ?? Core.Runs.TestRunId.ForApi(DateTimeOffset.UtcNow).Value, request.Plan, DateTimeOffset.UtcNow);
            if (!launcher.TryStart(run))
                return Problem(StatusCodes.Status409Conflict, "Conflict", $"a run with id '{run.Id}' already exists");
            ctx.Response.Headers.Location = $"/api/runs/{Uri.EscapeDataString(run.Id)}";
            return Json(new RunCreated(run.Id, run.Plan.Scenarios.Select(s => s.Name).ToList(), run.State), StatusCodes.Status201Created);
        });

        app.MapGet("/api/runs", (RunRegistry runs) => Json(runs.All().Select(r => r.Summary()).ToList()));

        app.MapGet("/api/runs/{id}", (string id, RunRegistry runs) =>
            runs.Find(id) is { } run ? Json(run.Detail()) : NoSuchRun(id));

        app.MapDelete("/api/runs/{id}", (string id, RunRegistry runs) =>
        {
            if (runs.Find(id) is not { } run) return NoSuchRun(id);
            return run.RequestStop()
                ? Json(run.Detail(), StatusCodes.Status202Accepted)
                : Problem(StatusCodes.Status409Conflict, "Conflict", $"run '{id}' has already finished ({run.State.ToString().ToLowerInvariant()})");
        });

        app.MapGet("/api/runs/{id}/events", async (string id, HttpContext ctx, RunRegistry runs, IHostApplicationLifetime lifetime) =>
        {
            if (runs.Find(id) is not { } run)
            {
                await NoSuchRun(id).ExecuteAsync(ctx);
                return;
            }
            var (snapshot, live, unsubscribe) = run.Subscribe();
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(ctx.RequestAborted, lifetime.ApplicationStopping);
            try
            {
                await ServerSentEvents.BeginAsync(ctx.Response, stop.Token);
                foreach (var e in snapshot) await ServerSentEvents.WriteAsync(ctx.Response, e, stop.Token);
                await ServerSentEvents.PumpAsync(ctx.Response, live, stop.Token);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                // the client went away or the coordinator is stopping
            }
            finally
            {
                unsubscribe();
            }
        });
    }

    public static void MapClusterApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/cluster/members", (string? role, ActorSystem system, RunRegistry runs) =>
            Json(ClusterApi.Members(system, runs, string.IsNullOrWhiteSpace(role) ? null : role)));

        app.MapPost("/api/cluster/leave", async (HttpContext ctx, ActorSystem system) =>
        {
            var address = await ReadAddressAsync(ctx);
            if (ClusterApi.Find(system, address) is not { } member) return NoSuchMember(address!);
            Cluster.Get(system).Leave(member.Address);
            return Json(new ClusterActionResult("leave", [member.Address.ToString()]), StatusCodes.Status202Accepted);
        });

        app.MapPost("/api/cluster/down", async (HttpContext ctx, ActorSystem system) =>
        {
            var address = await ReadAddressAsync(ctx);
            if (ClusterApi.Find(system, address) is not { } member) return NoSuchMember(address!);
            Cluster.Get(system).Down(member.Address);
            return Json(new ClusterActionResult("down", [member.Address.ToString()]), StatusCodes.Status202Accepted);
        });

        app.MapPost("/api/cluster/down-unreachable", (ActorSystem system) =>
        {
            var cluster = Cluster.Get(system);
            var unreachable = cluster.State.Unreachable.Select(m => m.Address).OrderBy(a => a.ToString(), StringComparer.Ordinal).ToList();
            foreach (var address in unreachable) cluster.Down(address);
            return Json(new ClusterActionResult("down", unreachable.Select(a => a.ToString()).ToList()), StatusCodes.Status202Accepted);
        });

        app.MapGet("/api/cluster/events", async (HttpContext ctx, ActorSystem system, IHostApplicationLifetime lifetime) =>
        {
            var channel = Channel.CreateUnbounded<ServerEvent>(new UnboundedChannelOptions { SingleReader = true });
            var forwarder = system.ActorOf(ClusterEventForwarder.Props(channel.Writer));
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(ctx.RequestAborted, lifetime.ApplicationStopping);
            try
            {
                await ServerSentEvents.BeginAsync(ctx.Response, stop.Token);
                await ServerSentEvents.PumpAsync(ctx.Response, channel.Reader, stop.Token);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                // the client went away or the coordinator is stopping
            }
            finally
            {
                system.Stop(forwarder);
            }
        });

        app.MapFallback("/api/{**rest}", (HttpContext ctx) =>
            Problem(StatusCodes.Status404NotFound, "Not found", $"no API endpoint {ctx.Request.Method} {ctx.Request.Path}"));
    }

    private static IResult NoSuchRun(string id) =>
        Problem(StatusCodes.Status404NotFound, "Not found", $"no run with id '{id}'");

    private static IResult NoSuchMember(string address) =>
        Problem(StatusCodes.Status404NotFound, "Not found", $"no cluster member at '{address}'");

    private static async Task<string?> ReadAddressAsync(HttpContext ctx)
    {
        var body = await ReadJsonAsync(ctx);
        if (body.ValueKind != JsonValueKind.Object || !body.TryGetProperty("address", out var a) || a.ValueKind != JsonValueKind.String)
            throw new ApiInputException("expected a JSON object { \"address\": \"akka.tcp://perfcluster@host:port\" }");
        return a.GetString();
    }

    /// <summary>Reads the body as JSON, within <see cref="MaxBodyBytes"/>.</summary>
    private static async Task<JsonElement> ReadJsonAsync(HttpContext ctx)
    {
        if (ctx.Request.ContentLength > MaxBodyBytes)
            throw new BadHttpRequestException("request body too large", StatusCodes.Status413PayloadTooLarge);
        try
        {
            using var document = await JsonDocument.ParseAsync(ctx.Request.Body, default, ctx.RequestAborted);
            return document.RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw new ApiInputException($"malformed JSON: {e.Message}");
        }
    }
}
