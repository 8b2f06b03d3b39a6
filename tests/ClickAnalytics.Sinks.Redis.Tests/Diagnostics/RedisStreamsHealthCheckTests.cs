using System;
using System.Diagnostics.Metrics;
using System.Threading.Tasks;
using ClickAnalytics.Diagnostics;
using ClickAnalytics.Sinks.Redis.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using StackExchange.Redis;

using ClickAnalytics.Testing;
using ClickAnalytics.Sinks.Redis;
using ClickAnalytics.Sinks.Redis.Buffering;
using ClickAnalytics.Sinks.Redis.Diagnostics;
using ClickAnalytics.Sinks.Redis.Enrichment;

namespace ClickAnalytics.Sinks.Redis.Tests.Diagnostics;

public sealed class RedisStreamsHealthCheckTests
{
    [Test]
    public async Task UseRedisStreams_registers_the_check_so_a_hosts_health_endpoint_reports_the_buffer()
    {
        string stream = RedisTestServer.UniqueStream("registered");
        await using RedisPipeline pipeline = await RedisPipeline.StartAsync(RedisTestServer.Configuration, stream, pipeline: o => o.ProcessingEnabled = false);

        HealthReport report = await pipeline.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();

        Assert.Multiple(() =>
        {
            Assert.That(report.Entries.Keys, Is.SupersetOf(new[] { "clickanalytics-processor", "clickanalytics-redis" }));
            Assert.That(report.Entries["clickanalytics-redis"].Status, Is.EqualTo(HealthStatus.Healthy), report.Entries["clickanalytics-redis"].Description);
        });
    }

    [Test]
    public async Task Healthy_while_the_group_keeps_up_and_degraded_when_its_lag_passes_the_limit_and_the_gauges_say_the_same()
    {
        string stream = RedisTestServer.UniqueStream("health");
        await using ConnectionMultiplexer redis = await RedisTestServer.ConnectAsync();
        IDatabase db = redis.GetDatabase();
        await db.StreamCreateConsumerGroupAsync(stream, "clickanalytics", StreamPosition.Beginning, createStream: true);

        await using RedisPipeline pipeline = await RedisPipeline.StartAsync(
            RedisTestServer.Configuration, stream, pipeline: o => o.ProcessingEnabled = false, redis: o => o.DegradedLag = 25);
        RedisStreamsHealthCheck check = pipeline.Services.GetRequiredService<RedisStreamsHealthCheck>();
        IMeterFactory meters = pipeline.Services.GetRequiredService<IMeterFactory>();
        using var lag = new MetricCollector<long>(meters, "ClickAnalytics.Redis", "clickanalytics.redis.group.lag");
        using var pending = new MetricCollector<long>(meters, "ClickAnalytics.Redis", "clickanalytics.redis.group.pending");
        using var length = new MetricCollector<long>(meters, "ClickAnalytics.Redis", "clickanalytics.redis.stream.length");

        HealthCheckResult before = await check.CheckHealthAsync(new HealthCheckContext());
        await pipeline.ProduceAsync(FullClicks.Many(30));
        await Wait.UntilAsync(() => pipeline.Producer.QueuedCount == 0, "clicks in Redis");
        HealthCheckResult after = await check.CheckHealthAsync(new HealthCheckContext());

        Assert.That(before.Status, Is.EqualTo(HealthStatus.Healthy));
        Assert.That(after.Status, Is.EqualTo(HealthStatus.Degraded));
        Assert.That(after.Data["lag"], Is.EqualTo(30L));
        Assert.That(after.Data["length"], Is.EqualTo(30L));

        lag.RecordObservableInstruments();
        pending.RecordObservableInstruments();
        length.RecordObservableInstruments();
        Assert.That(lag.LastMeasurement?.Value, Is.EqualTo(30));
        Assert.That(pending.LastMeasurement?.Value, Is.Zero);
        Assert.That(length.LastMeasurement?.Value, Is.EqualTo(30));
        Assert.That(lag.LastMeasurement!.Tags["stream"], Is.EqualTo(stream));
    }

    [Test]
    public async Task Unhealthy_when_Redis_cannot_be_reached()
    {
        OwnRedisServer server = await OwnRedisServer.StartAsync();
        string configuration = server.Configuration;
        await server.KillAsync();

        await using RedisPipeline pipeline = await RedisPipeline.StartAsync(
            configuration + ",connectTimeout=200", RedisTestServer.UniqueStream("down"), pipeline: o => o.ProcessingEnabled = false);
        HealthCheckResult result = await pipeline.Services.GetRequiredService<RedisStreamsHealthCheck>().CheckHealthAsync(new HealthCheckContext());

        Assert.That(result.Status, Is.EqualTo(HealthStatus.Unhealthy));
        Assert.That(result.Exception, Is.Not.Null);
    }
}
