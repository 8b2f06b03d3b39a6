using System;
using System.Threading;
using ClickAnalytics;
using ClickAnalytics.Enrichment;
using ClickAnalytics.LoadHost;
using ClickAnalytics.Querying;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

// The host that benchmarks/load/run.sh puts under load: a tracked and an untracked redirect that
// differ only in .TrackClicks(), the whole pipeline behind the first, and /stats to tell how many
// clicks arrived. What runs is chosen by configuration (the script sets it):
//   Load:Mode   all-in-one (default: capture, buffer, processor and store in this process)
//               web        (capture into a Redis stream; no processing here)
//               worker     (read the Redis stream, enrich, store; the redirects are not used)
//   Load:Store  duckdb (default) | none (a sink that counts the clicks and keeps none)
//   Load:Enrich all (default) | none (no enrichment stage runs)
var builder = WebApplication.CreateBuilder(args);
string mode = builder.Configuration["Load:Mode"] ?? "all-in-one";
bool discard = builder.Configuration["Load:Store"] == "none";

IClickAnalyticsBuilder analytics = builder.Services.AddClickAnalytics(options => options.ProcessingEnabled = mode != "web");
if (mode is "web" or "worker")
{
    analytics.UseRedisStreams();
}

if (discard)
{
    analytics.AddSink<CountingSink>();
}
else
{
    analytics.AddDuckDb();
}

if (builder.Configuration["Load:Enrich"] == "none")
{
    builder.Services.RemoveAll<IClickEnricher>();
}

builder.Services.AddSingleton<PipelineCounters>();

var app = builder.Build();
PipelineCounters counters = app.Services.GetRequiredService<PipelineCounters>();

app.MapGet("/{code}", static (string code) => Results.Redirect("https://example.com/landing")).TrackClicks();
app.MapGet("/untracked/{code}", static (string code) => Results.Redirect("https://example.com/landing"));

// Every count the harness compares with what it sent: stored (the store's own answer, bots and
// repeats included), discarded and enriched (Load:Store=none), and every loss the pipeline counts.
app.MapGet("/stats", async (IServiceProvider services, CancellationToken cancellationToken) =>
{
    long stored = -1;
    if (!discard && mode != "web")
    {
        DateOnly today = DateOnly.FromDateTime(DateTime.UtcNow);
        var totals = await services.GetRequiredService<IClickQueries>().GetLinkTotalsAsync(
            new ClickQuery { From = today.AddDays(-1), To = today.AddDays(1), IncludeBots = true, IncludeRepeats = true }, cancellationToken);
        stored = 0;
        foreach (LinkClicks link in totals)
        {
            stored += link.Clicks;
        }
    }

    CountingSink? sink = services.GetService<CountingSink>();
    return new
    {
        stored,
        discarded = sink?.Clicks ?? -1,
        enriched = sink?.Enriched ?? -1,
        captured = counters.Captured,
        dropped = counters.Dropped,
        failed = counters.Failed,
    };
});

app.Run();
