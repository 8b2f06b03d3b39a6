using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using ClickAnalytics;
using ClickAnalytics.Querying;
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
        await using (var store = new DuckDbStore(_path))
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

        await using (var store = new DuckDbStore(_path))
        {
            await store.WriteAsync(Batch(0));
            await store.WriteAsync(Batch(500));
        }

        await using (var store = new DuckDbStore(_path))
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
        await using var store = new DuckDbStore(_path, o => o.RememberedDimensionRows = 2);
        var written = new Dictionary<Guid, string>();
        for (int batch = 0; batch < 10; batch++)
        {
            List<EnrichedClick> clicks = Enumerable.Range(0, 20).Select(i => Click(Day1.AddSeconds((batch * 20) + i), $"agent-{(batch + i) % 5}", "CH")).ToList();
            await store.WriteAsync(clicks);
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
        await using var store = new DuckDbStore(_path);
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
        await using var store = new DuckDbStore(_path);
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
    public async Task Readers_of_the_view_and_the_counts_keep_working_while_batches_add_columns_and_dimension_rows()
    {
        await using var store = new DuckDbStore(_path);
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
        await using (var store = new DuckDbStore(_path))
        {
            await store.WriteAsync([Click(Day1, "a", "CH")]);
        }

        DuckDbStore.Sql(_path, "ALTER TABLE click_events ADD COLUMN \"note \"\"x\"\"; --\" VARCHAR DEFAULT 'kept'");
        await using (var store = new DuckDbStore(_path))
        {
            await store.WriteAsync([Click(Day1.AddSeconds(1), "b", "CH")]);
        }

        string last = (string)DuckDbStore.Sql(_path, "SELECT column_name FROM information_schema.columns WHERE table_name = 'clicks' ORDER BY ordinal_position DESC LIMIT 1").Single()[0];
        Assert.That(last, Is.EqualTo("note \"x\"; --"));
        Assert.That(DuckDbStore.Sql(_path, "SELECT user_agent, \"note \"\"x\"\"; --\" FROM clicks ORDER BY timestamp"), Is.EqualTo(new[] { new object[] { "a", "kept" }, ["b", ""] }));
    }

    private long Count(string from) => (long)DuckDbStore.Sql(_path, $"SELECT count(*) FROM {from}").Single()[0];

    /// <summary>The fixed columns of <c>click_events</c>: what differs from click to click, then the five keys.</summary>
    private static readonly string[] NarrowEventColumns =
        ["event_id", "timestamp", "link_id", "visitor_id", "ip", "repeat_of", "attribute_key", "user_agent_key", "location_key", "referer_key", "campaign_key"];

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
