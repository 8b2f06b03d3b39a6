using System;
using System.ComponentModel.DataAnnotations;
using ClickAnalytics.Buffering;
using ClickAnalytics.Diagnostics;
using ClickAnalytics.Enrichment;
using ClickAnalytics.Processing;
using ClickAnalytics.Sinks.Redis.Buffering;
using ClickAnalytics.Sinks.Redis.Diagnostics;
using ClickAnalytics.Sinks.Redis.Enrichment;

namespace ClickAnalytics.Sinks.Redis;

/// <summary>
/// Options of the Redis Streams buffer, bound from the <c>ClickAnalytics:Redis</c> configuration
/// section and validated at start.
/// </summary>
public sealed class RedisStreamsOptions
{
    /// <summary>The configuration section these options bind to.</summary>
    public const string SectionName = "ClickAnalytics:Redis";

    /// <summary>StackExchange.Redis configuration string, e.g. <c>127.0.0.1:6379,password=…</c>.</summary>
    [Required(AllowEmptyStrings = false)]
    public string Configuration { get; set; } = "";

    /// <summary>The stream that holds captured clicks.</summary>
    [Required(AllowEmptyStrings = false)]
    public string StreamKey { get; set; } = "clickanalytics:clicks";

    /// <summary>The stream that receives entries which could not be processed, with their error.</summary>
    [Required(AllowEmptyStrings = false)]
    public string DeadLetterStreamKey { get; set; } = "clickanalytics:clicks:dead";


    /// <summary>The consumer group every processing node joins.</summary>
    [Required(AllowEmptyStrings = false)]
    public string ConsumerGroup { get; set; } = "clickanalytics";

    /// <summary>
    /// This process's consumer name. Leave empty for a name unique per process
    /// (machine, process id and a random suffix), which is what every worker should have.
    /// </summary>
    public string? ConsumerName { get; set; }

    /// <summary>
    /// Approximate cap on the stream length (<c>XADD … MAXLEN ~</c>): older entries are trimmed so that
    /// Redis memory stays bounded in a spike; trimmed entries are counted.
    /// </summary>
    [Range(100, 1_000_000_000)]
    public long MaxLength { get; set; } = 1_000_000;

    /// <summary>Clicks the producer holds in this process while Redis is slow or unreachable; beyond that the oldest are dropped and counted.</summary>
    [Range(1, 10_000_000)]
    public int LocalQueueCapacity { get; set; } = 10_000;

    /// <summary>Most XADD commands the producer pipelines in one round trip.</summary>
    [Range(1, 100_000)]
    public int ProducerBatchSize { get; set; } = 500;

    /// <summary>First delay before the producer tries again after Redis failed; it doubles up to <see cref="ProducerRetryMaxDelay"/>.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "00:10:00")]
    public TimeSpan ProducerRetryBaseDelay { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Longest delay between two producer attempts.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "00:10:00")]
    public TimeSpan ProducerRetryMaxDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The encoding of new entries. Consumers read both, so it can be changed on a running system.</summary>
    public ClickEncoding Encoding { get; set; } = ClickEncoding.Binary;

    /// <summary>How long a consumer waits before asking Redis again when the stream had nothing new.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "00:01:00")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// How long an entry may stay pending (read but not acknowledged) before another consumer claims
    /// it (<c>XAUTOCLAIM</c>). Must be longer than the slowest batch takes to store.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "1.00:00:00")]
    public TimeSpan ClaimIdleTime { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Deliveries after which an entry that was still not stored goes to the dead-letter stream: entries
    /// whose consumers died with them again and again. From the third delivery on, an entry is retried
    /// on its own, so one click that brings its worker down cannot take its neighbours with it. (A
    /// click the store rejects is found and dead-lettered by the processor on its first delivery; a
    /// store outage uses up no deliveries.)
    /// </summary>
    [Range(3, 1_000)]
    public int MaxDeliveries { get; set; } = 5;

    /// <summary>
    /// Consumers of the group that have nothing pending and have not read for this long are removed
    /// (every process name is a new consumer, so each restart of a worker leaves one behind).
    /// Zero keeps them. A working consumer reads every <see cref="PollInterval"/>, so this must stay
    /// far longer than that.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "30.00:00:00")]
    public TimeSpan RemoveIdleConsumersAfter { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How often stream length, lag and pending counts are read for the gauges and the health check.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "01:00:00")]
    public TimeSpan MonitorInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Lag (entries not yet read by the group) from which the health check reports degraded.</summary>
    [Range(1, long.MaxValue)]
    public long DegradedLag { get; set; } = 500_000;

    /// <summary>Pending entries (read, not acknowledged) from which the health check reports degraded.</summary>
    [Range(1, long.MaxValue)]
    public long DegradedPending { get; set; } = 100_000;
}
