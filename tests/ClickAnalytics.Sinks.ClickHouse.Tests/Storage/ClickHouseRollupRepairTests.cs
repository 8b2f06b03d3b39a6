using System;
using System.Collections.Generic;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Linq;
using System.Threading.Tasks;
using ClickAnalytics.Sinks.ClickHouse.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace ClickAnalytics.Sinks.ClickHouse.Tests.Storage;

/// <summary>
/// An insert that landed in the raw table but not in the rollups (as one cut off by the server
/// stopping leaves it), reproduced by writing with the rollups' views detached, then the batch
/// written again through the store.
/// </summary>
[TestFixture]
public sealed class ClickHouseRollupRepairTests : DatabaseTest
{
    private static readonly string[] Views = ["clicks_daily_mv", "clicks_hourly_mv", "link_clicks_daily_mv"];

    // Each rollup with its key as the rollup stores it and as the raw table computes it.
    private static readonly (string Table, string Key, string RawKey)[] Rollups =
    [
        ("clicks_daily", "tenant_id, link_id, date, " + Dimensions, "tenant_id, link_id, date, " + Dimensions),
        ("clicks_hourly", "tenant_id, link_id, hour, " + Dimensions, "tenant_id, link_id, toStartOfHour(timestamp) AS hour, " + Dimensions),
        ("link_clicks_daily", "tenant_id, link_id, date, is_bot, is_repeat", "tenant_id, link_id, date, is_bot, is_repeat"),
    ];

    private const string Dimensions = "country, device_type, browser_family, os_family, referer_medium, referer_source, is_bot, is_repeat";

    [Test]
    public async Task A_batch_stored_only_in_the_raw_table_is_rolled_up_exactly_once_when_written_again()
    {
        var random = new Random(11);
        List<EnrichedClick> earlier = Enumerable.Range(0, 200)
            .Select(i => ClickHouseStore.Click("l" + (i % 3).ToString(CultureInfo.InvariantCulture), ClickHouseStore.Start.AddMinutes(i * 13), tenant: "t'1"))
            .ToList();
        List<EnrichedClick> batch = Enumerable.Range(0, 600)
            .Select(i => ClickHouseStore.Click(
                "l" + (i % 4).ToString(CultureInfo.InvariantCulture),
                ClickHouseStore.Start.AddMinutes(random.Next(0, 2 * 24 * 60)),
                tenant: i % 5 == 0 ? "other" : "t'1",
                bot: i % 7 == 0,
                repeat: i % 3 == 0,
                visitor: "v" + random.Next(0, 40).ToString(CultureInfo.InvariantCulture),
                country: i % 2 == 0 ? "CH" : "DE"))
            .ToList();
        List<EnrichedClick> landed = batch.Take(350).ToList();

        await using var store = new ClickHouseStore(Database);
        using var repaired = new MetricCollector<long>(
            store.Services.GetRequiredService<IMeterFactory>(), "ClickAnalytics.ClickHouse", "clickanalytics.clickhouse.rollup.repaired");
        await store.WriteAsync(earlier);

        // The cut-off attempt: its rows reach the raw table (one of them twice, not merged yet) and no rollup.
        await SqlEachAsync(Views, v => $"DETACH TABLE {v}");
        await using (var rawOnly = new ClickHouseStore(Database))
        {
            await rawOnly.WriteAsync(landed);
        }

        await ClickHouseServer.SqlAsync($"INSERT INTO clicks SELECT * FROM clicks WHERE event_id = '{landed[0].Click.EventId:D}'", Database);

        await SqlEachAsync(Views, v => $"ATTACH TABLE {v}");
        Assert.That(await ClickHouseServer.CountAsync("SELECT sum(clicks) FROM clicks_daily", Database), Is.EqualTo(earlier.Count), "the views missed the cut-off insert");

        await store.WriteAsync(batch);

        long distinctClicks = earlier.Count + batch.Count;
        Assert.That(await ClickHouseServer.CountAsync("SELECT uniqExact(event_id) FROM clicks", Database), Is.EqualTo(distinctClicks));
        Dictionary<string, List<string>> afterRepair = await RollupsAsync();
        foreach ((string table, _, _) in Rollups)
        {
            Assert.That(afterRepair[table], Is.EqualTo(await BruteForceAsync(table)), table + " holds the raw table's counts and visitors per key");
            Assert.That(await ClickHouseServer.CountAsync($"SELECT sum(clicks) FROM {table}", Database), Is.EqualTo(distinctClicks), table);
        }

        long repairedClicks = repaired.GetMeasurementSnapshot().Sum(m => m.Value);
        Assert.That(repairedClicks, Is.EqualTo(3 * landed.Count), "each rollup got the landed clicks once");

        // A further redelivery, and the repair on a batch that landed whole, change nothing.
        await store.WriteAsync(batch);
        await store.WriteAsync(earlier);
        Assert.That(await RollupsAsync(), Is.EqualTo(afterRepair));
        Assert.That(repaired.GetMeasurementSnapshot().Sum(m => m.Value), Is.EqualTo(repairedClicks));
    }

    [Test]
    public async Task A_redelivered_batch_that_landed_whole_adds_no_correction()
    {
        List<EnrichedClick> batch = Enumerable.Range(0, 300)
            .Select(i => ClickHouseStore.Click("l" + (i % 3).ToString(CultureInfo.InvariantCulture), ClickHouseStore.Start.AddMinutes(i * 11), visitor: "v" + (i % 9).ToString(CultureInfo.InvariantCulture)))
            .ToList();
        await using var store = new ClickHouseStore(Database);
        using var repaired = new MetricCollector<long>(
            store.Services.GetRequiredService<IMeterFactory>(), "ClickAnalytics.ClickHouse", "clickanalytics.clickhouse.rollup.repaired");

        await store.WriteAsync(batch);
        Dictionary<string, List<string>> before = await RollupsAsync();
        await store.WriteAsync(batch.Take(120));
        await store.WriteAsync(batch);

        Assert.That(await RollupsAsync(), Is.EqualTo(before));
        Assert.That(repaired.GetMeasurementSnapshot(), Is.Empty);
        foreach ((string table, _, _) in Rollups)
        {
            Assert.That(before[table], Is.EqualTo(await BruteForceAsync(table)), table);
        }
    }

    private async Task SqlEachAsync(IEnumerable<string> names, Func<string, string> statement)
    {
        foreach (string name in names)
        {
            await ClickHouseServer.SqlAsync(statement(name), Database);
        }
    }

    /// <summary>Every rollup's clicks and distinct visitors per key, as the queries read them.</summary>
    private async Task<Dictionary<string, List<string>>> RollupsAsync()
    {
        var rollups = new Dictionary<string, List<string>>();
        foreach ((string table, string key, _) in Rollups)
        {
            rollups[table] = await ClickHouseServer.SqlAsync(
                $"SELECT {key}, sum(clicks), uniqMerge(visitors) FROM {table} GROUP BY {key} ORDER BY {key} FORMAT TabSeparated", Database);
        }

        return rollups;
    }

    /// <summary>The same per key, counted from the raw clicks (distinct event ids, since duplicates may not be merged yet).</summary>
    private Task<List<string>> BruteForceAsync(string table)
    {
        (_, string key, string rawKey) = Rollups.Single(r => r.Table == table);
        return ClickHouseServer.SqlAsync(
            $"SELECT {rawKey}, uniqExact(event_id), uniq(visitor_id) FROM clicks GROUP BY {key} ORDER BY {key} FORMAT TabSeparated", Database);
    }
}

/// <summary>The key lists the repair restricts its statements to.</summary>
[TestFixture]
public sealed class ClickHouseRollupRepairKeyListTests
{
    [Test]
    public void Each_tenant_link_and_day_appears_once_escaped_and_long_batches_are_split()
    {
        string longLink = new('x', 1_000);
        List<EnrichedClick> clicks = Enumerable.Range(0, 300)
            .SelectMany(i => new[]
            {
                ClickHouseStore.Click(longLink + i.ToString(CultureInfo.InvariantCulture), ClickHouseStore.Start.AddHours(i % 30), tenant: "a'b"),
                ClickHouseStore.Click(longLink + i.ToString(CultureInfo.InvariantCulture), ClickHouseStore.Start.AddHours(i % 30).AddMinutes(1), tenant: "a'b"),
            })
            .ToList();

        List<string> lists = ClickAnalytics.Sinks.ClickHouse.Storage.ClickHouseRollupRepair.KeyLists(clicks);

        List<string> tuples = lists.SelectMany(l => l.Split("), (")).ToList();
        var expected = clicks
            .Select(c => (c.Click.LinkId, Day: DateOnly.FromDateTime(c.Click.Timestamp.UtcDateTime)))
            .Distinct()
            .ToList();
        Assert.Multiple(() =>
        {
            Assert.That(lists, Has.Count.GreaterThan(1), "300 KB of keys do not fit one statement");
            Assert.That(lists, Has.All.Length.LessThanOrEqualTo(96 * 1024));
            Assert.That(tuples, Has.Count.EqualTo(expected.Count));
            Assert.That(tuples, Has.All.Contains("'a\\'b'"));
            foreach ((string link, DateOnly day) in expected)
            {
                string dayText = day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
                Assert.That(tuples.Count(t => t.Contains("'" + link + "'", StringComparison.Ordinal) && t.Contains(dayText, StringComparison.Ordinal)), Is.EqualTo(1), link[^3..] + " " + dayText);
            }
        });
    }
}
