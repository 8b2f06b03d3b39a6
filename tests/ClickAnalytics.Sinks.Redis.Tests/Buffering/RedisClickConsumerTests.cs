using System;
using System.Buffers;
using System.Linq;
using System.Threading.Tasks;
using ClickAnalytics.Buffering;
using ClickAnalytics.Diagnostics;
using ClickAnalytics.Sinks.Redis.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using StackExchange.Redis;

using ClickAnalytics.Testing;
using ClickAnalytics.Sinks.Redis;
using ClickAnalytics.Sinks.Redis.Buffering;
using ClickAnalytics.Sinks.Redis.Diagnostics;
using ClickAnalytics.Sinks.Redis.Enrichment;

namespace ClickAnalytics.Sinks.Redis.Tests.Buffering;

public sealed class RedisClickConsumerTests
{
    [Test]
    public async Task Produced_clicks_arrive_enriched_acknowledged_and_nothing_stays_pending()
    {
        string stream = RedisTestServer.UniqueStream("roundtrip");
        await using ConnectionMultiplexer redis = await RedisTestServer.ConnectAsync();
        IDatabase db = redis.GetDatabase();
        ClickEvent[] clicks = FullClicks.Many(500);

        await using (RedisPipeline pipeline = await RedisPipeline.StartAsync(RedisTestServer.Configuration, stream))
        {
            await pipeline.ProduceAsync(clicks);
            await Wait.UntilAsync(() => pipeline.Sink.Clicks.Count == clicks.Length, "every click stored");
            await Wait.UntilNothingPendingAsync(db, stream);

            foreach (ClickEvent click in clicks)
            {
                EnrichedClick stored = pipeline.Sink.Clicks[click.EventId];
                FullClicks.AssertSame(click, stored.Click);
                Assert.That(stored.UtmSource, Is.EqualTo("newsletter"), "the campaign stage ran on the consumer");
            }
        }

        StreamGroupInfo group = (await db.StreamGroupInfoAsync(stream)).Single();
        Assert.That(group.EntriesRead, Is.EqualTo(clicks.Length));
        Assert.That(group.PendingMessageCount, Is.Zero);
    }

    [Test]
    public async Task Undecodable_entries_go_to_the_dead_letter_stream_and_the_group_moves_on()
    {
        string stream = RedisTestServer.UniqueStream("poison");
        await using ConnectionMultiplexer redis = await RedisTestServer.ConnectAsync();
        IDatabase db = redis.GetDatabase();
        RedisValue garbage = await db.StreamAddAsync(stream, "c", new byte[] { 0xB1, 0x01, 0x7F });
        RedisValue fieldless = await db.StreamAddAsync(stream, "other", "x");
        ClickEvent[] clicks = FullClicks.Many(30);

        await using RedisPipeline pipeline = await RedisPipeline.StartAsync(RedisTestServer.Configuration, stream);
        await pipeline.ProduceAsync(clicks);

        await Wait.UntilAsync(() => pipeline.Sink.Clicks.Count == clicks.Length, "the valid clicks stored");
        await Wait.UntilAsync(async () => await db.StreamLengthAsync(stream + ":dead") == 2, "two dead letters");
        StreamEntry[] dead = await db.StreamRangeAsync(stream + ":dead");
        Assert.That(dead.Select(e => e["entry"]), Is.EquivalentTo(new[] { garbage, fieldless }));
        Assert.That(dead.Select(e => (string?)e["cause"]), Is.All.EqualTo("undecodable"));
        Assert.That(dead.Select(e => (string?)e["error"]), Is.All.Not.Empty);
        Assert.That((byte[]?)dead.Single(e => e["entry"] == garbage)["c"], Is.EqualTo(new byte[] { 0xB1, 0x01, 0x7F }));
        await Wait.UntilNothingPendingAsync(db, stream);
    }

    [Test]
    public async Task A_click_a_working_store_rejects_is_dead_lettered_at_once_and_its_neighbours_are_stored()
    {
        string stream = RedisTestServer.UniqueStream("storefail");
        await using ConnectionMultiplexer redis = await RedisTestServer.ConnectAsync();
        IDatabase db = redis.GetDatabase();
        ClickEvent[] clicks = FullClicks.Many(40);
        Guid poison = clicks[17].EventId;
        var sink = new CollectingSink { FailFor = c => c.EventId == poison };

        await using RedisPipeline pipeline = await RedisPipeline.StartAsync(
            RedisTestServer.Configuration,
            stream,
            redis: o =>
            {
                o.ClaimIdleTime = TimeSpan.FromMilliseconds(200);
                o.MaxDeliveries = 3;
            },
            sink: sink);
        await pipeline.ProduceAsync(clicks);

        await Wait.UntilAsync(async () => await db.StreamLengthAsync(stream + ":dead") == 1, "the poison click dead-lettered");
        await Wait.UntilAsync(() => sink.Clicks.Count == clicks.Length - 1, "every other click stored");
        await Wait.UntilNothingPendingAsync(db, stream);

        StreamEntry dead = (await db.StreamRangeAsync(stream + ":dead")).Single();
        Assert.That(ClickEventCodec.TryDecode((byte[])dead["c"]!, out ClickEvent? decoded, out _), Is.True);
        Assert.That(decoded!.EventId, Is.EqualTo(poison));
        Assert.That((string?)dead["cause"], Is.EqualTo("store_rejected"));
        Assert.That((string?)dead["error"], Does.Contain("poison click"));
        Assert.That((int)dead["deliveries"], Is.EqualTo(1), "found on its first delivery, while its neighbours were stored");
        Assert.That(sink.Clicks.ContainsKey(poison), Is.False);
    }

    [Test]
    public async Task Entries_left_pending_by_a_dead_consumer_are_claimed_and_stored()
    {
        string stream = RedisTestServer.UniqueStream("claim");
        await using ConnectionMultiplexer redis = await RedisTestServer.ConnectAsync();
        IDatabase db = redis.GetDatabase();
        ClickEvent[] clicks = FullClicks.Many(120);
        var scratch = new ArrayBufferWriter<byte>();
        foreach (ClickEvent click in clicks)
        {
            await db.StreamAddAsync(stream, "c", ClickEventCodec.Encode(click, ClickEncoding.Binary, scratch));
        }

        // A consumer reads 80 entries and dies before acknowledging them.
        await db.StreamCreateConsumerGroupAsync(stream, "clickanalytics", StreamPosition.Beginning);
        StreamEntry[] taken = await db.StreamReadGroupAsync(stream, "clickanalytics", "dead-consumer", StreamPosition.NewMessages, 80);
        Assert.That(taken, Has.Length.EqualTo(80));

        await using RedisPipeline pipeline = await RedisPipeline.StartAsync(
            RedisTestServer.Configuration, stream, redis: o => o.ClaimIdleTime = TimeSpan.FromMilliseconds(300));
        using var claimed = new MetricCollector<long>(pipeline.Services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(), "ClickAnalytics.Redis", "clickanalytics.redis.entries.claimed");

        await Wait.UntilAsync(() => pipeline.Sink.Clicks.Count == clicks.Length, "every click stored, the dead consumer's too");
        await Wait.UntilNothingPendingAsync(db, stream);
        long claimedCount = claimed.GetMeasurementSnapshot().Sum(m => m.Value);
        Assert.That(claimedCount, Is.EqualTo(80));
    }

    [Test]
    public async Task A_stream_lost_with_its_group_is_recreated_and_consumption_goes_on()
    {
        string stream = RedisTestServer.UniqueStream("nogroup");
        await using ConnectionMultiplexer redis = await RedisTestServer.ConnectAsync();
        IDatabase db = redis.GetDatabase();
        ClickEvent[] before = FullClicks.Many(50);
        ClickEvent[] after = FullClicks.Many(50, offset: 1000);

        await using RedisPipeline pipeline = await RedisPipeline.StartAsync(RedisTestServer.Configuration, stream);
        await pipeline.ProduceAsync(before);
        await Wait.UntilAsync(() => pipeline.Sink.Clicks.Count == before.Length, "first clicks stored");

        // What a Redis restart without persistence does to the stream.
        await db.KeyDeleteAsync(stream);
        await pipeline.ProduceAsync(after);

        await Wait.UntilAsync(() => pipeline.Sink.Clicks.Count == before.Length + after.Length, "clicks after the loss stored");
        Assert.That((await db.StreamGroupInfoAsync(stream)).Single().Name, Is.EqualTo("clickanalytics"));
    }

    [Test]
    public async Task A_worker_that_stops_with_unstored_batches_loses_nothing_and_the_next_worker_stores_them()
    {
        string stream = RedisTestServer.UniqueStream("stop");
        await using ConnectionMultiplexer redis = await RedisTestServer.ConnectAsync();
        IDatabase db = redis.GetDatabase();
        ClickEvent[] clicks = FullClicks.Many(200);
        var broken = new CollectingSink { FailFor = static _ => true };
        await db.StreamCreateConsumerGroupAsync(stream, "clickanalytics", StreamPosition.Beginning, createStream: true);

        RedisPipeline first = await RedisPipeline.StartAsync(RedisTestServer.Configuration, stream, sink: broken);
        using var dropped = new MetricCollector<long>(first.Services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(), ClickAnalyticsMetrics.MeterName, "clickanalytics.buffer.dropped");
        using var failed = new MetricCollector<long>(first.Services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(), ClickAnalyticsMetrics.MeterName, "clickanalytics.clicks.failed");
        await first.ProduceAsync(clicks);
        // The store takes no writes: the worker holds what it read and reads nothing more.
        await Wait.UntilAsync(async () => (await db.StreamPendingAsync(stream, "clickanalytics")).PendingMessageCount > 0 && broken.Writes > 5, "a batch read and held");
        long held = (await db.StreamPendingAsync(stream, "clickanalytics")).PendingMessageCount;
        await Task.Delay(500);
        Assert.That((await db.StreamPendingAsync(stream, "clickanalytics")).PendingMessageCount, Is.EqualTo(held), "nothing more read while the store is down");
        await first.DisposeAsync();

        Assert.That(dropped.GetMeasurementSnapshot(), Is.Empty, "nothing counted as lost: Redis still holds it");
        Assert.That(failed.GetMeasurementSnapshot(), Is.Empty, "a held batch stays in Redis, so it is not failed clicks");

        await using RedisPipeline second = await RedisPipeline.StartAsync(
            RedisTestServer.Configuration, stream, redis: o => o.ClaimIdleTime = TimeSpan.FromMilliseconds(200));
        await Wait.UntilAsync(() => second.Sink.Clicks.Count == clicks.Length, "the next worker stored them");
        await Wait.UntilNothingPendingAsync(db, stream);
    }
}
