using System.Reflection;

namespace PerfCluster.Dashboard;

/// <summary>
/// The live dashboard at <c>/</c>: one page (HTML, CSS and a little script, embedded, no external resources)
/// that follows a run over its Server-Sent Events, and the charts it shows, drawn with ScottPlot on the server
/// (<c>GET /api/runs/{id}/charts</c>, HTML figures with inline SVG).
/// </summary>
public static class DashboardEndpoints
{
    private static readonly Lazy<string> Page = new(() =>
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("PerfCluster.Dashboard.dashboard.html")
            ?? throw new InvalidOperationException("the dashboard page is not embedded");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    });

    public static void MapDashboard(this IEndpointRouteBuilder app)
    {
        app.MapGet("/", () => Results.Content(Page.Value, "text/html; charset=utf-8"));
        app.MapGet("/api/runs/{id}/charts", (string id, DashboardRuns runs) =>
            runs.Charts(id) is { } html
                ? Results.Content(html, "text/html; charset=utf-8")
                : Results.Content("<p class=\"muted\">No closed window yet.</p>", "text/html; charset=utf-8"));
    }
}
