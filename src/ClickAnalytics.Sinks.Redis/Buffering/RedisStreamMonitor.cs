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
/// <param name="EntriesAdded">Entries ever added to the stream (it starts again from 0 when the stream is created anew).</param>
internal sealed record StreamSnapshot(string Stream, long Length, long Trimmed, long? Lag, long? Pending, DateTimeOffset ReadAt, long EntriesAdded = 0);

/// <summary>
/// Reads length, trimmed count, lag and pending count of the stream every
/// <see cref="RedisStreamsOptions.MonitorInterval"/>, so the gauges report them without a Redis call
/// inside a metrics callback. It also finds clicks lost inside Redis: entries trimmed (MAXLEN)
/// before the group read them, counted as dropped (<c>trimmed</c>) once across every process that
/// watches the stream, and a stream that disappeared or started over empty (a restart without
/// persistence), whose possible loss it reports.
/// </summary>
internal sealed class RedisStreamMonitor : IHostedService, IAsyncDisposable
{
    private readonly RedisConnection _connection;
    private readonly RedisStreamsOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly RepeatedFailures _failures;
    private readonly ClickAnalyticsMetrics _clickMetrics;
    private readonly RedisStreamsMetrics _redisMetrics;

    /// <summary>
    /// Raises the stream's count of unread entries lost to trimming to ARGV[1] if that is more than
    /// it holds, and returns by how much: each loss is counted by the one process that saw it first.
    /// </summary>
    private static readonly LuaScript AdvanceLost = LuaScript.Prepare(
        "local counted = tonumber(redis.call('GET', @key) or '0') " +
        "local lost = tonumber(@lost) " +
        "if lost > counted then redis.call('SET', @key, lost) return lost - counted end return 0");

    /// <summary>Most entries read to count the unread ones when the group is behind; past that the count waits for a cheaper moment.</summary>
    private const int MaxUnreadCounted = 10_000;
    private readonly CancellationTokenSource _stop = new();
    private Task _loop = Task.CompletedTask;
    private int _stopped;

    public RedisStreamMonitor(RedisConnection connection, IOptions<RedisStreamsOptions> options, RedisStreamsMetrics metrics, ClickAnalyticsMetrics clickMetrics, TimeProvider timeProvider, ILogger<RedisStreamMonitor> logger)
    {
        _clickMetrics = clickMetrics;
        _connection = connection;
        _options = options.Value;
        _timeProvider = timeProvider;
        _logger = logger;
        _failures = new RepeatedFailures(timeProvider, TimeSpan.FromMinutes(1));
        _redisMetrics = metrics;
        metrics.Observe(this);
    }

    /// <summary>The last successful reading, or null before the first.</summary>
    public StreamSnapshot? Last { get; private set; }

    public async Task<StreamSnapshot> RefreshAsync()
    {
        IDatabase database = await _connection.GetDatabaseAsync().ConfigureAwait(false);
        RedisKey stream = _options.StreamKey;
        StreamSnapshot snapshot;
        StreamSnapshot? previous = Last;
        if (!await database.KeyExistsAsync(stream).ConfigureAwait(false))
        {
            snapshot = new StreamSnapshot(_options.StreamKey, 0, 0, null, null, _timeProvider.GetUtcNow());
            await ReportLostStreamAsync(database, previous, snapshot).ConfigureAwait(false);
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
            StreamGroupInfo? ours = null;
            foreach (StreamGroupInfo group in groups.Result)
            {
                if (group.Name == _options.ConsumerGroup)
                {
                    lag = group.Lag;
                    pending = group.PendingMessageCount;
                    ours = group;
                }
            }

            snapshot = new StreamSnapshot(_options.StreamKey, length, trimmed, lag, pending, _timeProvider.GetUtcNow(), info.Result.EntriesAdded);
            await ReportLostStreamAsync(database, previous, snapshot).ConfigureAwait(false);
            if (ours is { EntriesRead: { } read, LastDeliveredId: { } lastDelivered })
            {
                await CountTrimmedUnreadAsync(database, info.Result, lastDelivered, read).ConfigureAwait(false);
            }

            if (ours is not null && _options.RemoveIdleConsumersAfter > TimeSpan.Zero)
            {
                await RemoveIdleConsumersAsync(database).ConfigureAwait(false);
            }
        }

        Last = snapshot;
        return snapshot;
    }

    /// <summary>
    /// Entries lost unread: added to the stream, never delivered to the group, and no longer there.
    /// Redis counts what the group read (<c>entries-read</c>) but not what was trimmed before it was
    /// read, so the loss is what was added less what was read and what is still waiting.
    /// </summary>
    private async Task CountTrimmedUnreadAsync(IDatabase database, StreamInfo info, string lastDelivered, long read)
    {
        long waiting;
        if (info.Length == 0)
        {
            waiting = 0;
        }
        else if (CompareIds(info.FirstEntry.Id.ToString(), lastDelivered) > 0)
        {
            // Everything in the stream is newer than what the group read last.
            waiting = info.Length;
        }
        else
        {
            StreamEntry[] unread = await database.StreamRangeAsync(_options.StreamKey, "(" + lastDelivered, "+", MaxUnreadCounted + 1).ConfigureAwait(false);
            if (unread.Length > MaxUnreadCounted)
            {
                return;
            }

            waiting = unread.Length;
        }

        long lost = info.EntriesAdded - read - waiting;
        if (lost <= 0)
        {
            return;
        }

        RedisResult advanced = await AdvanceLost.EvaluateAsync(database, new { key = (RedisKey)(_options.StreamKey + ":lost"), lost }).ConfigureAwait(false);
        long newlyLost = (long)advanced;
        if (newlyLost > 0)
        {
            _clickMetrics.Dropped(newlyLost, RedisStreamsMetrics.TrimmedReason);
            RedisLog.TrimmedUnread(_logger, newlyLost, _options.StreamKey, _options.MaxLength);
        }
    }

    /// <summary>Removes the group's consumers that hold nothing and have not read for <see cref="RedisStreamsOptions.RemoveIdleConsumersAfter"/>.</summary>
    private async Task RemoveIdleConsumersAsync(IDatabase database)
    {
        StreamConsumerInfo[] consumers = await database.StreamConsumerInfoAsync(_options.StreamKey, _options.ConsumerGroup).ConfigureAwait(false);
        long idleLimit = (long)_options.RemoveIdleConsumersAfter.TotalMilliseconds;
        foreach (StreamConsumerInfo consumer in consumers)
        {
            if (consumer.PendingMessageCount == 0 && consumer.IdleTimeInMilliseconds >= idleLimit)
            {
                await database.StreamDeleteConsumerAsync(_options.StreamKey, _options.ConsumerGroup, consumer.Name).ConfigureAwait(false);
                RedisLog.ConsumerRemoved(_logger, consumer.Name, _options.ConsumerGroup, _options.StreamKey, TimeSpan.FromMilliseconds(consumer.IdleTimeInMilliseconds));
            }
        }
    }

    /// <summary>
    /// A stream that is gone, or holds fewer entries ever added than before, was lost with whatever
    /// the group had not stored (a restart of Redis without persistence, or a deleted key): reported
    /// once, by the first process that sees it, with the unstored count of the last reading as the
    /// possible loss.
    /// </summary>
    private async Task ReportLostStreamAsync(IDatabase database, StreamSnapshot? previous, StreamSnapshot now)
    {
        if (previous is null || previous.EntriesAdded == 0 || now.EntriesAdded >= previous.EntriesAdded)
        {
            return;
        }

        long possible = (previous.Lag ?? previous.Length) + (previous.Pending ?? 0);
        string marker = _options.StreamKey + ":reset:" + previous.EntriesAdded.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (!await database.StringSetAsync(marker, now.ReadAt.ToString("O", System.Globalization.CultureInfo.InvariantCulture), TimeSpan.FromDays(1), When.NotExists).ConfigureAwait(false))
        {
            return;
        }

        _redisMetrics.StreamLost(possible);
        RedisLog.StreamLost(_logger, _options.StreamKey, previous.EntriesAdded, now.EntriesAdded, possible, previous.ReadAt);
    }

    /// <summary>Orders two stream ids (<c>milliseconds-sequence</c>).</summary>
    internal static int CompareIds(string left, string right)
    {
        (ulong Ms, ulong Seq) Parse(string id)
        {
            int dash = id.IndexOf('-', StringComparison.Ordinal);
            return dash < 0
                ? (ulong.Parse(id, System.Globalization.CultureInfo.InvariantCulture), 0)
                : (ulong.Parse(id.AsSpan(0, dash), System.Globalization.CultureInfo.InvariantCulture), ulong.Parse(id.AsSpan(dash + 1), System.Globalization.CultureInfo.InvariantCulture));
        }

        return Parse(left).CompareTo(Parse(right));
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
