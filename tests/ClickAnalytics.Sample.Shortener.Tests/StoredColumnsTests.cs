using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Net.Http.Json;
using System.Text.Json;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace ClickAnalytics.Sample.Shortener.Tests;

/// <summary>The sample's stored clicks carry every enrichment column, filled from real rules and data.</summary>
public class StoredColumnsTests
{
    private const string Chrome = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
    private const string Slackbot = "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)";

    private string _folder = null!;
    private WebApplicationFactory<Program> _factory = null!;

    [SetUp]
    public void SetUp()
    {
        _folder = Path.Combine(Path.GetTempPath(), "clickanalytics-sample-tests", Guid.NewGuid().ToString("N"));
        string countries = Path.Combine(AppContext.BaseDirectory, "npm-data", "geo-whois-asn-country.mmdb");
        _factory = new WebApplicationFactory<Program>().WithWebHostBuilder(web =>
        {
            web.UseSetting("ClickAnalytics:DuckDb:Path", Path.Combine(_folder, "clicks.duckdb"));
            web.UseSetting("ClickAnalytics:BatchMaxWait", "00:00:00.050");
            web.UseSetting("ClickAnalytics:Geo:DatabasePath", countries);
            // The test server has no socket: pretend every request comes through the loopback proxy the sample trusts.
            web.ConfigureServices(s => s.AddSingleton<IStartupFilter, LoopbackProxy>());
        });
    }

    [TearDown]
    public void TearDown()
    {
        _factory.Dispose();
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    [Test]
    public async Task Stored_clicks_carry_user_agent_bot_geo_referer_campaign_language_visitor_and_repeat_columns()
    {
        HttpClient client = _factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        await client.PostAsJsonAsync("/api/links", new { url = "https://example.com/spring", code = "cols" });

        await SendAsync(client, Chrome);
        await SendAsync(client, Chrome);     // the same visitor again within seconds: a repeat
        await SendAsync(client, Slackbot);   // a link-preview fetcher

        List<Dictionary<string, JsonElement>> rows = await WaitForRowsAsync(client, 3);
        Dictionary<string, JsonElement> first = rows.Single(r => r["browser_family"].GetString() == "Chrome" && !r["is_repeat"].GetBoolean());
        Dictionary<string, JsonElement> repeat = rows.Single(r => r["is_repeat"].GetBoolean());
        Dictionary<string, JsonElement> slack = rows.Single(r => r["is_bot"].GetBoolean());

        Assert.Multiple(() =>
        {
            Assert.That(first["timestamp"].GetString(), Does.Match(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$"), "ISO 8601 in UTC, with Z");
            Assert.That(first["os_family"].GetString(), Is.EqualTo("Windows"));
            Assert.That(first["device_type"].GetString(), Is.EqualTo("desktop"));
            Assert.That(first["bot_class"].GetString(), Is.EqualTo("human"));
            // 8.8.8.8 is in US according to mmdblookup on the same pinned database.
            Assert.That(first["country"].GetString(), Is.EqualTo("US"));
            Assert.That(first["referer_medium"].GetString(), Is.EqualTo("search"));
            Assert.That(first["referer_source"].GetString(), Is.EqualTo("Google"));
            Assert.That(first["search_term"].GetString(), Is.EqualTo("short links"));
            Assert.That(first["utm_source"].GetString(), Is.EqualTo("newsletter"));
            Assert.That(first["utm_campaign"].GetString(), Is.EqualTo("spring"));
            Assert.That(first["language"].GetString(), Is.EqualTo("fr"));
            Assert.That(first["visitor_id"].GetString(), Is.Not.Empty);
            Assert.That(first["ip"].GetString(), Is.Empty, "no raw IP by default");
            Assert.That(repeat["repeat_of"].GetString(), Is.EqualTo(first["event_id"].GetString()));
            Assert.That(repeat["visitor_id"].GetString(), Is.EqualTo(first["visitor_id"].GetString()));
            Assert.That(slack["bot_class"].GetString(), Is.EqualTo("link-preview"));
        });

        Assert.That(await TotalAsync(client, ""), Is.EqualTo(1), "people, unique clicks");
        Assert.That(await TotalAsync(client, "&includeBots=true&includeRepeats=true"), Is.EqualTo(3));
    }

    private static async Task SendAsync(HttpClient client, string userAgent)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/cols?utm_source=Newsletter&utm_campaign=spring");
        request.Headers.TryAddWithoutValidation("User-Agent", userAgent);
        request.Headers.TryAddWithoutValidation("Referer", "https://www.google.com/search?q=short+links");
        request.Headers.TryAddWithoutValidation("Accept-Language", "fr-CH, fr;q=0.9, en;q=0.8");
        request.Headers.TryAddWithoutValidation("X-Forwarded-For", "8.8.8.8");
        HttpResponseMessage response = await client.SendAsync(request);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
    }

    private static async Task<List<Dictionary<string, JsonElement>>> WaitForRowsAsync(HttpClient client, int count)
    {
        List<Dictionary<string, JsonElement>> rows = [];
        await Eventually.UntilAsync(async () =>
        {
            rows = (await client.GetFromJsonAsync<List<Dictionary<string, JsonElement>>>("/api/links/cols/clicks/recent"))!;
            return rows.Count >= count;
        }, $"{count} clicks are stored");
        Assert.That(rows, Has.Count.EqualTo(count));
        return rows;
    }

    private static async Task<long> TotalAsync(HttpClient client, string options)
    {
        var days = await client.GetFromJsonAsync<List<JsonElement>>("/api/links/cols/clicks?from=2026-01-01&to=2030-12-31" + options);
        return days!.Sum(d => d.GetProperty("clicks").GetInt64());
    }

    private sealed class LoopbackProxy : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((HttpContext context, RequestDelegate nextDelegate) =>
            {
                context.Connection.RemoteIpAddress = IPAddress.Loopback;
                return nextDelegate(context);
            });
            next(app);
        };
    }
}
