using System.Collections.Generic;
using System.Diagnostics.Metrics;
using ClickAnalytics.Buffering;
using ClickAnalytics.Diagnostics;
using ClickAnalytics.Enrichment;
using ClickAnalytics.Processing;
using ClickAnalytics.Sinks.Redis;
using ClickAnalytics.Sinks.Redis.Buffering;
using ClickAnalytics.Sinks.Redis.Enrichment;

namespace ClickAnalytics.Sinks.Redis.Diagnostics;

/// <summary>
/// The <c>ClickAnalytics.Redis</c> meter. Losses are not counted here but in Core's
/// <c>clickanalytics.buffer.dropped</c>, so one instrument counts every lost click.
/// </summary>
internal sealed class RedisStreamsMetrics
{
    public const string MeterName = "ClickAnalytics.Redis";

    /// <summary>The <c>reason</c> of clicks trimmed from the stream (MAXLEN) before the group stored them.</summary>
    public const string TrimmedReason = "trimmed";

    private readonly Counter<long> _sent;
    private readonly Counter<long> _claimed;
    private readonly Counter<long> _deadLettered;
    private readonly Counter<long> _streamLost;
    private RedisStreamMonitor? _monitor;
    private RedisClickProducer? _producer;

    public RedisStreamsMetrics(IMeterFactory meterFactory)
    {
        Meter meter = meterFactory.Create(MeterName);
        _sent = meter.CreateCounter<long>("clickanalytics.redis.entries.sent", "{entry}", "Clicks written to the Redis stream.");
        _claimed = meter.CreateCounter<long>("clickanalytics.redis.entries.claimed", "{entry}", "Pending entries of another consumer claimed after the idle timeout.");
        _deadLettered = meter.CreateCounter<long>("clickanalytics.redis.entries.dead_lettered", "{entry}", "Entries moved to the dead-letter stream.");
        _streamLost = meter.CreateCounter<long>("clickanalytics.redis.stream.lost", "{click}", "Clicks not yet stored when the stream was lost (an upper bound: what the last reading before the loss had not stored).");
        meter.CreateObservableCounter("clickanalytics.redis.stream.trimmed", ObserveTrimmed, "{entry}", "Entries trimmed from the stream by MAXLEN since it was created.");
        meter.CreateObservableGauge("clickanalytics.redis.stream.length", ObserveLength, "{entry}", "Entries in the stream.");
        meter.CreateObservableGauge("clickanalytics.redis.group.lag", ObserveLag, "{entry}", "Entries the consumer group has not read yet.");
        meter.CreateObservableGauge("clickanalytics.redis.group.pending", ObservePending, "{entry}", "Entries read by the consumer group but not acknowledged.");
        meter.CreateObservableGauge("clickanalytics.redis.producer.queue.size", ObserveQueue, "{click}", "Clicks waiting in this process to be sent to Redis.");
    }

    public void Observe(RedisStreamMonitor monitor) => _monitor = monitor;

    /// <summary>Counts the clicks possibly lost with a stream that disappeared or started over.</summary>
    public void StreamLost(long possiblyLost) => _streamLost.Add(possiblyLost);

    public void Observe(RedisClickProducer producer) => _producer = producer;

    public void Sent(long count) => _sent.Add(count);

    public void Claimed(long count) => _claimed.Add(count);

    public void DeadLettered(long count, string cause) =>
        _deadLettered.Add(count, new KeyValuePair<string, object?>("cause", cause));

    private IEnumerable<Measurement<long>> ObserveTrimmed() => Snapshot(static s => s.Trimmed);

    private IEnumerable<Measurement<long>> ObserveLength() => Snapshot(static s => s.Length);

    private IEnumerable<Measurement<long>> ObserveLag() => Snapshot(static s => s.Lag);

    private IEnumerable<Measurement<long>> ObservePending() => Snapshot(static s => s.Pending);

    private IEnumerable<Measurement<long>> ObserveQueue() =>
        _producer is { } producer ? [new Measurement<long>(producer.QueuedCount)] : [];

    private Measurement<long>[] Snapshot(System.Func<StreamSnapshot, long?> value)
    {
        // Nothing is reported until the stream has been read once: a zero would claim a health it has not seen.
        if (_monitor?.Last is not { } snapshot || value(snapshot) is not { } v)
        {
            return [];
        }

        return [new Measurement<long>(v, new KeyValuePair<string, object?>("stream", snapshot.Stream))];
    }
}
