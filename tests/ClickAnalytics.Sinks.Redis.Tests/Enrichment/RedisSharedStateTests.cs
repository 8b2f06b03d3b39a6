using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using ClickAnalytics.Buffering;
using ClickAnalytics.Enrichment;
using ClickAnalytics.Sinks.Redis.Tests.Support;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;
using ClickAnalytics.Sinks.Redis;
using ClickAnalytics.Sinks.Redis.Buffering;
using ClickAnalytics.Sinks.Redis.Diagnostics;
using ClickAnalytics.Sinks.Redis.Enrichment;

namespace ClickAnalytics.Sinks.Redis.Tests.Enrichment;

/// <summary>Covers RedisVisitorKeyStore and RedisRepeatClickStore; each "process" has its own connection.</summary>
public sealed class RedisSharedStateTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 14, 12, 0, 0, TimeSpan.Zero);

    [Test]
    public async Task Every_process_gets_the_same_visitor_key_for_a_day_and_another_for_the_next()
    {
        (IOptions<RedisStreamsOptions> options, IOptions<RedisSharedStateOptions> shared) = Options(RedisTestServer.UniqueStream("visitor"));
        var time = new FakeTimeProvider(Now);
        await using var connectionA = new RedisConnection(options);
        await using var connectionB = new RedisConnection(options);
        var a = new RedisVisitorKeyStore(connectionA, shared, time);
        var b = new RedisVisitorKeyStore(connectionB, shared, time);
        var today = DateOnly.FromDateTime(Now.UtcDateTime);

        Task<ReadOnlyMemory<byte>>[] racing = [.. Enumerable.Range(0, 8).Select(i => (i % 2 == 0 ? a : b).GetDailyKeyAsync(today, CancellationToken.None).AsTask())];
        ReadOnlyMemory<byte>[] keys = await Task.WhenAll(racing);
        ReadOnlyMemory<byte> tomorrow = await a.GetDailyKeyAsync(today.AddDays(1), CancellationToken.None);

        Assert.That(keys[0].Length, Is.EqualTo(32));
        Assert.That(keys.Select(k => Convert.ToHexString(k.Span)).Distinct().Count(), Is.EqualTo(1), "one key per day, whoever asked first");
        Assert.That(tomorrow.Span.SequenceEqual(keys[0].Span), Is.False);

        await using ConnectionMultiplexer redis = await RedisTestServer.ConnectAsync();
        TimeSpan? ttl = await redis.GetDatabase().KeyTimeToLiveAsync(shared.Value.KeyPrefix + "visitor-key:2026-03-14");
        Assert.That(ttl, Is.Not.Null.And.LessThanOrEqualTo(TimeSpan.FromHours(36)).And.GreaterThan(TimeSpan.FromHours(35)), "destroyed 48 hours after the day began");
    }

    [Test]
    public async Task A_day_older_than_48_hours_has_no_key_and_no_process_keeps_one()
    {
        (IOptions<RedisStreamsOptions> options, IOptions<RedisSharedStateOptions> shared) = Options(RedisTestServer.UniqueStream("destroyed"));
        var time = new FakeTimeProvider(Now);
        await using var connection = new RedisConnection(options);
        var store = new RedisVisitorKeyStore(connection, shared, time);
        var today = DateOnly.FromDateTime(Now.UtcDateTime);

        ReadOnlyMemory<byte> fresh = await store.GetDailyKeyAsync(today, CancellationToken.None);
        time.Advance(TimeSpan.FromHours(36));   // 48 hours after the day began
        ReadOnlyMemory<byte> afterDestruction = await store.GetDailyKeyAsync(today, CancellationToken.None);
        ReadOnlyMemory<byte> old = await store.GetDailyKeyAsync(today.AddDays(-5), CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(fresh.Length, Is.EqualTo(32));
            Assert.That(afterDestruction.IsEmpty, Is.True, "the cached key outlived its 48 hours");
            Assert.That(old.IsEmpty, Is.True, "a destroyed day got a new key");
        });
    }

    [Test]
    public async Task A_repeat_within_the_window_points_at_the_first_click_and_a_redelivery_is_no_repeat()
    {
        (IOptions<RedisStreamsOptions> options, IOptions<RedisSharedStateOptions> shared) = Options(RedisTestServer.UniqueStream("repeat"));
        await using var connection = new RedisConnection(options);
        var store = new RedisRepeatClickStore(connection, shared);
        TimeSpan window = TimeSpan.FromSeconds(10);
        Guid first = Guid.NewGuid(), retry = Guid.NewGuid(), later = Guid.NewGuid(), other = Guid.NewGuid(), afterLater = Guid.NewGuid();

        IReadOnlyList<Guid?> answer = await store.CheckAndRecordAsync(
            [
                new RepeatCandidate("v1|l1", first, Now),
                new RepeatCandidate("v1|l1", retry, Now.AddSeconds(3)),
                new RepeatCandidate("v2|l1", other, Now.AddSeconds(3)),
                new RepeatCandidate("v1|l1", first, Now),
                new RepeatCandidate("v1|l1", later, Now.AddSeconds(11)),
                new RepeatCandidate("v1|l1", afterLater, Now.AddSeconds(12)),
            ],
            window,
            CancellationToken.None);

        Assert.That(answer, Is.EqualTo(new Guid?[] { null, first, null, null, null, later }));
    }

    [Test]
    public async Task Workers_racing_on_one_visitor_and_link_agree_on_a_single_first_click()
    {
        (IOptions<RedisStreamsOptions> options, IOptions<RedisSharedStateOptions> shared) = Options(RedisTestServer.UniqueStream("race"));
        var stores = new List<RedisRepeatClickStore>();
        var connections = new List<RedisConnection>();
        for (int i = 0; i < 4; i++)
        {
            var connection = new RedisConnection(options);
            connections.Add(connection);
            stores.Add(new RedisRepeatClickStore(connection, shared));
        }

        Guid[] ids = [.. Enumerable.Range(0, 40).Select(_ => Guid.NewGuid())];
        Task<IReadOnlyList<Guid?>>[] racing = [.. ids.Select((id, i) => stores[i % 4].CheckAndRecordAsync([new RepeatCandidate("v|l", id, Now)], TimeSpan.FromSeconds(10), CancellationToken.None).AsTask())];
        IReadOnlyList<Guid?>[] answers = await Task.WhenAll(racing);

        int firsts = answers.Count(a => a[0] is null);
        Guid winner = ids[Array.FindIndex(answers, a => a[0] is null)];
        Assert.That(firsts, Is.EqualTo(1));
        Assert.That(answers.Where(a => a[0] is not null).Select(a => a[0]), Is.All.EqualTo(winner));
        foreach (RedisConnection connection in connections)
        {
            await connection.DisposeAsync();
        }
    }

    private static (IOptions<RedisStreamsOptions> Connection, IOptions<RedisSharedStateOptions> SharedState) Options(string prefix) =>
        (Microsoft.Extensions.Options.Options.Create(new RedisStreamsOptions { Configuration = RedisTestServer.Configuration }),
         Microsoft.Extensions.Options.Options.Create(new RedisSharedStateOptions { KeyPrefix = prefix + ":" }));
}
