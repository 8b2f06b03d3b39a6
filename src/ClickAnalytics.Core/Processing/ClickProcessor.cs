using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using ClickAnalytics.Buffering;
using ClickAnalytics.Diagnostics;
using ClickAnalytics.Enrichment;
using ClickAnalytics.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Retry;

namespace ClickAnalytics.Processing;

/// <summary>
/// The background half of the pipeline: workers read batches from the buffer, run the enrichment
/// stages in order, write the batch to every sink (retrying through <see cref="ClickRetry"/>, the
/// pipeline's one retry policy) and only then
/// acknowledge it. Stopping drains the buffer within <see cref="ClickAnalyticsOptions.ShutdownTimeout"/>;
/// whatever is left is counted as dropped, never silently lost.
/// </summary>
internal sealed class ClickProcessor : IHostedService, IAsyncDisposable, IDisposable
{
    private readonly IClickBufferReader _buffer;
    private readonly IClickEnricher[] _enrichers;
    private readonly IClickSink[] _sinks;
    private readonly ClickAnalyticsOptions _options;
    private readonly ClickAnalyticsMetrics _metrics;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _abort = new();
    private readonly ResiliencePipeline _retry;
    private Task[] _workers = [];
    private Task? _stopping;
    private readonly Lock _stopLock = new();
    private readonly IArchivedDays[] _archivedDays;

    public ClickProcessor(
        IClickBufferReader buffer,
        IEnumerable<IClickEnricher> enrichers,
        IEnumerable<IClickSink> sinks,
        IOptions<ClickAnalyticsOptions> options,
        ClickAnalyticsMetrics metrics,
        TimeProvider timeProvider,
        ILogger<ClickProcessor> logger,
        IEnumerable<IArchivedDays> archivedDays)
    {
        _buffer = buffer;
        _archivedDays = archivedDays.ToArray();
        // OrderBy is stable: stages with the same order run in registration order.
        _enrichers = enrichers.OrderBy(e => e.Order).ToArray();
        _sinks = sinks.ToArray();
        _options = options.Value;
        _metrics = metrics;
        _timeProvider = timeProvider;
        _logger = logger;
        _retry = ClickRetry.Create(_options.SinkMaxAttempts, _options.SinkRetryBaseDelay, _options.SinkRetryMaxDelay, timeProvider, OnRetryAsync);
    }

    /// <summary>Clicks of days already archived are not written again; they are counted as dropped.</summary>
    private EnrichedClick[] LeaveOutArchivedDays(EnrichedClick[] clicks)
    {
        EnrichedClick[] kept = Array.FindAll(clicks, c => !Array.Exists(_archivedDays, a => a.IsArchived(DateOnly.FromDateTime(c.Click.Timestamp.UtcDateTime))));
        if (kept.Length < clicks.Length)
        {
            _metrics.Dropped(clicks.Length - kept.Length, DropReason.ArchivedDay);
            Log.ArchivedDayClicks(_logger, clicks.Length - kept.Length);
        }

        return kept;
    }

    /// <summary>The stages in the order they run.</summary>
    public IReadOnlyList<IClickEnricher> Enrichers => _enrichers;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (!_options.ProcessingEnabled)
        {
            return Task.CompletedTask;
        }

        if (_sinks.Length == 0)
        {
            throw new InvalidOperationException(
                "ClickAnalytics has no store to write clicks to. Add one to the builder, for example " +
                "services.AddClickAnalytics().AddDuckDb(), or set ClickAnalytics:ProcessingEnabled to false on nodes that only capture.");
        }

        _workers = new Task[_options.Workers];
        for (int i = 0; i < _workers.Length; i++)
        {
            _workers[i] = Task.Run(RunWorkerAsync, CancellationToken.None);
        }

        Log.ProcessorStarted(_logger, _options.Workers, _options.BatchSize, _options.BatchMaxWait);
        return Task.CompletedTask;
    }

    /// <summary>
    /// Drains and stops. Hosts may call this more than once (a web application's own run loop and a
    /// test factory both do); every caller waits for the one drain, so nothing is disposed under it.
    /// </summary>
    public Task StopAsync(CancellationToken cancellationToken)
    {
        Task stopping;
        lock (_stopLock)
        {
            stopping = _stopping ??= DrainAndStopAsync(cancellationToken);
        }

        return stopping.WaitAsync(cancellationToken);
    }

    private async Task DrainAndStopAsync(CancellationToken cancellationToken)
    {
        _buffer.Complete();
        if (_workers.Length == 0)
        {
            CountUndrained();
            return;
        }

        Task all = Task.WhenAll(_workers);
        try
        {
            await all.WaitAsync(_options.ShutdownTimeout, _timeProvider, cancellationToken).ConfigureAwait(false);
            Log.Drained(_logger);
            return;
        }
        catch (TimeoutException)
        {
            Log.DrainTimedOut(_logger, _options.ShutdownTimeout);
        }
        catch (OperationCanceledException)
        {
            Log.DrainCancelled(_logger);
        }

        // Out of time: stop the workers where they are. What they held and what is still buffered is counted.
        await _abort.CancelAsync().ConfigureAwait(false);
        await all.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        CountUndrained();
    }

    private void CountUndrained()
    {
        long left = _buffer.Count;
        if (left > 0)
        {
            _metrics.Dropped(left, DropReason.NotDrained);
            Log.NotDrained(_logger, _options.ShutdownTimeout, left);
        }
    }

    private async Task RunWorkerAsync()
    {
        CancellationToken abort = _abort.Token;
        while (!abort.IsCancellationRequested)
        {
            try
            {
                ClickBatch? batch = await _buffer.ReadBatchAsync(_options.BatchSize, _options.BatchMaxWait, abort).ConfigureAwait(false);
                if (batch is null)
                {
                    return;
                }

                await ProcessBatchAsync(batch, abort).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (abort.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // A bug or a broken buffer: keep the worker alive, but do not spin.
                Log.WorkerCrashed(_logger, ex);
                await Task.Delay(_options.SinkRetryBaseDelay, _timeProvider, abort).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    /// <summary>Enriches, stores and acknowledges one batch.</summary>
    internal async Task ProcessBatchAsync(ClickBatch batch, CancellationToken cancellationToken)
    {
        var clicks = new EnrichedClick[batch.Clicks.Count];
        for (int i = 0; i < clicks.Length; i++)
        {
            clicks[i] = new EnrichedClick(batch.Clicks[i]);
        }

        if (_archivedDays.Length > 0)
        {
            clicks = LeaveOutArchivedDays(clicks);
            if (clicks.Length == 0)
            {
                await _buffer.AcknowledgeAsync(batch, cancellationToken).ConfigureAwait(false);
                return;
            }
        }

        await EnrichAsync(clicks, cancellationToken).ConfigureAwait(false);

        (IClickSink? failedSink, Exception? error, int attempts) = await WriteToSinksAsync(clicks, cancellationToken).ConfigureAwait(false);
        if (failedSink is null)
        {
            try
            {
                await _buffer.AcknowledgeAsync(batch, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                Log.AcknowledgeFailed(_logger, ex, clicks.Length);
            }

            _metrics.Processed(clicks.Length, clicks.Length);
            return;
        }

        bool held = await _buffer.AbandonAsync(batch, error!, CancellationToken.None).ConfigureAwait(false);
        if (error is OperationCanceledException && cancellationToken.IsCancellationRequested)
        {
            if (!held)
            {
                _metrics.Dropped(clicks.Length, DropReason.NotDrained);
            }

            return;
        }

        if (!held)
        {
            _metrics.Failed(clicks.Length, error!.GetType().Name);
        }

        Log.BatchFailed(_logger, error!, clicks.Length, failedSink.Name, attempts, held ? "keeps it for redelivery" : "could not keep it, so it is counted as failed");
    }

    private async ValueTask EnrichAsync(EnrichedClick[] clicks, CancellationToken cancellationToken)
    {
        foreach (IClickEnricher enricher in _enrichers)
        {
            try
            {
                await enricher.EnrichAsync(clicks, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                _metrics.EnrichmentError(enricher.Name);
                Log.EnrichmentFailed(_logger, ex, enricher.Name, clicks.Length);
            }
        }
    }

    private async ValueTask<(IClickSink? FailedSink, Exception? Error, int Attempts)> WriteToSinksAsync(EnrichedClick[] clicks, CancellationToken cancellationToken)
    {
        // Sinks that already have the batch are not asked again when another one fails.
        var attempt = new SinkAttempt(this, clicks);
        try
        {
            await _retry.ExecuteAsync(static (state, token) => state.WriteAsync(token), attempt, cancellationToken).ConfigureAwait(false);
            return (null, null, attempt.Count);
        }
        catch (SinkWriteFailedException ex)
        {
            return (ex.Sink, ex.InnerException, attempt.Count);
        }
        catch (OperationCanceledException ex)
        {
            return (attempt.Pending.Count > 0 ? attempt.Pending[^1] : _sinks[0], ex, attempt.Count);
        }
    }

    private ValueTask OnRetryAsync(OnRetryArguments<object> retry)
    {
        if (retry.Outcome.Exception is SinkWriteFailedException failure)
        {
            _metrics.SinkRetry(failure.Sink.Name);
            Log.SinkWriteRetry(_logger, failure.InnerException!, failure.Sink.Name, failure.Clicks, retry.AttemptNumber + 1, _options.SinkMaxAttempts, retry.RetryDelay);
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>One batch on its way to the sinks, across the retry policy's attempts.</summary>
    private sealed class SinkAttempt(ClickProcessor processor, EnrichedClick[] clicks)
    {
        public List<IClickSink> Pending { get; } = new(processor._sinks);

        public int Count { get; private set; }

        public async ValueTask WriteAsync(CancellationToken cancellationToken)
        {
            Count++;
            Exception? lastError = null;
            IClickSink? lastFailed = null;
            for (int i = Pending.Count - 1; i >= 0; i--)
            {
                IClickSink sink = Pending[i];
                long started = processor._timeProvider.GetTimestamp();
                try
                {
                    await sink.WriteAsync(clicks, cancellationToken).ConfigureAwait(false);
                    processor._metrics.SinkWrite(sink.Name, processor._timeProvider.GetElapsedTime(started), success: true);
                    Pending.RemoveAt(i);
                }
                catch (Exception ex)
                {
                    processor._metrics.SinkWrite(sink.Name, processor._timeProvider.GetElapsedTime(started), success: false);
                    if (ex is OperationCanceledException && cancellationToken.IsCancellationRequested)
                    {
                        throw;
                    }

                    lastError = ex;
                    lastFailed = sink;
                }
            }

            if (lastFailed is not null)
            {
                throw new SinkWriteFailedException(lastFailed, clicks.Length, lastError!);
            }
        }
    }

    /// <summary>What the retry policy sees when a sink failed: the sink and its own error.</summary>
    private sealed class SinkWriteFailedException(IClickSink sink, int clicks, Exception error)
        : Exception($"Sink '{sink.Name}' could not write a batch of {clicks} clicks.", error)
    {
        public IClickSink Sink { get; } = sink;

        public int Clicks { get; } = clicks;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(CancellationToken.None).ConfigureAwait(false);
        _abort.Dispose();
    }

    /// <summary>Without a graceful stop, workers are told to quit where they are; nothing is waited for.</summary>
    public void Dispose()
    {
        _buffer.Complete();
        _abort.Cancel();
    }
}
