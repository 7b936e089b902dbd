using System.Reflection;
using System.Security.Cryptography;
using System.Text;

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

    /// <summary>
    /// The page may run its own script and nothing else (its hash, not 'unsafe-inline'), talk only to this coordinator,
    /// and be framed by no one. Styles may be inline: the server-drawn SVG charts carry style attributes.
    /// </summary>
    private static readonly Lazy<string> Policy = new(() =>
    {
        var page = Page.Value;
        var start = page.IndexOf("<script>", StringComparison.Ordinal) + "<script>".Length;
        var script = page[start..page.IndexOf("</script>", start, StringComparison.Ordinal)];
        var hash = Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(script)));
        return $"default-src 'none'; script-src 'sha256-{hash}'; style-src 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; " +
               "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
    });

    public static void MapDashboard(this IEndpointRouteBuilder app)
    {
        app.MapGet("/", (HttpContext ctx) =>
        {
            ctx.Response.Headers.ContentSecurityPolicy = Policy.Value;
            return Results.Content(Page.Value, "text/html; charset=utf-8");
        });
        app.MapGet("/api/runs/{id}/charts", (string id, DashboardRuns runs) =>
            runs.Charts(id) is { } html
                ? Results.Content(html, "text/html; charset=utf-8")
                : Results.Content("<p class=\"muted\">No closed window yet.</p>", "text/html; charset=utf-8"));
    }
}
