using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using ClickAnalytics;
using ClickAnalytics.Sinks.DuckDb.Tests.Support;
using ClickAnalytics.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace ClickAnalytics.Sinks.DuckDb.Tests.Storage;

/// <summary>
/// The file's layout: clicks in <c>click_events</c>, repeating values once in dimension tables, and
/// a <c>clicks</c> view that gives back exactly the schema's columns.
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

    private long Count(string from) => (long)DuckDbStore.Sql(_path, $"SELECT count(*) FROM {from}").Single()[0];

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
