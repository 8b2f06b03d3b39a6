using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using ClickAnalytics;
using ClickAnalytics.Querying;
using ClickAnalytics.Sinks.DuckDb.Tests.Support;

namespace ClickAnalytics.Sinks.DuckDb.Tests.Storage;

public class DuckDbStoreTests : DuckDbFileTest
{
    [Test]
    public async Task Written_clicks_are_in_the_file_with_their_columns()
    {
        EnrichedClick click = DuckDbStore.Click("abc", Day1, tenant: "acme");
        using (var store = new DuckDbStore(_path))
        {
            await store.WriteAsync([click]);
        }

        List<object[]> rows = DuckDbStore.Sql(_path,
            "SELECT event_id, timestamp, date, tenant_id, link_id, user_agent, is_qr, tags, country, browser_family, ip FROM clicks");
        object[] row = rows.Single();
        Assert.Multiple(() =>
        {
            Assert.That(row[0], Is.EqualTo(click.Click.EventId));
            Assert.That(row[1], Is.EqualTo(Day1.UtcDateTime));
            Assert.That(row[2], Is.EqualTo(new DateOnly(2026, 10, 1)).Or.EqualTo(new DateTime(2026, 10, 1)));
            Assert.That(row[3], Is.EqualTo("acme"));
            Assert.That(row[4], Is.EqualTo("abc"));
            Assert.That(row[5], Is.EqualTo("Mozilla/5.0 test"));
            Assert.That(row[6], Is.EqualTo(true));
            Assert.That(row[7], Is.EqualTo("{\"plan\":\"pro\"}"));
            Assert.That(row[8], Is.EqualTo("CH"));
            Assert.That(row[9], Is.EqualTo("Firefox"));
            Assert.That(row[10], Is.EqualTo(""), "no raw IP unless a privacy policy puts one there");
        });
    }

    [Test]
    public async Task Queries_count_per_day_and_per_link()
    {
        var clicks = new List<EnrichedClick>();
        for (int i = 0; i < 5; i++)
        {
            clicks.Add(DuckDbStore.Click("a", Day1.AddHours(i)));
        }

        for (int i = 0; i < 3; i++)
        {
            clicks.Add(DuckDbStore.Click("a", Day1.AddDays(2).AddMinutes(i)));
            clicks.Add(DuckDbStore.Click("b", Day1.AddDays(1).AddMinutes(i)));
        }

        using var store = new DuckDbStore(_path);
        await store.WriteAsync(clicks);

        var range = new ClickQuery { From = new DateOnly(2026, 9, 30), To = new DateOnly(2026, 10, 3) };
        IReadOnlyList<DailyClicks> days = await store.Queries.GetDailyClicksAsync(range with { LinkId = "a" });
        IReadOnlyList<LinkClicks> totals = await store.Queries.GetLinkTotalsAsync(range);

        Assert.Multiple(() =>
        {
            Assert.That(days.Select(d => (d.Date.Day, d.Clicks)), Is.EqualTo(new[] { (30, 0L), (1, 5L), (2, 0L), (3, 3L) }));
            Assert.That(totals, Is.EqualTo(new[] { new LinkClicks("a", 8), new LinkClicks("b", 3) }));
        });
    }

    [Test]
    public async Task Reopening_the_file_keeps_the_data()
    {
        using (var store = new DuckDbStore(_path))
        {
            await store.WriteAsync(Enumerable.Range(0, 10).Select(i => DuckDbStore.Click("a", Day1.AddMinutes(i))));
        }

        using (var reopened = new DuckDbStore(_path))
        {
            await reopened.WriteAsync([DuckDbStore.Click("a", Day1.AddHours(1))]);
            var totals = await reopened.Queries.GetLinkTotalsAsync(new ClickQuery { From = new DateOnly(2026, 10, 1), To = new DateOnly(2026, 10, 1) });
            Assert.That(totals.Single().Clicks, Is.EqualTo(11));
        }
    }

    [Test]
    public async Task A_redelivered_batch_is_stored_once()
    {
        List<EnrichedClick> batch = Enumerable.Range(0, 50).Select(i => DuckDbStore.Click("a", Day1.AddSeconds(i))).ToList();
        using var store = new DuckDbStore(_path);

        await store.WriteAsync(batch);
        await store.WriteAsync(batch.Take(20).Concat(batch.Take(20)).Append(DuckDbStore.Click("a", Day1)));

        Assert.That(DuckDbStore.Sql(_path, "SELECT count(*), count(DISTINCT event_id) FROM clicks").Single(), Is.EqualTo(new object[] { 51L, 51L }));
    }

    [Test]
    public async Task Bots_and_repeats_are_stored_and_only_counted_when_asked()
    {
        using var store = new DuckDbStore(_path);
        await store.WriteAsync([
            DuckDbStore.Click("a", Day1),
            DuckDbStore.Click("a", Day1, bot: true),
            DuckDbStore.Click("a", Day1, repeat: true),
            DuckDbStore.Click("a", Day1, bot: true, repeat: true),
        ]);
        var day = new ClickQuery { From = new DateOnly(2026, 10, 1), To = new DateOnly(2026, 10, 1) };

        long Count(ClickQuery q) => store.Queries.GetDailyClicksAsync(q).Result.Single().Clicks;

        Assert.Multiple(() =>
        {
            Assert.That(Count(day), Is.EqualTo(1));
            Assert.That(Count(day with { IncludeBots = true }), Is.EqualTo(2));
            Assert.That(Count(day with { IncludeRepeats = true }), Is.EqualTo(2));
            Assert.That(Count(day with { IncludeBots = true, IncludeRepeats = true }), Is.EqualTo(4));
        });
    }

    [Test]
    public async Task A_day_is_counted_from_midnight_to_before_the_next_midnight()
    {
        var midnight = new DateTimeOffset(2026, 10, 2, 0, 0, 0, TimeSpan.Zero);
        using var store = new DuckDbStore(_path);
        await store.WriteAsync([
            DuckDbStore.Click("a", midnight.AddMilliseconds(-1)),
            DuckDbStore.Click("a", midnight),
            DuckDbStore.Click("a", midnight.AddDays(1).AddMilliseconds(-1)),
            DuckDbStore.Click("a", midnight.AddDays(1)),
            DuckDbStore.Click("a", new DateTimeOffset(2026, 10, 3, 1, 30, 0, TimeSpan.FromHours(2))), // 23:30 UTC on the 2nd
        ]);
        var day = new ClickQuery { From = new DateOnly(2026, 10, 2), To = new DateOnly(2026, 10, 2) };

        IReadOnlyList<DailyClicks> one = await store.Queries.GetDailyClicksAsync(day);
        IReadOnlyList<DailyClicks> three = await store.Queries.GetDailyClicksAsync(day with { From = new DateOnly(2026, 10, 1), To = new DateOnly(2026, 10, 3) });
        IReadOnlyList<LinkClicks> totals = await store.Queries.GetLinkTotalsAsync(day);

        Assert.Multiple(() =>
        {
            Assert.That(one.Select(d => (d.Date.Day, d.Clicks)), Is.EqualTo(new[] { (2, 3L) }));
            Assert.That(three.Select(d => (d.Date.Day, d.Clicks)), Is.EqualTo(new[] { (1, 1L), (2, 3L), (3, 1L) }));
            Assert.That(totals, Is.EqualTo(new[] { new LinkClicks("a", 3) }));
        });
    }

    [Test]
    public async Task Attributes_are_stored_once_per_combination_and_filter_counts_as_the_clicks_say()
    {
        (string Tenant, bool Bot, bool Repeat)[] kinds = [("acme", false, false), ("acme", true, false), ("other", false, true)];
        List<EnrichedClick> clicks = Enumerable.Range(0, 1_000).Select(i =>
        {
            (string tenant, bool bot, bool repeat) = kinds[i % 7 % 3];
            return DuckDbStore.Click($"link-{i % 4}", Day1.AddMinutes(i * 4.3), tenant, bot, repeat);
        }).ToList();
        using (var store = new DuckDbStore(_path))
        {
            await store.WriteAsync(clicks.Take(500));
        }

        Assert.That(AttributeRows(), Is.EqualTo(3));
        using var reopened = new DuckDbStore(_path);
        await reopened.WriteAsync(clicks.Skip(500));
        Assert.That(AttributeRows(), Is.EqualTo(3), "the combinations stored before reopening are found again");

        var range = new ClickQuery { From = new DateOnly(2026, 9, 30), To = new DateOnly(2026, 10, 5) };
        foreach (string? tenant in new[] { null, "acme", "other", "nobody" })
        {
            foreach (bool bots in new[] { false, true })
            {
                foreach (bool repeats in new[] { false, true })
                {
                    ClickQuery query = range with { TenantId = tenant, IncludeBots = bots, IncludeRepeats = repeats };
                    List<EnrichedClick> counted = clicks.Where(c => (tenant is null || c.Click.TenantId == tenant) && (bots || !c.IsBot) && (repeats || !c.IsRepeat)).ToList();
                    var perDay = counted.GroupBy(c => DateOnly.FromDateTime(c.Click.Timestamp.UtcDateTime)).ToDictionary(g => g.Key, g => (long)g.Count());
                    var perLink = counted.GroupBy(c => c.Click.LinkId).Select(g => new LinkClicks(g.Key, g.Count()))
                        .OrderByDescending(l => l.Clicks).ThenBy(l => l.LinkId, StringComparer.Ordinal).ToList();

                    Assert.That(await reopened.Queries.GetDailyClicksAsync(query), Is.EqualTo(DailyClicks.Densify(range.From, range.To, perDay)), $"per day: {query}");
                    Assert.That(await reopened.Queries.GetLinkTotalsAsync(query), Is.EqualTo(perLink), $"per link: {query}");
                }
            }
        }
    }

    [TestCase("' OR '1'='1")]
    [TestCase("a'); DROP TABLE clicks; --")]
    [TestCase("$tenant")]
    [TestCase("\u0000")]
    public async Task Hostile_ids_are_values_not_sql(string hostile)
    {
        using var store = new DuckDbStore(_path);
        await store.WriteAsync([
            DuckDbStore.Click("a", Day1, tenant: "acme"),
            DuckDbStore.Click("b", Day1, tenant: "other"),
            DuckDbStore.Click(hostile, Day1, tenant: hostile),
        ]);
        var day = new ClickQuery { From = new DateOnly(2026, 10, 1), To = new DateOnly(2026, 10, 1) };

        var scoped = await store.Queries.GetLinkTotalsAsync(day with { TenantId = hostile });
        var byLink = await store.Queries.GetDailyClicksAsync(day with { TenantId = "acme", LinkId = hostile });

        Assert.Multiple(() =>
        {
            // NUL cannot live in a DuckDB string; it is kept visible as U+FFFD rather than cutting the id.
            Assert.That(scoped, Is.EqualTo(new[] { new LinkClicks(hostile.Replace('\0', '\uFFFD'), 1) }));
            Assert.That(byLink.Single().Clicks, Is.Zero, "a link id must not reach another tenant's clicks");
            Assert.That(DuckDbStore.Sql(_path, "SELECT count(*) FROM clicks").Single()[0], Is.EqualTo(3L));
        });
    }

    [Test]
    public async Task A_new_dimension_becomes_a_column_without_losing_the_batch()
    {
        using var store = new DuckDbStore(_path);
        await store.WriteAsync([DuckDbStore.Click("a", Day1)]);

        EnrichedClick withAsn = DuckDbStore.Click("a", Day1.AddMinutes(1));
        withAsn.SetDimension("plan_tier", "gold");
        await store.WriteAsync([withAsn, DuckDbStore.Click("a", Day1.AddMinutes(2))]);

        List<object[]> rows = DuckDbStore.Sql(_path, "SELECT plan_tier, count(*) FROM clicks GROUP BY plan_tier ORDER BY plan_tier");
        Assert.That(rows, Is.EqualTo(new[] { new object[] { "", 2L }, new object[] { "gold", 1L } }));
    }

    [Test]
    public async Task Concurrent_writers_lose_nothing()
    {
        using var store = new DuckDbStore(_path);
        await Task.WhenAll(Enumerable.Range(0, 8).Select(w => Task.Run(async () =>
        {
            for (int b = 0; b < 5; b++)
            {
                await store.WriteAsync(Enumerable.Range(0, 100).Select(i => DuckDbStore.Click($"w{w}", Day1.AddSeconds(i))));
            }
        })));

        Assert.That(DuckDbStore.Sql(_path, "SELECT count(*) FROM clicks").Single()[0], Is.EqualTo(4000L));
    }

    [Test]
    public async Task A_reversed_range_is_a_clear_error()
    {
        using var store = new DuckDbStore(_path);
        await Assert.ThrowsAsync<ArgumentException>(() => store.Queries.GetDailyClicksAsync(new ClickQuery { From = new DateOnly(2026, 10, 2), To = new DateOnly(2026, 10, 1) }));
    }

    private long AttributeRows() => (long)DuckDbStore.Sql(_path, "SELECT count(*) FROM click_attributes").Single()[0];
}
