using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using ClickAnalytics.Querying;
using ClickAnalytics.Storage;
using static ClickAnalytics.Testing.Storage.ContractClicks;

namespace ClickAnalytics.Testing.Storage;

/// <summary>
/// What every <see cref="IClickStore"/> must do, proved on the real database. A store's test project
/// inherits this fixture and says how to make a fresh, empty, initialized store and how to clean up
/// after it; every test here then runs against that store. Expected answers are computed from the
/// clicks with LINQ, never read from another store.
/// </summary>
public abstract partial class ClickStoreContractTests
{
    private IClickStore? _store;

    /// <summary>The store of the running test, made by <see cref="CreateStoreAsync"/> before it.</summary>
    protected IClickStore Store => _store ?? throw new InvalidOperationException("The store is made before each test.");

    /// <summary>A fresh, empty store on the real database, with <see cref="IClickStore.InitializeAsync"/> already called.</summary>
    protected abstract Task<IClickStore> CreateStoreAsync();

    /// <summary>Disposes the stores the test made and removes what they stored (files, databases). Runs after every test.</summary>
    protected abstract Task CleanUpAsync();

    /// <summary>
    /// A second writer on the same data as <paramref name="store"/>, as a second process would have.
    /// By default the same instance, written from two tasks at once: a store that keeps state per
    /// process (DuckDB: one process owns the file) is proved that way; a store that several processes
    /// share returns a second instance.
    /// </summary>
    protected virtual Task<IClickStore> CreateSecondWriterAsync(IClickStore store) => Task.FromResult(store);

    /// <summary>
    /// How finely the store keeps timestamps: the schema's millisecond by default. A store on a server
    /// that keeps only whole seconds (ClickHouse before DateTime64) says so here, and its timestamps are
    /// compared truncated to that.
    /// </summary>
    protected virtual TimeSpan TimestampPrecision => TimeSpan.FromMilliseconds(1);

    [SetUp]
    public async Task CreateStore() => _store = await CreateStoreAsync();

    [TearDown]
    public async Task CleanUp()
    {
        _store = null;
        await CleanUpAsync();
    }

    [Test]
    public async Task Every_column_reads_back_with_its_type_and_value_including_dimensions_added_mid_stream()
    {
        DateTimeOffset at = Day1;
        List<EnrichedClick> first = Enumerable.Range(0, 3).Select(i => Full(i, at.AddMinutes(i))).ToList();
        List<EnrichedClick> second = Enumerable.Range(3, 3).Select(i => Full(i, at.AddMinutes(i))).ToList();
        second[0].SetDimension("plan_tier", "gold");
        second[1].SetDimension("plan_tier", "Zürich östlich 東京");
        List<EnrichedClick> third = Enumerable.Range(6, 2).Select(i => Full(i, at.AddMinutes(i))).ToList();
        third[0].SetDimension("team", "blue");
        third[1].SetDimension("plan_tier", "silver");
        third[1].SetDimension("team", "");
        EnrichedClick nextDay = Full(8, at.AddDays(1));

        await WriteAsync(first);
        await WriteAsync(second);
        await WriteAsync([.. third, nextDay]);

        Dictionary<Guid, StoredClick> stored = (await ReadDayAsync(DateOnly.FromDateTime(at.UtcDateTime))).ToDictionary(c => c.EventId);
        List<EnrichedClick> written = [.. first, .. second, .. third];
        Assert.That(stored.Keys, Is.EquivalentTo(written.Select(c => c.Click.EventId)), "the day holds exactly the clicks written on it");
        Assert.Multiple(() =>
        {
            foreach (EnrichedClick click in written)
            {
                StoredClick row = stored[click.Click.EventId];
                for (int c = 0; c < ClickSchema.Columns.Count; c++)
                {
                    ClickColumn column = ClickSchema.Columns[c];
                    object expected = column.GetValue(click);
                    object actual = row.Values[c];
                    if (expected is DateTime written && column.Type == ClickColumnType.Timestamp)
                    {
                        expected = new DateTime(written.Ticks - (written.Ticks % TimestampPrecision.Ticks), DateTimeKind.Utc);
                    }

                    Assert.That(actual, Is.TypeOf(expected.GetType()).And.EqualTo(expected), $"column {column.Name} of click {click.Click.EventId}");
                    if (actual is DateTime timestamp)
                    {
                        Assert.That(timestamp.Kind, Is.EqualTo(DateTimeKind.Utc), $"column {column.Name} is UTC");
                    }
                }

                var dimensions = new Dictionary<string, string>
                {
                    ["plan_tier"] = click.Dimensions.GetValueOrDefault("plan_tier", ""),
                    ["team"] = click.Dimensions.GetValueOrDefault("team", ""),
                };
                Assert.That(row.Dimensions, Is.EquivalentTo(dimensions), $"custom dimensions of click {click.Click.EventId}");
            }
        });
    }

    [Test]
    public async Task A_redelivered_batch_is_stored_once()
    {
        List<EnrichedClick> batch = Seconds("a", Day1, 50);

        await WriteAsync(batch);
        await WriteAsync(batch);
        await WriteAsync([.. batch.Take(20), .. batch.Take(20), Simple("a", Day1.AddHours(1))]);

        await AssertStoredOnceAsync(batch.Count + 1);
    }

    [Test]
    public async Task A_batch_retried_after_only_part_of_it_was_stored_is_stored_once()
    {
        await WriteAsync(Seconds("before", Day1.AddHours(-1), 10));
        List<EnrichedClick> batch = Seconds("a", Day1, 100);

        // What a write that failed after storing its first clicks leaves behind, then the retry of the whole batch.
        await WriteAsync(batch.Take(37).ToList());
        await WriteAsync(batch);

        await AssertStoredOnceAsync(110);
    }

    [Test]
    public async Task A_batch_retried_after_a_cancelled_write_is_stored_once()
    {
        await WriteAsync(Seconds("before", Day1.AddHours(-1), 10));
        List<EnrichedClick> batch = Seconds("a", Day1, 500);

        using (var cancel = new CancellationTokenSource())
        {
            Task write = Store.WriteAsync(batch, cancel.Token).AsTask();
            await cancel.CancelAsync();
            try
            {
                await write;
            }
            catch (OperationCanceledException)
            {
                // Cancelled before, during or after storing: whichever it was, the retry must store each click once.
            }
        }

        await WriteAsync(batch);

        await AssertStoredOnceAsync(510);
    }

    [Test]
    public async Task Two_writers_at_once_store_each_id_once()
    {
        IClickStore other = await CreateSecondWriterAsync(Store);
        List<EnrichedClick> clicks = Seconds("a", Day1, 600);
        for (int round = 0; round < 3; round++)
        {
            // Overlapping halves, each writer also repeating the other's last round.
            List<EnrichedClick> mine = clicks.Skip(round * 200).Take(300).ToList();
            List<EnrichedClick> theirs = clicks.Skip(Math.Max(0, (round * 200) - 100)).Take(300).ToList();
            await Task.WhenAll(
                Task.Run(() => Store.WriteAsync(mine, CancellationToken.None).AsTask()),
                Task.Run(() => other.WriteAsync(theirs, CancellationToken.None).AsTask()));
        }

        await AssertStoredOnceAsync(clicks.Count);
    }

    [Test]
    public async Task Every_query_answers_what_the_clicks_say()
    {
        List<EnrichedClick> clicks = Dataset();
        foreach (EnrichedClick[] batch in clicks.Chunk(250))
        {
            await WriteAsync(batch);
        }

        (DateOnly From, DateOnly To)[] ranges =
        [
            (DatasetFirstDay.AddDays(-2), DatasetLastDay.AddDays(2)),
            (DatasetEmptyDay.AddDays(-1), DatasetEmptyDay.AddDays(1)),
            (DatasetEmptyDay, DatasetEmptyDay),
            (DatasetLastDay, DatasetLastDay),
        ];
        var failures = new List<string>();
        foreach ((DateOnly from, DateOnly to) in ranges)
        {
            foreach (string? tenant in new[] { null, "acme", "globex", "nobody" })
            {
                foreach (string? link in new[] { null, "pricing", "legal", "missing" })
                {
                    foreach ((bool bots, bool repeats) in new[] { (false, false), (true, false), (false, true), (true, true) })
                    {
                        foreach (int limit in new[] { 100, 3 })
                        {
                            var query = new ClickQuery { From = from, To = to, TenantId = tenant, LinkId = link, IncludeBots = bots, IncludeRepeats = repeats, Limit = limit };
                            List<EnrichedClick> counted = clicks.Where(c => Counts(query, c)).ToList();
                            Compare(failures, query, "daily clicks",
                                DailyClicks.Densify(from, to, counted.GroupBy(c => Day(c)).ToDictionary(g => g.Key, g => (long)g.Count())),
                                await Store.Queries.GetDailyClicksAsync(query));
                            Compare(failures, query, "link totals",
                                counted.GroupBy(c => c.Click.LinkId).Select(g => new LinkClicks(g.Key, g.Count()))
                                    .OrderByDescending(l => l.Clicks).ThenBy(l => l.LinkId, StringComparer.Ordinal).Take(limit).ToList(),
                                await Store.Queries.GetLinkTotalsAsync(query));
                        }
                    }
                }
            }
        }

        Assert.That(failures, Is.Empty, "queries whose answers differ from the clicks' (expected / actual)");
    }

    [Test]
    public async Task A_query_for_a_range_that_ends_before_it_starts_is_an_argument_error()
    {
        var reversed = new ClickQuery { From = DatasetLastDay, To = DatasetFirstDay };

        await Assert.ThrowsAsync<ArgumentException>(() => Store.Queries.GetDailyClicksAsync(reversed));
        await Assert.ThrowsAsync<ArgumentException>(() => Store.Queries.GetLinkTotalsAsync(reversed));
    }

    [Test]
    public async Task Days_are_listed_read_and_dropped_one_at_a_time()
    {
        var first = new DateOnly(2026, 10, 1);
        DateTimeOffset midnight = first.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);
        List<EnrichedClick> day1 = [Simple("a", midnight), Simple("a", midnight.AddHours(12), bot: true), Simple("b", midnight.AddDays(1).AddMilliseconds(-1), repeat: true)];
        List<EnrichedClick> day2 = [Simple("a", midnight.AddDays(1)), Simple("c", midnight.AddDays(1).AddHours(3), tenant: "acme")];
        List<EnrichedClick> day3 = [Simple("a", midnight.AddDays(2)), Simple("b", midnight.AddDays(3).AddMilliseconds(-1))];
        List<EnrichedClick> day5 = Seconds("d", midnight.AddDays(4).AddHours(23).AddMinutes(59), 4);
        await WriteAsync([.. day5, .. day1]);
        await WriteAsync([.. day3, .. day2]);
        StoredDay[] remaining = [new(first, 3), new(first.AddDays(2), 2), new(first.AddDays(4), 4)];

        Assert.That(await Store.ListDaysAsync(CancellationToken.None), Is.EqualTo(new[] { remaining[0], new StoredDay(first.AddDays(1), 2), remaining[1], remaining[2] }),
            "every day with raw clicks, bots and repeats counted, oldest first");
        Assert.That(await IdsOfDayAsync(first.AddDays(1)), Is.EquivalentTo(day2.Select(c => c.Click.EventId)));

        await Store.DropDayAsync(first.AddDays(1), CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(await Store.ListDaysAsync(CancellationToken.None), Is.EqualTo(remaining));
            Assert.That(await IdsOfDayAsync(first.AddDays(1)), Is.Empty, "the dropped day holds nothing");
            Assert.That(await IdsOfDayAsync(first), Is.EquivalentTo(day1.Select(c => c.Click.EventId)), "the day before, to its last millisecond, is untouched");
            Assert.That(await IdsOfDayAsync(first.AddDays(2)), Is.EquivalentTo(day3.Select(c => c.Click.EventId)), "the day after, from its first millisecond, is untouched");
            Assert.That(await IdsOfDayAsync(first.AddDays(4)), Is.EquivalentTo(day5.Select(c => c.Click.EventId)), "a later day is untouched");
        }

        await Store.DropDayAsync(first.AddDays(3), CancellationToken.None);
        await Store.DropDayAsync(first.AddDays(1), CancellationToken.None);
        Assert.That(await Store.ListDaysAsync(CancellationToken.None), Is.EqualTo(remaining), "dropping a day that holds nothing changes nothing");

        EnrichedClick late = Simple("e", midnight.AddDays(1).AddHours(5));
        await WriteAsync([late]);
        Assert.That(await IdsOfDayAsync(first.AddDays(1)), Is.EqualTo(new[] { late.Click.EventId }), "a dropped day takes new clicks again");
    }

    [Test]
    public async Task A_day_is_listed_and_read_by_tenant()
    {
        var day = new DateOnly(2026, 10, 1);
        DateTimeOffset midnight = day.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);
        // Names that sort differently by bytes, by culture and by case; one with a quote and a slash; clicks without a tenant.
        string[] names = ["beta", "Alpha", "élan", "o'brien/eu", "zeta"];
        var clicks = new List<EnrichedClick>();
        for (int i = 0; i < names.Length; i++)
        {
            clicks.AddRange(Enumerable.Range(0, i + 1).Select(n => Simple("a", midnight.AddMinutes(10 * i + n), tenant: names[i])));
        }

        List<EnrichedClick> untenanted = [Simple("a", midnight.AddHours(5)), Simple("b", midnight.AddHours(6))];
        EnrichedClick nextDay = Simple("a", midnight.AddDays(1), tenant: "beta");
        EnrichedClick dayBefore = Simple("a", midnight.AddMilliseconds(-1), tenant: "zeta");
        await WriteAsync([.. clicks, .. untenanted, nextDay, dayBefore]);

        IReadOnlyList<StoredTenantDay> tenants = await Store.ListTenantsAsync(day, CancellationToken.None);
        Assert.That(tenants, Is.EqualTo(new StoredTenantDay[] { new("", 2), new("Alpha", 2), new("beta", 1), new("o'brien/eu", 4), new("zeta", 5), new("élan", 3) }),
            "every tenant of the day once, ordinal order, with its own clicks only");
        foreach (StoredTenantDay tenant in tenants)
        {
            var read = new List<StoredClick>();
            await foreach (StoredClick click in Store.ReadDayAsync(day, tenant.TenantId, CancellationToken.None))
            {
                read.Add(click);
            }

            IEnumerable<EnrichedClick> expected = tenant.TenantId.Length == 0 ? untenanted : clicks.Where(c => c.Click.TenantId == tenant.TenantId);
            Assert.That(read.Select(c => c.EventId), Is.EquivalentTo(expected.Select(c => c.Click.EventId)), $"the clicks of '{tenant.TenantId}'");
            Assert.That(read.Select(c => c.Values[ClickSchema.Columns.ToList().FindIndex(col => col.Name == "tenant_id")]), Has.All.EqualTo(tenant.TenantId));
        }

        Assert.That(await Store.ListTenantsAsync(day.AddDays(2), CancellationToken.None), Is.Empty, "a day without clicks");
        await foreach (StoredClick click in Store.ReadDayAsync(day, "nobody", CancellationToken.None))
        {
            Assert.Fail($"a tenant without clicks that day read {click.EventId}");
        }
    }

    [Test]
    public async Task An_empty_store_lists_no_day_and_reads_nothing()
    {
        Assert.That(await Store.ListDaysAsync(CancellationToken.None), Is.Empty);
        Assert.That(await ReadDayAsync(DatasetFirstDay), Is.Empty);
        await Store.DropDayAsync(DatasetFirstDay, CancellationToken.None);
    }

    [Test]
    public async Task Initializing_again_keeps_what_is_stored()
    {
        List<EnrichedClick> batch = Seconds("a", Day1, 5);
        batch[0].SetDimension("plan_tier", "gold");
        await WriteAsync(batch);

        await Store.InitializeAsync(CancellationToken.None);
        await WriteAsync(batch);

        await AssertStoredOnceAsync(5);
        Assert.That((await ReadDayAsync(DateOnly.FromDateTime(Day1.UtcDateTime))).Single(c => c.EventId == batch[0].Click.EventId).Dimensions["plan_tier"], Is.EqualTo("gold"));
    }

    /// <summary>Writes a batch as the processor does.</summary>
    protected Task WriteAsync(IReadOnlyList<EnrichedClick> clicks) => Store.WriteAsync(clicks, CancellationToken.None).AsTask();

    /// <summary>Every stored click of one day.</summary>
    protected async Task<List<StoredClick>> ReadDayAsync(DateOnly day)
    {
        var clicks = new List<StoredClick>();
        await foreach (StoredClick click in Store.ReadDayAsync(day, CancellationToken.None))
        {
            clicks.Add(click);
        }

        return clicks;
    }

    /// <summary>Asserts that the store holds <paramref name="expected"/> clicks, each id once, as its days and its raw clicks say.</summary>
    protected async Task AssertStoredOnceAsync(int expected)
    {
        IReadOnlyList<StoredDay> days = await Store.ListDaysAsync(CancellationToken.None);
        var ids = new List<Guid>();
        foreach (StoredDay day in days)
        {
            ids.AddRange((await ReadDayAsync(day.Day)).Select(c => c.EventId));
        }

        Assert.Multiple(() =>
        {
            Assert.That(ids, Is.Unique, "no event id is stored twice");
            Assert.That(ids, Has.Count.EqualTo(expected), "clicks stored");
            Assert.That(days.Sum(d => d.Clicks), Is.EqualTo(expected), "clicks the listed days hold");
        });
    }

    private async Task<List<Guid>> IdsOfDayAsync(DateOnly day) => (await ReadDayAsync(day)).Select(c => c.EventId).ToList();

    private static DateOnly Day(EnrichedClick click) => DateOnly.FromDateTime(click.Click.Timestamp.UtcDateTime);

    /// <summary>Whether <paramref name="query"/> counts <paramref name="click"/>: what the query contract says, spelled out independently of any store.</summary>
    private static bool Counts(ClickQuery query, EnrichedClick click) =>
        Day(click) >= query.From && Day(click) <= query.To
        && (query.TenantId is null || (click.Click.TenantId ?? "") == query.TenantId)
        && (query.LinkId is null || click.Click.LinkId == query.LinkId)
        && (query.IncludeBots || !click.IsBot)
        && (query.IncludeRepeats || !click.IsRepeat);

    private static void Compare<T>(List<string> failures, ClickQuery query, string what, IReadOnlyList<T> expected, IReadOnlyList<T> actual)
    {
        if (!expected.SequenceEqual(actual))
        {
            failures.Add($"{what} of {query}: [{string.Join(", ", expected)}] / [{string.Join(", ", actual)}]");
        }
    }
}
