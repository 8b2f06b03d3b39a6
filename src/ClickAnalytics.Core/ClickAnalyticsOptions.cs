using System;
using System.ComponentModel.DataAnnotations;

namespace ClickAnalytics;

/// <summary>
/// Options of the capture buffer and the processor, bound from the <c>ClickAnalytics</c>
/// configuration section and validated at start.
/// </summary>
public sealed class ClickAnalyticsOptions
{
    /// <summary>The configuration section these options bind to.</summary>
    public const string SectionName = "ClickAnalytics";

    /// <summary>How many clicks the in-process buffer holds before the full-mode policy applies.</summary>
    [Range(1, 50_000_000)]
    public int BufferCapacity { get; set; } = 100_000;

    /// <summary>Which click is lost when the buffer is full.</summary>
    public BufferFullMode BufferFullMode { get; set; } = BufferFullMode.DropOldest;

    /// <summary>
    /// Most clicks in one batch. Stores pay per batch as well as per click (a transaction, a
    /// commit), so larger batches cost less per click under load; <see cref="BatchMaxWait"/> keeps
    /// small batches moving when traffic is low. Default: 5 000.
    /// </summary>
    [Range(1, 1_000_000)]
    public int BatchSize { get; set; } = 5_000;

    /// <summary>Longest a batch stays open after its first click arrived.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan BatchMaxWait { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Whether this process runs the processor (off on web nodes that only produce).</summary>
    public bool ProcessingEnabled { get; set; } = true;

    /// <summary>
    /// Name of the store that answers queries (<c>duckdb</c>, <c>clickhouse</c>, …) when several are
    /// registered; with one store it may stay empty. An ambiguous choice fails the start.
    /// </summary>
    public string? QueryStore { get; set; }

    /// <summary>How many batches are processed at once.</summary>
    [Range(1, 256)]
    public int Workers { get; set; } = 1;

    /// <summary>How often a sink write is tried before the batch counts as failed.</summary>
    [Range(1, 100)]
    public int SinkMaxAttempts { get; set; } = 5;

    /// <summary>Delay before the first retry; it doubles each time up to <see cref="SinkRetryMaxDelay"/>.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan SinkRetryBaseDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Longest delay between two tries of a sink write.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan SinkRetryMaxDelay { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long shutdown may spend draining the buffer; what is left is logged and counted.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(10);
}

/// <summary>What the buffer does with a click when it is full.</summary>
public enum BufferFullMode
{
    /// <summary>Evict the oldest waiting click to make room (default: recent data is worth more in a spike).</summary>
    DropOldest,

    /// <summary>Refuse the new click.</summary>
    DropNewest,
}
