using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace PerfCluster.Target;

/// <summary>
/// The demo target's shop: a small authenticated API that user journeys run against (log in, list your projects,
/// create a task in one, read it back). The contract, which any server may implement:
/// <list type="bullet">
/// <item><c>POST /shop/auth/login</c> with JSON <c>{"username": U, "password": P}</c>: 200 <c>{"token": T}</c> when P is
/// <c>pw-</c> followed by U, else 401.</item>
/// <item><c>GET /shop/projects</c> with <c>Authorization: Bearer T</c>: 200 <c>{"projects": [{"id": ID, "name": ...}]}</c>,
/// the projects of T's user.</item>
/// <item><c>POST /shop/projects/{ID}/tasks</c> with JSON <c>{"title": S}</c>: 201 <c>{"id": TID, "title": S}</c>; 404 when
/// ID is not a project of T's user.</item>
/// <item><c>GET /shop/tasks/{TID}</c>: 200 <c>{"id": TID, "title": S, "project": ID}</c>; 404 when TID is not a task of
/// T's user.</item>
/// </list>
/// Every <c>/shop</c> request without a valid token (but the login) is 401. Everything is kept in memory. The shop
/// counts every request it received per step (<c>login</c>, <c>projects</c>, <c>create_task</c>, <c>get_task</c>), and
/// per username and step, so tests can compare a report with the truth.
/// </summary>
public sealed class ShopApi
{
    public const string Login = "login";
    public const string Projects = "projects";
    public const string CreateTask = "create_task";
    public const string GetTask = "get_task";

    /// <summary>Each user's projects, created at the user's first login.</summary>
    public static readonly string[] ProjectNames = ["Website", "Mobile app", "Data platform"];

    private readonly ConcurrentDictionary<string, string> _users = new(StringComparer.Ordinal);   // token → username
    private readonly ConcurrentDictionary<string, int[]> _projects = new(StringComparer.Ordinal);  // username → project ids
    private readonly ConcurrentDictionary<long, ShopTask> _tasks = new();
    private readonly ConcurrentDictionary<string, long> _steps = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string User, string Step), long> _byUser = new();
    private int _lastProject;
    private long _lastTask;

    private sealed record ShopTask(long Id, string Title, int Project, string User);

    /// <summary>Requests received per step.</summary>
    public IReadOnlyDictionary<string, long> Steps => _steps.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);

    /// <summary>Requests received per username and step (a request without a valid token has no username).</summary>
    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, long>> Users =>
        _byUser.GroupBy(p => p.Key.User, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => (IReadOnlyDictionary<string, long>)g.ToDictionary(p => p.Key.Step, p => p.Value, StringComparer.Ordinal),
                StringComparer.Ordinal);

    /// <summary>The titles of the tasks created, per username.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> Titles =>
        _tasks.Values.GroupBy(t => t.User, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => (IReadOnlyList<string>)g.OrderBy(t => t.Id).Select(t => t.Title).ToList(), StringComparer.Ordinal);

    public long Total => _steps.Values.Sum();

    public void Reset()
    {
        _steps.Clear();
        _byUser.Clear();
    }

    /// <summary>The shop's routes, each run after <paramref name="delay"/> (the target's injected latency).</summary>
    public void Map(IEndpointRouteBuilder app, Func<HttpContext, Task> delay)
    {
        app.MapPost("/shop/auth/login", async (HttpContext ctx) =>
        {
            var body = await ReadAsync(ctx);
            var user = Text(body, "username");
            Count(Login, user);
            await delay(ctx);
            if (user is null || Text(body, "password") != "pw-" + user) return Results.Json(new { error = "bad credentials" }, statusCode: 401);
            var token = Convert.ToHexString(RandomNumberGenerator.GetBytes(16)).ToLowerInvariant();
            _users[token] = user;
            _projects.GetOrAdd(user, _ => [.. ProjectNames.Select(_ => Interlocked.Increment(ref _lastProject))]);
            return Results.Json(new { token });
        });
        app.MapGet("/shop/projects", async (HttpContext ctx) =>
        {
            var user = UserOf(ctx);
            Count(Projects, user);
            await delay(ctx);
            if (user is null) return Unauthorized();
            var ids = _projects[user];
            return Results.Json(new { projects = ids.Select((id, i) => new { id, name = ProjectNames[i] }) });
        });
        app.MapPost("/shop/projects/{id}/tasks", async (HttpContext ctx, string id) =>
        {
            var user = UserOf(ctx);
            var body = await ReadAsync(ctx);
            Count(CreateTask, user);
            await delay(ctx);
            if (user is null) return Unauthorized();
            if (!int.TryParse(id, out var project) || !_projects[user].Contains(project)) return NotFound($"no project {id} of yours");
            if (Text(body, "title") is not { } title) return Results.Json(new { error = "expected {\"title\": \"...\"}" }, statusCode: 400);
            var task = new ShopTask(Interlocked.Increment(ref _lastTask), title, project, user);
            _tasks[task.Id] = task;
            return Results.Json(new { id = task.Id, title = task.Title }, statusCode: 201);
        });
        app.MapGet("/shop/tasks/{id}", async (HttpContext ctx, string id) =>
        {
            var user = UserOf(ctx);
            Count(GetTask, user);
            await delay(ctx);
            if (user is null) return Unauthorized();
            if (!long.TryParse(id, out var taskId) || !_tasks.TryGetValue(taskId, out var task) || task.User != user)
                return NotFound($"no task {id} of yours");
            return Results.Json(new { id = task.Id, title = task.Title, project = task.Project });
        });
        // Any other /shop request: unauthorised without a token, unknown with one.
        app.Map("/shop/{**rest}", (HttpContext ctx) => UserOf(ctx) is null ? Unauthorized() : NotFound("no such shop resource"));
    }

    private string? UserOf(HttpContext ctx)
    {
        var header = ctx.Request.Headers.Authorization.ToString();
        return header.StartsWith("Bearer ", StringComparison.Ordinal) && _users.TryGetValue(header["Bearer ".Length..].Trim(), out var user)
            ? user
            : null;
    }

    private void Count(string step, string? user)
    {
        _steps.AddOrUpdate(step, 1, (_, n) => n + 1);
        if (user is not null) _byUser.AddOrUpdate((user, step), 1, (_, n) => n + 1);
    }

    private static async Task<JsonElement?> ReadAsync(HttpContext ctx)
    {
        try
        {
            using var document = await JsonDocument.ParseAsync(ctx.Request.Body, cancellationToken: ctx.RequestAborted);
            return document.RootElement.Clone();
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string? Text(JsonElement? body, string name) =>
        body is { ValueKind: JsonValueKind.Object } b && b.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static IResult Unauthorized() => Results.Json(new { error = "a valid 'Authorization: Bearer <token>' is required" }, statusCode: 401);

    private static IResult NotFound(string why) => Results.Json(new { error = why }, statusCode: 404);
}
