using System;
using System.Collections.Generic;
using System.Linq;
using ClickAnalytics.Querying;
using ClickAnalytics.Sinks.ClickHouse.Querying;
using ClickAnalytics.Sinks.ClickHouse.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace ClickAnalytics.Sinks.ClickHouse.Tests.Querying;

/// <summary>The choice of rollup, the generated SQL and the options binding, without a server.</summary>
[TestFixture]
public sealed class ClickHouseQueryFilterTests
{
    private static readonly ClickHouseSchema Schema = new(new ClickHouseOptions(), new ServerFeatures(new Version(18, 16)));

    private static ClickAggregationRequest Request(
        DateTime start, DateTime end, string zone, TimeBucket bucket, string[] dimensions, string[]? metrics = null, ClickFilter? filter = null)
    {
        TimeZoneInfo info = TimeZoneInfo.FindSystemTimeZoneById(zone);
        return new ClickAggregationRequest
        {
            Start = start,
            End = end,
            Offsets = ZonedTime.Offsets(start, end, info),
            Bucket = bucket,
            Dimensions = dimensions.Select(d => ClickDimensions.Find(d)!).ToArray(),
            Metrics = metrics ?? [ClickMetrics.Clicks],
            Filter = filter,
            Order = [],
        };
    }

    private static readonly DateTime March1 = new(2026, 3, 1, 0, 0, 0, DateTimeKind.Utc);

    [TestCase("UTC", TimeBucket.Day, new string[0], null, ExpectedResult = ClickHouseSchema.LinkDailyTable)]
    [TestCase("UTC", TimeBucket.None, new[] { "link" }, null, ExpectedResult = ClickHouseSchema.LinkDailyTable)]
    [TestCase("UTC", TimeBucket.Day, new[] { "utmCampaign", "country" }, null, ExpectedResult = ClickHouseSchema.CampaignDailyTable)]
    [TestCase("UTC", TimeBucket.Month, new[] { "country", "browser" }, null, ExpectedResult = ClickHouseSchema.DailyTable)]
    [TestCase("UTC", TimeBucket.Hour, new[] { "country" }, null, ExpectedResult = ClickHouseSchema.HourlyTable)]
    [TestCase("America/New_York", TimeBucket.Day, new string[0], null, ExpectedResult = ClickHouseSchema.HourlyTable)]
    [TestCase("Europe/Berlin", TimeBucket.Week, new[] { "refererSource" }, null, ExpectedResult = ClickHouseSchema.HourlyTable)]
    [TestCase("Asia/Kolkata", TimeBucket.Day, new string[0], null, ExpectedResult = null)]
    [TestCase("UTC", TimeBucket.Day, new string[0], ClickMetrics.UniqueVisitors, ExpectedResult = null)]
    [TestCase("UTC", TimeBucket.None, new[] { "city" }, null, ExpectedResult = null)]
    [TestCase("UTC", TimeBucket.None, new[] { "trigger" }, null, ExpectedResult = null)]
    [TestCase("UTC", TimeBucket.None, new[] { "custom:plan" }, null, ExpectedResult = null)]
    public string? The_narrowest_rollup_that_holds_the_request_answers_it(string zone, TimeBucket bucket, string[] dimensions, string? metric)
    {
        TimeZoneInfo info = TimeZoneInfo.FindSystemTimeZoneById(zone);
        ClickAggregationRequest request = Request(
            ZonedTime.StartOfDay(new DateOnly(2026, 3, 1), info), ZonedTime.StartOfDay(new DateOnly(2026, 4, 1), info), zone, bucket, dimensions,
            metric is null ? null : [metric]);

        var source = (ClickHouseClickQueries.Source)ClickHouseClickQueries.ChooseSource(request, Schema, new HashSet<string>());
        return source.Rollup?.Table;
    }

    [Test]
    public void A_range_that_starts_within_a_day_reads_the_hourly_rollup_and_within_an_hour_the_raw_clicks()
    {
        ClickAggregationRequest hours = Request(March1.AddHours(5), March1.AddDays(2), "UTC", TimeBucket.Day, []);
        ClickAggregationRequest minutes = Request(March1.AddMinutes(5), March1.AddDays(2), "UTC", TimeBucket.Day, []);

        Assert.That(
            (((ClickHouseClickQueries.Source)ClickHouseClickQueries.ChooseSource(hours, Schema, new HashSet<string>())).Rollup?.Table,
             ((ClickHouseClickQueries.Source)ClickHouseClickQueries.ChooseSource(minutes, Schema, new HashSet<string>())).Rollup?.Table),
            Is.EqualTo((ClickHouseSchema.HourlyTable, (string?)null)));
    }

    [Test]
    public void Filter_values_reach_the_sql_as_escaped_literals_and_missing_custom_columns_as_empty_text()
    {
        ClickFilter filter = new ClickFilterGroup(any: false,
        [
            new ClickCondition(ClickDimensions.Fixed["tenant"], FilterOperator.Is, ["a'b\\"]),
            new ClickCondition(ClickDimensions.Fixed["link"], FilterOperator.In, ["x\0y", "z"]),
            new ClickCondition(ClickDimensions.Find("custom:plan")!, FilterOperator.Contains, ["%"]),
        ]);
        ClickAggregationRequest request = Request(March1, March1.AddDays(1), "UTC", TimeBucket.None, ["country"], filter: filter);

        string sql = ClickAggregationSql.Select(request, ClickHouseClickQueries.ChooseSource(request, Schema, new HashSet<string>()));

        Assert.That(sql, Does.Contain("tenant_id = 'a\\'b\\\\'")
            .And.Contain("link_id IN ('x\\x00y', 'z')")
            .And.Contain("positionCaseInsensitiveUTF8('', '%') > 0"));
    }

    [Test]
    public void Options_bind_from_the_click_analytics_clickhouse_section()
    {
        IConfiguration configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["ClickAnalytics:ClickHouse:ConnectionString"] = "Host=ch;Port=8123",
                ["ClickAnalytics:ClickHouse:Compression"] = "None",
                ["ClickAnalytics:ClickHouse:LegacyServerCompatibility"] = "true",
                ["ClickAnalytics:ClickHouse:Cluster"] = "main",
                ["ClickAnalytics:ClickHouse:Distributed"] = "true",
            })
            .Build();
        var services = new ServiceCollection();
        services.AddSingleton(configuration);
        services.AddClickAnalytics().AddClickHouse(o => o.RequestTimeout = TimeSpan.FromSeconds(7));
        using ServiceProvider provider = services.BuildServiceProvider();

        ClickHouseOptions options = provider.GetRequiredService<IOptions<ClickHouseOptions>>().Value;

        Assert.That(
            (options.ConnectionString, options.Compression, options.LegacyServerCompatibility, options.Cluster, options.Distributed, options.RequestTimeout),
            Is.EqualTo(("Host=ch;Port=8123", ClickHouseCompression.None, true, "main", true, TimeSpan.FromSeconds(7))));
    }
}
