using System;
using System.Threading.Tasks;
using ClickAnalytics.Buffering;
using ClickAnalytics.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using ClickAnalytics.Sinks.Redis;
using ClickAnalytics.Sinks.Redis.Buffering;
using ClickAnalytics.Sinks.Redis.Diagnostics;
using ClickAnalytics.Sinks.Redis.Enrichment;

namespace ClickAnalytics.Sinks.Redis.Tests.Support;

/// <summary>A host running ClickAnalytics on Redis Streams, as a web node or worker would.</summary>
internal sealed class RedisPipeline : IAsyncDisposable
{
    private readonly IHost _host;

    private RedisPipeline(IHost host, CollectingSink sink)
    {
        _host = host;
        Sink = sink;
    }

    public IServiceProvider Services => _host.Services;

    public CollectingSink Sink { get; }

    public IClickBufferWriter Writer => Services.GetRequiredService<IClickBufferWriter>();

    public RedisClickProducer Producer => Services.GetRequiredService<RedisClickProducer>();

    public RedisClickConsumer Consumer => Services.GetRequiredService<RedisClickConsumer>();

    public static async Task<RedisPipeline> StartAsync(
        string configuration,
        string stream,
        Action<ClickAnalyticsOptions>? pipeline = null,
        Action<RedisStreamsOptions>? redis = null,
        CollectingSink? sink = null,
        Action<IServiceCollection>? services = null)
    {
        sink ??= new CollectingSink();
        HostApplicationBuilder builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddLogging();
        builder.Services.AddSingleton<IClickSink>(sink);
        builder.Services
            .AddClickAnalytics(o =>
            {
                o.BatchSize = 100;
                o.BatchMaxWait = TimeSpan.FromMilliseconds(20);
                o.SinkMaxAttempts = 1;
                o.SinkRetryBaseDelay = TimeSpan.FromMilliseconds(10);
                pipeline?.Invoke(o);
            })
            .UseRedisStreams(o =>
            {
                o.Configuration = configuration;
                o.StreamKey = stream;
                o.DeadLetterStreamKey = stream + ":dead";
                o.PollInterval = TimeSpan.FromMilliseconds(10);
                o.ProducerRetryBaseDelay = TimeSpan.FromMilliseconds(20);
                o.ProducerRetryMaxDelay = TimeSpan.FromMilliseconds(200);
                redis?.Invoke(o);
            })
            .UseRedisSharedState(o => o.KeyPrefix = stream + ":");
        services?.Invoke(builder.Services);
        IHost host = builder.Build();
        await host.StartAsync();
        return new RedisPipeline(host, sink);
    }

    /// <summary>Writes the clicks without overrunning the local queue (a test of loss says so itself).</summary>
    public async Task ProduceAsync(ClickEvent[] clicks)
    {
        RedisClickProducer producer = Producer;
        int capacity = Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<RedisStreamsOptions>>().Value.LocalQueueCapacity;
        foreach (ClickEvent click in clicks)
        {
            while (producer.QueuedCount >= capacity / 2)
            {
                await Task.Delay(1);
            }

            Assert.That(Writer.TryWrite(click), Is.True);
        }
    }

    /// <summary>Stops the host (disposing afterwards stops nothing more).</summary>
    public Task StopAsync() => _host.StopAsync();

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
    }
}
