using System;
using System.Globalization;
using System.Linq;
using System.Text.RegularExpressions;
using System.Threading;
using ClickAnalytics;
using ClickAnalytics.Querying;
using ClickAnalytics.Sample.Shortener;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

// "seed [count]" fills the store with a realistic day of clicks and exits (see DemoClicks).
bool seed = args.Length > 0 && args[0] == "seed";
string[] seedArguments = seed ? args[1..] : [];
var builder = WebApplication.CreateBuilder(seed ? [] : args);

builder.Services.AddSingleton<LinkStore>();
builder.Services.AddSingleton<RecentClicks>();
builder.Services.AddSingleton(TimeProvider.System);
IClickAnalyticsBuilder analytics = builder.Services.AddClickAnalytics();
if (!string.IsNullOrEmpty(builder.Configuration["ClickAnalytics:Redis:Configuration"]))
{
    // A web node of a larger deployment: clicks go to a Redis stream for the workers
    // (samples/ClickAnalytics.Sample.Worker); set ClickAnalytics:ProcessingEnabled=false here.
    analytics.UseRedisStreams();
}

analytics.AddDuckDb();
analytics.AddParquetExport();   // GET /analytics/export/clicks?...&format=parquet

builder.Services.Configure<ForwardedHeadersOptions>(options =>
{
    // Only the loopback proxy (the default KnownProxies) is trusted; add your load balancer here.
    options.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
});

builder.Services.AddOpenApi();   // the query API describes itself at /openapi/v1.json

var app = builder.Build();
app.UseForwardedHeaders();
app.MapOpenApi();
app.MapHealthChecks("/health");   // the processor, the store (and Redis) report here

// The query API (POST /analytics/query, /analytics/query.csv, GET /analytics/export/clicks).
// The sample has no users, so it serves the API to anyone; a real host names its policy
// (api.AuthorizationPolicy = "analytics") and the tenant of each user (api.Tenant = http => …).
app.MapClickAnalyticsApi("/analytics", api => api.AllowAnonymous = true);

// The dashboard, secured like the API above (the sample's: open to anyone).
app.MapClickAnalyticsDashboard("/analytics/dashboard");

app.MapPost("/api/links", (CreateLink request, LinkStore links) =>
{
    if (!Uri.TryCreate(request.Url, UriKind.Absolute, out Uri? url) || url.Scheme is not ("http" or "https"))
    {
        return Results.Problem("url must be an absolute http(s) URL.", statusCode: StatusCodes.Status400BadRequest);
    }

    if (string.IsNullOrEmpty(request.Code))
    {
        Link created = links.Add(url);
        return Results.Created($"/{created.Code}", new { code = created.Code });
    }

    if (!ShortCode.IsValid(request.Code))
    {
        return Results.Problem("code must be 1-64 characters of letters, digits, '-' or '_'.", statusCode: StatusCodes.Status400BadRequest);
    }

    // Re-using a code is a conscious choice: its clicks so far stay with the code, whatever the new URL.
    return links.TryAdd(request.Code, url, out Link link, replace: request.Replace)
        ? Results.Created($"/{link.Code}", new { code = link.Code })
        : Results.Problem($"code '{request.Code}' is taken (by {link.Url}); send \"replace\": true to point it elsewhere.", statusCode: StatusCodes.Status409Conflict);
});

app.MapGet("/api/links", (LinkStore links) => links.All());

app.MapGet("/api/links/{code}/clicks", async (string code, string? from, string? to, bool? includeBots, bool? includeRepeats,
    LinkStore links, IClickQueries queries, TimeProvider time, CancellationToken cancellationToken) =>
{
    if (links.Find(code) is null)
    {
        return Results.NotFound();
    }

    DateOnly today = DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);
    if (!TryParseDay(from, today.AddDays(-29), out DateOnly fromDay) || !TryParseDay(to, today, out DateOnly toDay))
    {
        return Results.Problem("from and to are dates in the form YYYY-MM-DD.", statusCode: StatusCodes.Status400BadRequest);
    }

    var query = new ClickQuery
    {
        LinkId = code,
        From = fromDay,
        To = toDay,
        IncludeBots = includeBots ?? false,
        IncludeRepeats = includeRepeats ?? false,
    };
    try
    {
        query.Validate();
    }
    catch (ArgumentException ex)
    {
        return Results.Problem(ex.Message, statusCode: StatusCodes.Status400BadRequest);
    }

    var days = await queries.GetDailyClicksAsync(query, cancellationToken);
    return Results.Ok(days.Select(d => new { date = d.Date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), clicks = d.Clicks }));
});

// What the store holds for a link's latest clicks: every enrichment column, never the raw IP.
app.MapGet("/api/links/{code}/clicks/recent", async (string code, int? limit, LinkStore links, RecentClicks recent, CancellationToken cancellationToken) =>
    links.Find(code) is null
        ? Results.NotFound()
        : Results.Ok(await recent.ReadAsync(code, Math.Clamp(limit ?? 20, 1, 500), cancellationToken)));

// HEAD too: link-preview fetchers often check a link with HEAD first; those clicks are kept and flagged.
app.MapMethods("/{code}", ["GET", "HEAD"], (string code, LinkStore links) =>
    links.Find(code) is { } link ? Results.Redirect(link.Url) : Results.NotFound())
    .TrackClicks();

if (seed)
{
    await DemoClicks.RunAsync(app, seedArguments);
    return;
}

app.Run();

static bool TryParseDay(string? value, DateOnly fallback, out DateOnly day)
{
    if (string.IsNullOrEmpty(value))
    {
        day = fallback;
        return true;
    }

    return DateOnly.TryParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out day);
}

/// <summary>Body of <c>POST /api/links</c>.</summary>
internal sealed record CreateLink(string? Url, string? Code, bool Replace = false);

internal static partial class ShortCode
{
    public static bool IsValid(string code) => Pattern().IsMatch(code);

    [GeneratedRegex("^[A-Za-z0-9_-]{1,64}$")]
    private static partial Regex Pattern();
}

/// <summary>Lets tests start the sample in memory.</summary>
public partial class Program;
