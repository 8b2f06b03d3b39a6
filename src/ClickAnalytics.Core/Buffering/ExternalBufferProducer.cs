using System;
using System.Buffers;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;
using ClickAnalytics.Diagnostics;
using ClickAnalytics.Processing;
using Microsoft.Extensions.Hosting;
using Polly;
using Polly.Retry;

namespace ClickAnalytics.Buffering;

/// <summary>How an <see cref="ExternalBufferProducer"/> queues, batches, encodes and retries.</summary>
/// <param name="LocalQueueCapacity">Clicks the local queue holds; past it the oldest is dropped and counted.</param>
/// <param name="BatchSize">Most clicks sent in one round trip.</param>
/// <param name="Encoding">How each click is written into bytes.</param>
/// <param name="RetryBaseDelay">Delay before the first retry of a failed send.</param>
/// <param name="RetryMaxDelay">Longest delay between two tries of a send.</param>
/// <param name="ShutdownTimeout">How long stopping may spend sending what is queued.</param>
internal readonly record struct ExternalProducerSettings(
    int LocalQueueCapacity,
    int BatchSize,
    ClickEncoding Encoding,
    TimeSpan RetryBaseDelay,
    TimeSpan RetryMaxDelay,
    TimeSpan ShutdownTimeout);

/// <summary>
/// The half of a producer into an external buffer (a Redis stream, a message topic) that does not
/// depend on the buffer: the redirect path only writes to a small bounded local queue; one
/// background loop takes up to a batch of clicks, encodes them (<see cref="ClickEventCodec"/>) while
/// the previous batch is on its way, and sends them through the pipeline's one retry policy, without
/// end until confirmed or stopped. While the buffer is down or slow the queue fills and its oldest
/// clicks are dropped and counted (<c>unavailable</c>, or <c>buffer_full</c> when it is up but too
/// slow), so memory stays bounded and the redirect never waits. Stopping sends what is queued for up
/// to the shutdown timeout; every click still held after that is counted as not drained. A subclass
/// sends one batch (<see cref="SendOnceAsync"/>) and logs.
/// </summary>
internal abstract class ExternalBufferProducer : IClickBufferWriter, IHostedService, IAsyncDisposable
{
    private readonly ExternalProducerSettings _settings;
    private readonly ClickAnalyticsMetrics _metrics;
    private readonly TimeProvider _timeProvider;
    private readonly Channel<ClickEvent> _queue;
    private readonly CancellationTokenSource _abort = new();
    private readonly ResiliencePipeline _sendRetry;
    private Task _writer = Task.CompletedTask;
    private volatile bool _failing;
    private volatile bool _completed;
    private long _outstanding;
    private long _abandoned;
    private int _started;

    /// <summary>Clicks in the send being retried (one sender loop, so one send at a time), for the retry's log line.</summary>
    private int _sendingCount;

    protected ExternalBufferProducer(ExternalProducerSettings settings, ClickAnalyticsMetrics metrics, TimeProvider timeProvider)
    {
        _settings = settings;
        _metrics = metrics;
        _timeProvider = timeProvider;
        _sendRetry = ClickRetry.Create(ClickRetry.Forever, settings.RetryBaseDelay, settings.RetryMaxDelay, timeProvider, OnSendRetryAsync);
        _queue = Channel.CreateBounded<ClickEvent>(
            new BoundedChannelOptions(settings.LocalQueueCapacity)
            {
                FullMode = BoundedChannelFullMode.DropOldest,
                SingleReader = true,
                SingleWriter = false,
                AllowSynchronousContinuations = false,
            },
            OnEvicted);
    }

    /// <summary>Clicks taken by this process and neither confirmed by the buffer nor counted as dropped.</summary>
    public long QueuedCount => Interlocked.Read(ref _outstanding);

    /// <summary>Whether the last attempt to reach the buffer failed.</summary>
    public bool IsFailing => _failing;

    public bool TryWrite(ClickEvent click)
    {
        // DropOldest makes TryWrite succeed while the queue is open; the evicted click is counted in OnEvicted.
        // Counted before the write, so the click is never briefly in no count at all.
        Interlocked.Increment(ref _outstanding);
        if (_queue.Writer.TryWrite(click))
        {
            _metrics.Captured();
            return true;
        }

        Interlocked.Decrement(ref _outstanding);
        _metrics.Dropped(1, _completed ? DropReason.ShuttingDown : DropReason.BufferError);
        return false;
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _started, 1) == 0)
        {
            _writer = Task.Run(RunAsync, CancellationToken.None);
        }

        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_completed)
        {
            return;
        }

        _completed = true;
        _queue.Writer.TryComplete();
        try
        {
            await _writer.WaitAsync(_settings.ShutdownTimeout, _timeProvider, cancellationToken).ConfigureAwait(false);
            return;
        }
        catch (TimeoutException)
        {
        }
        catch (OperationCanceledException)
        {
        }

        await _abort.CancelAsync().ConfigureAwait(false);
        await _writer.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        long left = _queue.Reader.Count;
        Interlocked.Add(ref _outstanding, -left);
        if (left > 0)
        {
            _metrics.Dropped(left, DropReason.NotDrained);
        }

        // The batch in flight and the one read behind it were counted by the loop as it stopped.
        long notDrained = left + Interlocked.Read(ref _abandoned);
        if (notDrained > 0)
        {
            OnNotDrained(notDrained);
        }
    }

    /// <summary>Sends one batch of encoded clicks, in order; throws when the buffer did not confirm it.</summary>
    protected abstract ValueTask SendOnceAsync(ReadOnlyMemory<byte[]> batch);

    /// <summary>The buffer confirmed <paramref name="count"/> clicks.</summary>
    protected virtual void OnSent(int count)
    {
    }

    /// <summary>A send of <paramref name="count"/> clicks failed and is tried again after <paramref name="delay"/>.</summary>
    protected abstract void OnSendFailed(Exception error, int count, TimeSpan delay);

    /// <summary>A send went through after failures.</summary>
    protected abstract void OnRecovered();

    /// <summary><paramref name="count"/> clicks were still queued when the shutdown timeout passed (counted as dropped already).</summary>
    protected abstract void OnNotDrained(long count);

    private async Task RunAsync()
    {
        CancellationToken abort = _abort.Token;
        var scratch = new ArrayBufferWriter<byte>(1024);
        var payloads = new byte[_settings.BatchSize][];
        ChannelReader<ClickEvent> reader = _queue.Reader;
        // Clicks taken from the queue and encoded, waiting for the batch before them to go out:
        // in neither the queue nor a send, so if the loop is stopped now they are counted here.
        int held = 0;
        try
        {
            // The next batch is encoded while the previous one is on its way; batches still go out
            // one at a time and in order (SendAsync copies the payloads before it first awaits).
            Task sending = Task.CompletedTask;
            while (await reader.WaitToReadAsync(abort).ConfigureAwait(false))
            {
                while (held < payloads.Length && reader.TryRead(out ClickEvent? click))
                {
                    payloads[held++] = ClickEventCodec.Encode(click, _settings.Encoding, scratch);
                }

                await sending.ConfigureAwait(false);
                sending = SendAsync(payloads, held, abort);
                held = 0;
            }

            await sending.ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (abort.IsCancellationRequested)
        {
            if (held > 0)
            {
                _metrics.Dropped(held, DropReason.NotDrained);
                Interlocked.Add(ref _outstanding, -held);
                Interlocked.Add(ref _abandoned, held);
            }
        }
    }

    private async Task SendAsync(byte[][] payloads, int count, CancellationToken abort)
    {
        byte[][] batch = payloads[..count];
        _sendingCount = count;
        try
        {
            // Whatever fails, the loop must live on: a dead writer would turn every later click into a drop.
            // A batch whose reply was lost may have been applied: sending it again duplicates
            // entries, which stores collapse by event id.
            await _sendRetry.ExecuteAsync(static (state, _) => state.Producer.SendOnceAsync(state.Batch), (Producer: this, Batch: (ReadOnlyMemory<byte[]>)batch), abort).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            _metrics.Dropped(count, DropReason.NotDrained);
            Interlocked.Add(ref _outstanding, -count);
            Interlocked.Add(ref _abandoned, count);
            throw;
        }

        OnSent(count);
        Interlocked.Add(ref _outstanding, -count);
        if (_failing)
        {
            _failing = false;
            OnRecovered();
        }
    }

    private ValueTask OnSendRetryAsync(OnRetryArguments<object> retry)
    {
        _failing = true;
        OnSendFailed(retry.Outcome.Exception!, _sendingCount, retry.RetryDelay);
        return ValueTask.CompletedTask;
    }

    private void OnEvicted(ClickEvent click)
    {
        Interlocked.Decrement(ref _outstanding);
        _metrics.Dropped(1, _failing ? DropReason.Unavailable : DropReason.BufferFull);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(CancellationToken.None).ConfigureAwait(false);
        _abort.Dispose();
        GC.SuppressFinalize(this);
    }
}
