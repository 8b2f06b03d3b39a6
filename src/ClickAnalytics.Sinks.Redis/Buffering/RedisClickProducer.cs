using System;
using System.Threading.Tasks;
using ClickAnalytics.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using ClickAnalytics.Buffering;
using ClickAnalytics.Enrichment;
using ClickAnalytics.Sinks.Redis;
using ClickAnalytics.Sinks.Redis.Diagnostics;
using ClickAnalytics.Sinks.Redis.Enrichment;

namespace ClickAnalytics.Sinks.Redis.Buffering;

/// <summary>
/// The producer half of the Redis Streams buffer: what is Redis-specific about sending a batch (one
/// round trip of <c>XADD … MAXLEN ~</c> commands) on top of the generic local queue, sender loop,
/// retry and drain of <see cref="ExternalBufferProducer"/>.
/// </summary>
internal sealed class RedisClickProducer : ExternalBufferProducer
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
    private readonly RedisStreamsMetrics _redisMetrics;
    private readonly ILogger _logger;
    private readonly RedisKey[] _stream;
    private readonly RepeatedFailures _failures;

    public RedisClickProducer(
        RedisConnection connection,
        IOptions<RedisStreamsOptions> options,
        IOptions<ClickAnalyticsOptions> pipelineOptions,
        ClickAnalyticsMetrics metrics,
        RedisStreamsMetrics redisMetrics,
        TimeProvider timeProvider,
        ILogger<RedisClickProducer> logger)
        : base(Settings(options.Value, pipelineOptions.Value), metrics, timeProvider)
    {
        _connection = connection;
        _options = options.Value;
        _redisMetrics = redisMetrics;
        _logger = logger;
        _stream = [_options.StreamKey];
        _failures = new RepeatedFailures(timeProvider, TimeSpan.FromMinutes(1));
        redisMetrics.Observe(this);
    }

    private static ExternalProducerSettings Settings(RedisStreamsOptions options, ClickAnalyticsOptions pipeline) => new(
        options.LocalQueueCapacity,
        options.ProducerBatchSize,
        options.Encoding,
        options.ProducerRetryBaseDelay,
        options.ProducerRetryMaxDelay,
        pipeline.ShutdownTimeout);

    protected override async ValueTask SendOnceAsync(ReadOnlyMemory<byte[]> batch)
    {
        var args = new RedisValue[batch.Length + 1];
        args[0] = _options.MaxLength;
        ReadOnlySpan<byte[]> payloads = batch.Span;
        for (int i = 0; i < payloads.Length; i++)
        {
            args[i + 1] = payloads[i];
        }

        IDatabase database = await _connection.GetDatabaseAsync().ConfigureAwait(false);
        await database.ScriptEvaluateAsync(AddScript, _stream, args).ConfigureAwait(false);
    }

    protected override void OnSent(int count) => _redisMetrics.Sent(count);

    /// <summary>The first failure of an outage with its stack, then one summary line a minute.</summary>
    protected override void OnSendFailed(Exception error, int count, TimeSpan delay)
    {
        switch (_failures.Failed(out long failures))
        {
            case FailureLog.First:
                RedisLog.ProduceFailed(_logger, error, count, _options.StreamKey, delay, _options.LocalQueueCapacity);
                break;
            case FailureLog.Summary:
                RedisLog.ProduceStillFailing(_logger, _options.StreamKey, failures, error.GetType().Name, error.Message);
                break;
        }
    }

    protected override void OnRecovered()
    {
        _failures.Recovered();
        RedisLog.ProduceRecovered(_logger, _options.StreamKey);
    }

    protected override void OnNotDrained(long count) => RedisLog.ProducerNotDrained(_logger, count);
}
