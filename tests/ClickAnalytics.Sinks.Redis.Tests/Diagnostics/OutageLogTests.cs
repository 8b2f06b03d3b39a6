using System;
using System.Linq;
using System.Threading.Tasks;
using ClickAnalytics.Sinks.Redis.Tests.Support;
using ClickAnalytics.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Testing;

namespace ClickAnalytics.Sinks.Redis.Tests.Diagnostics;

/// <summary>A Redis that is down is said once with its stack, not at every retry.</summary>
[TestFixture]
public sealed class OutageLogTests
{
    [Test]
    public async Task With_redis_down_the_first_failure_is_logged_with_its_stack_and_the_retries_are_not()
    {
        string stream = RedisTestServer.UniqueStream("outage-log");
        await using RedisPipeline pipeline = await RedisPipeline.StartAsync(
            "127.0.0.1:1,connectTimeout=200,abortConnect=false", stream, pipeline: o => o.ShutdownTimeout = TimeSpan.FromSeconds(2), services: s => s.AddFakeLogging());
        FakeLogCollector logs = pipeline.Services.GetRequiredService<FakeLogCollector>();
        await pipeline.ProduceAsync(FullClicks.Many(5));

        await Eventually.UntilAsync(() => logs.GetSnapshot().Any(r => r.Id.Id == 101), TimeSpan.FromSeconds(30), "the producer says Redis is down");
        // Retries come every 20-200 ms: a few seconds are dozens of them.
        await Task.Delay(TimeSpan.FromSeconds(3));
        FakeLogRecord[] records = logs.GetSnapshot().Where(r => r.Category?.Contains("Redis", StringComparison.Ordinal) == true).ToArray();
        var stopping = System.Diagnostics.Stopwatch.StartNew();
        await pipeline.StopAsync();
        TimeSpan stopped = stopping.Elapsed;
        FakeLogRecord? lost = logs.GetSnapshot().SingleOrDefault(r => r.Id.Id == 109);

        Assert.Multiple(() =>
        {
            Assert.That(records.Count(r => r.Id.Id == 101), Is.EqualTo(1), "one line for the producer's outage");
            Assert.That(records.Single(r => r.Id.Id == 101).Exception, Is.Not.Null, "with the exception");
            Assert.That(records.Count(r => r.Id.Id == 104), Is.LessThanOrEqualTo(1), "one line for the consumer's outage");
            Assert.That(records, Has.Length.LessThan(10), string.Join("\n", records.Select(r => r.Message)));
            Assert.That(lost?.Message, Does.Contain("stopped with 5 click(s) not sent"), "the last word says what was lost");
            // Bounded by ShutdownTimeout (2 s), plus the host's own stop of everything else.
            Assert.That(stopped, Is.LessThan(TimeSpan.FromSeconds(6)), $"stopping took {stopped}");
        });
    }
}
