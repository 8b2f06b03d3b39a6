using System;
using System.Collections.Generic;
using System.Diagnostics.Metrics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using ClickAnalytics.Buffering;
using ClickAnalytics.Querying;
using ClickAnalytics.Sinks.ClickHouse.Tests.Support;
using ClickAnalytics.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Hosting;

namespace ClickAnalytics.Sinks.ClickHouse.Tests.Storage;

/// <summary>
/// The whole pipeline (channel buffer, processor, ClickHouse store) while the real server is stopped
/// and started again under a steady stream of clicks.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class ServerOutageTests : DatabaseTest
{
    private const int BufferCapacity = 4_000;

    // Generous, since the server's stop and start take their time on a loaded machine; only spent when the test fails.
    private static readonly TimeSpan OutageWait = TimeSpan.FromMinutes(2);

    // Runs before the base class drops the database, so a failed test does not leave the server stopped.
    [TearDown]
    public void StartServerAgain() => ClickHouseServer.Control("start");

    [Test]
    public async Task Server_stopped_under_load_nothing_is_lost_uncounted_and_nothing_counted_twice()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddClickAnalytics(o =>
            {
                o.BufferCapacity = BufferCapacity;
                o.BatchSize = 500;
                o.BatchMaxWait = TimeSpan.FromMilliseconds(50);
                // The default SinkMaxAttempts: an outage is held through, not given up after it.
                o.SinkRetryBaseDelay = TimeSpan.FromMilliseconds(100);
                o.SinkRetryMaxDelay = TimeSpan.FromSeconds(1);
                o.ShutdownTimeout = TimeSpan.FromMinutes(2);
            })
            .AddClickHouse(o =>
            {
                o.ConnectionString = ClickHouseServer.ConnectionString(Database);
                o.LegacyServerCompatibility = true;
                o.RequestTimeout = TimeSpan.FromSeconds(5);
            });
        await using ServiceProvider provider = services.BuildServiceProvider();
        var meters = provider.GetRequiredService<IMeterFactory>();
        using var dropped = new MetricCollector<long>(meters, "ClickAnalytics", "clickanalytics.buffer.dropped");
        using var failed = new MetricCollector<long>(meters, "ClickAnalytics", "clickanalytics.clicks.failed");
        using var sinkRetries = new MetricCollector<long>(meters, "ClickAnalytics", "clickanalytics.sink.retries");
        using var rollupRepaired = new MetricCollector<long>(meters, "ClickAnalytics.ClickHouse", "clickanalytics.clickhouse.rollup.repaired");

        List<IHostedService> hosted = provider.GetServices<IHostedService>().ToList();
        foreach (IHostedService service in hosted)
        {
            await service.StartAsync(CancellationToken.None);
        }

        IClickBufferWriter writer = provider.GetRequiredService<IClickBufferWriter>();
        IClickBufferReader reader = provider.GetRequiredService<IClickBufferReader>();
        long maxBuffered = 0;
        await using var clicks = SteadyClicks.Start(writer, perBurst: 50, pause: TimeSpan.FromMilliseconds(5), afterBurst: () => maxBuffered = Math.Max(maxBuffered, reader.Count));

        try
        {
            await Eventually.UntilAsync(async () => await ClickHouseServer.CountAsync("SELECT count() FROM clicks", Database) >= 1_000, OutageWait, "the first 1 000 clicks to be stored before the outage");
            await Task.Run(() => ClickHouseServer.Control("stop"));
            long producedWhenStopped = clicks.Produced;
            await Eventually.UntilAsync(() => Task.FromResult(sinkRetries.GetMeasurementSnapshot().Count > 0), OutageWait, "the processor to retry the store's failed batch while the server is down");
            await Eventually.UntilAsync(() => Task.FromResult(clicks.Produced - producedWhenStopped > 3 * BufferCapacity), OutageWait, "clicks to keep arriving during the outage");
            await Task.Run(() => ClickHouseServer.Control("start"));
            long producedWhenStarted = clicks.Produced;
            await Eventually.UntilAsync(() => Task.FromResult(clicks.Produced - producedWhenStarted > 2_000), OutageWait, "clicks to keep arriving after the restart");
        }
        finally
        {
            await clicks.StopAsync();
        }

        foreach (IHostedService service in hosted)
        {
            await service.StopAsync(CancellationToken.None);
        }

        long stored = await ClickHouseServer.CountAsync("SELECT uniqExact(event_id) FROM clicks", Database);
        long droppedClicks = dropped.GetMeasurementSnapshot().Sum(m => m.Value);
        Assert.Multiple(() =>
        {
            Assert.That(failed.GetMeasurementSnapshot().Sum(m => m.Value), Is.Zero, "no batch was given up");
            Assert.That(droppedClicks, Is.GreaterThan(0), "the outage outlasted the buffer, so the oldest clicks were dropped and counted");
            Assert.That(stored + droppedClicks, Is.EqualTo(clicks.Produced), "every click is stored or counted as dropped");
            Assert.That(maxBuffered, Is.LessThanOrEqualTo(BufferCapacity), "the buffer stayed within its bounds");
        });

        // Retries after lost answers must not have rolled anything up twice, and an insert cut off
        // between the raw table and its views must have been made up by the retry's rollup repair.
        await using var store = new ClickHouseStore(Database);
        IReadOnlyList<DailyClicks> daily = await store.Queries.GetDailyClicksAsync(
            new ClickQuery { From = new DateOnly(2026, 3, 1), To = new DateOnly(2026, 3, 1), IncludeBots = true, IncludeRepeats = true });
        // Whether an insert was cut off between the raw table and its views depends on when the server stopped.
        TestContext.Out.WriteLine($"raw {stored}, rollup {daily.Single().Clicks}, repaired {rollupRepaired.GetMeasurementSnapshot().Sum(m => m.Value)}");
        Assert.That(daily.Single().Clicks, Is.EqualTo(stored), "the rollup counts every stored click once");
        Assert.That(await ClickHouseServer.CountAsync("SELECT count() FROM clicks", Database), Is.EqualTo(stored), "no raw row twice");
    }

    /// <summary>
    /// The distributed worker (Redis Streams buffer) while the ClickHouse server is stopped under a
    /// steady stream of clicks: it holds the batch it has, reads nothing new and uses up no
    /// deliveries, and when the server is back it drains the backlog in full batches. The outage
    /// lasts CLICKANALYTICS_TEST_OUTAGE_SECONDS (default 20).
    /// </summary>
    [Test]
    public async Task Distributed_worker_holds_through_an_outage_and_drains_the_backlog_in_full_batches()
    {
        string redis = Environment.GetEnvironmentVariable("CLICKANALYTICS_TEST_REDIS")
            ?? throw new AssertionException("CLICKANALYTICS_TEST_REDIS is not set: this test needs the Redis server that eng/test.sh installs and starts.");
        int outageSeconds = int.TryParse(Environment.GetEnvironmentVariable("CLICKANALYTICS_TEST_OUTAGE_SECONDS"), out int seconds) ? seconds : 20;
        string stream = "outage:" + Guid.NewGuid().ToString("N");
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddClickAnalytics(o =>
            {
                o.BatchSize = 1_000;
                o.BatchMaxWait = TimeSpan.FromMilliseconds(200);
                o.SinkRetryMaxDelay = TimeSpan.FromSeconds(2);
                o.ShutdownTimeout = TimeSpan.FromMinutes(1);
            })
            .UseRedisStreams(o =>
            {
                o.Configuration = redis;
                o.StreamKey = stream;
                o.DeadLetterStreamKey = stream + ":dead";
                o.ClaimIdleTime = TimeSpan.FromSeconds(5);
            })
            .AddClickHouse(o =>
            {
                o.ConnectionString = ClickHouseServer.ConnectionString(Database);
                o.LegacyServerCompatibility = true;
                o.RequestTimeout = TimeSpan.FromSeconds(5);
            });
        await using ServiceProvider provider = services.BuildServiceProvider();
        var meters = provider.GetRequiredService<IMeterFactory>();
        using var dropped = new MetricCollector<long>(meters, "ClickAnalytics", "clickanalytics.buffer.dropped");
        using var failed = new MetricCollector<long>(meters, "ClickAnalytics", "clickanalytics.clicks.failed");
        using var processed = new MetricCollector<long>(meters, "ClickAnalytics", "clickanalytics.clicks.processed");
        using var deadLettered = new MetricCollector<long>(meters, "ClickAnalytics.Redis", "clickanalytics.redis.entries.dead_lettered");

        List<IHostedService> hosted = provider.GetServices<IHostedService>().ToList();
        foreach (IHostedService service in hosted)
        {
            await service.StartAsync(CancellationToken.None);
        }

        IClickBufferWriter writer = provider.GetRequiredService<IClickBufferWriter>();
        // About 500 clicks a second.
        await using var clicks = SteadyClicks.Start(writer, perBurst: 10, pause: TimeSpan.FromMilliseconds(20));

        (long Clicks, long Batches) before, after;
        TimeSpan drain;
        try
        {
            await Eventually.UntilAsync(async () => await ClickHouseServer.CountAsync("SELECT count() FROM clicks", Database) >= 2_000, OutageWait, "the first 2 000 clicks to be stored before the outage");
            before = Batches(processed);
            await Task.Run(() => ClickHouseServer.Control("stop"));
            await Task.Delay(TimeSpan.FromSeconds(outageSeconds));
            await Task.Run(() => ClickHouseServer.Control("start"));
            (long Clicks, long Batches) restarted = Batches(processed);
            await Task.Delay(TimeSpan.FromSeconds(3));
            await clicks.StopAsync();

            var clock = System.Diagnostics.Stopwatch.StartNew();
            await Eventually.UntilAsync(async () => await ClickHouseServer.CountAsync("SELECT uniqExact(event_id) FROM clicks", Database) >= clicks.Produced, OutageWait, "the backlog to be stored");
            drain = clock.Elapsed;
            (long Clicks, long Batches) done = Batches(processed);
            after = (done.Clicks - restarted.Clicks, done.Batches - restarted.Batches);
        }
        finally
        {
            await clicks.StopAsync();
            foreach (IHostedService service in hosted)
            {
                await service.StopAsync(CancellationToken.None);
            }
        }

        long stored = await ClickHouseServer.CountAsync("SELECT uniqExact(event_id) FROM clicks", Database);
        long rows = await ClickHouseServer.CountAsync("SELECT count() FROM clicks", Database);
        double normal = (double)before.Clicks / before.Batches, recovered = (double)after.Clicks / after.Batches;
        TestContext.Out.WriteLine($"outage {outageSeconds} s: produced {clicks.Produced}; before it {before.Clicks} clicks in {before.Batches} batches ({normal:F0} a batch); " +
            $"after it {after.Clicks} clicks in {after.Batches} batches ({recovered:F0} a batch), backlog stored {drain.TotalSeconds:F1} s after the last click was produced");
        Assert.Multiple(() =>
        {
            Assert.That(stored, Is.EqualTo(clicks.Produced), "every click stored");
            Assert.That(rows, Is.EqualTo(stored), "none stored twice");
            Assert.That(failed.GetMeasurementSnapshot().Sum(m => m.Value) + dropped.GetMeasurementSnapshot().Sum(m => m.Value), Is.Zero, "nothing given up or dropped");
            Assert.That(deadLettered.GetMeasurementSnapshot(), Is.Empty, "no healthy click dead-lettered");
            Assert.That(recovered, Is.GreaterThanOrEqualTo(normal), "the backlog drains in batches at least as full as before the outage");
        });
    }

    /// <summary>Clicks stored and batches that stored them so far, from the processor's counter (one measurement a batch).</summary>
    private static (long Clicks, long Batches) Batches(MetricCollector<long> processed)
    {
        IReadOnlyList<CollectedMeasurement<long>> measurements = processed.GetMeasurementSnapshot();
        return (measurements.Sum(m => m.Value), measurements.Count);
    }
}

/// <summary>Clicks written at a steady pace on a task of their own, until stopped: a burst, then a pause.</summary>
internal sealed class SteadyClicks : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private Task _loop = Task.CompletedTask;
    private long _produced;

    /// <summary>Clicks written so far.</summary>
    public long Produced => Interlocked.Read(ref _produced);

    public static SteadyClicks Start(IClickBufferWriter writer, int perBurst, TimeSpan pause, Action? afterBurst = null)
    {
        var clicks = new SteadyClicks();
        clicks._loop = Task.Run(async () =>
        {
            while (!clicks._stop.IsCancellationRequested)
            {
                for (int i = 0; i < perBurst; i++)
                {
                    DateTimeOffset at = ClickHouseStore.Start.AddSeconds(clicks.Produced % 86_400);
                    writer.TryWrite(new ClickEvent { EventId = ClickEventId.NewId(at), Timestamp = at, LinkId = "l" + (i % 4), TenantId = "t" });
                    Interlocked.Increment(ref clicks._produced);
                }

                afterBurst?.Invoke();
                await Task.Delay(pause);
            }
        });
        return clicks;
    }

    /// <summary>Stops writing; safe to call again.</summary>
    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        await _loop;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _stop.Dispose();
    }
}
