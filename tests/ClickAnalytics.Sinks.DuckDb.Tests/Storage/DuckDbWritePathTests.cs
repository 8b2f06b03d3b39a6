using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using ClickAnalytics;
using System.Diagnostics.Metrics;
using ClickAnalytics.Sinks.DuckDb.Diagnostics;
using ClickAnalytics.Sinks.DuckDb.Tests.Support;
using ClickAnalytics.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Options;

namespace ClickAnalytics.Sinks.DuckDb.Tests.Storage;

/// <summary>The write path: values written into DuckDB's chunks by hand come back as DuckDB reads them, and redeliveries are found whether the sink remembers them or has to look.</summary>
public class DuckDbWritePathTests : DuckDbFileTest
{
    [Test]
    public async Task Every_column_reads_back_as_written_across_chunk_boundaries()
    {
        // More rows than one DuckDB chunk (2 048), strings on both sides of the 12-byte inline limit,
        // multi-byte text, a NUL (stored as U+FFFD), and a midnight in the middle (the view derives the day).
        string[] texts = ["", "a", "exactly12byt", "thirteen byte", "Zürich", "東京都", "😀 emoji", "nul\0inside", new string('x', 300), "ab\u00e9cdefghij"];
        var random = new Random(7);
        var clicks = new List<EnrichedClick>();
        for (int i = 0; i < 5_000; i++)
        {
            DateTimeOffset at = Day1.AddHours(14).AddMilliseconds(i * 997.123);
            var click = new EnrichedClick(new ClickEvent
            {
                EventId = Guid.NewGuid(),
                Timestamp = at,
                LinkId = "link-" + texts[i % texts.Length],
                TenantId = texts[(i + 3) % texts.Length],
                UserAgent = texts[(i + 1) % texts.Length],
                Referer = texts[(i + 2) % texts.Length],
                Flags = (ClickFlags)(i % 16),
            })
            {
                BrowserFamily = texts[(i + 4) % texts.Length],
                City = texts[(i + 5) % texts.Length],
                Asn = i % 3 == 0 ? uint.MaxValue : (uint)random.Next(),
                IsBot = i % 2 == 0,
                IsRepeat = i % 5 == 0,
                RepeatOf = i % 5 == 0 ? Guid.NewGuid() : Guid.Empty,
                VisitorId = texts[(i + 6) % texts.Length],
            };
            clicks.Add(click);
        }

        await using (var store = new DuckDbStore(_path))
        {
            await store.WriteAsync(clicks);
        }

        string columns = string.Join(", ", ClickSchema.Columns.Select(c => c.Name));
        List<object[]> rows = DuckDbStore.Sql(_path, $"SELECT {columns} FROM clicks ORDER BY timestamp");
        Assert.That(rows, Has.Count.EqualTo(clicks.Count));
        for (int r = 0; r < rows.Count; r++)
        {
            for (int c = 0; c < ClickSchema.Columns.Count; c++)
            {
                ClickColumn column = ClickSchema.Columns[c];
                object expected = column.GetValue(clicks[r]);
                object actual = rows[r][c];
                if (expected is string text)
                {
                    expected = text.Replace('\0', '\uFFFD');
                }
                else if (expected is DateOnly day && actual is DateTime asDateTime)
                {
                    actual = DateOnly.FromDateTime(asDateTime);
                }

                Assert.That(actual, Is.EqualTo(expected), $"row {r}, column {column.Name}");
            }
        }
    }

    [Test]
    public async Task Uuids_are_stored_as_duckdb_reads_and_orders_them()
    {
        List<EnrichedClick> clicks = Enumerable.Range(0, 300).Select(i => DuckDbStore.Click("a", Day1.AddSeconds(i), id: Guid.NewGuid())).ToList();
        await using (var store = new DuckDbStore(_path))
        {
            await store.WriteAsync(clicks);
        }

        // DuckDB's own text form and order of the UUID type, not DuckDB.NET's conversion.
        List<string> stored = DuckDbStore.Sql(_path, "SELECT event_id::VARCHAR FROM clicks ORDER BY event_id").Select(r => (string)r[0]).ToList();
        List<string> expected = clicks.Select(c => c.Click.EventId.ToString()).Order(StringComparer.Ordinal).ToList();
        Assert.That(stored, Is.EqualTo(expected));
    }

    [Test]
    public async Task Fresh_clicks_and_redeliveries_in_the_same_process_need_no_lookup_in_the_file()
    {
        await using var store = new DuckDbStore(_path);
        using MetricCollector<long> lookups = Lookups(store);
        List<EnrichedClick> first = Enumerable.Range(0, 100).Select(i => DuckDbStore.Click("a", Day1.AddSeconds(i))).ToList();

        await store.WriteAsync(first);
        await store.WriteAsync(Enumerable.Range(0, 100).Select(i => DuckDbStore.Click("a", Day1.AddMinutes(5).AddSeconds(i))));
        await store.WriteAsync(first.Take(30).Append(DuckDbStore.Click("a", Day1.AddMinutes(9))));

        Assert.That(DuckDbStore.Sql(_path, "SELECT count(*), count(DISTINCT event_id) FROM clicks").Single(), Is.EqualTo(new object[] { 201L, 201L }));
        Assert.That(Count(lookups), Is.Zero);
    }

    [Test]
    public async Task Clicks_that_arrive_out_of_order_across_batches_are_stored_once_each_without_a_lookup()
    {
        // Concurrent requests reach the buffer slightly out of order, so a batch often holds clicks
        // older than the newest one already stored: new ones among them must go in, redelivered ones not.
        await using var store = new DuckDbStore(_path);
        using MetricCollector<long> lookups = Lookups(store);
        List<EnrichedClick> first = Enumerable.Range(0, 50).Select(i => DuckDbStore.Click("a", Day1.AddSeconds(2 * i))).ToList();
        await store.WriteAsync(first);

        List<EnrichedClick> late = Enumerable.Range(0, 20).Select(i => DuckDbStore.Click("late", Day1.AddSeconds((2 * i) + 1))).ToList();
        EnrichedClick newer = DuckDbStore.Click("a", Day1.AddMinutes(10));
        await store.WriteAsync(late.Concat(first.Skip(40)).Append(newer).Concat(late.Take(3)));

        Assert.That(DuckDbStore.Sql(_path, "SELECT link_id, count(*), count(DISTINCT event_id) FROM clicks GROUP BY link_id ORDER BY link_id"),
            Is.EqualTo(new[] { new object[] { "a", 51L, 51L }, new object[] { "late", 20L, 20L } }));
        Assert.That(Count(lookups), Is.Zero);
    }

    [Test]
    public async Task The_memory_of_stored_ids_keeps_the_generation_before_the_newest_so_recent_redeliveries_need_no_lookup()
    {
        await using var store = new DuckDbStore(_path, o => o.RememberedIds = 100);
        using MetricCollector<long> lookups = Lookups(store);
        List<List<EnrichedClick>> batches = await WriteMinuteBatchesAsync(store, count: 5, size: 60);

        // Each batch fills a generation (60 > 100 / 2): the last one is still remembered, the one
        // before it has been forgotten and must be found in the file.
        await store.WriteAsync(batches[4]);
        Assert.That(Count(lookups), Is.Zero);
        await store.WriteAsync(batches[3]);
        Assert.That(Count(lookups), Is.EqualTo(1));
        Assert.That(DuckDbStore.Sql(_path, "SELECT count(*), count(DISTINCT event_id) FROM clicks").Single(), Is.EqualTo(new object[] { 300L, 300L }));
    }

    [Test]
    public async Task A_batch_redelivered_after_reopening_the_file_is_stored_once()
    {
        List<EnrichedClick> batch = Enumerable.Range(0, 60).Select(i => DuckDbStore.Click("a", Day1.AddSeconds(i))).ToList();
        await using (var store = new DuckDbStore(_path))
        {
            await store.WriteAsync(batch);
        }

        await using (var reopened = new DuckDbStore(_path))
        {
            using MetricCollector<long> lookups = Lookups(reopened);
            // A click older than anything stored that was never stored (a late node) must still go in.
            EnrichedClick late = DuckDbStore.Click("a", Day1.AddHours(-1));
            await reopened.WriteAsync(batch.Skip(10).Append(late).Append(DuckDbStore.Click("a", Day1.AddHours(1))));
            Assert.That(Count(lookups), Is.EqualTo(1), "clicks no newer than the file's newest are looked up");
        }

        Assert.That(DuckDbStore.Sql(_path, "SELECT count(*), count(DISTINCT event_id) FROM clicks").Single(), Is.EqualTo(new object[] { 62L, 62L }));
    }

    [Test]
    public async Task When_the_memory_of_stored_ids_is_full_redeliveries_are_found_in_the_file()
    {
        await using var store = new DuckDbStore(_path, o => o.RememberedIds = 50);
        using MetricCollector<long> lookups = Lookups(store);
        List<List<EnrichedClick>> batches = await WriteMinuteBatchesAsync(store, count: 4, size: 40);

        foreach (List<EnrichedClick> batch in batches)
        {
            await store.WriteAsync(batch);
        }

        Assert.That(DuckDbStore.Sql(_path, "SELECT count(*), count(DISTINCT event_id) FROM clicks").Single(), Is.EqualTo(new object[] { 160L, 160L }));
        Assert.That(Count(lookups), Is.GreaterThan(0));
    }

    [Test]
    public async Task The_meter_counts_rows_written_redeliveries_skipped_and_batches()
    {
        await using var store = new DuckDbStore(_path);
        var meters = store.Services.GetRequiredService<IMeterFactory>();
        using var written = new MetricCollector<long>(meters, DuckDbMetrics.MeterName, "clickanalytics.duckdb.rows.written");
        using var skipped = new MetricCollector<long>(meters, DuckDbMetrics.MeterName, "clickanalytics.duckdb.redeliveries.skipped");
        using var duration = new MetricCollector<double>(meters, DuckDbMetrics.MeterName, "clickanalytics.duckdb.batch.duration");
        List<EnrichedClick> batch = Enumerable.Range(0, 40).Select(i => DuckDbStore.Click("a", Day1.AddSeconds(i))).ToList();

        await store.WriteAsync(batch);
        await store.WriteAsync(batch.Take(15).Append(DuckDbStore.Click("a", Day1.AddMinutes(5))));

        Assert.That(Count(written), Is.EqualTo(41));
        Assert.That(Count(skipped), Is.EqualTo(15));
        Assert.That(duration.GetMeasurementSnapshot(), Has.Count.EqualTo(2).And.All.Matches<CollectedMeasurement<double>>(m => m!.Value >= 0));
    }

    /// <summary>Listens to the store's count of batches whose ids were looked up in the file.</summary>
    private static MetricCollector<long> Lookups(DuckDbStore store) =>
        new(store.Services.GetRequiredService<IMeterFactory>(), DuckDbMetrics.MeterName, "clickanalytics.duckdb.id.lookups");

    private static long Count(MetricCollector<long> collector) => collector.GetMeasurementSnapshot().EvaluateAsCounter();

    /// <summary>Writes <paramref name="count"/> batches of <paramref name="size"/> clicks, a second apart within a batch and a minute apart between batches; returns them.</summary>
    private static async Task<List<List<EnrichedClick>>> WriteMinuteBatchesAsync(DuckDbStore store, int count, int size)
    {
        var batches = Enumerable.Range(0, count)
            .Select(b => Enumerable.Range(0, size).Select(i => DuckDbStore.Click("a", Day1.AddMinutes(b).AddSeconds(i))).ToList())
            .ToList();
        foreach (List<EnrichedClick> batch in batches)
        {
            await store.WriteAsync(batch);
        }

        return batches;
    }

    [Test]
    public async Task A_table_changed_behind_the_stores_back_is_a_clear_error_and_stores_nothing_in_part()
    {
        await using var store = new DuckDbStore(_path);
        await store.WriteAsync([DuckDbStore.Click("a", Day1)]);
        DuckDbStore.Sql(_path, "ALTER TABLE click_events ADD COLUMN surprise INTEGER");

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => store.WriteAsync(Enumerable.Range(1, 10).Select(i => DuckDbStore.Click("a", Day1.AddSeconds(i)))));

        Assert.That(error!.Message, Does.Contain("columns"));
        Assert.That(DuckDbStore.Sql(_path, "SELECT count(*) FROM clicks").Single()[0], Is.EqualTo(1L));
    }

    [Test]
    public async Task The_checkpoint_threshold_is_applied_to_the_database()
    {
        await using (var store = new DuckDbStore(_path, o => o.CheckpointThreshold = "96MiB"))
        {
            await store.WriteAsync([DuckDbStore.Click("a", Day1)]);

            string setting = (string)DuckDbStore.Sql(_path, "SELECT current_setting('checkpoint_threshold')").Single()[0];

            Assert.That(setting, Does.StartWith("96"));
        }
    }

    [TestCase("")]
    [TestCase("lots")]
    [TestCase("1GB'; DROP TABLE clicks; --")]
    public void A_checkpoint_threshold_that_is_not_a_size_is_rejected(string threshold)
    {
        var services = new ServiceCollection();
        services.AddClickAnalytics().AddDuckDb(o => { o.Path = _path; o.CheckpointThreshold = threshold; });
        using ServiceProvider provider = services.BuildServiceProvider();

        Assert.Throws<OptionsValidationException>(() => _ = provider.GetRequiredService<IOptions<DuckDbOptions>>().Value);
    }

    [TestCase(1)]
    [TestCase(3)]
    public async Task The_thread_count_is_applied_to_the_database(int threads)
    {
        await using var store = new DuckDbStore(_path, o => o.Threads = threads);
        await store.WriteAsync([DuckDbStore.Click("a", Day1)]);

        object setting = DuckDbStore.Sql(_path, "SELECT current_setting('threads')").Single()[0];

        Assert.That(Convert.ToInt64(setting, System.Globalization.CultureInfo.InvariantCulture), Is.EqualTo(threads));
    }

    [TestCase(0)]
    [TestCase(-2)]
    public void A_thread_count_below_one_is_rejected(int threads)
    {
        var services = new ServiceCollection();
        services.AddClickAnalytics().AddDuckDb(o => { o.Path = _path; o.Threads = threads; });
        using ServiceProvider provider = services.BuildServiceProvider();

        Assert.Throws<OptionsValidationException>(() => _ = provider.GetRequiredService<IOptions<DuckDbOptions>>().Value);
    }
}
