using System;
using System.Net;
using System.Net.Http;
using System.Threading.Tasks;
using ClickAnalytics.AspNetCore.Tests.Support;
using Microsoft.AspNetCore.Builder;

namespace ClickAnalytics.AspNetCore.Tests.Dashboard;

/// <summary>The dashboard's page and assets over HTTP: secured like the API, cached by validators, typed and compressed.</summary>
[TestFixture]
public sealed class ClickAnalyticsDashboardTests
{
    private SecuredTestHost _host = null!;

    [SetUp]
    public void CreateHost() => _host = new SecuredTestHost("clickanalytics-dashboard-");

    [TearDown]
    public async Task StopAsync() => await _host.DisposeAsync();

    private Task<HttpClient> StartAsync(Action<WebApplication> map) => _host.StartAsync(map);

    private static HttpRequestMessage Get(string path, string? tenant = null, string? ifNoneMatch = null, bool gzip = false)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (tenant is not null)
        {
            request.Headers.Add("X-Tenant", tenant);
        }

        if (ifNoneMatch is not null)
        {
            request.Headers.TryAddWithoutValidation("If-None-Match", ifNoneMatch);
        }

        if (gzip)
        {
            request.Headers.TryAddWithoutValidation("Accept-Encoding", "gzip, br");
        }

        return request;
    }

    [Test]
    public async Task The_dashboard_takes_the_policy_and_tenant_of_the_api_beside_it()
    {
        HttpClient client = await StartAsync(app =>
        {
            app.MapClickAnalyticsApi("/analytics", api =>
            {
                api.AuthorizationPolicy = "analytics";
                api.Tenant = http => http.User.FindFirst("tenant")?.Value;
            });
            app.MapClickAnalyticsDashboard("/analytics/dashboard");
        });

        HttpResponseMessage anonymous = await client.SendAsync(Get("/analytics/dashboard/"));
        HttpResponseMessage anonymousAsset = await client.SendAsync(Get("/analytics/dashboard/assets/dashboard.js"));
        HttpResponseMessage withoutTenant = await client.SendAsync(Get("/analytics/dashboard/", tenant: "-"));
        HttpResponseMessage page = await client.SendAsync(Get("/analytics/dashboard/", tenant: "acme"));
        HttpResponseMessage noSlash = await client.SendAsync(Get("/analytics/dashboard?range=7d", tenant: "acme"));
        string html = await page.Content.ReadAsStringAsync();

        Assert.Multiple(() =>
        {
            Assert.That(anonymous.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
            Assert.That(anonymousAsset.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
            Assert.That(withoutTenant.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden), "a user without a tenant");
            Assert.That(page.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(page.Content.Headers.ContentType!.MediaType, Is.EqualTo("text/html"));
            Assert.That(page.Headers.GetValues("Content-Security-Policy"), Has.One.Contains("script-src 'self'"));
            Assert.That(html, Does.Contain("<meta name=\"clickanalytics-api\" content=\"../\">"), "the API relative to the page's folder");
            Assert.That(html, Does.Not.Contain("{{"), "every setting is filled in");
            Assert.That(html, Does.Not.Contain("<script>"), "no inline script");
            Assert.That(noSlash.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
            Assert.That(noSlash.Headers.Location!.OriginalString, Is.EqualTo("dashboard/?range=7d"), "a relative redirect keeps a path base and the view");
        });
    }

    [Test]
    public async Task Without_an_api_or_a_policy_the_mapping_fails_and_says_what_to_do()
    {
        InvalidOperationException? error = await Assert.ThrowsAsync<InvalidOperationException>(() => StartAsync(app => app.MapClickAnalyticsDashboard("/stats/dashboard")));
        Assert.That(error!.Message, Does.Contain("MapClickAnalyticsApi(\"/stats\"").And.Contain("AuthorizationPolicy"));
    }

    [Test]
    public async Task Assets_have_their_types_validators_and_gzip()
    {
        HttpClient client = await StartAsync(app => app.MapClickAnalyticsDashboard("/board", d => { d.AllowAnonymous = true; d.ApiPath = "/api/clicks"; }));
        string html = await client.GetStringAsync("/board/");
        HttpResponseMessage script = await client.SendAsync(Get("/board/assets/uPlot.iife.min.js"));
        string etag = script.Headers.ETag!.Tag;
        HttpResponseMessage again = await client.SendAsync(Get("/board/assets/uPlot.iife.min.js", ifNoneMatch: etag));
        string version = etag.Trim('"');
        HttpResponseMessage versioned = await client.SendAsync(Get("/board/assets/uPlot.iife.min.js?v=" + version, gzip: true));
        HttpResponseMessage css = await client.SendAsync(Get("/board/assets/dashboard.css"));
        HttpResponseMessage missing = await client.SendAsync(Get("/board/assets/secrets.json"));
        byte[] plain = await script.Content.ReadAsByteArrayAsync();
        byte[] compressed = await versioned.Content.ReadAsByteArrayAsync();

        Assert.Multiple(() =>
        {
            Assert.That(html, Does.Contain("content=\"../api/clicks/\""));
            Assert.That(html, Does.Contain("assets/uPlot.iife.min.js?v=" + version), "the page names the version it was built with");
            Assert.That(script.Content.Headers.ContentType!.MediaType, Is.EqualTo("text/javascript"));
            Assert.That(System.Text.Encoding.UTF8.GetString(plain), Does.StartWith("/*! https://github.com/leeoniya/uPlot (v1.6.32) */"));
            Assert.That(script.Headers.CacheControl!.Private && script.Headers.CacheControl.NoCache, Is.True, "revalidated each time, kept by no shared cache");
            Assert.That(again.StatusCode, Is.EqualTo(HttpStatusCode.NotModified));
            Assert.That(versioned.Headers.CacheControl!.ToString(), Does.Contain("immutable"));
            Assert.That(versioned.Headers.CacheControl.Private, Is.True);
            Assert.That(versioned.Content.Headers.ContentEncoding, Is.EqualTo(new[] { "gzip" }));
            Assert.That(compressed, Has.Length.LessThan(plain.Length / 2));
            Assert.That(css.Content.Headers.ContentType!.MediaType, Is.EqualTo("text/css"));
            Assert.That(missing.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        });
    }

    [TestCase("/analytics/dashboard", "/analytics", "../")]
    [TestCase("/dashboard", "/analytics", "../analytics/")]
    [TestCase("/admin/clicks", "/api/v1/analytics", "../../api/v1/analytics/")]
    [TestCase("/analytics", "/analytics", "./")]
    public void The_api_is_found_relative_to_the_page(string dashboard, string api, string expected) =>
        Assert.That(ClickAnalyticsDashboardEndpointRouteBuilderExtensions.RelativeApi(dashboard, api), Is.EqualTo(expected));
}
