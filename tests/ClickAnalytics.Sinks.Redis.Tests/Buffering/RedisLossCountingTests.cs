using System;
using System.Linq;
using System.Threading.Tasks;
using ClickAnalytics.Diagnostics;
using ClickAnalytics.Sinks.Redis.Tests.Support;
using ClickAnalytics.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using StackExchange.Redis;

namespace ClickAnalytics.Sinks.Redis.Tests.Buffering;

/// <summary>Clicks lost inside Redis are counted: trimmed before any worker read them, or gone with the stream.</summary>
public sealed class RedisLossCountingTests
{
    [Test]
    public async Task Entries_trimmed_before_any_worker_read_them_are_counted_once_across_processes()
    {
        string stream = RedisTestServer.UniqueStream("trimloss");
        await using ConnectionMultiplexer redis = await RedisTestServer.ConnectAsync();
        IDatabase db = redis.GetDatabase();
        // The workers ran before (the group exists) and are down now.
        await db.StreamCreateConsumerGroupAsync(stream, "clickanalytics", StreamPosition.Beginning, createStream: true);
        ClickEvent[] clicks = FullClicks.Many(5_000);
        Action<RedisStreamsOptions> small = o =>
        {
            o.MaxLength = 1_000;
            o.MonitorInterval = TimeSpan.FromMilliseconds(100);
        };

        // Two web nodes watch the stream; each would see the same loss.
        await using RedisPipeline first = await RedisPipeline.StartAsync(RedisTestServer.Configuration, stream, o => o.ProcessingEnabled = false, small);
        await using RedisPipeline second = await RedisPipeline.StartAsync(RedisTestServer.Configuration, stream, o => o.ProcessingEnabled = false, small);
        using MetricCollector<long> firstDropped = Dropped(first);
        using MetricCollector<long> secondDropped = Dropped(second);
        await first.ProduceAsync(clicks);
        await Wait.UntilAsync(async () => (await db.StreamInfoAsync(stream)).EntriesAdded == clicks.Length, "every click sent");
        long left = await db.StreamLengthAsync(stream);
        Assert.That(left, Is.LessThan(clicks.Length), "MaxLength trimmed the stream");
        long Trimmed() => Sum(firstDropped, "trimmed") + Sum(secondDropped, "trimmed");
        await Wait.UntilAsync(() => Trimmed() == clicks.Length - left, "the trimmed entries counted");

        // A worker comes back and stores what is left; nothing else is counted.
        await using RedisPipeline worker = await RedisPipeline.StartAsync(RedisTestServer.Configuration, stream, redis: small);
        await Wait.UntilAsync(() => worker.Sink.Clicks.Count == left, "the rest stored");
        await Task.Delay(500);
        Assert.That(worker.Sink.Clicks.Count + Trimmed(), Is.EqualTo(clicks.Length), "every click stored or counted, none twice");
    }

    [Test]
    public async Task Normal_trimming_of_stored_entries_is_not_counted_as_loss()
    {
        string stream = RedisTestServer.UniqueStream("trimok");
        ClickEvent[] clicks = FullClicks.Many(3_000);
        await using RedisPipeline pipeline = await RedisPipeline.StartAsync(RedisTestServer.Configuration, stream, redis: o =>
        {
            o.MaxLength = 500;
            o.MonitorInterval = TimeSpan.FromMilliseconds(50);
        });
        using MetricCollector<long> dropped = Dropped(pipeline);
        foreach (ClickEvent[] chunk in clicks.Chunk(250))
        {
            await pipeline.ProduceAsync(chunk);
            await Wait.UntilAsync(() => chunk.All(c => pipeline.Sink.Clicks.ContainsKey(c.EventId)), "the chunk stored");
        }

        await Task.Delay(300);
        Assert.That(dropped.GetMeasurementSnapshot(), Is.Empty, "trimming what was stored loses nothing");
    }

    [Test]
    public async Task A_restart_of_Redis_without_persistence_is_reported_with_the_clicks_it_may_have_lost()
    {
        await using OwnRedisServer server = await OwnRedisServer.StartAsync();
        string stream = RedisTestServer.UniqueStream("restart");
        await using (ConnectionMultiplexer redis = await RedisTestServer.ConnectAsync(server.Configuration))
        {
            await redis.GetDatabase().StreamCreateConsumerGroupAsync(stream, "clickanalytics", StreamPosition.Beginning, createStream: true);
        }

        await using RedisPipeline web = await RedisPipeline.StartAsync(server.Configuration, stream, o => o.ProcessingEnabled = false, o => o.MonitorInterval = TimeSpan.FromMilliseconds(100));
        var meters = web.Services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>();
        using var lost = new MetricCollector<long>(meters, "ClickAnalytics.Redis", "clickanalytics.redis.stream.lost");
        ClickEvent[] clicks = FullClicks.Many(300);
        await web.ProduceAsync(clicks);
        await Wait.UntilAsync(() => web.Services.GetRequiredService<Sinks.Redis.Buffering.RedisStreamMonitor>().Last is { Lag: 300 }, "the monitor saw the unread clicks");

        await server.KillAsync();
        await server.StartAgainAsync();
        await web.ProduceAsync(FullClicks.Many(10, offset: 1_000));

        await Wait.UntilAsync(() => lost.GetMeasurementSnapshot().Sum(m => m.Value) == 300, "the possible loss reported");
    }

    [Test]
    public async Task Consumers_left_behind_by_stopped_workers_are_removed_once_idle_with_nothing_pending()
    {
        string stream = RedisTestServer.UniqueStream("consumers");
        await using ConnectionMultiplexer redis = await RedisTestServer.ConnectAsync();
        IDatabase db = redis.GetDatabase();
        await db.StreamCreateConsumerGroupAsync(stream, "clickanalytics", StreamPosition.Beginning, createStream: true);
        await db.StreamAddAsync(stream, "c", "x");
        // One dead consumer holds an entry (it must stay, for its entry to be claimed); one holds nothing.
        await db.StreamReadGroupAsync(stream, "clickanalytics", "dead-holding", StreamPosition.NewMessages, 1);
        await db.StreamReadGroupAsync(stream, "clickanalytics", "dead-empty", StreamPosition.NewMessages, 1);
        await Task.Delay(400);

        await using RedisPipeline worker = await RedisPipeline.StartAsync(RedisTestServer.Configuration, stream, o => o.ProcessingEnabled = false, o =>
        {
            o.MonitorInterval = TimeSpan.FromMilliseconds(50);
            o.RemoveIdleConsumersAfter = TimeSpan.FromMilliseconds(300);
        });

        await Wait.UntilAsync(async () => (await db.StreamConsumerInfoAsync(stream, "clickanalytics")).All(c => c.Name != "dead-empty"), "the idle empty consumer removed");
        Assert.That((await db.StreamConsumerInfoAsync(stream, "clickanalytics")).Select(c => (string?)c.Name), Does.Contain("dead-holding"), "a consumer with pending entries stays");
    }

    private static long Sum(MetricCollector<long> collector, string reason) =>
        collector.GetMeasurementSnapshot().Where(m => Equals(m.Tags.TryGetValue("reason", out object? v) ? v : null, reason)).Sum(m => m.Value);

    private static MetricCollector<long> Dropped(RedisPipeline pipeline) =>
        new(pipeline.Services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(), ClickAnalyticsMetrics.MeterName, "clickanalytics.buffer.dropped");
}
