using System;
using System.Collections.Generic;
using System.Diagnostics.Metrics;
using System.Threading;
using ClickAnalytics.Buffering;

namespace ClickAnalytics.Diagnostics;

/// <summary>Why a click was not stored; the <c>reason</c> tag of <c>clickanalytics.buffer.dropped</c>.</summary>
public static class DropReason
{
    /// <summary>The buffer was full.</summary>
    public const string BufferFull = "buffer_full";
    /// <summary>The buffer no longer accepts clicks because the host is stopping.</summary>
    public const string ShuttingDown = "shutting_down";
    /// <summary>Shutdown ran out of time before the click was stored.</summary>
    public const string NotDrained = "not_drained";
    /// <summary>The buffer threw.</summary>
    public const string BufferError = "buffer_error";
    /// <summary>Capture itself failed (the request still got its redirect).</summary>
    public const string CaptureError = "capture_error";
    /// <summary>The remote buffer (e.g. Redis) could not be reached in time.</summary>
    public const string Unavailable = "unavailable";
    /// <summary>The click's day was archived and dropped from the hot store already (a late redelivery).</summary>
    public const string ArchivedDay = "archived_day";
}

/// <summary>
/// The <c>ClickAnalytics</c> meter and its instruments. One instance per service provider, created
/// through <see cref="IMeterFactory"/>; integration packages record into it too.
/// </summary>
internal sealed class ClickAnalyticsMetrics
{
    /// <summary>The meter name to listen to.</summary>
    public const string MeterName = "ClickAnalytics";

    private readonly Counter<long> _captured;
    private readonly Counter<long> _dropped;
    private readonly Counter<long> _processed;
    private readonly Counter<long> _failed;
    private readonly Counter<long> _enrichmentErrors;
    private readonly Counter<long> _sinkRetries;
    private readonly UpDownCounter<long> _heldBatches;
    private readonly Histogram<double> _sinkWriteDuration;
    private readonly Histogram<long> _batchSize;
    private IClickBufferReader? _buffer;

    /// <summary>Creates the instruments on a meter from <paramref name="meterFactory"/>.</summary>
    public ClickAnalyticsMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        Meter = meterFactory.Create(MeterName);
        _captured = Meter.CreateCounter<long>("clickanalytics.clicks.captured", "{click}", "Clicks handed to the buffer.");
        _dropped = Meter.CreateCounter<long>("clickanalytics.buffer.dropped", "{click}", "Clicks lost before they were stored, by reason.");
        _processed = Meter.CreateCounter<long>("clickanalytics.clicks.processed", "{click}", "Clicks enriched and stored by every sink.");
        _failed = Meter.CreateCounter<long>("clickanalytics.clicks.failed", "{click}", "Clicks whose batch could not be stored after every retry.");
        _enrichmentErrors = Meter.CreateCounter<long>("clickanalytics.enrichment.errors", "{error}", "Enrichment stages that threw; the clicks go on without that stage's values.");
        _sinkRetries = Meter.CreateCounter<long>("clickanalytics.sink.retries", "{retry}", "Sink writes tried again after an error.");
        _heldBatches = Meter.CreateUpDownCounter<long>("clickanalytics.sink.held_batches", "{batch}", "Batches held by workers while their sink takes no writes (an outage).");
        // Writes take milliseconds to seconds (a retry's backoff is not in them): the default boundaries (0, 5, 10, 25 … 10 000) would put every write in the first bucket.
        _sinkWriteDuration = Meter.CreateHistogram<double>(
            "clickanalytics.sink.write.duration", "s", "Time to write one batch to one sink.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30] });
        _batchSize = Meter.CreateHistogram<long>("clickanalytics.batch.size", "{click}", "Clicks per processed batch.");
        Meter.CreateObservableGauge("clickanalytics.buffer.size", () => _buffer?.Count ?? 0L, "{click}", "Clicks waiting in this process's buffer.");
    }

    /// <summary>The meter, for integration packages that add instruments of their own.</summary>
    public Meter Meter { get; }

    /// <summary>Makes <c>clickanalytics.buffer.size</c> report this buffer.</summary>
    public void ObserveBuffer(IClickBufferReader buffer) => _buffer = buffer;

    /// <summary>Counts a click taken by the buffer.</summary>
    public void Captured() => _captured.Add(1);

    /// <summary>Clicks lost in the last minutes, for the processor's health check.</summary>
    public RecentCounts RecentDrops { get; } = new();

    /// <summary>Clicks whose batch failed in the last minutes, for the processor's health check.</summary>
    public RecentCounts RecentFailures { get; } = new();

    /// <summary>Counts lost clicks with their reason (see <see cref="DropReason"/>).</summary>
    public void Dropped(long count, string reason)
    {
        _dropped.Add(count, new KeyValuePair<string, object?>("reason", reason));
        RecentDrops.Add(count, reason);
    }

    /// <summary>Counts stored clicks.</summary>
    public void Processed(long count, long batchSize)
    {
        _processed.Add(count);
        _batchSize.Record(batchSize);
    }

    /// <summary>Counts clicks that could not be stored.</summary>
    public void Failed(long count, string errorType)
    {
        _failed.Add(count, new KeyValuePair<string, object?>("error.type", errorType));
        RecentFailures.Add(count, errorType);
    }

    /// <summary>Counts an enrichment stage that threw.</summary>
    public void EnrichmentError(string stage) =>
        _enrichmentErrors.Add(1, new KeyValuePair<string, object?>("stage", stage));

    /// <summary>Counts a retried sink write.</summary>
    public void SinkRetry(string sink) =>
        _sinkRetries.Add(1, new KeyValuePair<string, object?>("sink", sink));

    /// <summary>A worker starts (+1) or stops (−1) holding a batch through an outage of the sink.</summary>
    public void SinkOutage(string sink, int change) =>
        _heldBatches.Add(change, new KeyValuePair<string, object?>("sink", sink));

    /// <summary>Records how long a sink write took.</summary>
    public void SinkWrite(string sink, TimeSpan duration, bool success) =>
        _sinkWriteDuration.Record(
            duration.TotalSeconds,
            new KeyValuePair<string, object?>("sink", sink),
            new KeyValuePair<string, object?>("outcome", success ? "success" : "failure"));
}

/// <summary>
/// Counts per minute over the last few minutes (a ring of minute buckets), and the last reason
/// seen: enough for a health check to say "120 clicks dropped in the last 5 minutes (buffer_full)".
/// </summary>
internal sealed class RecentCounts
{
    private const int Minutes = 6;
    private readonly long[] _minute = new long[Minutes];
    private readonly long[] _count = new long[Minutes];
    private readonly Lock _lock = new();
    private string? _lastReason;

    /// <summary>The clock, in minutes; the system's unless a test sets another.</summary>
    internal Func<long> Now { get; set; } = static () => Environment.TickCount64 / 60_000;

    public void Add(long count, string reason)
    {
        long now = Now();
        lock (_lock)
        {
            int slot = (int)(now % Minutes);
            if (_minute[slot] != now)
            {
                _minute[slot] = now;
                _count[slot] = 0;
            }

            _count[slot] += count;
            _lastReason = reason;
        }
    }

    /// <summary>The total over the last <paramref name="minutes"/> minutes (at most 5), and the last reason.</summary>
    public (long Count, string? LastReason) Last(int minutes)
    {
        long now = Now();
        lock (_lock)
        {
            long total = 0;
            for (int i = 0; i < Minutes; i++)
            {
                if (now - _minute[i] < Math.Min(minutes, Minutes - 1) && _count[i] > 0)
                {
                    total += _count[i];
                }
            }

            return (total, total > 0 ? _lastReason : null);
        }
    }
}
