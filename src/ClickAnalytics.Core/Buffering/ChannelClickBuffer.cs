using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;
using ClickAnalytics.Diagnostics;
using Microsoft.Extensions.Options;

namespace ClickAnalytics.Buffering;

/// <summary>
/// The in-process buffer: a bounded <see cref="Channel{T}"/>. When it is full the configured
/// <see cref="BufferFullMode"/> decides which click is lost, and the loss is counted.
/// </summary>
internal sealed class ChannelClickBuffer : IClickBufferWriter, IClickBufferReader, IClickBatchParts
{
    private readonly Channel<ClickEvent> _channel;
    private readonly ClickAnalyticsMetrics _metrics;
    private readonly TimeProvider _timeProvider;
    private readonly int _capacity;

    // An open batch waits for the channel to hold what it is missing, and the writer that brings the
    // channel there wakes it: one wake-up per batch. Waking the reader for every click (what waiting
    // on the channel itself does) costs a thread-pool hand-off per click, paid on the request path.
    private readonly SemaphoreSlim _filled = new(0);
    private int _fullAt;

    public ChannelClickBuffer(IOptions<ClickAnalyticsOptions> options, ClickAnalyticsMetrics metrics, TimeProvider timeProvider)
    {
        ClickAnalyticsOptions value = options.Value;
        _metrics = metrics;
        _timeProvider = timeProvider;
        _capacity = value.BufferCapacity;

        var channelOptions = new BoundedChannelOptions(value.BufferCapacity)
        {
            SingleReader = false,
            SingleWriter = false,
            AllowSynchronousContinuations = false,
            // DropOldest evicts inside TryWrite and reports the evicted click to the callback;
            // for DropNewest the channel refuses the write (Wait + TryWrite) and TryWrite counts it.
            FullMode = value.BufferFullMode == BufferFullMode.DropOldest
                ? BoundedChannelFullMode.DropOldest
                : BoundedChannelFullMode.Wait,
        };

        _channel = value.BufferFullMode == BufferFullMode.DropOldest
            ? Channel.CreateBounded<ClickEvent>(channelOptions, OnEvicted)
            : Channel.CreateBounded<ClickEvent>(channelOptions);
        metrics.ObserveBuffer(this);
    }

    private volatile bool _completed;

    public long Count => _channel.Reader.Count;

    public bool TryWrite(ClickEvent click)
    {
        if (_channel.Writer.TryWrite(click))
        {
            _metrics.Captured();
            int fullAt = Volatile.Read(ref _fullAt);
            if (fullAt > 0 && _channel.Reader.Count >= fullAt && Interlocked.CompareExchange(ref _fullAt, 0, fullAt) == fullAt)
            {
                _filled.Release();
            }

            return true;
        }

        _metrics.Dropped(1, _completed ? DropReason.ShuttingDown : DropReason.BufferFull);
        return false;
    }

    public void Complete()
    {
        _completed = true;
        _channel.Writer.TryComplete();
        _filled.Release();
    }

    public async ValueTask<ClickBatch?> ReadBatchAsync(int maxSize, TimeSpan maxWait, CancellationToken cancellationToken)
    {
        ChannelReader<ClickEvent> reader = _channel.Reader;
        if (!await reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        var clicks = new List<ClickEvent>(Math.Min(maxSize, 1024));
        Fill(reader, clicks, maxSize);
        if (clicks.Count >= maxSize || maxWait <= TimeSpan.Zero)
        {
            return clicks.Count == 0 ? await ReadBatchAsync(maxSize, maxWait, cancellationToken).ConfigureAwait(false) : new ClickBatch(clicks);
        }

        // The batch is open: it closes when the channel holds what it misses, or when its time is up.
        // The source's own timer: unlike a timer that calls Cancel(), it cannot fire into a disposed
        // source once the batch is closed (which would throw on a thread-pool thread and end the process).
        using var timeUp = new CancellationTokenSource(maxWait, _timeProvider);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeUp.Token);
        int missing = 0;
        try
        {
            while (clicks.Count < maxSize && !_completed)
            {
                // At most half the capacity: a batch larger than the channel takes its clicks out
                // whenever it is half full, and the other half leaves room until it has.
                missing = Math.Min(maxSize - clicks.Count, Math.Max(1, _capacity / 2));
                Volatile.Write(ref _fullAt, missing);
                if (reader.Count < missing)
                {
                    // A wake-up left over from an earlier batch only makes this loop look again.
                    await _filled.WaitAsync(deadline.Token).ConfigureAwait(false);
                }

                Fill(reader, clicks, maxSize);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // The batch's time is up: it takes what has arrived.
        }
        finally
        {
            // Disarms only its own wait, not one another worker has set since.
            Interlocked.CompareExchange(ref _fullAt, 0, missing);
        }

        Fill(reader, clicks, maxSize);
        if (clicks.Count == 0)
        {
            // Another worker took what this one was woken for.
            return await ReadBatchAsync(maxSize, maxWait, cancellationToken).ConfigureAwait(false);
        }

        return new ClickBatch(clicks);
    }

    public ValueTask AcknowledgeAsync(ClickBatch batch, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    // Nothing can hold the clicks once the process has them in memory only; the processor counts the loss.
    public ValueTask<bool> AbandonAsync(ClickBatch batch, Exception error, CancellationToken cancellationToken) =>
        ValueTask.FromResult(false);

    public ClickBatch Part(ClickBatch batch, IReadOnlyList<int> positions)
    {
        var clicks = new ClickEvent[positions.Count];
        for (int i = 0; i < clicks.Length; i++)
        {
            clicks[i] = batch.Clicks[positions[i]];
        }

        return new ClickBatch(clicks);
    }

    // In memory, nobody else can take a batch.
    public ValueTask RenewAsync(ClickBatch batch, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    private static void Fill(ChannelReader<ClickEvent> reader, List<ClickEvent> clicks, int maxSize)
    {
        while (clicks.Count < maxSize && reader.TryRead(out ClickEvent? click))
        {
            clicks.Add(click);
        }
    }

    private void OnEvicted(ClickEvent click) => _metrics.Dropped(1, DropReason.BufferFull);
}
