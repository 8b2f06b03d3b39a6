using System;
using System.Buffers;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;
using ClickAnalytics.Diagnostics;
using Microsoft.Extensions.Hosting;
using ClickAnalytics.Processing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Retry;
using StackExchange.Redis;
using ClickAnalytics.Buffering;
using ClickAnalytics.Enrichment;
using ClickAnalytics.Sinks.Redis;
using ClickAnalytics.Sinks.Redis.Diagnostics;
using ClickAnalytics.Sinks.Redis.Enrichment;

namespace ClickAnalytics.Sinks.Redis.Buffering;

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

    // One round trip per batch: the script runs the batch's XADDs (MAXLEN ~) inside Redis. Sending
    // them as separate pipelined commands costs the client several times more per click (see
    // benchmarks/RESULTS.md), and a batch now lands whole or not at all unless Redis fails mid-script.
    // Trimming once per batch (on its last entry) instead of per entry lets the stream pass MaxLength
    // by at most one batch, and saves Redis a trim check per click.
    private const string AddScript = """
        local call, key, args = redis.call, KEYS[1], ARGV
        local last = #args
        for i = 2, last - 1 do
          call('XADD', key, '*', 'c', args[i])
        end
        call('XADD', key, 'MAXLEN', '~', args[1], '*', 'c', args[last])
        return last - 1
        """;

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
    private readonly ResiliencePipeline _sendRetry;

    /// <summary>Clicks in the send being retried (one sender loop, so one send at a time), for the retry's log line.</summary>
    private int _sendingCount;
    private Task _writer = Task.CompletedTask;
    private volatile bool _failing;
    private volatile bool _completed;
    private long _outstanding;
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
        _sendRetry = ClickRetry.Create(ClickRetry.Forever, _options.ProducerRetryBaseDelay, _options.ProducerRetryMaxDelay, timeProvider, OnSendRetryAsync);
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

    /// <summary>Clicks taken by this process and neither confirmed by Redis nor counted as dropped.</summary>
    public long QueuedCount => Interlocked.Read(ref _outstanding);

    /// <summary>Whether the last attempt to reach Redis failed.</summary>
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
        Interlocked.Add(ref _outstanding, -left);
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
            // The next batch is encoded while the previous one is on its way; batches still go out
            // one at a time and in order (SendAsync copies the payloads before it first awaits).
            Task sending = Task.CompletedTask;
            while (await reader.WaitToReadAsync(abort).ConfigureAwait(false))
            {
                int count = 0;
                while (count < payloads.Length && reader.TryRead(out ClickEvent? click))
                {
                    payloads[count++] = ClickEventCodec.Encode(click, _options.Encoding, scratch);
                }

                await sending.ConfigureAwait(false);
                sending = SendAsync(payloads, count, abort);
            }

            await sending.ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (abort.IsCancellationRequested)
        {
        }
    }

    /// <summary>Sends the payloads, retrying (the pipeline's one retry policy) until Redis confirms them or the producer is aborted.</summary>
    private async Task SendAsync(RedisValue[] payloads, int count, CancellationToken abort)
    {
        var args = new RedisValue[count + 1];
        args[0] = _options.MaxLength;
        Array.Copy(payloads, 0, args, 1, count);
        _sendingCount = count;
        try
        {
            // Whatever fails, the loop must live on: a dead writer would turn every later click into a drop.
            // A batch whose reply was lost may have been applied: sending it again duplicates
            // entries, which stores collapse by event id.
            await _sendRetry.ExecuteAsync(static (state, _) => state.Producer.SendOnceAsync(state.Args), (Producer: this, Args: args), abort).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            _metrics.Dropped(count, DropReason.NotDrained);
            Interlocked.Add(ref _outstanding, -count);
            throw;
        }

        _redisMetrics.Sent(count);
        Interlocked.Add(ref _outstanding, -count);
        if (_failing)
        {
            _failing = false;
            RedisLog.ProduceRecovered(_logger, _options.StreamKey);
        }
    }

    private async ValueTask SendOnceAsync(RedisValue[] args)
    {
        IDatabase database = await _connection.GetDatabaseAsync().ConfigureAwait(false);
        await database.ScriptEvaluateAsync(AddScript, [_stream], args).ConfigureAwait(false);
    }

    private ValueTask OnSendRetryAsync(OnRetryArguments<object> retry)
    {
        _failing = true;
        RedisLog.ProduceFailed(_logger, retry.Outcome.Exception!, _sendingCount, _options.StreamKey, retry.RetryDelay, _options.LocalQueueCapacity);
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
    }
}
