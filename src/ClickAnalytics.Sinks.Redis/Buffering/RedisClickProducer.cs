using System;
using System.Buffers;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;
using ClickAnalytics.Diagnostics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace ClickAnalytics.Buffering;

/// <summary>
/// The producer half of the Redis Streams buffer. The redirect path only writes to a small bounded
/// local queue; one background loop takes up to <see cref="RedisStreamsOptions.ProducerBatchSize"/>
/// clicks at a time and sends them as pipelined <c>XADD … MAXLEN ~</c> commands. While Redis is down
/// or slow the loop retries the clicks it holds with backoff, the queue fills, and the oldest clicks
/// are dropped and counted (<c>unavailable</c>), so memory stays bounded and the redirect never waits.
/// </summary>
internal sealed class RedisClickProducer : IClickBufferWriter, IHostedService, IAsyncDisposable
{
    internal static readonly RedisValue PayloadField = "c";

    private readonly RedisConnection _connection;
    private readonly RedisStreamsOptions _options;
    private readonly TimeSpan _shutdownTimeout;
    private readonly ClickAnalyticsMetrics _metrics;
    private readonly RedisStreamsMetrics _redisMetrics;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly Channel<ClickEvent> _queue;
    private readonly RedisKey _stream;
    private readonly CancellationTokenSource _abort = new();
    private Task _writer = Task.CompletedTask;
    private volatile bool _failing;
    private volatile bool _completed;
    private int _inFlight;
    private int _started;

    public RedisClickProducer(
        RedisConnection connection,
        IOptions<RedisStreamsOptions> options,
        IOptions<ClickAnalyticsOptions> pipelineOptions,
        ClickAnalyticsMetrics metrics,
        RedisStreamsMetrics redisMetrics,
        TimeProvider timeProvider,
        ILogger<RedisClickProducer> logger)
    {
        _connection = connection;
        _options = options.Value;
        _shutdownTimeout = pipelineOptions.Value.ShutdownTimeout;
        _metrics = metrics;
        _redisMetrics = redisMetrics;
        _timeProvider = timeProvider;
        _logger = logger;
        _stream = _options.StreamKey;
        _queue = Channel.CreateBounded<ClickEvent>(
            new BoundedChannelOptions(_options.LocalQueueCapacity)
            {
                FullMode = BoundedChannelFullMode.DropOldest,
                SingleReader = true,
                SingleWriter = false,
                AllowSynchronousContinuations = false,
            },
            OnEvicted);
        redisMetrics.Observe(this);
    }

    /// <summary>Clicks taken by this process and not yet confirmed by Redis.</summary>
    public long QueuedCount => _queue.Reader.Count + Volatile.Read(ref _inFlight);

    /// <summary>Whether the last attempt to reach Redis failed.</summary>
    public bool IsFailing => _failing;

    public bool TryWrite(ClickEvent click)
    {
        // DropOldest makes TryWrite succeed while the queue is open; the evicted click is counted in OnEvicted.
        if (_queue.Writer.TryWrite(click))
        {
            _metrics.Captured();
            return true;
        }

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
            await _writer.WaitAsync(_shutdownTimeout, _timeProvider, cancellationToken).ConfigureAwait(false);
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
        if (left > 0)
        {
            _metrics.Dropped(left, DropReason.NotDrained);
            RedisLog.ProducerNotDrained(_logger, left);
        }
    }

    private async Task RunAsync()
    {
        CancellationToken abort = _abort.Token;
        var scratch = new ArrayBufferWriter<byte>(1024);
        var payloads = new RedisValue[_options.ProducerBatchSize];
        ChannelReader<ClickEvent> reader = _queue.Reader;
        try
        {
            while (await reader.WaitToReadAsync(abort).ConfigureAwait(false))
            {
                int count = 0;
                while (count < payloads.Length && reader.TryRead(out ClickEvent? click))
                {
                    payloads[count++] = ClickEventCodec.Encode(click, _options.Encoding, scratch);
                }

                Volatile.Write(ref _inFlight, count);
                await SendAsync(payloads, count, abort).ConfigureAwait(false);
                Volatile.Write(ref _inFlight, 0);
            }
        }
        catch (OperationCanceledException) when (abort.IsCancellationRequested)
        {
        }
    }

    /// <summary>Sends the payloads, retrying those Redis did not confirm until all are sent or the producer is aborted.</summary>
    private async Task SendAsync(RedisValue[] payloads, int count, CancellationToken abort)
    {
        long? maxLength = _options.MaxLength;
        for (int attempt = 1; ; attempt++)
        {
            var sends = new Task<RedisValue>[count];
            Exception? error = null;
            try
            {
                IDatabase database = await _connection.GetDatabaseAsync().ConfigureAwait(false);
                for (int i = 0; i < count; i++)
                {
                    sends[i] = database.StreamAddAsync(_stream, PayloadField, payloads[i], messageId: null, maxLength, useApproximateMaxLength: true);
                }

                await Task.WhenAll(sends).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                error = ex;
            }

            // Keep only what Redis did not confirm. A command whose reply was lost may have been applied:
            // sending it again duplicates the entry, which stores collapse by event id.
            int left = 0;
            for (int i = 0; i < count; i++)
            {
                if (sends[i] is not { IsCompletedSuccessfully: true })
                {
                    payloads[left++] = payloads[i];
                }
            }

            _redisMetrics.Sent(count - left);
            Volatile.Write(ref _inFlight, left);
            count = left;
            if (count == 0)
            {
                if (_failing)
                {
                    _failing = false;
                    RedisLog.ProduceRecovered(_logger, _options.StreamKey);
                }

                return;
            }

            _failing = true;
            TimeSpan delay = RetryDelay(attempt);
            RedisLog.ProduceFailed(_logger, error ?? FirstFault(sends), count, _options.StreamKey, delay, _options.LocalQueueCapacity);
            try
            {
                await Task.Delay(delay, _timeProvider, abort).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                _metrics.Dropped(count, DropReason.NotDrained);
                Volatile.Write(ref _inFlight, 0);
                throw;
            }
        }
    }

    private static Exception FirstFault(Task<RedisValue>[] sends)
    {
        foreach (Task<RedisValue> send in sends)
        {
            if (send is { IsFaulted: true, Exception: { } ex })
            {
                return ex.GetBaseException();
            }
        }

        return new RedisException("Redis did not confirm the entries.");
    }

    private TimeSpan RetryDelay(int attempt)
    {
        double ms = _options.ProducerRetryBaseDelay.TotalMilliseconds * Math.Pow(2, Math.Min(attempt - 1, 20));
        return TimeSpan.FromMilliseconds(Math.Min(ms, _options.ProducerRetryMaxDelay.TotalMilliseconds));
    }

    private void OnEvicted(ClickEvent click) =>
        _metrics.Dropped(1, _failing ? DropReason.Unavailable : DropReason.BufferFull);

    public async ValueTask DisposeAsync()
    {
        await StopAsync(CancellationToken.None).ConfigureAwait(false);
        _abort.Dispose();
    }
}
