using System;
using Microsoft.Extensions.Logging;
using ClickAnalytics.Buffering;
using ClickAnalytics.Diagnostics;
using ClickAnalytics.Enrichment;
using ClickAnalytics.Processing;
using ClickAnalytics.Sinks.Redis;
using ClickAnalytics.Sinks.Redis.Buffering;
using ClickAnalytics.Sinks.Redis.Enrichment;

namespace ClickAnalytics.Sinks.Redis.Diagnostics;

internal static partial class RedisLog
{
    [LoggerMessage(101, LogLevel.Warning, "Sending {Count} click(s) to Redis stream {Stream} failed; retrying in {Delay}. Clicks arriving meanwhile wait in a local queue of {Capacity}.")]
    public static partial void ProduceFailed(ILogger logger, Exception exception, int count, string stream, TimeSpan delay, int capacity);

    [LoggerMessage(102, LogLevel.Information, "Redis stream {Stream} is reachable again; the producer goes on.")]
    public static partial void ProduceRecovered(ILogger logger, string stream);

    [LoggerMessage(103, LogLevel.Information, "Created consumer group {Group} on Redis stream {Stream}.")]
    public static partial void GroupCreated(ILogger logger, string group, string stream);

    [LoggerMessage(104, LogLevel.Warning, "Reading from Redis stream {Stream} failed; retrying in {Delay}.")]
    public static partial void ReadFailed(ILogger logger, Exception exception, string stream, TimeSpan delay);

    [LoggerMessage(105, LogLevel.Information, "Consumer {Consumer} claimed {Count} entr(y/ies) of Redis stream {Stream} left pending by another consumer.")]
    public static partial void Claimed(ILogger logger, string consumer, int count, string stream);

    [LoggerMessage(106, LogLevel.Error, "Entry {EntryId} of Redis stream {Stream} moved to dead-letter stream {DeadLetterStream} after {Deliveries} deliver(y/ies): {Error}")]
    public static partial void DeadLettered(ILogger logger, string entryId, string stream, string deadLetterStream, long deliveries, string error);

    [LoggerMessage(107, LogLevel.Warning, "{Count} pending entr(y/ies) of Redis stream {Stream} were trimmed before they were stored; they are counted as dropped.")]
    public static partial void TrimmedWhilePending(ILogger logger, int count, string stream);

    [LoggerMessage(108, LogLevel.Warning, "Reading statistics of Redis stream {Stream} failed.")]
    public static partial void MonitorFailed(ILogger logger, Exception exception, string stream);

    [LoggerMessage(109, LogLevel.Warning, "The Redis producer stopped with {Count} click(s) not sent; they are counted as dropped.")]
    public static partial void ProducerNotDrained(ILogger logger, long count);

    [LoggerMessage(110, LogLevel.Warning, "Sending to Redis stream {Stream} still fails: {Failures} more failure(s) since the last line, the last {ErrorType}: {Error}.")]
    public static partial void ProduceStillFailing(ILogger logger, string stream, long failures, string errorType, string error);

    [LoggerMessage(111, LogLevel.Warning, "Reading Redis stream {Stream} still fails: {Failures} more failure(s) since the last line, the last {ErrorType}: {Error}.")]
    public static partial void ReadStillFailing(ILogger logger, string stream, long failures, string errorType, string error);

    [LoggerMessage(112, LogLevel.Information, "Reading Redis stream {Stream} works again after {Failures} failure(s) over {Duration}.")]
    public static partial void ReadRecovered(ILogger logger, string stream, long failures, TimeSpan duration);

    [LoggerMessage(113, LogLevel.Error, "{Count} click(s) were trimmed from Redis stream {Stream} (MaxLength {MaxLength}) before any worker read them; they are counted as dropped (trimmed). Workers are behind or down, or MaxLength is too small for the outage.")]
    public static partial void TrimmedUnread(ILogger logger, long count, string stream, long maxLength);

    [LoggerMessage(114, LogLevel.Error, "Redis stream {Stream} was lost: {AddedBefore} entries had been added by {LastSeen}, now {AddedNow}. Up to {PossiblyLost} click(s) not yet stored went with it (a restart of Redis without persistence, or a deleted key); see clickanalytics.redis.stream.lost.")]
    public static partial void StreamLost(ILogger logger, string stream, long addedBefore, long addedNow, long possiblyLost, DateTimeOffset lastSeen);

    [LoggerMessage(115, LogLevel.Information, "Removed consumer {Consumer} from group {Group} of Redis stream {Stream}: nothing pending, idle for {Idle}.")]
    public static partial void ConsumerRemoved(ILogger logger, string consumer, string group, string stream, TimeSpan idle);
}
