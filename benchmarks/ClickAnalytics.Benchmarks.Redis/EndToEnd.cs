using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Threading;
using System.Threading.Tasks;
using ClickAnalytics.Buffering;
using ClickAnalytics.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using StackExchange.Redis;
using ClickAnalytics.Sinks.Redis;
using ClickAnalytics.Sinks.Redis.Buffering;
using ClickAnalytics.Sinks.Redis.Diagnostics;
using ClickAnalytics.Sinks.Redis.Enrichment;

namespace ClickAnalytics.Benchmarks.Redis;

/// <summary>Clicks/s from the producer through Redis and the processor (enrichment included) into the store.</summary>
internal static class EndToEnd
{
    public static async Task RunAsync(string redis, int count, string? store) => await RunAsync(redis, count, store, prefill: false);

    /// <summary>
    /// With <paramref name="prefill"/>, a separate producer host fills the stream first (untimed) and
    /// only the worker's drain is timed: the consumer side alone.
    /// </summary>
    public static async Task RunAsync(string redis, int count, string? store, bool prefill)
    {
        ClickEvent[] clicks = Clicks.Create(count);
        string stream = "bench:e2e";
        await using (ConnectionMultiplexer admin = await ConnectionMultiplexer.ConnectAsync(redis))
        {
            await admin.GetDatabase().KeyDeleteAsync(stream);
        }

        if (prefill)
        {
            await PrefillAsync(redis, stream, clicks);
        }

        var counter = new CountingSink();
        using var processed = new ProcessedCounter();
        HostApplicationBuilder builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddLogging();
        IClickAnalyticsBuilder analytics = builder.Services
            .AddClickAnalytics(o =>
            {
                o.BatchSize = 2_000;
                o.BatchMaxWait = TimeSpan.FromMilliseconds(50);
                o.Workers = 2;
            })
            .UseRedisStreams(o =>
            {
                o.Configuration = redis;
                o.StreamKey = stream;
                o.LocalQueueCapacity = 100_000;
                o.PollInterval = TimeSpan.FromMilliseconds(5);
            });
        builder.Services.AddSingleton<IClickSink>(counter);
        string sinkName = Stores.Add(analytics, store);

        using IHost host = builder.Build();
        await host.StartAsync();
        IClickBufferWriter writer = host.Services.GetRequiredService<IClickBufferWriter>();
        RedisClickProducer producer = host.Services.GetRequiredService<RedisClickProducer>();

        long started = Stopwatch.GetTimestamp();
        if (!prefill)
        {
            foreach (ClickEvent click in clicks)
            {
                while (producer.QueuedCount >= 99_000)
                {
                    Thread.Yield();
                }

                writer.TryWrite(click);
            }
        }

        // Processed counts a batch once every sink (the store too) has it.
        while (processed.Count < count)
        {
            await Task.Delay(5);
        }

        TimeSpan elapsed = Stopwatch.GetElapsedTime(started);
        await host.StopAsync();
        string what = prefill ? "worker drain (stream filled beforehand)" : "end to end";
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{what} into {sinkName}: {count} clicks in {elapsed.TotalSeconds:F3} s, {count / elapsed.TotalSeconds:F0} clicks/s"));
    }

    private static async Task PrefillAsync(string redis, string stream, ClickEvent[] clicks)
    {
        HostApplicationBuilder builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddLogging();
        builder.Services.AddClickAnalytics(o => o.ProcessingEnabled = false).UseRedisStreams(o =>
        {
            o.Configuration = redis;
            o.StreamKey = stream;
            o.LocalQueueCapacity = clicks.Length + 1;
        });
        using IHost host = builder.Build();
        await host.StartAsync();
        IClickBufferWriter writer = host.Services.GetRequiredService<IClickBufferWriter>();
        foreach (ClickEvent click in clicks)
        {
            writer.TryWrite(click);
        }

        RedisClickProducer producer = host.Services.GetRequiredService<RedisClickProducer>();
        while (producer.QueuedCount > 0)
        {
            await Task.Delay(5);
        }

        await host.StopAsync();
    }

    /// <summary>Listens to <c>clickanalytics.clicks.processed</c>.</summary>
    private sealed class ProcessedCounter : IDisposable
    {
        private readonly MeterListener _listener = new();
        private long _count;

        public ProcessedCounter()
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Name == "clickanalytics.clicks.processed")
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref _count, value));
            _listener.Start();
        }

        public long Count => Interlocked.Read(ref _count);

        public void Dispose() => _listener.Dispose();
    }

    /// <summary>Counts stored clicks; the processor writes a batch to every sink before acknowledging it.</summary>
    private sealed class CountingSink : IClickSink
    {
        private long _count;

        public long Count => Interlocked.Read(ref _count);

        public string Name => "count";

        public ValueTask WriteAsync(IReadOnlyList<EnrichedClick> clicks, CancellationToken cancellationToken)
        {
            Interlocked.Add(ref _count, clicks.Count);
            return ValueTask.CompletedTask;
        }
    }
}
