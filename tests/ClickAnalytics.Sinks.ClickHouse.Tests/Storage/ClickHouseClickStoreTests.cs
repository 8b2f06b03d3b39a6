using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using ClickAnalytics.Querying;
using ClickAnalytics.Sinks.ClickHouse.Tests.Support;

namespace ClickAnalytics.Sinks.ClickHouse.Tests.Storage;

/// <summary>The store against the real server: what lands in the tables, redeliveries, new dimensions, concurrency.</summary>
[TestFixture]
public sealed class ClickHouseClickStoreTests : DatabaseTest
{
    [Test]
    public async Task Written_clicks_are_read_back_with_exact_counts_per_link_and_day()
    {
        var random = new Random(7);
        var clicks = new List<EnrichedClick>();
        for (int i = 0; i < 3_000; i++)
        {
            DateTimeOffset at = ClickHouseStore.Start.AddMinutes(random.Next(0, 6 * 24 * 60));
            clicks.Add(ClickHouseStore.Click("link-" + random.Next(0, 7).ToString(CultureInfo.InvariantCulture), at, tenant: "t1"));
        }

        await using var store = new ClickHouseStore(Database);
        foreach (EnrichedClick[] batch in clicks.Chunk(700))
        {
            await store.WriteAsync(batch);
        }

        List<string> raw = await ClickHouseServer.SqlAsync(
            "SELECT link_id, toString(date), count() FROM clicks GROUP BY link_id, date ORDER BY link_id, date FORMAT TabSeparated", Database);
        List<string> expected = clicks
            .GroupBy(c => (c.Click.LinkId, Day: c.Click.Timestamp.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)))
            .OrderBy(g => g.Key.LinkId, StringComparer.Ordinal).ThenBy(g => g.Key.Day, StringComparer.Ordinal)
            .Select(g => $"{g.Key.LinkId}\t{g.Key.Day}\t{g.Count()}")
            .ToList();
        Assert.That(raw, Is.EqualTo(expected));

        IReadOnlyList<DailyClicks> daily = await store.Queries.GetDailyClicksAsync(
            new ClickQuery { From = DateOnly.FromDateTime(ClickHouseStore.Start.UtcDateTime), To = DateOnly.FromDateTime(ClickHouseStore.Start.UtcDateTime).AddDays(6), LinkId = "link-3" });
        var expectedDaily = Enumerable.Range(0, 7)
            .Select(d => DateOnly.FromDateTime(ClickHouseStore.Start.UtcDateTime).AddDays(d))
            .Select(day => new DailyClicks(day, clicks.Count(c => c.Click.LinkId == "link-3" && DateOnly.FromDateTime(c.Click.Timestamp.UtcDateTime) == day)))
            .ToList();
        Assert.That(daily, Is.EqualTo(expectedDaily));
    }

    [Test]
    public async Task Every_column_is_stored_as_written()
    {
        DateTimeOffset at = ClickHouseStore.Start.AddHours(5).AddSeconds(7);
        EnrichedClick click = ClickHouseStore.Click("promo", at, tenant: "acme", bot: true, repeat: true, visitor: "abc", country: "DE");
        click.Asn = 13335;
        click.RepeatOf = Guid.Parse("0190a2b3-0000-7000-8000-000000000001");

        await using var store = new ClickHouseStore(Database);
        await store.WriteAsync([click]);

        List<string> row = await ClickHouseServer.SqlAsync(
            "SELECT toString(event_id), toString(timestamp), toString(date), tenant_id, link_id, is_qr, is_bot, is_repeat, country, asn, " +
            "toString(repeat_of), visitor_id, tags, browser_family, referer_source FROM clicks FORMAT TabSeparated", Database);
        Assert.That(row, Has.Count.EqualTo(1));
        Assert.That(row[0].Split('\t'), Is.EqualTo(new[]
        {
            click.Click.EventId.ToString("D"), at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture), "2026-03-01", "acme", "promo",
            "1", "1", "1", "DE", "13335", "0190a2b3-0000-7000-8000-000000000001", "abc", "{\"plan\":\"pro\"}", "Firefox", "Google",
        }));
    }

    [Test]
    public async Task A_redelivered_batch_is_counted_once()
    {
        List<EnrichedClick> batch = Enumerable.Range(0, 500)
            .Select(i => ClickHouseStore.Click("l" + (i % 5).ToString(CultureInfo.InvariantCulture), ClickHouseStore.Start.AddMinutes(i * 7)))
            .ToList();

        await using var store = new ClickHouseStore(Database);
        await store.WriteAsync(batch);
        await store.WriteAsync(batch);
        // A redelivery mixed with new clicks, and a duplicate inside one batch.
        EnrichedClick fresh = ClickHouseStore.Click("l0", ClickHouseStore.Start.AddDays(1));
        await store.WriteAsync([.. batch.Take(100), fresh, fresh]);

        var query = new ClickQuery { From = new DateOnly(2026, 3, 1), To = new DateOnly(2026, 3, 10) };
        IReadOnlyList<DailyClicks> daily = await store.Queries.GetDailyClicksAsync(query);
        Assert.That(daily.Sum(d => d.Clicks), Is.EqualTo(501));
        Assert.That(await ClickHouseServer.CountAsync("SELECT count() FROM clicks", Database), Is.EqualTo(501));
        Assert.That(await ClickHouseServer.CountAsync("SELECT sum(clicks) FROM clicks_hourly", Database), Is.EqualTo(501));
    }

    [Test]
    public async Task A_new_dimension_becomes_a_column_without_losing_the_batch()
    {
        await using var store = new ClickHouseStore(Database);
        await store.WriteAsync([ClickHouseStore.Click("a", ClickHouseStore.Start)]);

        var batch = new List<EnrichedClick>();
        for (int i = 0; i < 30; i++)
        {
            EnrichedClick click = ClickHouseStore.Click("a", ClickHouseStore.Start.AddMinutes(i + 1));
            click.SetDimension("preferred_language", i % 3 == 0 ? "fr" : "de");
            batch.Add(click);
        }

        await store.WriteAsync(batch);

        List<string> columns = await ClickHouseServer.SqlAsync(
            "SELECT type FROM system.columns WHERE database = currentDatabase() AND table = 'clicks' AND name = 'preferred_language' FORMAT TabSeparated", Database);
        Assert.That(columns, Has.Count.EqualTo(1), "the column was added");
        List<string> values = await ClickHouseServer.SqlAsync(
            "SELECT preferred_language, count() FROM clicks GROUP BY preferred_language ORDER BY preferred_language FORMAT TabSeparated", Database);
        Assert.That(values, Is.EqualTo(new[] { "\t1", "de\t20", "fr\t10" }), "the earlier click reads as unknown (''), the batch that brought the column is complete");

        // A second process that has not seen the column yet adds the next dimension value without trouble.
        await using var other = new ClickHouseStore(Database);
        EnrichedClick late = ClickHouseStore.Click("a", ClickHouseStore.Start.AddHours(2));
        late.SetDimension("preferred_language", "it");
        await other.WriteAsync([late]);
        Assert.That(await ClickHouseServer.CountAsync("SELECT count() FROM clicks WHERE preferred_language = 'it'", Database), Is.EqualTo(1));
    }

    [Test]
    public async Task Concurrent_writers_and_redeliveries_lose_and_double_nothing()
    {
        await using var store = new ClickHouseStore(Database);
        List<EnrichedClick>[] batches = Enumerable.Range(0, 8)
            .Select(b => Enumerable.Range(0, 250)
                .Select(i => ClickHouseStore.Click("l" + (b % 3).ToString(CultureInfo.InvariantCulture), ClickHouseStore.Start.AddMinutes((b * 250) + i)))
                .ToList())
            .ToArray();

        // Every batch twice, all at once: as a durable buffer may redeliver while the first write is still running.
        await Task.WhenAll(batches.Concat(batches).Select(b => Task.Run(() => store.WriteAsync(b))));

        Assert.That(await ClickHouseServer.CountAsync("SELECT count() FROM clicks", Database), Is.EqualTo(2_000));
        Assert.That(await ClickHouseServer.CountAsync("SELECT uniqExact(event_id) FROM clicks", Database), Is.EqualTo(2_000));
        Assert.That(await ClickHouseServer.CountAsync("SELECT sum(clicks) FROM clicks_daily", Database), Is.EqualTo(2_000));
    }

    [Test]
    public async Task Dropping_a_day_removes_its_raw_clicks_and_leaves_the_rollup_answers_for_it_unchanged()
    {
        var random = new Random(5);
        List<EnrichedClick> clicks = Enumerable.Range(0, 900)
            .Select(i => ClickHouseStore.Click(
                "l" + random.Next(0, 4).ToString(CultureInfo.InvariantCulture),
                ClickHouseStore.Start.AddMinutes(random.Next(0, 3 * 24 * 60)),
                tenant: i % 4 == 0 ? "t2" : "t1",
                bot: i % 9 == 0,
                repeat: i % 7 == 0))
            .ToList();
        await using var store = new ClickHouseStore(Database);
        await store.WriteAsync(clicks);
        var first = DateOnly.FromDateTime(ClickHouseStore.Start.UtcDateTime);
        ClickQuery[] queries =
        [
            new() { From = first, To = first.AddDays(2) },
            new() { From = first.AddDays(1), To = first.AddDays(1), IncludeBots = true, IncludeRepeats = true },
            new() { From = first, To = first.AddDays(2), TenantId = "t2", IncludeBots = true },
            new() { From = first.AddDays(1), To = first.AddDays(1), LinkId = "l2", IncludeRepeats = true, Limit = 2 },
        ];
        List<object> before = await AnswersAsync(store, queries);

        await store.Store.DropDayAsync(first.AddDays(1), CancellationToken.None);

        Assert.That(await AnswersAsync(store, queries), Is.EqualTo(before), "the rollups still count the dropped day");
        Assert.That(
            (await store.Store.ListDaysAsync(CancellationToken.None)).Select(d => d.Day),
            Is.EqualTo(new[] { first, first.AddDays(2) }));
        Assert.That(await ClickHouseServer.CountAsync($"SELECT count() FROM clicks WHERE date = '{first.AddDays(1):yyyy-MM-dd}'", Database), Is.Zero);
        Assert.That(
            await ClickHouseServer.CountAsync("SELECT count() FROM clicks", Database),
            Is.EqualTo(clicks.Count(c => DateOnly.FromDateTime(c.Click.Timestamp.UtcDateTime) != first.AddDays(1))));
    }

    private static async Task<List<object>> AnswersAsync(ClickHouseStore store, IEnumerable<ClickQuery> queries)
    {
        var answers = new List<object>();
        foreach (ClickQuery query in queries)
        {
            answers.AddRange((await store.Queries.GetDailyClicksAsync(query)).Cast<object>());
            answers.AddRange((await store.Queries.GetLinkTotalsAsync(query)).Cast<object>());
        }

        return answers;
    }
}
