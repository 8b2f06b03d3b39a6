using System;
using System.Collections.Generic;
using System.Diagnostics.Metrics;
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

public sealed class RedisClickProducerTests
{
    [Test]
    public async Task Redis_restarted_under_load_the_producer_recovers_counts_its_drops_and_writes_nothing_corrupt()
    {
        await using OwnRedisServer server = await OwnRedisServer.StartAsync();
        string stream = RedisTestServer.UniqueStream("restart");
        const int capacity = 1_000;
        await using RedisPipeline pipeline = await RedisPipeline.StartAsync(
            server.Configuration,
            stream,
            pipeline: o => o.ProcessingEnabled = false,
            redis: o =>
            {
                o.LocalQueueCapacity = capacity;
                o.ProducerBatchSize = 100;
            });
        using var dropped = new MetricCollector<long>(pipeline.Services.GetRequiredService<IMeterFactory>(), ClickAnalyticsMetrics.MeterName, "clickanalytics.buffer.dropped");

        ClickEvent[] before = FullClicks.Many(2_000);
        await pipeline.ProduceAsync(before);
        await using (ConnectionMultiplexer redis = await RedisTestServer.ConnectAsync(server.Configuration))
        {
            await Wait.UntilAsync(async () => await redis.GetDatabase().StreamLengthAsync(stream) == before.Length, "first clicks in Redis");
        }

        await server.KillAsync();

        // One click to make the producer notice; then a burst the local queue cannot hold.
        ClickEvent[] during = FullClicks.Many(5_001, offset: 10_000);
        Assert.That(pipeline.Writer.TryWrite(during[0]), Is.True);
        await Wait.UntilAsync(() => pipeline.Producer.IsFailing, "the producer notices Redis is gone");
        for (int i = 1; i < during.Length; i++)
        {
            Assert.That(pipeline.Writer.TryWrite(during[i]), Is.True, "the redirect path never fails");
        }

        // The queue, the batch being sent and the next one already encoded.
        Assert.That(pipeline.Producer.QueuedCount, Is.LessThanOrEqualTo(capacity + (2 * 100)), "the local queue stays bounded");

        await server.StartAgainAsync();
        await Wait.UntilAsync(() => pipeline.Producer.QueuedCount == 0, "the producer sends what it held");

        await using ConnectionMultiplexer restarted = await RedisTestServer.ConnectAsync(server.Configuration);
        StreamEntry[] entries = await restarted.GetDatabase().StreamRangeAsync(stream);
        var duringIds = new HashSet<Guid>(during.Select(c => c.EventId));
        var arrived = new HashSet<Guid>();
        foreach (StreamEntry entry in entries)
        {
            Assert.That(ClickEventCodec.TryDecode((byte[])entry["c"]!, out ClickEvent? click, out string? error), Is.True, error);
            Assert.That(duringIds, Does.Contain(click!.EventId), "only clicks produced while Redis was down (the restart lost the rest)");
            arrived.Add(click.EventId);
        }

        long droppedCount = dropped.GetMeasurementSnapshot().Sum(m => m.Value);
        long unavailable = dropped.GetMeasurementSnapshot().Where(m => (string?)m.Tags["reason"] == DropReason.Unavailable).Sum(m => m.Value);
        Assert.That(unavailable, Is.GreaterThan(0));
        Assert.That(arrived.Count + droppedCount, Is.EqualTo(during.Length), "every click is either in Redis or counted as dropped");
    }

    [Test]
    public async Task A_spike_beyond_MaxLength_is_trimmed_counted_and_memory_stays_bounded()
    {
        await using OwnRedisServer server = await OwnRedisServer.StartAsync();
        string stream = RedisTestServer.UniqueStream("maxlen");
        const long maxLength = 1_000;
        await using RedisPipeline pipeline = await RedisPipeline.StartAsync(
            server.Configuration,
            stream,
            pipeline: o => o.ProcessingEnabled = false,
            redis: o => o.MaxLength = maxLength);
        await using ConnectionMultiplexer redis = await RedisTestServer.ConnectAsync(server.Configuration);
        IDatabase db = redis.GetDatabase();
        using var trimmed = new MetricCollector<long>(pipeline.Services.GetRequiredService<IMeterFactory>(), "ClickAnalytics.Redis", "clickanalytics.redis.stream.trimmed");

        await pipeline.ProduceAsync(FullClicks.Many(10_000));
        await Wait.UntilAsync(() => pipeline.Producer.QueuedCount == 0, "first spike sent");
        long memoryAfter10k = await UsedMemoryAsync(redis);

        await pipeline.ProduceAsync(FullClicks.Many(40_000, offset: 10_000));
        await Wait.UntilAsync(() => pipeline.Producer.QueuedCount == 0, "second spike sent");
        long memoryAfter50k = await UsedMemoryAsync(redis);

        long length = await db.StreamLengthAsync(stream);
        // Approximate trimming removes whole nodes (100 entries by default), so the stream may hold a node more.
        Assert.That(length, Is.InRange(maxLength, maxLength + 200));
        Assert.That(memoryAfter50k, Is.LessThan(memoryAfter10k + (memoryAfter10k / 2)), "five times the clicks, not five times the memory");

        StreamSnapshot snapshot = await pipeline.Services.GetRequiredService<RedisStreamMonitor>().RefreshAsync();
        Assert.That(snapshot.Trimmed, Is.EqualTo(50_000 - length));
        trimmed.RecordObservableInstruments();
        Assert.That(trimmed.LastMeasurement?.Value, Is.EqualTo(50_000 - length));
    }

    private static async Task<long> UsedMemoryAsync(ConnectionMultiplexer redis)
    {
        IServer server = redis.GetServers()[0];
        IGrouping<string, KeyValuePair<string, string>>[] info = await server.InfoAsync("memory");
        return long.Parse(info.SelectMany(g => g).First(kv => kv.Key == "used_memory").Value, System.Globalization.CultureInfo.InvariantCulture);
    }
}
