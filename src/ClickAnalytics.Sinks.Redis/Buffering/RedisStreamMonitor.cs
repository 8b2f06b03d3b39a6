using System;
using System.Threading;
using System.Threading.Tasks;
using ClickAnalytics.Diagnostics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using ClickAnalytics.Buffering;
using ClickAnalytics.Enrichment;
using ClickAnalytics.Processing;
using ClickAnalytics.Sinks.Redis;
using ClickAnalytics.Sinks.Redis.Diagnostics;
using ClickAnalytics.Sinks.Redis.Enrichment;

namespace ClickAnalytics.Sinks.Redis.Buffering;

/// <summary>What the stream and its consumer group looked like at one moment.</summary>
/// <param name="Stream">The stream key.</param>
/// <param name="Length">Entries in the stream.</param>
/// <param name="Trimmed">Entries trimmed by MAXLEN since the stream was created (added minus present).</param>
/// <param name="Lag">Entries the group has not read yet; null when Redis cannot tell (it was trimmed past unread entries) or the group does not exist.</param>
/// <param name="Pending">Entries read by the group but not acknowledged; null when the group does not exist.</param>
/// <param name="ReadAt">When this was read.</param>
internal sealed record StreamSnapshot(string Stream, long Length, long Trimmed, long? Lag, long? Pending, DateTimeOffset ReadAt);

/// <summary>
/// Reads length, trimmed count, lag and pending count of the stream every
/// <see cref="RedisStreamsOptions.MonitorInterval"/>, so the gauges report them without a Redis call
/// inside a metrics callback.
/// </summary>
internal sealed class RedisStreamMonitor : IHostedService, IAsyncDisposable
{
    private readonly RedisConnection _connection;
    private readonly RedisStreamsOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly RepeatedFailures _failures;
    private readonly CancellationTokenSource _stop = new();
    private Task _loop = Task.CompletedTask;
    private int _stopped;

    public RedisStreamMonitor(RedisConnection connection, IOptions<RedisStreamsOptions> options, RedisStreamsMetrics metrics, TimeProvider timeProvider, ILogger<RedisStreamMonitor> logger)
    {
        _connection = connection;
        _options = options.Value;
        _timeProvider = timeProvider;
        _logger = logger;
        _failures = new RepeatedFailures(timeProvider, TimeSpan.FromMinutes(1));
        metrics.Observe(this);
    }

    /// <summary>The last successful reading, or null before the first.</summary>
    public StreamSnapshot? Last { get; private set; }

    public async Task<StreamSnapshot> RefreshAsync()
    {
        IDatabase database = await _connection.GetDatabaseAsync().ConfigureAwait(false);
        RedisKey stream = _options.StreamKey;
        StreamSnapshot snapshot;
        if (!await database.KeyExistsAsync(stream).ConfigureAwait(false))
        {
            snapshot = new StreamSnapshot(_options.StreamKey, 0, 0, null, null, _timeProvider.GetUtcNow());
        }
        else
        {
            Task<StreamInfo> info = database.StreamInfoAsync(stream);
            Task<StreamGroupInfo[]> groups = database.StreamGroupInfoAsync(stream);
            await Task.WhenAll(info, groups).ConfigureAwait(false);
            long length = info.Result.Length;
            long trimmed = Math.Max(0, info.Result.EntriesAdded - length);
            long? lag = null;
            long? pending = null;
            foreach (StreamGroupInfo group in groups.Result)
            {
                if (group.Name == _options.ConsumerGroup)
                {
                    lag = group.Lag;
                    pending = group.PendingMessageCount;
                }
            }

            snapshot = new StreamSnapshot(_options.StreamKey, length, trimmed, lag, pending, _timeProvider.GetUtcNow());
        }

        Last = snapshot;
        return snapshot;
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _loop = Task.Run(RunAsync, CancellationToken.None);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0)
        {
            return;
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    private async Task RunAsync()
    {
        CancellationToken stop = _stop.Token;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await RefreshAsync().ConfigureAwait(false);
                _failures.Recovered();
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                // The producer and consumer say that Redis is down; the monitor adds one line per outage.
                if (_failures.Failed(out _) == FailureLog.First)
                {
                    RedisLog.MonitorFailed(_logger, ex, _options.StreamKey);
                }

                await Task.Delay(_options.MonitorInterval, _timeProvider, stop).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                continue;
            }

            await Task.Delay(_options.MonitorInterval, _timeProvider, stop).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(CancellationToken.None).ConfigureAwait(false);
        _stop.Dispose();
    }
}
