using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Net.Http.Json;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using ClickAnalytics.AspNetCore.Api;
using ClickAnalytics.AspNetCore.Tests.Support;
using ClickAnalytics.Querying;
using ClickAnalytics.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace ClickAnalytics.AspNetCore.Tests.Api;

/// <summary>The query API over HTTP on a real DuckDB file: secured by the host's policy, scoped by the host's tenant.</summary>
[TestFixture]
public sealed class ClickAnalyticsApiTests
{
    private static readonly DateTimeOffset Day = new(2026, 11, 2, 10, 0, 0, TimeSpan.Zero);
    private SecuredTestHost _host = null!;

    [SetUp]
    public void CreateHost() => _host = new SecuredTestHost("clickanalytics-api-");

    [TearDown]
    public async Task StopAsync() => await _host.DisposeAsync();

    /// <summary>The secured host with the API mapped at /analytics and six clicks of two tenants stored.</summary>
    private async Task<HttpClient> StartAsync(Action<ClickAnalyticsApiOptions> api)
    {
        HttpClient client = await _host.StartAsync(app => app.MapClickAnalyticsApi("/analytics", api));
        IClickStore store = _host.App.Services.GetRequiredService<IClickStore>();
        await store.WriteAsync(
        [
            Click("home", "acme", "US"), Click("home", "acme", "US"), Click("docs", "acme", "DE"),
            Click("home", "globex", "FR"), Click("home", "globex", "FR"), Click("home", "globex", "=cmd()"),
        ], CancellationToken.None);
        return client;
    }

    private static EnrichedClick Click(string link, string tenant, string country) =>
        new(new ClickEvent { EventId = Guid.CreateVersion7(Day), Timestamp = Day, LinkId = link, TenantId = tenant }) { Country = country };

    private static ClickAnalyticsQuery Countries => new() { From = DateOnly.FromDateTime(Day.UtcDateTime), To = DateOnly.FromDateTime(Day.UtcDateTime), Dimensions = ["country"] };

    private static HttpRequestMessage Query(object body, string? tenant, string path = "/analytics/query")
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body, options: JsonSerializerOptions.Web) };
        if (tenant is not null)
        {
            request.Headers.Add("X-Tenant", tenant);
        }

        return request;
    }

    [Test]
    public void Mapping_the_api_without_a_policy_or_an_explicit_anonymous_choice_fails()
    {
        var builder = WebApplication.CreateBuilder();
        builder.Services.AddClickAnalytics();
        using WebApplication app = builder.Build();

        var error = Assert.Throws<InvalidOperationException>(() => app.MapClickAnalyticsApi("/analytics", _ => { }))!;

        Assert.That(error.Message, Does.Contain("AuthorizationPolicy").And.Contain("AllowAnonymous"));
    }

    [Test]
    public async Task Without_the_policy_every_endpoint_is_refused()
    {
        HttpClient client = await StartAsync(api => api.AuthorizationPolicy = "analytics");

        HttpResponseMessage query = await client.SendAsync(Query(Countries, tenant: null));
        HttpResponseMessage csv = await client.SendAsync(Query(Countries, tenant: null, "/analytics/query.csv"));
        HttpResponseMessage export = await client.GetAsync("/analytics/export/clicks?from=2026-11-02&to=2026-11-02");

        Assert.That(new[] { query.StatusCode, csv.StatusCode, export.StatusCode }, Is.All.EqualTo(HttpStatusCode.Unauthorized));
    }

    [Test]
    public async Task The_tenant_comes_from_the_host_never_from_the_body()
    {
        HttpClient client = await StartAsync(api =>
        {
            api.AuthorizationPolicy = "analytics";
            api.Tenant = http => http.User.FindFirst("tenant")?.Value;
        });

        HttpResponseMessage response = await client.SendAsync(Query(Countries with { TenantId = "globex" }, tenant: "acme"));
        ClickAnalyticsResult? result = await response.Content.ReadFromJsonAsync<ClickAnalyticsResult>(JsonSerializerOptions.Web);

        Assert.That(
            result!.Rows.Select(r => (r.Dimensions[0], r.Metrics[0])),
            Is.EqualTo(new[] { ("US", 2L), ("DE", 1L) }), "acme's clicks only, although the body asked for globex");
    }

    [Test]
    public async Task A_user_without_a_tenant_is_refused_when_tenants_are_enforced()
    {
        HttpClient client = await StartAsync(api =>
        {
            api.AuthorizationPolicy = "analytics";
            api.Tenant = http => http.User.FindFirst("tenant")?.Value;
        });

        HttpResponseMessage response = await client.SendAsync(Query(Countries, tenant: "-"));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
    }

    [Test]
    public async Task A_bad_query_answers_400_with_every_problem()
    {
        HttpClient client = await StartAsync(api => api.AllowAnonymous = true);

        HttpResponseMessage response = await client.SendAsync(Query(new { dimensions = new[] { "planet" }, timeZone = "Mars/Olympus", limit = 0 }, tenant: null));
        JsonElement problem = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Multiple(() =>
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
            Assert.That(problem.GetProperty("errors").GetProperty("query").GetArrayLength(), Is.EqualTo(3));
            Assert.That(problem.GetProperty("detail").GetString(), Does.Contain("Unknown time zone 'Mars/Olympus'"));
        });
    }

    [Test]
    public async Task The_answer_exports_as_csv_with_formulas_defused()
    {
        HttpClient client = await StartAsync(api => api.AllowAnonymous = true);

        HttpResponseMessage response = await client.SendAsync(Query(Countries with { Metrics = ["clicks", "uniqueVisitors"] }, tenant: null, "/analytics/query.csv"));
        string csv = await response.Content.ReadAsStringAsync();

        Assert.Multiple(() =>
        {
            Assert.That(response.Content.Headers.ContentType!.MediaType, Is.EqualTo("text/csv"));
            Assert.That(csv, Is.EqualTo("country,clicks,uniqueVisitors\r\nFR,2,0\r\nUS,2,0\r\n'=cmd(),1,0\r\nDE,1,0\r\n"));
        });
    }

    [Test]
    public async Task The_raw_export_streams_the_tenants_clicks_with_every_column()
    {
        HttpClient client = await StartAsync(api =>
        {
            api.AuthorizationPolicy = "analytics";
            api.Tenant = http => http.User.FindFirst("tenant")?.Value;
        });
        var request = new HttpRequestMessage(HttpMethod.Get, "/analytics/export/clicks?from=2026-11-01&to=2026-11-03");
        request.Headers.Add("X-Tenant", "globex");

        HttpResponseMessage response = await client.SendAsync(request);
        string[] lines = (await response.Content.ReadAsStringAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        string[] header = lines[0].Split(',');

        Assert.Multiple(() =>
        {
            Assert.That(header, Is.EqualTo(ClickSchema.Columns.Select(c => c.Name).Append("dimensions")));
            Assert.That(lines, Has.Length.EqualTo(4), "globex's three clicks");
            Assert.That(lines.Skip(1).Select(l => l.Split(',')[Array.IndexOf(header, "tenant_id")]), Is.All.EqualTo("globex"));
            Assert.That(response.Content.Headers.ContentDisposition!.FileName, Does.Contain("clicks-2026-11-01-2026-11-03.csv"));
        });
    }

    [Test]
    public async Task The_raw_export_as_parquet_reads_back_in_duckdb_with_the_stored_values_and_types()
    {
        HttpClient client = await StartAsync(api => api.AllowAnonymous = true);
        IClickStore store = _host.App.Services.GetRequiredService<IClickStore>();
        EnrichedClick full = Testing.Storage.ContractClicks.Full(3, Day.AddHours(2));
        full.SetDimension("plan", "pro \"plus\"");
        await store.WriteAsync([full], CancellationToken.None);

        HttpResponseMessage response = await client.GetAsync("/analytics/export/clicks?from=2026-11-02&to=2026-11-02&format=parquet");
        string file = Path.Combine(_host.Folder, "export.parquet");
        await File.WriteAllBytesAsync(file, await response.Content.ReadAsByteArrayAsync());
        var stored = new List<StoredClick>();
        await foreach (StoredClick click in store.ReadDayAsync(new DateOnly(2026, 11, 2), CancellationToken.None))
        {
            stored.Add(click);
        }

        // An independent reader: DuckDB's own Parquet reader, in a database of its own.
        using var duck = new DuckDB.NET.Data.DuckDBConnection("Data Source=:memory:");
        duck.Open();
        using var command = duck.CreateCommand();
        command.CommandText = $"SELECT * FROM read_parquet('{file}') ORDER BY event_id";
        using var reader = command.ExecuteReader();
        var rows = new List<Dictionary<string, object>>();
        while (reader.Read())
        {
            rows.Add(Enumerable.Range(0, reader.FieldCount).ToDictionary(reader.GetName, reader.GetValue));
        }

        Assert.Multiple(() =>
        {
            Assert.That(response.Content.Headers.ContentType!.MediaType, Is.EqualTo("application/vnd.apache.parquet"));
            Assert.That(rows, Has.Count.EqualTo(stored.Count).And.Count.EqualTo(7));
            foreach (StoredClick click in stored)
            {
                Dictionary<string, object> row = rows.Single(r => (Guid)r["event_id"] == click.EventId);
                for (int i = 0; i < ClickSchema.Columns.Count; i++)
                {
                    object expected = click.Values[i] is DateOnly d ? d.ToDateTime(TimeOnly.MinValue) : click.Values[i];
                    object actual = row[ClickSchema.Columns[i].Name] is DateOnly a ? a.ToDateTime(TimeOnly.MinValue) : row[ClickSchema.Columns[i].Name];
                    Assert.That(actual, Is.EqualTo(expected), ClickSchema.Columns[i].Name);
                }

                Assert.That(row["plan"], Is.EqualTo(click.Dimensions["plan"]));
            }
        });
    }

    [Test]
    public async Task An_export_in_a_format_the_host_does_not_offer_answers_400_and_says_which_it_offers()
    {
        HttpClient client = await StartAsync(api => api.AllowAnonymous = true);

        HttpResponseMessage response = await client.GetAsync("/analytics/export/clicks?from=2026-11-02&to=2026-11-02&format=xlsx");
        string body = await response.Content.ReadAsStringAsync();

        Assert.Multiple(() =>
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
            Assert.That(body, Does.Contain("csv, parquet"));
        });
    }

    [TestCase("2026-11-01", "2026-10-01")]
    [TestCase("2026-01-01", "2026-12-31")]
    [TestCase("yesterday", "2026-12-31")]
    public async Task An_export_of_a_bad_range_answers_400(string from, string to)
    {
        HttpClient client = await StartAsync(api => api.AllowAnonymous = true);

        HttpResponseMessage response = await client.GetAsync($"/analytics/export/clicks?from={from}&to={to}");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
    }
}
