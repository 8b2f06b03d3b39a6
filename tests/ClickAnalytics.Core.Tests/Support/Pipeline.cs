using System;
using ClickAnalytics;
using ClickAnalytics.Buffering;
using ClickAnalytics.Diagnostics;
using ClickAnalytics.Processing;
using ClickAnalytics.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Time.Testing;

namespace ClickAnalytics.Core.Tests.Support;

/// <summary>The real pipeline from AddClickAnalytics(), with a fake clock and recording sinks.</summary>
internal sealed class Pipeline : IDisposable
{
    public Pipeline(Action<ClickAnalyticsOptions>? configure = null, Action<IClickAnalyticsBuilder>? build = null, params RecordingSink[] sinks)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<TimeProvider>(Time);
        IClickAnalyticsBuilder builder = services.AddClickAnalytics(o =>
        {
            o.BatchMaxWait = TimeSpan.Zero;
            o.SinkRetryBaseDelay = TimeSpan.Zero;
            configure?.Invoke(o);
        });
        foreach (RecordingSink sink in sinks)
        {
            services.AddSingleton<IClickSink>(sink);
        }

        build?.Invoke(builder);
        Services = services.BuildServiceProvider();
        Metrics = Services.GetRequiredService<ClickAnalyticsMetrics>();
        Dropped = new MetricCollector<long>(Metrics.Meter, "clickanalytics.buffer.dropped");
        Captured = new MetricCollector<long>(Metrics.Meter, "clickanalytics.clicks.captured");
        Processed = new MetricCollector<long>(Metrics.Meter, "clickanalytics.clicks.processed");
        Failed = new MetricCollector<long>(Metrics.Meter, "clickanalytics.clicks.failed");
        Retries = new MetricCollector<long>(Metrics.Meter, "clickanalytics.sink.retries");
        EnrichmentErrors = new MetricCollector<long>(Metrics.Meter, "clickanalytics.enrichment.errors");
    }

    public FakeTimeProvider Time { get; } = new(TestClicks.Start);

    public ServiceProvider Services { get; }

    public ClickAnalyticsMetrics Metrics { get; }

    public IClickBufferWriter Writer => Services.GetRequiredService<IClickBufferWriter>();

    public IClickBufferReader Reader => Services.GetRequiredService<IClickBufferReader>();

    public ClickProcessor Processor => Services.GetRequiredService<ClickProcessor>();

    public MetricCollector<long> Dropped { get; }
    public MetricCollector<long> Captured { get; }
    public MetricCollector<long> Processed { get; }
    public MetricCollector<long> Failed { get; }
    public MetricCollector<long> Retries { get; }
    public MetricCollector<long> EnrichmentErrors { get; }

    public void Dispose()
    {
        Dropped.Dispose();
        Captured.Dispose();
        Processed.Dispose();
        Failed.Dispose();
        Retries.Dispose();
        EnrichmentErrors.Dispose();
        Services.Dispose();
    }
}
