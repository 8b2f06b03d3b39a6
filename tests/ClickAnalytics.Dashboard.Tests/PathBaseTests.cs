using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.Threading.Tasks;
using ClickAnalytics.Buffering;
using ClickAnalytics.Dashboard.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Playwright;
using static ClickAnalytics.Dashboard.Tests.Support.PageReading;

namespace ClickAnalytics.Dashboard.Tests;

/// <summary>
/// A host that serves everything under a path base (as behind a reverse proxy that forwards
/// /shortener/…), with the API and the dashboard at paths of its choosing: the page finds its
/// assets and the API with relative URLs, and its live count follows new clicks without a reload.
/// </summary>
[TestFixture]
public sealed class PathBaseTests
{
    private string _folder = null!;
    private WebApplication _app = null!;
    private Uri _address = null!;
    private int _visitors;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _folder = Directory.CreateTempSubdirectory("clickanalytics-dashboard-base-").FullName;
        var builder = WebApplication.CreateBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Configuration["ClickAnalytics:BatchMaxWait"] = "00:00:00.050";
        builder.Configuration["ClickAnalytics:Query:LiveRangeCacheDuration"] = "00:00:00.200";
        builder.Services.AddClickAnalytics().AddDuckDb(o => o.Path = Path.Combine(_folder, "clicks.duckdb"));
        _app = builder.Build();
        _app.UsePathBase("/shortener");
        _app.MapClickAnalyticsApi("/stats/api", api => api.AllowAnonymous = true);
        _app.MapClickAnalyticsDashboard("/board", d =>
        {
            d.ApiPath = "/stats/api";
            d.LiveRefreshInterval = TimeSpan.FromMilliseconds(500);
            d.Title = "Shortener stats";
        });
        await _app.StartAsync();
        _address = new Uri(_app.Urls.First().TrimEnd('/') + "/");
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        await _app.DisposeAsync();
        Directory.Delete(_folder, recursive: true);
    }

    private void Capture(int count)
    {
        IClickBufferWriter buffer = _app.Services.GetRequiredService<IClickBufferWriter>();
        DateTimeOffset now = DateTimeOffset.UtcNow;
        for (int i = 0; i < count; i++)
        {
            // A new visitor each time: the same one again within seconds would be a repeat, which the count leaves out.
            int visitor = ++_visitors;
            buffer.TryWrite(new ClickEvent
            {
                EventId = Guid.CreateVersion7(now),
                Timestamp = now,
                LinkId = "hello",
                ClientIp = IPAddress.Parse($"73.10.200.{visitor}"),
                UserAgent = $"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.{visitor}.0 Safari/537.36",
            });
        }
    }

    [Test]
    public async Task Under_a_path_base_the_page_finds_its_api_and_its_live_count_follows_new_clicks()
    {
        Capture(3);
        IPage page = await Browser.NewPageAsync();
        var requested = new List<string>();
        page.Request += (_, request) => requested.Add(new Uri(request.Url).AbsolutePath);

        // Without its trailing slash the address is sent to the page's folder, under the path base.
        await page.GotoAsync(new Uri(_address, "shortener/board?range=today&tz=UTC").ToString());
        Assert.That(new Uri(page.Url).AbsolutePath, Is.EqualTo("/shortener/board/"));
        await page.WaitForFunctionAsync("() => document.querySelector('#live-count').dataset.raw === '3'", null, new PageWaitForFunctionOptions { Timeout = 30_000 });
        await WaitForViewAsync(page);
        Assert.That(await page.TitleAsync(), Is.EqualTo("Shortener stats"));
        Assert.That(await KpiAsync(page, "clicks"), Is.EqualTo(3));
        Assert.That(requested, Does.Contain("/shortener/stats/api/query"));
        Assert.That(requested, Does.Contain("/shortener/board/assets/uPlot.iife.min.js"));

        // New clicks appear in the live count without a reload (the marker would be gone after one).
        await page.EvaluateAsync("() => { window.sameDocument = true; }");
        Capture(4);
        await page.WaitForFunctionAsync("() => document.querySelector('#live-count').dataset.raw === '7'", null, new PageWaitForFunctionOptions { Timeout = 30_000 });
        Assert.That(await page.EvaluateAsync<bool>("() => window.sameDocument === true"), Is.True);
        await page.Context.CloseAsync();
    }
}
