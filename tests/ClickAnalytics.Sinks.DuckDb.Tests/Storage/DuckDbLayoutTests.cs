using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using ClickAnalytics;
using ClickAnalytics.Sinks.DuckDb.Storage;
using ClickAnalytics.Sinks.DuckDb.Tests.Support;
using ClickAnalytics.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace ClickAnalytics.Sinks.DuckDb.Tests.Storage;

/// <summary>
/// The file's layout: clicks in a narrow <c>click_events</c>, repeating values once in dimension
/// tables, and a <c>clicks</c> view that gives back exactly the schema's columns.
/// </summary>
public class DuckDbLayoutTests : DuckDbFileTest
{
    [Test]
    public async Task The_clicks_view_has_every_schema_column_in_order_with_its_type_then_the_custom_dimensions()
    {
        using (var store = new DuckDbStore(_path))
        {
            EnrichedClick click = DuckDbStore.Click("a", Day1);
            click.SetDimension("plan_tier", "gold");
            await store.WriteAsync([click]);
        }

        List<object[]> columns = DuckDbStore.Sql(_path, "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'clicks' ORDER BY ordinal_position");
        var expected = ClickSchema.Columns.Select(c => new object[] { c.Name, ExpectedType(c.Type) }).Append(["plan_tier", "VARCHAR"]).ToList();

        Assert.That(columns, Is.EqualTo(expected));
        Assert.That(DuckDbStore.Sql(_path, "SELECT table_type FROM information_schema.tables WHERE table_name = 'clicks'").Single()[0], Is.EqualTo("VIEW"));
        Assert.That(EventColumns(), Is.EqualTo(NarrowEventColumns.Append("plan_tier")), "the date is derived, the short per-click values are attributes");
    }

    [Test]
    public async Task Repeating_values_are_stored_once_also_after_the_file_is_reopened()
    {
        string[] agents = ["Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0", "curl/8.5.0", "Mozilla/5.0 (iPhone) Safari/604.1"];
        string[] countries = ["CH", "DE"];
        IEnumerable<EnrichedClick> Batch(int offset) => Enumerable.Range(offset, 500).Select(i => Click(Day1.AddSeconds(i), agents[i % 3], countries[i % 2], referer: $"https://r{i % 4}.example/"));

        using (var store = new DuckDbStore(_path))
        {
            await store.WriteAsync(Batch(0));
            await store.WriteAsync(Batch(500));
        }

        using (var store = new DuckDbStore(_path))
        {
            await store.WriteAsync(Batch(1_000));
        }

        Assert.That(Count("click_events"), Is.EqualTo(1_500));
        Assert.That(Count("click_user_agents"), Is.EqualTo(3), "one row per user agent (and what was parsed from it)");
        Assert.That(Count("click_locations"), Is.EqualTo(2));
        Assert.That(Count("click_referers"), Is.EqualTo(4));
        Assert.That(Count("click_campaigns"), Is.EqualTo(1));
        Assert.That(Count("click_attributes"), Is.EqualTo(1));
        List<object[]> perAgent = DuckDbStore.Sql(_path, "SELECT user_agent, count(*) FROM clicks GROUP BY user_agent ORDER BY user_agent");
        Assert.That(perAgent, Is.EqualTo(agents.Order(StringComparer.Ordinal).Select(a => new object[] { a, 500L })));
        Assert.That(Count("clicks WHERE country = 'CH' AND user_agent LIKE 'curl%'"), Is.EqualTo(250));
    }

    [Test]
    public async Task When_the_memory_of_dimension_rows_starts_over_every_click_still_reads_back_its_own_values()
    {
        // Room for two user agents in memory, five in use: the memory starts over again and again.
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddClickAnalytics().AddDuckDb(o => { o.Path = _path; o.RememberedDimensionRows = 2; });
        using ServiceProvider provider = services.BuildServiceProvider();
        IClickSink sink = provider.GetServices<IClickSink>().Single();
        var written = new Dictionary<Guid, string>();
        for (int batch = 0; batch < 10; batch++)
        {
            List<EnrichedClick> clicks = Enumerable.Range(0, 20).Select(i => Click(Day1.AddSeconds((batch * 20) + i), $"agent-{(batch + i) % 5}", "CH")).ToList();
            await sink.WriteAsync(clicks, CancellationToken.None);
            foreach (EnrichedClick click in clicks)
            {
                written[click.Click.EventId] = click.Click.UserAgent!;
            }
        }

        Dictionary<Guid, string> stored = DuckDbStore.Sql(_path, "SELECT event_id, user_agent FROM clicks").ToDictionary(r => (Guid)r[0], r => (string)r[1]);

        Assert.That(stored, Is.EqualTo(written));
        Assert.That(Count("click_user_agents"), Is.GreaterThan(5), "combinations were stored again once forgotten");
    }

    [Test]
    public async Task A_failed_batch_leaves_no_dimension_key_behind_that_was_never_stored()
    {
        using var store = new DuckDbStore(_path);
        await store.WriteAsync([Click(Day1, "first-agent", "CH")]);
        DuckDbStore.Sql(_path, "ALTER TABLE click_user_agents ADD COLUMN surprise INTEGER");

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => store.WriteAsync([Click(Day1.AddSeconds(1), "second-agent", "CH")]));
        Assert.That(error!.Message, Does.Contain("click_user_agents"));

        DuckDbStore.Sql(_path, "ALTER TABLE click_user_agents DROP COLUMN surprise");
        EnrichedClick retried = Click(Day1.AddSeconds(2), "second-agent", "CH");
        await store.WriteAsync([retried]);

        Assert.That(DuckDbStore.Sql(_path, $"SELECT user_agent FROM clicks WHERE event_id = '{retried.Click.EventId}'").Single()[0], Is.EqualTo("second-agent"));
        Assert.That(Count("click_events"), Is.EqualTo(2), "the failed batch stored nothing");
    }

    [Test]
    public async Task A_batch_that_failed_in_the_middle_is_stored_in_full_when_it_is_retried()
    {
        using var store = new DuckDbStore(_path);
        await store.WriteAsync([Click(Day1, "known-agent", "CH")]);
        // The first clicks are appended before the one with a new user agent makes the batch fail.
        List<EnrichedClick> batch = Enumerable.Range(1, 10).Select(i => Click(Day1.AddSeconds(i), i < 5 ? "known-agent" : "new-agent", "CH")).ToList();
        DuckDbStore.Sql(_path, "ALTER TABLE click_user_agents ADD COLUMN surprise INTEGER");
        await Assert.ThrowsAsync<InvalidOperationException>(() => store.WriteAsync(batch));
        DuckDbStore.Sql(_path, "ALTER TABLE click_user_agents DROP COLUMN surprise");

        await store.WriteAsync(batch);

        Assert.That(DuckDbStore.Sql(_path, "SELECT count(*), count(DISTINCT event_id) FROM clicks").Single(), Is.EqualTo(new object[] { 11L, 11L }),
            "the ids of the rolled-back batch are not remembered as stored");
    }

    [Test]
    public async Task A_file_with_the_earlier_single_clicks_table_is_moved_into_the_new_layout_with_every_value()
    {
        // A reference file written by the store, and a file with the same rows in one wide table.
        string reference = DuckDbStore.TempPath();
        try
        {
            var clicks = Enumerable.Range(0, 300).Select(i => Click(Day1.AddSeconds(i), $"agent-{i % 7}", i % 2 == 0 ? "CH" : "FR", referer: $"https://r{i % 5}.example/")).ToList();
            foreach (EnrichedClick click in clicks.Where((_, i) => i % 3 == 0))
            {
                click.SetDimension("plan_tier", "gold");
            }

            using (var store = new DuckDbStore(reference))
            {
                await store.WriteAsync(clicks);
            }

            System.IO.Directory.CreateDirectory(System.IO.Path.GetDirectoryName(_path)!);
            DuckDbStore.Sql(_path, $"ATTACH '{reference}' AS ref (READ_ONLY); CREATE TABLE clicks AS SELECT * FROM ref.clicks; DETACH ref");
            Assert.That(DuckDbStore.Sql(_path, "SELECT table_type FROM information_schema.tables WHERE table_name = 'clicks'").Single()[0], Is.EqualTo("BASE TABLE"));

            using (var store = new DuckDbStore(_path))
            {
                await store.WriteAsync(clicks.Take(10)); // redeliveries: found in the moved rows
                await store.WriteAsync([Click(Day1.AddHours(1), "agent-new", "CH")]);
            }

            const string All = "SELECT * EXCLUDE (plan_tier), plan_tier FROM clicks WHERE timestamp < '2026-10-01 10:00:00' ORDER BY event_id";
            List<object[]> expected = DuckDbStore.Sql(reference, All);
            List<object[]> moved = DuckDbStore.Sql(_path, All);
            Assert.That(moved, Has.Count.EqualTo(300));
            Assert.That(moved, Is.EqualTo(expected));
            Assert.That(Count("click_events"), Is.EqualTo(301));
            Assert.That(Count("click_user_agents"), Is.EqualTo(8));
            Assert.That(Count("click_attributes"), Is.EqualTo(1));
            Assert.That(EventColumns(), Is.EqualTo(NarrowEventColumns.Append("plan_tier")));
            Assert.That(DuckDbStore.Sql(_path, "SELECT count(*) FROM information_schema.tables WHERE table_name LIKE 'clicks_%'").Single()[0], Is.EqualTo(0L), "the wide table is gone");
        }
        finally
        {
            DuckDbStore.DeleteFolderOf(reference);
        }
    }

    [Test]
    public async Task Readers_of_the_view_and_the_counts_keep_working_while_batches_add_columns_and_dimension_rows()
    {
        using var store = new DuckDbStore(_path);
        await store.WriteAsync([Click(Day1, "agent-0", "CH")]);
        using var stop = new CancellationTokenSource();
        int reads = 0;
        Task reader = Task.Run(async () =>
        {
            var day = new ClickAnalytics.Querying.ClickQuery { From = DateOnly.FromDateTime(Day1.UtcDateTime), To = DateOnly.FromDateTime(Day1.UtcDateTime), IncludeBots = true };
            while (!stop.IsCancellationRequested)
            {
                long viewed = (long)DuckDbStore.Sql(_path, "SELECT count(*) FROM clicks WHERE user_agent LIKE 'agent-%'").Single()[0];
                long counted = (await store.Queries.GetDailyClicksAsync(day)).Single().Clicks;
                Assert.That(viewed, Is.GreaterThan(0));
                Assert.That(counted, Is.GreaterThan(0));
                reads++;
            }
        });

        for (int batch = 1; batch <= 30; batch++)
        {
            List<EnrichedClick> clicks = Enumerable.Range(0, 50).Select(i => Click(Day1.AddSeconds((batch * 50) + i), $"agent-{batch}-{i % 3}", "CH")).ToList();
            clicks[0].SetDimension($"extra_{batch % 10}", "x");
            await store.WriteAsync(clicks);
        }

        await stop.CancelAsync();
        await reader;

        Assert.That(reads, Is.GreaterThan(0));
        Assert.That(Count("clicks"), Is.EqualTo(1 + (30 * 50)));
        Assert.That(Count("click_user_agents"), Is.EqualTo(1 + (30 * 3)));
        Assert.That(DuckDbStore.Sql(_path, "SELECT count(*) FROM information_schema.columns WHERE table_name = 'clicks' AND column_name LIKE 'extra_%'").Single()[0], Is.EqualTo(10L));
    }

    [Test]
    public async Task A_text_column_added_by_hand_under_any_name_survives_reopening_and_shows_in_the_view()
    {
        using (var store = new DuckDbStore(_path))
        {
            await store.WriteAsync([Click(Day1, "a", "CH")]);
        }

        DuckDbStore.Sql(_path, "ALTER TABLE click_events ADD COLUMN \"note \"\"x\"\"; --\" VARCHAR DEFAULT 'kept'");
        using (var store = new DuckDbStore(_path))
        {
            await store.WriteAsync([Click(Day1.AddSeconds(1), "b", "CH")]);
        }

        string last = (string)DuckDbStore.Sql(_path, "SELECT column_name FROM information_schema.columns WHERE table_name = 'clicks' ORDER BY ordinal_position DESC LIMIT 1").Single()[0];
        Assert.That(last, Is.EqualTo("note \"x\"; --"));
        Assert.That(DuckDbStore.Sql(_path, "SELECT user_agent, \"note \"\"x\"\"; --\" FROM clicks ORDER BY timestamp"), Is.EqualTo(new[] { new object[] { "a", "kept" }, ["b", ""] }));
    }

    [Test]
    public async Task A_wide_table_from_before_some_columns_existed_is_moved_with_those_columns_empty()
    {
        string reference = DuckDbStore.TempPath();
        try
        {
            var clicks = Enumerable.Range(0, 50).Select(i => Click(Day1.AddSeconds(i), $"agent-{i % 4}", "CH")).ToList();
            foreach (EnrichedClick click in clicks)
            {
                click.Asn = 64_500;
                click.BotReasons = "test-reason";
                click.RepeatOf = Guid.NewGuid();
            }

            using (var store = new DuckDbStore(reference))
            {
                await store.WriteAsync(clicks);
            }

            System.IO.Directory.CreateDirectory(System.IO.Path.GetDirectoryName(_path)!);
            DuckDbStore.Sql(_path, $"ATTACH '{reference}' AS ref (READ_ONLY); CREATE TABLE clicks AS SELECT * EXCLUDE (asn, bot_reasons, repeat_of) FROM ref.clicks; DETACH ref");

            using (var store = new DuckDbStore(_path))
            {
                await store.WriteAsync([Click(Day1.AddHours(1), "agent-new", "CH")]);
            }

            const string Kept = "SELECT * EXCLUDE (asn, bot_reasons, repeat_of) FROM clicks WHERE timestamp < '2026-10-01 10:00:00' ORDER BY event_id";
            Assert.That(DuckDbStore.Sql(_path, Kept), Is.EqualTo(DuckDbStore.Sql(reference, Kept)));
            Assert.That(
                DuckDbStore.Sql(_path, "SELECT DISTINCT asn, bot_reasons, repeat_of FROM clicks"),
                Is.EqualTo(new[] { new object[] { 0u, "", Guid.Empty } }));
            Assert.That(Count("click_events"), Is.EqualTo(51));
        }
        finally
        {
            DuckDbStore.DeleteFolderOf(reference);
        }
    }

    [Test]
    public async Task A_file_with_the_earlier_dimension_tables_is_moved_into_the_new_layout_with_every_value()
    {
        // The layout before click_attributes, as that version created it, with a custom dimension
        // and rows written by hand: four dimension tables, the date and the short values per click.
        System.IO.Directory.CreateDirectory(System.IO.Path.GetDirectoryName(_path)!);
        DuckDbStore.Sql(_path, EarlierDimensionLayout);
        List<Dictionary<string, object>> written = WriteEarlierDimensionRows(40);
        var expected = written.Select(row => ClickSchema.Columns.Select(c => row[c.Name]).Append(row["plan_tier"]).ToArray()).ToList();
        const string All = "SELECT * FROM clicks ORDER BY timestamp";
        Assert.That(Plain(DuckDbStore.Sql(_path, All)), Is.EqualTo(Plain(expected)), "the hand-written file reads as intended");

        using (var store = new DuckDbStore(_path))
        {
            Assert.That(Plain(DuckDbStore.Sql(_path, All)), Is.EqualTo(Plain(expected)));

            // Redeliveries of moved clicks are found in the file; a new click goes in.
            await store.WriteAsync(written.Take(10).Select(row => DuckDbStore.Click("redelivered", new DateTimeOffset((DateTime)row["timestamp"], TimeSpan.Zero), id: (Guid)row["event_id"])));
            await store.WriteAsync([DuckDbStore.Click("new", Day1.AddDays(3))]);
            Assert.That(((DuckDbClickSink)store.Sink).Lookups, Is.EqualTo(1));
        }

        Assert.That(Plain(DuckDbStore.Sql(_path, "SELECT * FROM clicks WHERE link_id <> 'new' ORDER BY timestamp")), Is.EqualTo(Plain(expected)));
        Assert.That(Count("click_events"), Is.EqualTo(41));
        Assert.That(EventColumns(), Is.EqualTo(NarrowEventColumns.Append("plan_tier")));
        int combinations = written.Select(row => string.Join("|", AttributeColumns.Select(name => row[name]))).Distinct().Count();
        Assert.That(Count("click_attributes"), Is.EqualTo(combinations + 1), "the moved combinations once each, and the new click's");
        Assert.That(Count("click_user_agents"), Is.EqualTo(3 + 1));
        Assert.That(
            DuckDbStore.Sql(_path, "SELECT table_name FROM information_schema.tables ORDER BY table_name").Select(r => r[0]),
            Is.EqualTo(new[] { "click_attributes", "click_campaigns", "click_events", "click_locations", "click_referers", "click_user_agents", "clicks" }));
    }

    [Test]
    public async Task A_file_with_the_earlier_dimension_tables_that_cannot_be_moved_is_left_as_it_was()
    {
        System.IO.Directory.CreateDirectory(System.IO.Path.GetDirectoryName(_path)!);
        DuckDbStore.Sql(_path, EarlierDimensionLayout);
        List<Dictionary<string, object>> written = WriteEarlierDimensionRows(5);

        // A click whose user agent row is missing reads as NULLs, which the new tables do not take.
        DuckDbStore.Sql(_path, "INSERT INTO click_events SELECT * REPLACE (gen_random_uuid() AS event_id, 99::UINTEGER AS user_agent_key) FROM click_events LIMIT 1");
        List<object[]> before = DuckDbStore.Sql(_path, "SELECT * FROM clicks ORDER BY timestamp, event_id");

        using (var store = new DuckDbStore(_path))
        {
            await Assert.CatchAsync(() => store.WriteAsync([DuckDbStore.Click("a", Day1)]));
        }

        Assert.That(DuckDbStore.Sql(_path, "SELECT * FROM clicks ORDER BY timestamp, event_id"), Is.EqualTo(before));
        Assert.That(before, Has.Count.EqualTo(written.Count + 1));
        Assert.That(EventColumns(), Does.Contain("user_agent_key").And.Not.Contain("attribute_key"), "the earlier tables are still there");
    }

    private long Count(string from) => (long)DuckDbStore.Sql(_path, $"SELECT count(*) FROM {from}").Single()[0];

    /// <summary>The fixed columns of <c>click_events</c>: what differs from click to click, then the five keys.</summary>
    private static readonly string[] NarrowEventColumns =
        ["event_id", "timestamp", "link_id", "visitor_id", "ip", "repeat_of", "attribute_key", "user_agent_key", "location_key", "referer_key", "campaign_key"];

    private static readonly string[] AttributeColumns =
        ["tenant_id", "tags", "language", "is_head", "is_prefetch", "is_qr", "is_bot", "is_repeat", "repeat_reason"];

    /// <summary>The layout before <c>click_attributes</c> existed (the store at a5d3ab7), with one custom dimension.</summary>
    private const string EarlierDimensionLayout = """
        CREATE TABLE click_events (event_id UUID NOT NULL, timestamp TIMESTAMP NOT NULL, date DATE NOT NULL, tenant_id VARCHAR NOT NULL,
            link_id VARCHAR NOT NULL, is_head BOOLEAN NOT NULL, is_prefetch BOOLEAN NOT NULL, is_qr BOOLEAN NOT NULL, tags VARCHAR NOT NULL,
            is_bot BOOLEAN NOT NULL, language VARCHAR NOT NULL, visitor_id VARCHAR NOT NULL, ip VARCHAR NOT NULL, is_repeat BOOLEAN NOT NULL,
            repeat_of UUID NOT NULL, repeat_reason VARCHAR NOT NULL, user_agent_key UINTEGER NOT NULL, location_key UINTEGER NOT NULL,
            referer_key UINTEGER NOT NULL, campaign_key UINTEGER NOT NULL);
        CREATE TABLE click_user_agents (user_agent_key UINTEGER PRIMARY KEY, user_agent VARCHAR NOT NULL, browser_family VARCHAR NOT NULL,
            browser_major VARCHAR NOT NULL, browser_minor VARCHAR NOT NULL, browser_patch VARCHAR NOT NULL, os_family VARCHAR NOT NULL,
            os_major VARCHAR NOT NULL, os_minor VARCHAR NOT NULL, os_patch VARCHAR NOT NULL, os_patch_minor VARCHAR NOT NULL,
            device_family VARCHAR NOT NULL, device_brand VARCHAR NOT NULL, device_model VARCHAR NOT NULL, device_type VARCHAR NOT NULL,
            bot_class VARCHAR NOT NULL, bot_reasons VARCHAR NOT NULL);
        CREATE TABLE click_locations (location_key UINTEGER PRIMARY KEY, continent VARCHAR NOT NULL, country VARCHAR NOT NULL,
            region VARCHAR NOT NULL, city VARCHAR NOT NULL, asn UINTEGER NOT NULL, asn_org VARCHAR NOT NULL, geo_db VARCHAR NOT NULL);
        CREATE TABLE click_referers (referer_key UINTEGER PRIMARY KEY, referer VARCHAR NOT NULL, referer_host VARCHAR NOT NULL,
            referer_medium VARCHAR NOT NULL, referer_source VARCHAR NOT NULL, search_term VARCHAR NOT NULL);
        CREATE TABLE click_campaigns (campaign_key UINTEGER PRIMARY KEY, utm_source VARCHAR NOT NULL, utm_medium VARCHAR NOT NULL,
            utm_campaign VARCHAR NOT NULL, utm_term VARCHAR NOT NULL, utm_content VARCHAR NOT NULL);
        ALTER TABLE click_events ADD COLUMN IF NOT EXISTS "plan_tier" VARCHAR DEFAULT '';
        CREATE OR REPLACE VIEW clicks AS SELECT click_events.event_id, click_events.timestamp, click_events.date, click_events.tenant_id,
            click_events.link_id, click_user_agents.user_agent, click_referers.referer, click_events.is_head, click_events.is_prefetch,
            click_events.is_qr, click_events.tags, click_user_agents.browser_family, click_user_agents.browser_major,
            click_user_agents.browser_minor, click_user_agents.browser_patch, click_user_agents.os_family, click_user_agents.os_major,
            click_user_agents.os_minor, click_user_agents.os_patch, click_user_agents.os_patch_minor, click_user_agents.device_family,
            click_user_agents.device_brand, click_user_agents.device_model, click_user_agents.device_type, click_events.is_bot,
            click_user_agents.bot_class, click_user_agents.bot_reasons, click_locations.continent, click_locations.country,
            click_locations.region, click_locations.city, click_locations.asn, click_locations.asn_org, click_locations.geo_db,
            click_referers.referer_host, click_referers.referer_medium, click_referers.referer_source, click_referers.search_term,
            click_campaigns.utm_source, click_campaigns.utm_medium, click_campaigns.utm_campaign, click_campaigns.utm_term,
            click_campaigns.utm_content, click_events.language, click_events.visitor_id, click_events.ip, click_events.is_repeat,
            click_events.repeat_of, click_events.repeat_reason, click_events."plan_tier"
        FROM click_events
            LEFT JOIN click_user_agents ON click_user_agents.user_agent_key = click_events.user_agent_key
            LEFT JOIN click_locations ON click_locations.location_key = click_events.location_key
            LEFT JOIN click_referers ON click_referers.referer_key = click_events.referer_key
            LEFT JOIN click_campaigns ON click_campaigns.campaign_key = click_events.campaign_key
        """;

    /// <summary>
    /// Writes <paramref name="count"/> clicks into a file of <see cref="EarlierDimensionLayout"/>, over
    /// two days, with three user agents, two places, two referers and one campaign; returns every
    /// value of each click by column name, in time order.
    /// </summary>
    private List<Dictionary<string, object>> WriteEarlierDimensionRows(int count)
    {
        string[] agentColumns = ["user_agent", "browser_family", "browser_major", "browser_minor", "browser_patch", "os_family", "os_major", "os_minor", "os_patch", "os_patch_minor", "device_family", "device_brand", "device_model", "device_type", "bot_class", "bot_reasons"];
        object[][] agents =
        [
            ["Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0", "Firefox", "140", "0", "", "Linux", "", "", "", "", "Other", "", "", "desktop", "human", ""],
            ["Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) Version/18.1 Mobile Safari/604.1", "Mobile Safari", "18", "1", "", "iOS", "18", "1", "", "", "iPhone", "Apple", "iPhone", "mobile", "human", ""],
            ["Slackbot-LinkExpanding 1.0", "Slackbot", "1", "0", "", "Other", "", "", "", "", "Spider", "Spider", "Desktop", "bot", "preview", "known-agent"],
        ];
        string[] locationColumns = ["continent", "country", "region", "city", "asn", "asn_org", "geo_db"];
        object[][] locations = [["EU", "CH", "ZH", "Zürich", 3303u, "Swisscom", "GeoLite2-City"], ["", "", "", "", 0u, "", ""]];
        string[] refererColumns = ["referer", "referer_host", "referer_medium", "referer_source", "search_term"];
        object[][] referers = [["https://www.google.com/search?q=o'clock", "www.google.com", "search", "Google", "o'clock"], ["", "", "direct", "", ""]];
        string[] campaignColumns = ["utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content"];
        object[][] campaigns = [["newsletter", "email", "autumn", "", "b"]];

        var sql = new System.Text.StringBuilder();
        Insert(sql, "click_user_agents", agents);
        Insert(sql, "click_locations", locations);
        Insert(sql, "click_referers", referers);
        Insert(sql, "click_campaigns", campaigns);
        var rows = new List<Dictionary<string, object>>();
        var events = new List<object[]>();
        for (int i = 0; i < count; i++)
        {
            // Every 37 minutes from 09:00, so the clicks run past midnight into the next day.
            DateTime at = Day1.UtcDateTime.AddMinutes(i * 37).AddMilliseconds(i * 7);
            bool repeat = i % 8 == 3;
            var row = new Dictionary<string, object>(StringComparer.Ordinal)
            {
                ["event_id"] = ClickEventId.NewId(new DateTimeOffset(at, TimeSpan.Zero)),
                ["timestamp"] = at,
                ["date"] = DateOnly.FromDateTime(at),
                ["tenant_id"] = i % 2 == 0 ? "acme" : "",
                ["link_id"] = $"link-{i % 4}",
                ["is_head"] = i % 5 == 0,
                ["is_prefetch"] = i % 6 == 0,
                ["is_qr"] = i % 3 == 0,
                ["tags"] = i % 4 == 0 ? "{\"plan\":\"pro\"}" : "",
                ["is_bot"] = i % 3 == 2,
                ["language"] = i % 2 == 0 ? "de" : "en",
                ["visitor_id"] = $"visitor-{i % 11}",
                ["ip"] = i % 9 == 0 ? "192.0.2.7" : "",
                ["is_repeat"] = repeat,
                ["repeat_of"] = repeat ? Guid.NewGuid() : Guid.Empty,
                ["repeat_reason"] = repeat ? "same-visitor" : "",
                ["plan_tier"] = i % 3 == 0 ? "gold" : "",
            };
            int agent = i % 3, location = i % 2, referer = (i / 2) % 2;
            AddValues(row, agentColumns, agents[agent]);
            AddValues(row, locationColumns, locations[location]);
            AddValues(row, refererColumns, referers[referer]);
            AddValues(row, campaignColumns, campaigns[0]);
            rows.Add(row);
            events.Add([
                row["event_id"], row["timestamp"], row["date"], row["tenant_id"], row["link_id"], row["is_head"], row["is_prefetch"], row["is_qr"],
                row["tags"], row["is_bot"], row["language"], row["visitor_id"], row["ip"], row["is_repeat"], row["repeat_of"], row["repeat_reason"],
                (uint)agent + 1, (uint)location + 1, (uint)referer + 1, 1u, row["plan_tier"],
            ]);
        }

        sql.Append("INSERT INTO click_events VALUES ").AppendJoin(", ", events.Select(Values)).Append(';');
        DuckDbStore.Sql(_path, sql.ToString());
        return rows;

        static void Insert(System.Text.StringBuilder sql, string table, object[][] values) =>
            sql.Append("INSERT INTO ").Append(table).Append(" VALUES ")
                .AppendJoin(", ", values.Select((row, i) => Values(row.Prepend((uint)i + 1).ToArray()))).Append(';');

        static void AddValues(Dictionary<string, object> row, string[] names, object[] values)
        {
            for (int i = 0; i < names.Length; i++)
            {
                row[names[i]] = values[i];
            }
        }

        static string Values(object[] row) => "(" + string.Join(", ", row.Select(Literal)) + ")";

        static string Literal(object value) => value switch
        {
            string text => "'" + text.Replace("'", "''", StringComparison.Ordinal) + "'",
            bool flag => flag ? "true" : "false",
            uint number => number.ToString(System.Globalization.CultureInfo.InvariantCulture),
            DateTime at => "'" + at.ToString("yyyy-MM-dd HH:mm:ss.fff", System.Globalization.CultureInfo.InvariantCulture) + "'",
            DateOnly day => "'" + day.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture) + "'",
            _ => $"'{value}'",
        };
    }

    /// <summary>Rows with days as <see cref="DateTime"/>, whichever type the reader gave them.</summary>
    private static List<object[]> Plain(IEnumerable<object[]> rows) =>
        rows.Select(row => row.Select(value => value is DateOnly day ? day.ToDateTime(TimeOnly.MinValue) : value).ToArray()).ToList();

    private List<string> EventColumns() =>
        DuckDbStore.Sql(_path, "SELECT column_name FROM information_schema.columns WHERE table_name = 'click_events' ORDER BY ordinal_position").Select(r => (string)r[0]).ToList();

    private static EnrichedClick Click(DateTimeOffset at, string userAgent, string country, string referer = "https://www.example.org/") =>
        new(new ClickEvent
        {
            EventId = ClickEventId.NewId(at),
            Timestamp = at,
            LinkId = "link",
            UserAgent = userAgent,
            Referer = referer,
        })
        {
            Country = country,
            BrowserFamily = userAgent.Split('/')[0],
        };

    private static string ExpectedType(ClickColumnType type) => type switch
    {
        ClickColumnType.String => "VARCHAR",
        ClickColumnType.Boolean => "BOOLEAN",
        ClickColumnType.UInt32 => "UINTEGER",
        ClickColumnType.Timestamp => "TIMESTAMP",
        ClickColumnType.Date => "DATE",
        _ => "UUID",
    };
}
