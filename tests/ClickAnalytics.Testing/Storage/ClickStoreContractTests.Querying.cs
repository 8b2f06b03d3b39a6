using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using ClickAnalytics.Querying;
using ClickAnalytics.Testing.Querying;
using Microsoft.Extensions.DependencyInjection;

namespace ClickAnalytics.Testing.Storage;

/// <summary>
/// The query contract: the store answers <see cref="IClickAnalytics"/> queries (through the library's
/// planner, uncached) exactly as <see cref="ReferenceAnswers"/> computes them from the clicks with
/// LINQ: every dimension, filter operator, flag, order, page, bucket and comparison, in UTC and in
/// three zones across their clock changes.
/// </summary>
public abstract partial class ClickStoreContractTests
{
    private static readonly string[] Zones = ["UTC", "America/New_York", "Europe/Berlin", "Asia/Kolkata"];

    private static readonly string[] AllMetrics = [ClickMetrics.Clicks, ClickMetrics.UniqueVisitors, ClickMetrics.Bots, ClickMetrics.Repeats];

    private static readonly DateOnly March = new(2026, 3, 5);
    private static readonly DateOnly AfterMarch = new(2026, 3, 31);
    private static readonly DateOnly October = new(2026, 10, 23);
    private static readonly DateOnly November = new(2026, 11, 3);

    [Test]
    public async Task Time_series_in_every_bucket_match_the_clicks_in_four_zones_across_clock_changes()
    {
        List<EnrichedClick> clicks = await LoadQueryDatasetAsync();
        var queries = new List<ClickAnalyticsQuery>();
        foreach (string zone in Zones)
        {
            foreach ((DateOnly from, DateOnly to) in new[] { (March, AfterMarch), (October, November), (new DateOnly(2026, 3, 8), new DateOnly(2026, 3, 8)) })
            {
                queries.Add(new ClickAnalyticsQuery { From = from, To = to, TimeZone = zone, Dimensions = ["time:day"], Metrics = AllMetrics });
                queries.Add(new ClickAnalyticsQuery { From = from, To = to, TimeZone = zone, Dimensions = ["time"] });
            }

            foreach (DateOnly day in new[] { new DateOnly(2026, 3, 8), new DateOnly(2026, 3, 29), new DateOnly(2026, 10, 25), new DateOnly(2026, 11, 1) })
            {
                queries.Add(new ClickAnalyticsQuery { From = day, To = day, TimeZone = zone, Dimensions = ["time:hour"], Metrics = AllMetrics, Limit = 100 });
            }

            queries.Add(new ClickAnalyticsQuery { From = new DateOnly(2026, 2, 20), To = new DateOnly(2026, 11, 20), TimeZone = zone, Dimensions = ["time:week"], Metrics = [ClickMetrics.Clicks, ClickMetrics.UniqueVisitors], Limit = 100 });
            queries.Add(new ClickAnalyticsQuery { From = new DateOnly(2026, 1, 1), To = new DateOnly(2026, 12, 31), TimeZone = zone, Dimensions = ["time:month"], Metrics = AllMetrics, IncludeBots = true });
            queries.Add(new ClickAnalyticsQuery { From = new DateOnly(2026, 1, 1), To = new DateOnly(2026, 12, 31), TimeZone = zone, Dimensions = ["time"] });
            queries.Add(new ClickAnalyticsQuery { From = March, To = AfterMarch, TimeZone = zone, Dimensions = ["time:day"], OrderBy = [new QueryOrder("clicks", Descending: true)], Limit = 7, Offset = 3 });
        }

        // Instants instead of days, and a range that starts within an hour.
        queries.Add(new ClickAnalyticsQuery { Start = new DateTimeOffset(2026, 3, 8, 5, 30, 0, TimeSpan.Zero), End = new DateTimeOffset(2026, 3, 9, 7, 0, 0, TimeSpan.Zero), TimeZone = "America/New_York", Dimensions = ["time:hour"], Metrics = AllMetrics });
        queries.Add(new ClickAnalyticsQuery { Start = new DateTimeOffset(2026, 10, 24, 22, 0, 0, TimeSpan.Zero), End = new DateTimeOffset(2026, 10, 26, 0, 0, 0, TimeSpan.Zero), TimeZone = "Europe/Berlin", Dimensions = ["time"] });

        await AssertAnswersAsync(clicks, queries);
    }

    [Test]
    public async Task Breakdowns_by_every_dimension_match_the_clicks_with_totals_and_pages()
    {
        List<EnrichedClick> clicks = await LoadQueryDatasetAsync();
        var queries = new List<ClickAnalyticsQuery>();
        IEnumerable<string> dimensions = ClickDimensions.Fixed.Keys.Append("custom:" + QueryClicks.CustomDimension).Append("custom:never_set");
        foreach (string dimension in dimensions)
        {
            queries.Add(new ClickAnalyticsQuery { From = March, To = November, TimeZone = "Europe/Berlin", Dimensions = [dimension], Metrics = AllMetrics });
            queries.Add(new ClickAnalyticsQuery { From = March, To = November, Dimensions = [dimension], Limit = 3, Offset = 2, IncludeBots = true });
            queries.Add(new ClickAnalyticsQuery { From = March, To = AfterMarch, Dimensions = [dimension], Metrics = [ClickMetrics.Bots], OrderBy = [new QueryOrder(dimension)] });
        }

        queries.Add(new ClickAnalyticsQuery { From = March, To = November, Dimensions = ["country", "deviceType"], Metrics = AllMetrics, Limit = 10, Offset = 5 });
        queries.Add(new ClickAnalyticsQuery { From = March, To = November, Dimensions = ["utmCampaign", "country", "time:day"], Metrics = [ClickMetrics.Clicks] });
        queries.Add(new ClickAnalyticsQuery { From = March, To = November, TimeZone = "America/New_York", Dimensions = ["time:day", "browser"], Metrics = AllMetrics, Limit = 50 });
        queries.Add(new ClickAnalyticsQuery { From = March, To = November, Dimensions = [], Metrics = AllMetrics });
        queries.Add(new ClickAnalyticsQuery { From = new DateOnly(2025, 1, 1), To = new DateOnly(2025, 1, 31), Dimensions = ["country"] });
        queries.Add(new ClickAnalyticsQuery { From = new DateOnly(2025, 1, 1), To = new DateOnly(2025, 1, 31), Dimensions = [] });
        foreach (string? tenant in new[] { "acme", "globex", "", "nobody" })
        {
            queries.Add(new ClickAnalyticsQuery { From = March, To = November, Dimensions = ["link"], Metrics = AllMetrics, TenantId = tenant });
            queries.Add(new ClickAnalyticsQuery { From = March, To = November, Dimensions = ["time:day"], TenantId = tenant, IncludeRepeats = true });
        }

        await AssertAnswersAsync(clicks, queries);
    }

    [Test]
    public async Task Filters_flags_and_orders_match_the_clicks()
    {
        List<EnrichedClick> clicks = await LoadQueryDatasetAsync();
        QueryFilter[][] filters =
        [
            [QueryFilter.Is("country", "US")],
            [QueryFilter.IsNot("country", "US", "DE")],
            [QueryFilter.In("browser", "Chrome", "Firefox", "Edge")],
            [QueryFilter.Contains("city", "ZÜR", "paulo")],
            [QueryFilter.Contains("link", "o'b"), QueryFilter.IsNot("deviceType", "desktop")],
            [QueryFilter.Is("utmCampaign", "autumn \\ sale")],
            [QueryFilter.Is("utmCampaign", "o'reilly")],
            [QueryFilter.Is("city", "")],
            [QueryFilter.Is("trigger", "qr")],
            [QueryFilter.In("trigger", "preview", "prefetch")],
            [QueryFilter.Is("custom:" + QueryClicks.CustomDimension, "team \"plus\"")],
            [QueryFilter.Is("custom:never_set", "")],
            [QueryFilter.Contains("refererHost", "%"), QueryFilter.Contains("refererHost", "_")],
            [QueryFilter.AnyOf(QueryFilter.Is("country", "GB"), QueryFilter.AllOf(QueryFilter.Is("country", "US"), QueryFilter.Is("os", "iOS")))],
            [QueryFilter.AnyOf(QueryFilter.Contains("refererSource", "goo"), QueryFilter.Is("utmMedium", "email")), QueryFilter.IsNot("language", "en-US")],
        ];
        var queries = new List<ClickAnalyticsQuery>();
        foreach (QueryFilter[] filter in filters)
        {
            foreach ((bool bots, bool repeats) in new[] { (false, false), (true, false), (false, true), (true, true) })
            {
                queries.Add(new ClickAnalyticsQuery { From = March, To = November, Dimensions = ["refererMedium"], Metrics = AllMetrics, Filters = filter, IncludeBots = bots, IncludeRepeats = repeats });
            }

            queries.Add(new ClickAnalyticsQuery { From = October, To = November, TimeZone = "America/New_York", Dimensions = ["time:day"], Filters = filter, Metrics = [ClickMetrics.UniqueVisitors, ClickMetrics.Clicks] });
        }

        queries.Add(new ClickAnalyticsQuery { From = March, To = November, Dimensions = ["city"], OrderBy = [new QueryOrder("city", Descending: true)], Limit = 4 });
        queries.Add(new ClickAnalyticsQuery { From = March, To = November, Dimensions = ["os", "browser"], Metrics = AllMetrics, OrderBy = [new QueryOrder("repeats"), new QueryOrder("os", Descending: true)] });
        queries.Add(new ClickAnalyticsQuery { From = March, To = November, Dimensions = ["language"], Metrics = [ClickMetrics.Repeats, ClickMetrics.Clicks] });

        await AssertAnswersAsync(clicks, queries);
    }

    [Test]
    public async Task Comparisons_with_the_previous_period_and_year_match_the_clicks()
    {
        List<EnrichedClick> clicks = await LoadQueryDatasetAsync();
        var queries = new List<ClickAnalyticsQuery>();
        foreach (string compare in new[] { ClickComparisons.PreviousPeriod, ClickComparisons.PreviousYear })
        {
            queries.Add(new ClickAnalyticsQuery { From = new DateOnly(2026, 3, 8), To = new DateOnly(2026, 3, 9), TimeZone = "America/New_York", Dimensions = ["time:day"], Metrics = AllMetrics, Compare = compare });
            queries.Add(new ClickAnalyticsQuery { From = new DateOnly(2026, 3, 29), To = new DateOnly(2026, 3, 30), TimeZone = "Europe/Berlin", Dimensions = ["time:hour"], Compare = compare });
            queries.Add(new ClickAnalyticsQuery { From = new DateOnly(2026, 10, 25), To = new DateOnly(2026, 11, 2), Dimensions = ["country"], Metrics = AllMetrics, Compare = compare, Limit = 4 });
            queries.Add(new ClickAnalyticsQuery { From = new DateOnly(2026, 10, 25), To = new DateOnly(2026, 11, 2), Dimensions = [], Metrics = AllMetrics, Compare = compare });
            queries.Add(new ClickAnalyticsQuery { From = new DateOnly(2026, 10, 31), To = new DateOnly(2026, 11, 1), Dimensions = ["time:day", "deviceType"], Compare = compare });
            queries.Add(new ClickAnalyticsQuery { Start = new DateTimeOffset(2026, 3, 29, 0, 0, 0, TimeSpan.Zero), End = new DateTimeOffset(2026, 3, 30, 12, 0, 0, TimeSpan.Zero), TimeZone = "Europe/Berlin", Dimensions = ["time:hour"], Compare = compare });
        }

        await AssertAnswersAsync(clicks, queries);
    }

    /// <summary>
    /// Whether the store keeps rollups of the days it drops, so sums by the dashboard's dimensions
    /// still count them; a store without rollups counts nothing of a dropped day.
    /// </summary>
    protected virtual bool KeepsRollups => true;

    [Test]
    public async Task Dropped_days_keep_their_counts_from_the_rollups()
    {
        List<EnrichedClick> clicks = await LoadQueryDatasetAsync();
        // Sums over dropped days, by the dimensions a dashboard shows, in UTC and in a zone of whole-hour offsets.
        string[] sums = [ClickMetrics.Clicks, ClickMetrics.Bots, ClickMetrics.Repeats];
        var queries = new List<ClickAnalyticsQuery>
        {
            new() { From = March, To = AfterMarch, Dimensions = ["time:day"], Metrics = sums },
            new() { From = March, To = AfterMarch, TimeZone = "America/New_York", Dimensions = ["time:day"], Metrics = sums, IncludeBots = true },
            new() { From = new DateOnly(2026, 3, 8), To = new DateOnly(2026, 3, 8), Dimensions = ["time:hour"], Limit = 100 },
            new() { From = new DateOnly(2026, 1, 1), To = new DateOnly(2026, 12, 31), Dimensions = ["time:month"], Metrics = sums, IncludeBots = true, IncludeRepeats = true },
            new() { From = March, To = November, Dimensions = ["utmCampaign", "time:day"], Metrics = [ClickMetrics.Clicks] },
            new() { From = new DateOnly(2026, 3, 28), To = new DateOnly(2026, 3, 30), Dimensions = ["time:day"], Compare = ClickComparisons.PreviousPeriod },
            new()
            {
                From = March, To = November, Dimensions = ["browser"], Metrics = sums,
                Filters = [QueryFilter.In("country", "US", "DE"), QueryFilter.IsNot("refererMedium", "direct"), QueryFilter.Contains("os", "win", "droid")],
            },
        };
        foreach (string dimension in new[] { "link", "tenant", "country", "deviceType", "browser", "os", "refererMedium", "refererSource" })
        {
            queries.Add(new ClickAnalyticsQuery { From = March, To = November, Dimensions = [dimension], Metrics = sums });
            queries.Add(new ClickAnalyticsQuery { From = March, To = November, Dimensions = [dimension], Limit = 3, Offset = 1, IncludeBots = true });
        }

        // Unique visitors, cities and zones of half-hour offsets are not in the rollups: they count the raw clicks left.
        var rawOnly = new List<ClickAnalyticsQuery>
        {
            new() { From = March, To = November, Dimensions = ["time:day"], Metrics = [ClickMetrics.UniqueVisitors] },
            new() { From = March, To = November, Dimensions = ["city"] },
            new() { From = March, To = AfterMarch, TimeZone = "Asia/Kolkata", Dimensions = ["time:day"] },
        };

        DateOnly[] dropped = [new(2026, 3, 7), new(2026, 3, 8), new(2026, 3, 29)];
        foreach (DateOnly day in dropped)
        {
            await Store.DropDayAsync(day, CancellationToken.None);
        }

        Assert.That((await Store.ListDaysAsync(CancellationToken.None)).Select(d => d.Day), Is.EquivalentTo(QueryClicks.Days.Except(dropped)), "the days are dropped");
        List<EnrichedClick> left = [.. clicks.Where(c => !dropped.Contains(DateOnly.FromDateTime(c.Click.Timestamp.UtcDateTime)))];
        await AssertAnswersAsync(KeepsRollups ? clicks : left, queries);
        await AssertAnswersAsync(left, rawOnly);
    }

    /// <summary>Writes <see cref="QueryClicks.Dataset"/> in batches as the processor would, and returns it.</summary>
    protected async Task<List<EnrichedClick>> LoadQueryDatasetAsync()
    {
        List<EnrichedClick> clicks = QueryClicks.Dataset();
        foreach (EnrichedClick[] batch in clicks.Chunk(500))
        {
            await WriteAsync(batch);
        }

        return clicks;
    }

    /// <summary>The query API over this test's store, uncached.</summary>
    protected IClickAnalytics Analytics()
    {
        var services = new ServiceCollection();
        services.AddClickAnalytics();
        services.AddSingleton(Store.Queries);
        services.Configure<ClickQueryOptions>(o => o.CacheEnabled = false);
        return services.BuildServiceProvider().GetRequiredService<IClickAnalytics>();
    }

    private async Task AssertAnswersAsync(List<EnrichedClick> clicks, List<ClickAnalyticsQuery> queries)
    {
        IClickAnalytics analytics = Analytics();
        var failures = new List<string>();
        foreach (ClickAnalyticsQuery query in queries)
        {
            ReferenceAnswers.Answer expected = ReferenceAnswers.Compute(clicks, query);
            ClickAnalyticsResult actual = await analytics.QueryAsync(query);
            string want = Describe(expected.Dimensions, expected.Rows, expected.TotalRows, expected.Totals, expected.ComparisonTotals);
            string got = Describe(actual.Dimensions, actual.Rows, actual.TotalRows, actual.Totals, actual.ComparisonTotals);
            if (want != got)
            {
                failures.Add($"{JsonSerializer.Serialize(query)}\n  expected {want}\n  actual   {got}");
            }
        }

        Assert.That(failures, Is.Empty, $"{failures.Count} of {queries.Count} queries differ from the clicks' answers");
    }

    private static string Describe(IReadOnlyList<string> dimensions, IReadOnlyList<ClickAnalyticsRow> rows, long total, IReadOnlyList<long> totals, IReadOnlyList<long>? comparedTotals) =>
        $"[{string.Join(",", dimensions)}] total={total} totals=[{string.Join(",", totals)}] compared=[{string.Join(",", comparedTotals ?? [])}] rows=" +
        string.Join(" ", rows.Select(r => $"({string.Join("|", r.Dimensions)}: {string.Join(",", r.Metrics)}{(r.Comparison is null ? "" : " vs " + string.Join(",", r.Comparison))})"));
}
