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

    /// <summary>
    /// Clicks of days already archived are not written again; they are counted as dropped. Gives the
    /// clicks kept and, for each, its position in the batch.
    /// </summary>
    private (EnrichedClick[] Kept, int[] Positions) LeaveOutArchivedDays(EnrichedClick[] clicks)
    {
        var kept = new List<EnrichedClick>(clicks.Length);
        var positions = new List<int>(clicks.Length);
        for (int i = 0; i < clicks.Length; i++)
        {
            if (!Array.Exists(_archivedDays, a => a.IsArchived(DateOnly.FromDateTime(clicks[i].Click.Timestamp.UtcDateTime))))
            {
                kept.Add(clicks[i]);
                positions.Add(i);
            }
        }

        if (kept.Count < clicks.Length)
        {
            _metrics.Dropped(clicks.Length - kept.Count, DropReason.ArchivedDay);
            Log.ArchivedDayClicks(_logger, clicks.Length - kept.Count);
        }

        return ([.. kept], [.. positions]);
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

        int[]? positions = null;
        if (_archivedDays.Length > 0)
        {
            (clicks, positions) = LeaveOutArchivedDays(clicks);
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

        if (error is OperationCanceledException && cancellationToken.IsCancellationRequested)
        {
            await GiveBackAsync(batch, clicks.Length, cancellationToken).ConfigureAwait(false);
            return;
        }

        await RecoverAsync(batch, clicks, positions, failedSink, error!, attempts, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Stopped while the batch was not stored: a durable buffer keeps it, otherwise it is counted as not drained.</summary>
    private async Task GiveBackAsync(ClickBatch batch, int count, CancellationToken cancellationToken)
    {
        bool held = await _buffer.AbandonAsync(batch, new OperationCanceledException(cancellationToken), CancellationToken.None).ConfigureAwait(false);
        if (!held)
        {
            _metrics.Dropped(count, DropReason.NotDrained);
        }
    }

    /// <summary>
    /// A batch the retry policy could not store. Whether the store is down or some of the clicks
    /// are what it rejects is told apart by writing parts of the batch: when a part is stored, the
    /// store takes writes, and the parts that still fail are halved until the clicks it rejects are
    /// found; they alone are given up (a durable buffer dead-letters them), the rest is stored.
    /// When no part is stored the store is taken to be down: the worker holds the batch, reads
    /// nothing new, and tries again with backoff (in more, smaller parts each time, so two bad clicks
    /// cannot pass for an outage) until it is stored or the processor stops. A batch the store
    /// keeps refusing while it answers queries is given up after <see cref="ClickAnalyticsOptions.SinkMaxAttempts"/>
    /// such rounds. Without <see cref="IClickBatchParts"/> from the buffer, the batch is retried whole.
    /// </summary>
    private async Task RecoverAsync(ClickBatch batch, EnrichedClick[] clicks, int[]? positions, IClickSink failedSink, Exception error, int attempts, CancellationToken cancellationToken)
    {
        var parts = _buffer as IClickBatchParts;
        List<int> pending = [.. Enumerable.Range(0, clicks.Length)];
        var rejected = new List<int>();
        bool writesWork = false;
        int refusedWhileUp = 0;
        long outageStarted = _timeProvider.GetTimestamp();
        bool outage = false;
        TimeSpan delay = _options.SinkRetryBaseDelay > TimeSpan.Zero ? _options.SinkRetryBaseDelay : TimeSpan.FromMilliseconds(100);
        for (int round = 0; pending.Count > 0 && !cancellationToken.IsCancellationRequested; round++)
        {
            if (round > 0)
            {
                (IClickSink? sink, Exception? failure) = await WriteOnceAsync(clicks, pending, cancellationToken).ConfigureAwait(false);
                if (sink is null)
                {
                    pending.Clear();
                    break;
                }

                (failedSink, error) = (sink, failure!);
            }

            int pieces = parts is null ? 1 : Math.Min(pending.Count, round < 2 ? 2 : round < 4 ? 4 : round < 6 ? 8 : 16);
            if (pieces > 1)
            {
                var failed = new List<List<int>>();
                foreach (List<int> piece in Split(pending, pieces))
                {
                    (IClickSink? sink, Exception? failure) = await WriteOnceAsync(clicks, piece, cancellationToken).ConfigureAwait(false);
                    if (sink is null)
                    {
                        writesWork = true;
                    }
                    else
                    {
                        failed.Add(piece);
                        (failedSink, error) = (sink, failure!);
                    }
                }

                pending = [.. failed.SelectMany(p => p)];
                if (writesWork)
                {
                    // The store takes writes: what fails is in the clicks themselves.
                    foreach (List<int> piece in failed)
                    {
                        error = await BisectAsync(clicks, piece, rejected, error, cancellationToken).ConfigureAwait(false);
                    }

                    pending.Clear();
                    break;
                }
            }

            if (cancellationToken.IsCancellationRequested)
            {
                break;
            }

            if (await AnswersQueriesAsync(failedSink, cancellationToken).ConfigureAwait(false) && ++refusedWhileUp >= _options.SinkMaxAttempts)
            {
                // It answers queries but refuses these clicks round after round: give them up.
                rejected.AddRange(pending);
                pending.Clear();
                break;
            }

            if (!outage)
            {
                outage = true;
                _metrics.SinkOutage(failedSink.Name, 1);
                Log.StoreUnavailable(_logger, error, failedSink.Name, clicks.Length, error.Message, _options.SinkRetryMaxDelay);
            }

            await Task.Delay(delay, _timeProvider, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            delay = delay * 2 < _options.SinkRetryMaxDelay ? delay * 2 : _options.SinkRetryMaxDelay;
            if (parts is not null && !cancellationToken.IsCancellationRequested)
            {
                try
                {
                    await parts.RenewAsync(batch, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // The buffer may redeliver the batch elsewhere; stores collapse it by event id.
                    Log.AcknowledgeFailed(_logger, ex, clicks.Length);
                }
            }
        }

        if (outage)
        {
            _metrics.SinkOutage(failedSink.Name, -1);
            if (pending.Count == 0)
            {
                Log.StoreRecovered(_logger, failedSink.Name, _timeProvider.GetElapsedTime(outageStarted), clicks.Length - rejected.Count);
            }
        }

        // What is not held or rejected was stored (or left out as archived): acknowledged.
        // Indexes into clicks, as positions in the batch (archived days' clicks were left out of clicks).
        int[] InBatch(IEnumerable<int> indexes) => [.. indexes.Select(i => positions is null ? i : positions[i])];
        var open = new HashSet<int>(InBatch(pending.Concat(rejected)));
        int[] stored = [.. Enumerable.Range(0, batch.Clicks.Count).Where(i => !open.Contains(i))];
        int storedClicks = clicks.Length - pending.Count - rejected.Count;
        if (open.Count == 0)
        {
            await AcknowledgeAsync(batch, storedClicks).ConfigureAwait(false);
            return;
        }

        if (parts is not null && stored.Length > 0)
        {
            await AcknowledgeAsync(parts.Part(batch, stored), storedClicks).ConfigureAwait(false);
        }

        if (pending.Count > 0)
        {
            // Stopped while holding the batch.
            ClickBatch held = parts is null ? batch : parts.Part(batch, InBatch(pending));
            await GiveBackAsync(held, pending.Count, cancellationToken).ConfigureAwait(false);
        }

        if (rejected.Count > 0)
        {
            ClickBatch given = parts is null ? batch : parts.Part(batch, InBatch(rejected));
            bool kept = await _buffer.AbandonAsync(given, error, CancellationToken.None).ConfigureAwait(false);
            if (!kept)
            {
                _metrics.Failed(rejected.Count, error.GetType().Name);
            }

            if (parts is null)
            {
                Log.BatchFailed(_logger, error, clicks.Length, failedSink.Name, attempts, kept ? "keeps it for redelivery" : "could not keep it, so it is counted as failed");
            }
            else
            {
                Log.ClicksRejected(_logger, error, failedSink.Name, rejected.Count, clicks.Length, kept ? "keeps them apart" : "could not keep them, so they are counted as failed");
            }
        }
    }

    private async Task AcknowledgeAsync(ClickBatch batch, int count)
    {
        try
        {
            await _buffer.AcknowledgeAsync(batch, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Log.AcknowledgeFailed(_logger, ex, count);
        }

        _metrics.Processed(count, count);
    }

    /// <summary>Halves a failing part of a batch until the clicks the store rejects are found; returns the last error.</summary>
    private async Task<Exception> BisectAsync(EnrichedClick[] clicks, List<int> piece, List<int> rejected, Exception error, CancellationToken cancellationToken)
    {
        if (piece.Count == 1 || cancellationToken.IsCancellationRequested)
        {
            rejected.AddRange(piece);
            return error;
        }

        foreach (List<int> half in Split(piece, 2))
        {
            (IClickSink? sink, Exception? failure) = await WriteOnceAsync(clicks, half, cancellationToken).ConfigureAwait(false);
            if (sink is not null)
            {
                error = await BisectAsync(clicks, half, rejected, failure!, cancellationToken).ConfigureAwait(false);
            }
        }

        return error;
    }

    private static IEnumerable<List<int>> Split(List<int> indices, int pieces)
    {
        for (int p = 0; p < pieces; p++)
        {
            int from = indices.Count * p / pieces, to = indices.Count * (p + 1) / pieces;
            if (to > from)
            {
                yield return indices.GetRange(from, to - from);
            }
        }
    }

    /// <summary>Writes the clicks at <paramref name="indices"/> to every sink once; the sink that failed and its error, or nulls.</summary>
    private async Task<(IClickSink? Sink, Exception? Error)> WriteOnceAsync(EnrichedClick[] clicks, List<int> indices, CancellationToken cancellationToken)
    {
        EnrichedClick[] part = indices.Count == clicks.Length ? clicks : [.. indices.Select(i => clicks[i])];
        try
        {
            await new SinkAttempt(this, part).WriteAsync(cancellationToken).ConfigureAwait(false);
            return (null, null);
        }
        catch (SinkWriteFailedException ex)
        {
            return (ex.Sink, ex.InnerException!);
        }
        catch (OperationCanceledException ex) when (cancellationToken.IsCancellationRequested)
        {
            return (_sinks[0], ex);
        }
    }

    /// <summary>Whether the sink, when it is a store, answers a query: then it is up, whatever its writes do.</summary>
    private async Task<bool> AnswersQueriesAsync(IClickSink sink, CancellationToken cancellationToken)
    {
        if (sink is not IClickStore store)
        {
            return false;
        }

        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(10));
            return await StoreProbe.AnswersAsync(store, _timeProvider, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return false;
        }
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
