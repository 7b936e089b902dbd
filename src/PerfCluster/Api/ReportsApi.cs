using Akka.Actor;
using PerfCluster.Core.Regression;
using PerfCluster.Core.Reports;
using PerfCluster.Engine.Persistence;
using PerfCluster.Reports;
using PerfCluster.Engine.Stores;

namespace PerfCluster.Api;

/// <summary>
/// The reports of the coordinator's runs (<c>GET /api/runs/{id}/report</c>, JSON or HTML, the same writers the
/// CLI uses) and its baseline library (<c>GET /api/baselines</c>, <c>GET /api/baselines/{name}</c>).
/// </summary>
public static class ReportsApi
{
    public static void MapReportsApi(this IEndpointRouteBuilder app)
    {
        // The same stream under the name the product guide uses.
        app.MapGet("/api/runs/{id}/stream", (string id) => Results.Redirect($"/api/runs/{Uri.EscapeDataString(id)}/events"));

        app.MapGet("/api/runs/{id}/report", (string id, string? format, RunRegistry runs) =>
        {
            if (runs.Find(id) is not { } run)
                return ApiEndpoints.Problem(StatusCodes.Status404NotFound, "Not found", $"no run with id '{id}'");
            if (run.Detail().Results.Count == 0)
                return ApiEndpoints.Problem(StatusCodes.Status409Conflict, "Conflict", $"run '{id}' has no finished scenario yet");
            var report = run.Report(DateTimeOffset.UtcNow);
            return (format ?? "json").ToLowerInvariant() switch
            {
                "json" => Results.Text(ReportDocuments.Render(report), "application/json"),
                "html" => Results.Text(HtmlReportWriter.Render(ReportDocuments.From(report)), "text/html; charset=utf-8"),
                var other => ApiEndpoints.Problem(StatusCodes.Status400BadRequest, "Bad request", $"'format' must be json or html but is '{other}'"),
            };
        });

        app.MapGet("/api/baselines", async (ActorSystem system) =>
        {
            if (Store(system) is not { } store) return NoStore();
            return Results.Json(await store.ListBaselinesAsync(), ApiJson.Options);
        });

        app.MapGet("/api/baselines/{name}", async (string name, int? version, ActorSystem system) =>
        {
            if (Store(system) is not { } store) return NoStore();
            var entry = await store.GetBaselineAsync(name, version);
            if (entry is null)
                return ApiEndpoints.Problem(StatusCodes.Status404NotFound, "Not found", $"no baseline '{name}'{(version is null ? "" : $" version {version}")}");
            // The stored document is the baseline file itself, with the version the library gave it.
            var baseline = BaselineFile.FromJson(entry.DocumentJson, $"baseline '{name}'") with { Version = entry.Version };
            return Results.Text(BaselineFile.ToJson(baseline), "application/json");
        });
    }

    private static PerfClusterStore? Store(ActorSystem system)
    {
        try
        {
            return PerfClusterStore.Attach(system);
        }
        catch (StoreException)
        {
            return null;
        }
    }

    private static IResult NoStore() => ApiEndpoints.Problem(StatusCodes.Status503ServiceUnavailable, "Service unavailable",
        "this coordinator has no baseline library (its database could not be opened; see its log)");
}
