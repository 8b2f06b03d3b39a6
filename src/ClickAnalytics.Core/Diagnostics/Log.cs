using System;
using Microsoft.Extensions.Logging;

namespace ClickAnalytics.Diagnostics;

internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Information, "Click processor started with {Workers} worker(s), batches of up to {BatchSize} clicks or {BatchMaxWait}.")]
    public static partial void ProcessorStarted(ILogger logger, int workers, int batchSize, TimeSpan batchMaxWait);

    [LoggerMessage(2, LogLevel.Warning, "Sink {Sink} failed to write a batch of {Count} clicks (attempt {Attempt} of {MaxAttempts}); retrying in {Delay}.")]
    public static partial void SinkWriteRetry(ILogger logger, Exception exception, string sink, int count, int attempt, int maxAttempts, TimeSpan delay);

    [LoggerMessage(3, LogLevel.Error, "A batch of {Count} clicks could not be stored by sink {Sink} after {Attempts} attempts; the buffer {Outcome}.")]
    public static partial void BatchFailed(ILogger logger, Exception exception, int count, string sink, int attempts, string outcome);

    [LoggerMessage(4, LogLevel.Error, "Enrichment stage {Stage} threw on a batch of {Count} clicks; they go on without its values.")]
    public static partial void EnrichmentFailed(ILogger logger, Exception exception, string stage, int count);

    [LoggerMessage(5, LogLevel.Information, "Click processor drained its buffer and stopped.")]
    public static partial void Drained(ILogger logger);

    [LoggerMessage(6, LogLevel.Warning, "Click processor stopped after {Timeout} with {Count} click(s) not stored; they are counted as dropped ('not_drained').")]
    public static partial void NotDrained(ILogger logger, TimeSpan timeout, long count);

    [LoggerMessage(7, LogLevel.Error, "Click processor worker failed unexpectedly; it restarts.")]
    public static partial void WorkerCrashed(ILogger logger, Exception exception);

    [LoggerMessage(8, LogLevel.Error, "Acknowledging a stored batch of {Count} clicks failed; a durable buffer may deliver it again (stores collapse it by event id).")]
    public static partial void AcknowledgeFailed(ILogger logger, Exception exception, int count);

    [LoggerMessage(9, LogLevel.Warning, "Draining the click buffer took longer than {Timeout}; the rest is counted as dropped.")]
    public static partial void DrainTimedOut(ILogger logger, TimeSpan timeout);

    [LoggerMessage(10, LogLevel.Warning, "The host cut the drain of the click buffer short; the rest is counted as dropped.")]
    public static partial void DrainCancelled(ILogger logger);

    [LoggerMessage(13, LogLevel.Error, "Sink {Sink} takes no writes ({Error}); the processor holds its batch of {Count} clicks and reads nothing new until the store is back, trying again every {Delay} at most.")]
    public static partial void StoreUnavailable(ILogger logger, Exception exception, string sink, int count, string error, TimeSpan delay);

    [LoggerMessage(14, LogLevel.Information, "Sink {Sink} takes writes again after {Outage}; the held batch of {Count} clicks is stored.")]
    public static partial void StoreRecovered(ILogger logger, string sink, TimeSpan outage, int count);

    [LoggerMessage(15, LogLevel.Error, "Sink {Sink} takes other clicks but not {Count} of a batch of {BatchSize}; those are given up alone (the buffer {Outcome}).")]
    public static partial void ClicksRejected(ILogger logger, Exception exception, string sink, int count, int batchSize, string outcome);

    [LoggerMessage(12, LogLevel.Warning, "{Count} click(s) of days already archived were not stored again; they are counted as dropped (archived_day).")]
    public static partial void ArchivedDayClicks(ILogger logger, int count);
}
