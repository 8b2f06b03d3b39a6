using System;
using System.Collections.Generic;
using System.Diagnostics.Metrics;
using System.Linq;
using System.Threading.Tasks;
using ClickAnalytics.Sinks.Redis.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using StackExchange.Redis;

using ClickAnalytics.Testing;

namespace ClickAnalytics.Sinks.Redis.Tests.Buffering;

/// <summary>Consumers in separate processes, as workers run in production.</summary>
public sealed class ConsumerProcessTests
{
    [Test]
    public async Task Two_consumer_processes_share_the_load()
    {
        string stream = RedisTestServer.UniqueStream("share");
        await using ConnectionMultiplexer redis = await RedisTestServer.ConnectAsync();
        IDatabase db = redis.GetDatabase();
        await using ConsumerProcess first = await ConsumerProcess.StartAsync(RedisTestServer.Configuration, stream, sinkDelayMs: 20, batchSize: 20, claimIdleMs: 600_000);
        await using ConsumerProcess second = await ConsumerProcess.StartAsync(RedisTestServer.Configuration, stream, sinkDelayMs: 20, batchSize: 20, claimIdleMs: 600_000);
        // Both are polling now (Redis 7.0 lists a consumer only once it has read something).

        ClickEvent[] clicks = FullClicks.Many(2_000);
        await using (RedisPipeline producer = await RedisPipeline.StartAsync(RedisTestServer.Configuration, stream, pipeline: o => o.ProcessingEnabled = false))
        {
            await producer.ProduceAsync(clicks);
            await Wait.UntilAsync(() => first.StoredIds().Count + second.StoredIds().Count >= clicks.Length, "every click stored by one of the workers");
        }

        HashSet<Guid> a = first.StoredIds();
        HashSet<Guid> b = second.StoredIds();
        Assert.That(a, Is.Not.Empty, "the first worker did some of the work");
        Assert.That(b, Is.Not.Empty, "the second worker did some of the work");
        Assert.That(a.Overlaps(b), Is.False, "no click went to both");
        Assert.That(a.Union(b), Is.EquivalentTo(clicks.Select(c => c.EventId)));
        Assert.That((await db.StreamConsumerInfoAsync(stream, "clickanalytics")).Select(c => c.Name).Distinct().Count(), Is.EqualTo(2), "consumer names are unique per process");
        await Wait.UntilNothingPendingAsync(db, stream);
    }

    [Test]
    public async Task A_consumer_killed_in_the_middle_of_a_batch_leaves_its_entries_to_another_and_every_click_is_stored_once()
    {
        string stream = RedisTestServer.UniqueStream("kill9");
        await using ConnectionMultiplexer redis = await RedisTestServer.ConnectAsync();
        IDatabase db = redis.GetDatabase();
        ClickEvent[] clicks = FullClicks.Many(1_000);

        await using (RedisPipeline producer = await RedisPipeline.StartAsync(RedisTestServer.Configuration, stream, pipeline: o => o.ProcessingEnabled = false))
        {
            await producer.ProduceAsync(clicks);
            await Wait.UntilAsync(() => producer.Producer.QueuedCount == 0, "every click in Redis");
        }

        // Everything is in the stream before the victim starts, so its batches are full: it stores
        // two, then holds the third read but unacknowledged until the kill.
        const int BatchSize = 50;
        await using ConsumerProcess victim = await ConsumerProcess.StartAsync(RedisTestServer.Configuration, stream, sinkDelayMs: 20, batchSize: BatchSize, claimIdleMs: 600_000, stallAfterBatches: 2);

        await Wait.UntilAsync(async () => victim.StoredIds().Count == 2 * BatchSize && (await db.StreamPendingAsync(stream, "clickanalytics")).PendingMessageCount > 0, "the victim stored two batches and holds the next");
        await victim.KillAsync();
        long stranded = (await db.StreamPendingAsync(stream, "clickanalytics")).PendingMessageCount;
        Assert.That(stranded, Is.EqualTo(BatchSize), "the killed worker left the batch it held pending");

        await using RedisPipeline survivor = await RedisPipeline.StartAsync(
            RedisTestServer.Configuration, stream, redis: o => o.ClaimIdleTime = TimeSpan.FromMilliseconds(300));
        using var claimed = new MetricCollector<long>(survivor.Services.GetRequiredService<IMeterFactory>(), "ClickAnalytics.Redis", "clickanalytics.redis.entries.claimed");

        HashSet<Guid> victimIds = victim.StoredIds();
        await Wait.UntilAsync(() => victimIds.Count + survivor.Sink.Clicks.Count >= clicks.Length && victimIds.Union(survivor.Sink.Clicks.Keys).Count() == clicks.Length, "every click stored by one of the workers");
        await Wait.UntilNothingPendingAsync(db, stream);

        Assert.That(victimIds.Union(survivor.Sink.Clicks.Keys), Is.EquivalentTo(clicks.Select(c => c.EventId)), "exactly the produced clicks, redeliveries collapsed");
        Assert.That(claimed.GetMeasurementSnapshot().Sum(m => m.Value), Is.EqualTo(stranded), "the survivor claimed what the victim left");
    }
}
