using System.Text.Json;
using Microsoft.Playwright;
using PerfCluster.Target;
using PerfCluster.Tests.Api;
using PerfCluster.Tests.Reports;

namespace PerfCluster.Tests.Dashboard;

/// <summary>
/// The dashboard in a real browser (Debian's headless Chromium driven by Playwright): a run started from the
/// page's form is followed live, its charts fill, and the numbers on the page are the API's. With
/// PERFCLUSTER_SCREENSHOTS=DIR the test also saves the dashboard mid-run and a report.html as PNGs there
/// (how the README's screenshots are made).
/// </summary>
[Collection(ClusterCollection.Name)]
public class DashboardBrowserSpecs(ClusterFixture fixture)
{
    private const string Chromium = HtmlReportSpecs.Chromium;

    private static async Task<(IPlaywright, IBrowser)> LaunchAsync()
    {
        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
        return (playwright, browser);
    }

    [ChromiumFact]
    public async Task Should_start_a_run_from_the_page_follow_it_live_and_show_the_apis_numbers()
    {
        await using var target = await DemoTarget.StartAsync(new DemoTargetOptions(0, TimeSpan.FromMilliseconds(5), TimeSpan.Zero));
        var (playwright, browser) = await LaunchAsync();
        using var _ = playwright;
        await using var __ = browser;
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 1100 } });
        var consoleErrors = new List<string>();
        var offline = false;   // failed requests while the test cuts the network are expected
        page.Console += (_, m) => { if (m.Type == "error" && !offline) consoleErrors.Add(m.Text); };
        page.PageError += (_, e) => consoleErrors.Add(e);

        await using var proxy = new DroppingProxy(fixture.Coordinator.Api.Port);
        await page.GotoAsync(proxy.Url.ToString());
        await page.FillAsync("#scenario", $"""
            name = "dashboard"
            target = "{target.BaseUrl}"
            concurrent-users = 4
            duration = 8s
            think-time = 10ms
            endpoints = [ "/api/v1/projects", "/api/v1/tasks" ]
            """);
        await page.ClickAsync("#start");

        // Live: requests counted and charts drawn while the run goes.
        await page.WaitForFunctionAsync("() => Number(document.getElementById('n-requests').textContent) > 0", null, new() { Timeout = 30_000 });
        await page.WaitForFunctionAsync("() => document.querySelectorAll('#charts svg').length >= 3", null, new() { Timeout = 30_000 });

        // The stream survives a reconnect: cut every connection of the page, see it say so, and the numbers
        // go on from the run's state (re-read on reconnect), not from zero.
        await page.WaitForFunctionAsync("() => document.getElementById('conn').textContent === 'live'", null, new() { Timeout = 15_000 });
        var before = long.Parse((await page.TextContentAsync("#n-requests"))!, System.Globalization.CultureInfo.InvariantCulture);
        offline = true;
        proxy.DropAll();
        await page.WaitForFunctionAsync("() => document.getElementById('conn').textContent.startsWith('reconnecting')", null, new() { Timeout = 15_000 });
        await page.WaitForFunctionAsync("() => document.getElementById('conn').textContent === 'live' || document.getElementById('conn').textContent === 'run ended'",
            null, new() { Timeout = 30_000 });
        offline = false;
        await page.WaitForFunctionAsync($"() => Number(document.getElementById('n-requests').textContent) > {before}", null, new() { Timeout = 30_000 });
        var shots = Environment.GetEnvironmentVariable("PERFCLUSTER_SCREENSHOTS");
        if (shots is { Length: > 0 })
        {
            await page.WaitForFunctionAsync("() => parseInt(document.getElementById('n-elapsed').textContent) >= 6", null, new() { Timeout = 30_000 });
            await Task.Delay(1500);   // the next chart refresh
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(shots, "dashboard.png"), FullPage = true });
        }
        await page.WaitForFunctionAsync("() => document.getElementById('n-state').textContent === 'completed'", null, new() { Timeout = 60_000 });

        var id = await page.EvalOnSelectorAsync<string>("#runs tr.selected", "row => row.dataset.id");
        var (_, detail, _) = await fixture.Coordinator.GetAsync($"api/runs/{id}");
        var requests = detail.GetProperty("results")[0].GetProperty("statistics").GetProperty("overall").GetProperty("requests").GetInt64();
        Assert.Equal(requests.ToString(System.Globalization.CultureInfo.InvariantCulture), await page.TextContentAsync("#n-requests"));
        Assert.Equal(target.TotalServed, requests);
        Assert.Contains("4", await page.TextContentAsync("#n-users"));
        Assert.Contains(fixture.Worker.Address, await page.TextContentAsync("#members"));
        Assert.Empty(consoleErrors);

        if (shots is { Length: > 0 })
        {
            await page.GotoAsync($"{fixture.Coordinator.ApiText}/api/runs/{id}/report?format=html");
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(shots, "report.png"), FullPage = false });
        }
    }

    [ChromiumFact]
    public async Task Should_show_a_bad_scenario_as_the_apis_problem_without_starting_a_run()
    {
        var (playwright, browser) = await LaunchAsync();
        using var _ = playwright;
        await using var __ = browser;
        var page = await browser.NewPageAsync();

        await page.GotoAsync(fixture.Coordinator.ApiText);
        await page.FillAsync("#scenario", "name = broken\nconcurent-users = 3");
        await page.ClickAsync("#start");

        await page.WaitForFunctionAsync("() => document.getElementById('error').textContent.length > 0", null, new() { Timeout = 15_000 });
        Assert.Contains("did you mean 'concurrent-users'", await page.TextContentAsync("#error"));
    }
}
