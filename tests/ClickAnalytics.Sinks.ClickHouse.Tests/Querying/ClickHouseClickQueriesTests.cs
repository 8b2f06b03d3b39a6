using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Text.Json;
using System.Threading.Tasks;
using ClickAnalytics.Querying;
using ClickAnalytics.Sinks.ClickHouse.Storage;
using ClickAnalytics.Sinks.ClickHouse.Tests.Support;

namespace ClickAnalytics.Sinks.ClickHouse.Tests.Querying;

/// <summary>The query contract on the real server, checked against counts over the raw clicks.</summary>
[TestFixture]
public sealed class ClickHouseClickQueriesTests : DatabaseTest
{
    [Test]
    public async Task Results_equal_a_brute_force_count_over_raw_clicks_for_random_filters()
    {
        var random = new Random(20260301);
        string?[] tenants = [null, "", "t1", "t2"];
        var clicks = new List<EnrichedClick>();
        for (int i = 0; i < 4_000; i++)
        {
            DateTimeOffset at = ClickHouseStore.Start.AddMinutes(random.Next(0, 20 * 24 * 60));
            clicks.Add(ClickHouseStore.Click(
                "link-" + random.Next(0, 12).ToString(CultureInfo.InvariantCulture),
                at,
                tenant: tenants[random.Next(tenants.Length)],
                bot: random.Next(10) == 0,
                repeat: random.Next(8) == 0,
                visitor: "v" + random.Next(300).ToString(CultureInfo.InvariantCulture),
                country: random.Next(2) == 0 ? "CH" : "FR"));
        }

        await using var store = new ClickHouseStore(Database);
        foreach (EnrichedClick[] batch in clicks.Chunk(900))
        {
            await store.WriteAsync(batch);
        }

        // Some redelivered, which must not count.
        await store.WriteAsync(clicks.Take(300));

        var first = DateOnly.FromDateTime(ClickHouseStore.Start.UtcDateTime);
        for (int q = 0; q < 40; q++)
        {
            DateOnly from = first.AddDays(random.Next(-3, 20));
            var query = new ClickQuery
            {
                From = from,
                To = from.AddDays(random.Next(0, 12)),
                TenantId = random.Next(3) == 0 ? null : tenants[random.Next(1, tenants.Length)],
                LinkId = random.Next(3) == 0 ? "link-" + random.Next(0, 13).ToString(CultureInfo.InvariantCulture) : null,
                IncludeBots = random.Next(2) == 0,
                IncludeRepeats = random.Next(2) == 0,
                Limit = random.Next(1, 15),
            };

            string where = RawFilter(query);
            List<string> rawDaily = await ClickHouseServer.SqlAsync(
                $"SELECT toString(date), uniqExact(event_id) FROM clicks WHERE {where} GROUP BY date FORMAT TabSeparated", Database);
            Dictionary<DateOnly, long> expectedDays = rawDaily
                .Select(l => l.Split('\t'))
                .ToDictionary(p => DateOnly.ParseExact(p[0], "yyyy-MM-dd", CultureInfo.InvariantCulture), p => long.Parse(p[1], CultureInfo.InvariantCulture));
            IReadOnlyList<DailyClicks> expectedDaily = DailyClicks.Densify(query.From, query.To, expectedDays);

            List<string> rawLinks = await ClickHouseServer.SqlAsync(
                $"SELECT link_id, uniqExact(event_id) AS n FROM clicks WHERE {where} GROUP BY link_id ORDER BY n DESC, link_id LIMIT {query.Limit} FORMAT TabSeparated", Database);
            List<LinkClicks> expectedLinks = rawLinks
                .Select(l => l.Split('\t'))
                .Select(p => new LinkClicks(p[0], long.Parse(p[1], CultureInfo.InvariantCulture)))
                .ToList();

            // And the same from the clicks in memory, so the raw SQL above is checked too.
            List<EnrichedClick> matching = clicks.Where(c => Matches(c, query)).ToList();
            Assert.That(expectedDaily.Sum(d => d.Clicks), Is.EqualTo(matching.Count), $"query {q}: raw table vs clicks written");

            Assert.That(await store.Queries.GetDailyClicksAsync(query), Is.EqualTo(expectedDaily), $"query {q}: {query}");
            Assert.That(await store.Queries.GetLinkTotalsAsync(query), Is.EqualTo(expectedLinks), $"query {q}: {query}");
        }
    }

    [Test]
    public async Task Bots_and_repeats_are_stored_and_only_counted_when_asked()
    {
        await using var store = new ClickHouseStore(Database);
        await store.WriteAsync(
        [
            ClickHouseStore.Click("l", ClickHouseStore.Start),
            ClickHouseStore.Click("l", ClickHouseStore.Start, bot: true),
            ClickHouseStore.Click("l", ClickHouseStore.Start, repeat: true),
            ClickHouseStore.Click("l", ClickHouseStore.Start, bot: true, repeat: true),
        ]);
        var day = new DateOnly(2026, 3, 1);

        async Task<long> Count(bool bots, bool repeats) =>
            (await store.Queries.GetDailyClicksAsync(new ClickQuery { From = day, To = day, IncludeBots = bots, IncludeRepeats = repeats }))[0].Clicks;

        Assert.That(await Count(false, false), Is.EqualTo(1));
        Assert.That(await Count(true, false), Is.EqualTo(2));
        Assert.That(await Count(false, true), Is.EqualTo(2));
        Assert.That(await Count(true, true), Is.EqualTo(4));
    }

    [TestCase("x' OR 1=1 --")]
    [TestCase("'; DROP TABLE clicks; --")]
    [TestCase("back\\slash\\")]
    [TestCase("\\' OR '1'='1")]
    [TestCase("nul\0byte")]
    [TestCase("line\nbreak\ttab\u007f")]
    [TestCase("émoji 🎉 and 漢字")]
    [TestCase("`backtick` \"quote\"")]
    [TestCase("")]
    public async Task Hostile_link_and_tenant_ids_are_values_not_sql(string hostile)
    {
        await using var store = new ClickHouseStore(Database);
        await store.WriteAsync(
        [
            ClickHouseStore.Click(hostile, ClickHouseStore.Start, tenant: hostile),
            ClickHouseStore.Click(hostile, ClickHouseStore.Start, tenant: hostile),
            ClickHouseStore.Click("other", ClickHouseStore.Start, tenant: "other"),
            ClickHouseStore.Click(hostile, ClickHouseStore.Start, tenant: "other"),
        ]);
        var day = new DateOnly(2026, 3, 1);

        IReadOnlyList<LinkClicks> tenantLinks = await store.Queries.GetLinkTotalsAsync(new ClickQuery { From = day, To = day, TenantId = hostile });
        Assert.That(tenantLinks, Is.EqualTo(new[] { new LinkClicks(hostile, 2) }));
        IReadOnlyList<DailyClicks> linkDays = await store.Queries.GetDailyClicksAsync(new ClickQuery { From = day, To = day, LinkId = hostile });
        Assert.That(linkDays, Is.EqualTo(new[] { new DailyClicks(day, 3) }));
        Assert.That(await ClickHouseServer.CountAsync("SELECT count() FROM clicks", Database), Is.EqualTo(4), "the table is intact");
    }

    [Test]
    public async Task Null_tenant_means_every_tenant_and_empty_tenant_is_a_tenant_of_its_own()
    {
        await using var store = new ClickHouseStore(Database);
        await store.WriteAsync(
        [
            ClickHouseStore.Click("a", ClickHouseStore.Start, tenant: null),
            ClickHouseStore.Click("a", ClickHouseStore.Start, tenant: ""),
            ClickHouseStore.Click("b", ClickHouseStore.Start, tenant: "t"),
        ]);
        var day = new DateOnly(2026, 3, 1);

        Assert.That(await store.Queries.GetLinkTotalsAsync(new ClickQuery { From = day, To = day }),
            Is.EqualTo(new[] { new LinkClicks("a", 2), new LinkClicks("b", 1) }));
        Assert.That(await store.Queries.GetLinkTotalsAsync(new ClickQuery { From = day, To = day, TenantId = "" }),
            Is.EqualTo(new[] { new LinkClicks("a", 2) }), "a click without tenant is stored with the empty tenant");
    }

    [Test]
    public async Task Ties_are_ordered_by_link_id_and_the_limit_applies()
    {
        await using var store = new ClickHouseStore(Database);
        await store.WriteAsync(
        [
            ClickHouseStore.Click("b", ClickHouseStore.Start), ClickHouseStore.Click("b", ClickHouseStore.Start),
            ClickHouseStore.Click("c", ClickHouseStore.Start), ClickHouseStore.Click("a", ClickHouseStore.Start),
            ClickHouseStore.Click("d", ClickHouseStore.Start),
        ]);
        var day = new DateOnly(2026, 3, 1);

        Assert.That(await store.Queries.GetLinkTotalsAsync(new ClickQuery { From = day, To = day, Limit = 3 }),
            Is.EqualTo(new[] { new LinkClicks("b", 2), new LinkClicks("a", 1), new LinkClicks("c", 1) }));
    }

    [Test]
    public async Task A_reversed_range_is_a_clear_error()
    {
        await using var store = new ClickHouseStore(Database);

        ArgumentException error = (await Assert.ThrowsAsync<ArgumentException>(
            () => store.Queries.GetDailyClicksAsync(new ClickQuery { From = new DateOnly(2026, 3, 2), To = new DateOnly(2026, 3, 1) })))!;
        Assert.That(error.Message, Does.Contain("before it starts"));
    }

    private static bool Matches(EnrichedClick click, ClickQuery query)
    {
        var day = DateOnly.FromDateTime(click.Click.Timestamp.UtcDateTime);
        return day >= query.From && day <= query.To
            && (query.TenantId is null || (click.Click.TenantId ?? "") == query.TenantId)
            && (query.LinkId is null || click.Click.LinkId == query.LinkId)
            && (query.IncludeBots || !click.IsBot)
            && (query.IncludeRepeats || !click.IsRepeat);
    }

    // Written independently of the store's filter, with the tests' own quoting (ids here are plain).
    private static string RawFilter(ClickQuery query)
    {
        var where = new StringBuilder();
        where.Append(CultureInfo.InvariantCulture, $"date BETWEEN '{query.From:yyyy-MM-dd}' AND '{query.To:yyyy-MM-dd}'");
        if (query.TenantId is not null)
        {
            where.Append(CultureInfo.InvariantCulture, $" AND tenant_id = '{query.TenantId}'");
        }

        if (query.LinkId is not null)
        {
            where.Append(CultureInfo.InvariantCulture, $" AND link_id = '{query.LinkId}'");
        }

        where.Append(query.IncludeBots ? "" : " AND is_bot = 0").Append(query.IncludeRepeats ? "" : " AND is_repeat = 0");
        return where.ToString();
    }
}
