using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using ClickAnalytics;
using ClickAnalytics.Querying;
using ClickAnalytics.Sinks.DuckDb.Tests.Support;
using Microsoft.Extensions.Logging.Testing;

namespace ClickAnalytics.Sinks.DuckDb.Tests.Storage;

/// <summary>What the DuckDB file adds to the store contract (ClickStoreContractTests): reopening, day bounds in UTC, shared attribute rows, hostile text.</summary>
public class DuckDbStoreTests : DuckDbFileTest
{
    [Test]
    public async Task Reopening_the_file_keeps_the_data()
    {
        await using (var store = new DuckDbStore(_path))
        {
            await store.WriteAsync(Enumerable.Range(0, 10).Select(i => DuckDbStore.Click("a", Day1.AddMinutes(i))));
        }

        await using (var reopened = new DuckDbStore(_path))
        {
            await reopened.WriteAsync([DuckDbStore.Click("a", Day1.AddHours(1))]);
            var totals = await reopened.Queries.GetLinkTotalsAsync(new ClickQuery { From = new DateOnly(2026, 10, 1), To = new DateOnly(2026, 10, 1) });
            Assert.That(totals.Single().Clicks, Is.EqualTo(11));
        }
    }

    [Test]
    public async Task A_day_is_counted_from_midnight_to_before_the_next_midnight()
    {
        var midnight = new DateTimeOffset(2026, 10, 2, 0, 0, 0, TimeSpan.Zero);
        await using var store = new DuckDbStore(_path);
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
        await using (var store = new DuckDbStore(_path))
        {
            await store.WriteAsync(clicks.Take(500));
        }

        Assert.That(AttributeRows(), Is.EqualTo(3));
        await using var reopened = new DuckDbStore(_path);
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
        await using var store = new DuckDbStore(_path);
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
    public async Task Opening_a_new_column_a_dropped_day_and_closing_are_logged_with_the_packages_event_ids()
    {
        var store = new DuckDbStore(_path);
        EnrichedClick click = DuckDbStore.Click("a", Day1);
        click.SetDimension("plan_tier", "gold");
        await store.WriteAsync([click]);
        await store.Store.DropDayAsync(DateOnly.FromDateTime(Day1.UtcDateTime), CancellationToken.None);
        FakeLogCollector logs = store.Logs;
        await store.DisposeAsync();

        List<FakeLogRecord> records = logs.GetSnapshot().Where(r => r.Category == "ClickAnalytics.Sinks.DuckDb.Storage.DuckDbClickStore").ToList();
        Assert.That(records.Select(r => r.Id.Id), Is.EqualTo(new[] { 301, 302, 304, 305 }));
        Assert.That(records.Select(r => r.Message), Has.All.Contain(_path), "each message says which file");
        Assert.That(records[2].GetStructuredStateValue("Clicks"), Is.EqualTo("1"), "the dropped day held one click");
    }

    [Test]
    public async Task Dropping_a_day_keeps_its_counts_and_removes_only_the_dimension_rows_no_click_uses()
    {
        DateTimeOffset day2 = Day1.AddDays(1);
        var day = new ClickQuery { From = DateOnly.FromDateTime(Day1.UtcDateTime), To = DateOnly.FromDateTime(day2.UtcDateTime) };
        await using (var store = new DuckDbStore(_path))
        {
            await store.WriteAsync([
                .. Enumerable.Range(0, 40).Select(i => DuckDbStore.Click("a", Day1.AddMinutes(i * 20), tenant: "gone")),
                .. Enumerable.Range(0, 10).Select(i => DuckDbStore.Click("b", Day1.AddMinutes(i * 7), tenant: "kept")),
                .. Enumerable.Range(0, 5).Select(i => DuckDbStore.Click("b", day2.AddMinutes(i), tenant: "kept")),
            ]);
            IReadOnlyList<DailyClicks> before = await store.Queries.GetDailyClicksAsync(day);

            await store.Store.DropDayAsync(DateOnly.FromDateTime(Day1.UtcDateTime), CancellationToken.None);

            Assert.Multiple(async () =>
            {
                Assert.That(await store.Queries.GetDailyClicksAsync(day), Is.EqualTo(before), "the dropped day is counted from the rollup");
                Assert.That(await store.Queries.GetLinkTotalsAsync(day with { TenantId = "gone" }), Is.EqualTo(new[] { new LinkClicks("a", 40) }));
                Assert.That(DuckDbStore.Sql(_path, "SELECT count(*) FROM click_events").Single()[0], Is.EqualTo(5L), "only the other day's raw clicks are left");
                Assert.That(DuckDbStore.Sql(_path, "SELECT count(*) FROM click_attributes WHERE tenant_id = 'gone'").Single()[0], Is.EqualTo(0L), "the row only the dropped day used is gone");
                Assert.That(DuckDbStore.Sql(_path, "SELECT count(*) FROM click_attributes WHERE tenant_id = 'kept'").Single()[0], Is.EqualTo(1L), "the row the other day uses stays");
            });

            // A click whose attribute row was removed gets a new one, not a key that points nowhere.
            await store.WriteAsync([DuckDbStore.Click("a", day2.AddHours(2), tenant: "gone")]);
            Assert.That(await store.Queries.GetLinkTotalsAsync(day with { From = day.To, TenantId = "gone" }), Is.EqualTo(new[] { new LinkClicks("a", 1) }));
        }

        await using var reopened = new DuckDbStore(_path);
        Assert.That(await reopened.Queries.GetLinkTotalsAsync(day with { TenantId = "gone" }), Is.EqualTo(new[] { new LinkClicks("a", 41) }), "after reopening, the rollup is read again");
    }

    private long AttributeRows() => (long)DuckDbStore.Sql(_path, "SELECT count(*) FROM click_attributes").Single()[0];
}
