using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net.Http;
using System.Net.Http.Json;
using System.Text.Json;
using System.Threading.Tasks;
using ClickAnalytics.Sample.Shortener;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace ClickAnalytics.Dashboard.Tests.Support;

/// <summary>
/// The sample shortener on a real Kestrel port, with its own DuckDB file, the real country database,
/// and a day of clicks seeded the way <c>dotnet run -- seed</c> seeds it (through the buffer,
/// enrichment and store).
/// </summary>
public sealed class SeededSample : IAsyncDisposable
{
    public const int Clicks = 3000;

    private readonly WebApplicationFactory<Program> _factory;
    private readonly string _folder;

    private SeededSample(WebApplicationFactory<Program> factory, string folder, Uri address, int seeded)
    {
        _factory = factory;
        _folder = folder;
        Address = address;
        Seeded = seeded;
        Http = new HttpClient { BaseAddress = address };
    }

    /// <summary>Where the sample listens (http://127.0.0.1:port/).</summary>
    public Uri Address { get; }

    /// <summary>How many clicks the buffer took.</summary>
    public int Seeded { get; }

    public HttpClient Http { get; }

    public string Dashboard(string query = "") => new Uri(Address, "analytics/dashboard/" + query).ToString();

    public static async Task<SeededSample> StartAsync()
    {
        string folder = Directory.CreateTempSubdirectory("clickanalytics-dashboard-").FullName;
        var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(web =>
        {
            web.UseSetting("ClickAnalytics:DuckDb:Path", Path.Combine(folder, "clicks.duckdb"));
            web.UseSetting("ClickAnalytics:Geo:DatabasePath", Path.Combine(AppContext.BaseDirectory, "npm-data", "geo-whois-asn-country.mmdb"));
            web.UseSetting("ClickAnalytics:BatchMaxWait", "00:00:00.050");
        });
        factory.UseKestrel(options => options.Listen(System.Net.IPAddress.Loopback, 0));
        factory.StartServer();
        string address = factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        int seeded = DemoClicks.Seed(factory.Services, TimeProvider.System.GetUtcNow(), Clicks);
        var sample = new SeededSample(factory, folder, new Uri(address.TrimEnd('/') + "/"), seeded);
        await Eventually.UntilAsync(async () => await sample.StoredAsync() == seeded, TimeSpan.FromSeconds(60), $"the {seeded} seeded clicks are stored");
        return sample;
    }

    /// <summary>Every stored click of the demo links, bots and repeats included (the sample's uncached per-link endpoint).</summary>
    private async Task<long> StoredAsync()
    {
        string from = DateTime.UtcNow.AddDays(-2).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        long total = 0;
        foreach (Link link in DemoClicks.Links)
        {
            var days = await Http.GetFromJsonAsync<List<JsonElement>>($"api/links/{link.Code}/clicks?from={from}&includeBots=true&includeRepeats=true");
            total += days!.Sum(d => d.GetProperty("clicks").GetInt64());
        }

        return total;
    }

    /// <summary>The query API's answer to <paramref name="query"/>.</summary>
    public async Task<JsonElement> QueryAsync(object query)
    {
        HttpResponseMessage response = await Http.PostAsJsonAsync("analytics/query", query, JsonSerializerOptions.Web);
        string body = await response.Content.ReadAsStringAsync();
        Assert.That(response.IsSuccessStatusCode, Is.True, body);
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _factory.DisposeAsync();
        Directory.Delete(_folder, recursive: true);
    }
}

/// <summary>What the page shows, read from its elements.</summary>
public static class PageReading
{
    /// <summary>Waits until the page shows a complete view (<c>ready</c>, <c>empty</c> or <c>error</c>).</summary>
    public static Task WaitForViewAsync(IPage page, string state = "ready") =>
        page.WaitForFunctionAsync("s => document.documentElement.dataset.state === s", state, new PageWaitForFunctionOptions { Timeout = 30_000 });

    public static async Task<long> KpiAsync(IPage page, string metric) =>
        long.Parse(await page.Locator($".kpi[data-kpi='{metric}'] .value").GetAttributeAsync("data-raw") ?? "", System.Globalization.CultureInfo.InvariantCulture);

    public static async Task<long> PreviousKpiAsync(IPage page, string metric) =>
        long.Parse(await page.Locator($".kpi[data-kpi='{metric}'] .change").GetAttributeAsync("data-raw") ?? "", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Each visible breakdown: its dimension and its rows as (value, clicks).</summary>
    public static async Task<Dictionary<string, List<(string Value, long Clicks)>>> BreakdownsAsync(IPage page)
    {
        JsonElement panels = await page.EvaluateAsync<JsonElement>("""
            () => [...document.querySelectorAll('section.breakdown')].filter(s => !s.hidden).map(s => ({
                dimension: s.dataset.dimension,
                rows: [...s.querySelectorAll('button.bar')].map(b => ({ value: b.dataset.value, clicks: Number(b.dataset.clicks) }))
            }))
            """);
        return panels.EnumerateArray().ToDictionary(
            p => p.GetProperty("dimension").GetString()!,
            p => p.GetProperty("rows").EnumerateArray().Select(r => (r.GetProperty("value").GetString()!, r.GetProperty("clicks").GetInt64())).ToList());
    }

    /// <summary>The API's rows for a breakdown as the page asks for it.</summary>
    public static List<(string Value, long Clicks)> Rows(JsonElement answer) =>
        answer.GetProperty("rows").EnumerateArray()
            .Select(r => (r.GetProperty("dimensions")[0].GetString()!, r.GetProperty("metrics")[0].GetInt64())).ToList();

    public static long Total(JsonElement answer, int metric = 0) => answer.GetProperty("totals")[metric].GetInt64();
}
