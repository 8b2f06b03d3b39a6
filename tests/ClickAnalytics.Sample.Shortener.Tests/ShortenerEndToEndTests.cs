using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Net.Http.Json;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace ClickAnalytics.Sample.Shortener.Tests;

public class ShortenerEndToEndTests
{
    private string _folder = null!;
    private WebApplicationFactory<Program> _factory = null!;

    [SetUp]
    public void SetUp()
    {
        _folder = Path.Combine(Path.GetTempPath(), "clickanalytics-sample-tests", Guid.NewGuid().ToString("N"));
        _factory = CreateFactory(_folder);
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

    private static WebApplicationFactory<Program> CreateFactory(string folder) =>
        new WebApplicationFactory<Program>().WithWebHostBuilder(web =>
        {
            web.UseSetting("ClickAnalytics:DuckDb:Path", Path.Combine(folder, "clicks.duckdb"));
            web.UseSetting("ClickAnalytics:BatchMaxWait", "00:00:00.050");
        });

    [Test]
    public async Task N_redirects_become_N_clicks_in_the_stats()
    {
        const int n = 37;
        HttpClient client = _factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

        HttpResponseMessage created = await client.PostAsJsonAsync("/api/links", new { url = "https://example.com/landing", code = "e2e" });
        Assert.That(created.StatusCode, Is.EqualTo(HttpStatusCode.Created));

        for (int i = 0; i < n; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/e2e");
            // Distinct desktop browsers: real people, not bots and not repeats of each other.
            request.Headers.TryAddWithoutValidation("User-Agent", $"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.{i}.0 Safari/537.36");
            HttpResponseMessage redirect = await client.SendAsync(request);
            Assert.That(redirect.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
            Assert.That(redirect.Headers.Location, Is.EqualTo(new Uri("https://example.com/landing")));
        }

        long total = await WaitForClicksAsync(client, "e2e", n);
        Assert.That(total, Is.EqualTo(n));
    }

    [Test]
    public async Task The_sample_api_answers_as_documented()
    {
        HttpClient client = _factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

        HttpResponseMessage generated = await client.PostAsJsonAsync("/api/links", new { url = "https://example.com/a" });
        string code = (await generated.Content.ReadFromJsonAsync<Dictionary<string, string>>())!["code"];
        HttpResponseMessage duplicate = await client.PostAsJsonAsync("/api/links", new { url = "https://example.com/b", code });
        HttpResponseMessage invalid = await client.PostAsJsonAsync("/api/links", new { url = "javascript:alert(1)" });
        HttpResponseMessage unknown = await client.GetAsync("/does-not-exist");
        HttpResponseMessage head = await client.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/" + code));
        var links = await client.GetFromJsonAsync<List<Dictionary<string, string>>>("/api/links");
        HttpResponseMessage badRange = await client.GetAsync($"/api/links/{code}/clicks?from=2026-13-01");

        Assert.Multiple(() =>
        {
            Assert.That(generated.StatusCode, Is.EqualTo(HttpStatusCode.Created));
            Assert.That(code, Has.Length.EqualTo(7));
            Assert.That(duplicate.StatusCode, Is.EqualTo(HttpStatusCode.Conflict));
            Assert.That(invalid.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
            Assert.That(unknown.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
            Assert.That(head.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
            Assert.That(links!.Single()["url"], Is.EqualTo("https://example.com/a"));
            Assert.That(badRange.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        });
    }

    [Test]
    public async Task Links_and_their_clicks_survive_a_restart_of_the_sample()
    {
        HttpClient client = _factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        await client.PostAsJsonAsync("/api/links", new { url = "https://example.com/r", code = "keep" });
        for (int i = 0; i < 5; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/keep");
            request.Headers.TryAddWithoutValidation("User-Agent", $"Mozilla/5.0 (Macintosh; Intel Mac OS X 14_{i}) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.{i} Safari/605.1.15");
            await client.SendAsync(request);
        }

        // Stopping the host drains the buffer into the file.
        await _factory.DisposeAsync();
        _factory = CreateFactory(_folder);
        HttpClient again = _factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        HttpResponseMessage redirect = await again.GetAsync("/keep");
        var days = await again.GetFromJsonAsync<List<DayClicks>>("/api/links/keep/clicks");
        HttpResponseMessage taken = await again.PostAsJsonAsync("/api/links", new { url = "https://example.com/other", code = "keep" });
        HttpResponseMessage replaced = await again.PostAsJsonAsync("/api/links", new { url = "https://example.com/other", code = "keep", replace = true });
        HttpResponseMessage moved = await again.GetAsync("/keep");

        Assert.Multiple(() =>
        {
            Assert.That(redirect.Headers.Location, Is.EqualTo(new Uri("https://example.com/r")), "the link is still there");
            Assert.That(days!.Sum(d => d.Clicks), Is.EqualTo(5));
            Assert.That(taken.StatusCode, Is.EqualTo(HttpStatusCode.Conflict), "a code in use is not taken over silently");
            Assert.That(replaced.StatusCode, Is.EqualTo(HttpStatusCode.Created));
            Assert.That(moved.Headers.Location, Is.EqualTo(new Uri("https://example.com/other")));
        });
    }

    [Test]
    public async Task The_query_api_counts_the_redirects_by_browser_and_as_csv_and_describes_itself()
    {
        HttpClient client = _factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        await client.PostAsJsonAsync("/api/links", new { url = "https://example.com/q", code = "q" });
        string[] agents =
        [
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.1.0 Safari/537.36",
            "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
        ];
        foreach (string agent in agents)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/q");
            request.Headers.TryAddWithoutValidation("User-Agent", agent);
            await client.SendAsync(request);
        }

        await WaitForClicksAsync(client, "q", agents.Length);
        var query = new { range = "today", dimensions = new[] { "browser" }, filters = new[] { new { dimension = "link", @operator = "is", values = new[] { "q" } } } };
        HttpResponseMessage answer = await client.PostAsJsonAsync("/analytics/query", query);
        string body = await answer.Content.ReadAsStringAsync();
        string csv = await (await client.PostAsJsonAsync("/analytics/query.csv", query)).Content.ReadAsStringAsync();
        string openApi = await client.GetStringAsync("/openapi/v1.json");
        string health = await client.GetStringAsync("/health");
        HttpResponseMessage farFuture = await client.GetAsync("/api/links/q/clicks?from=9999-12-31&to=9999-12-31");

        Assert.Multiple(() =>
        {
            Assert.That(answer.StatusCode, Is.EqualTo(HttpStatusCode.OK), body);
            Assert.That(body, Does.Contain("{\"dimensions\":[\"Chrome\"],\"metrics\":[2]").And.Contain("{\"dimensions\":[\"Firefox\"],\"metrics\":[1]"));
            Assert.That(csv, Is.EqualTo("browser,clicks\r\nChrome,2\r\nFirefox,1\r\n"));
            Assert.That(openApi, Does.Contain("/analytics/query"));
            Assert.That(health, Is.EqualTo("Healthy"), "the processor and the DuckDB store report");
            Assert.That(farFuture.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest), "a range past the last day the stores keep is a bad request, not a 500");
        });
    }

    private static async Task<long> WaitForClicksAsync(HttpClient client, string code, long expected)
    {
        long count = 0;
        await Eventually.UntilAsync(async () =>
        {
            count = (await client.GetFromJsonAsync<List<DayClicks>>($"/api/links/{code}/clicks"))!.Sum(d => d.Clicks);
            return count >= expected;
        }, $"{expected} clicks of '{code}' are stored");
        return count;
    }

    private sealed record DayClicks(string Date, long Clicks);

    [Test]
    public async Task With_a_Redis_configuration_the_sample_is_a_web_node_and_every_redirect_reaches_the_stream()
    {
        string redis = Environment.GetEnvironmentVariable("CLICKANALYTICS_TEST_REDIS") ?? "";
        if (redis.Length == 0)
        {
            Assert.Fail("CLICKANALYTICS_TEST_REDIS is not set: eng/test.sh starts Redis on loopback and sets it.");
        }

        string stream = "sample-web-node:" + Guid.NewGuid().ToString("N");
        using WebApplicationFactory<Program> webNode = new WebApplicationFactory<Program>().WithWebHostBuilder(web =>
        {
            web.UseSetting("ClickAnalytics:DuckDb:Path", Path.Combine(_folder, "web-node.duckdb"));
            web.UseSetting("ClickAnalytics:ProcessingEnabled", "false");
            web.UseSetting("ClickAnalytics:Redis:Configuration", redis);
            web.UseSetting("ClickAnalytics:Redis:StreamKey", stream);
            web.UseSetting("ClickAnalytics:Redis:DeadLetterStreamKey", stream + ":dead");
        });
        HttpClient client = webNode.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        Assert.That((await client.PostAsJsonAsync("/api/links", new { url = "https://example.com/node", code = "node" })).StatusCode, Is.EqualTo(HttpStatusCode.Created));

        const int n = 25;
        for (int i = 0; i < n; i++)
        {
            HttpResponseMessage redirect = await client.GetAsync("/node");
            Assert.That(redirect.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
        }

        await using StackExchange.Redis.ConnectionMultiplexer connection = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(redis);
        StackExchange.Redis.IDatabase db = connection.GetDatabase();
        try
        {
            await Eventually.UntilAsync(async () => await db.StreamLengthAsync(stream) >= n, $"{n} entries are in the stream");
            Assert.That(await db.StreamLengthAsync(stream), Is.EqualTo(n), "one entry per redirect, produced by the web node");
        }
        finally
        {
            await db.KeyDeleteAsync([stream, stream + ":dead"]);
        }
    }
}
