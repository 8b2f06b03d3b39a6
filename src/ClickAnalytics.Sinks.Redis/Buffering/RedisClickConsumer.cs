using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Security.Cryptography;
using System.Threading;
using System.Threading.Tasks;
using ClickAnalytics.Diagnostics;
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
/// The consumer half of the Redis Streams buffer: one consumer (unique per process) in a consumer
/// group. Batches come from <c>XREADGROUP</c>; they are acknowledged (<c>XACK</c>) only after every sink
/// stored them. Entries another consumer left pending longer than
/// <see cref="RedisStreamsOptions.ClaimIdleTime"/> are claimed (<c>XAUTOCLAIM</c>); an entry that cannot
/// be decoded, or was delivered <see cref="RedisStreamsOptions.MaxDeliveries"/> times without being
/// stored, goes to the dead-letter stream with its error so the group moves on.
/// </summary>
internal sealed class RedisClickConsumer : IClickBufferReader, IClickBatchParts
{
    /// <summary>From this delivery on an entry is handed out alone, so a poison click fails by itself.</summary>
    internal const int IsolateFromDelivery = 3;

    private readonly RedisConnection _connection;
    private readonly RedisStreamsOptions _options;
    private readonly ClickAnalyticsMetrics _metrics;
    private readonly RedisStreamsMetrics _redisMetrics;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly RedisKey _stream;
    private readonly RedisKey _deadLetterStream;
    private readonly RedisValue _group;
    private readonly TimeSpan _claimInterval;
    private readonly ResiliencePipeline _readRetry;
    private readonly RepeatedFailures _readFailures;

    /// <summary>Longest wait between two reads while Redis fails.</summary>
    private static readonly TimeSpan ReadRetryMaxDelay = TimeSpan.FromSeconds(5);
    private readonly ConcurrentQueue<PendingEntry> _isolated = new();
    private volatile bool _completed;
    private volatile bool _groupReady;
    private long _nextClaimAt;
    private int _claiming;
    private RedisValue _claimCursor = "0-0";

    public RedisClickConsumer(
        RedisConnection connection,
        IOptions<RedisStreamsOptions> options,
        ClickAnalyticsMetrics metrics,
        RedisStreamsMetrics redisMetrics,
        TimeProvider timeProvider,
        ILogger<RedisClickConsumer> logger)
    {
        _connection = connection;
        _options = options.Value;
        _metrics = metrics;
        _redisMetrics = redisMetrics;
        _timeProvider = timeProvider;
        _logger = logger;
        _stream = _options.StreamKey;
        _deadLetterStream = _options.DeadLetterStreamKey;
        _group = _options.ConsumerGroup;
        ConsumerName = string.IsNullOrEmpty(_options.ConsumerName) ? UniqueConsumerName() : _options.ConsumerName;
        TimeSpan half = _options.ClaimIdleTime / 2;
        _claimInterval = half > _options.PollInterval ? half : _options.PollInterval;
        _readFailures = new RepeatedFailures(timeProvider, TimeSpan.FromMinutes(1));
        _readRetry = ClickRetry.Create(ClickRetry.Forever, _options.PollInterval, ReadRetryMaxDelay, timeProvider, OnReadRetryAsync);
    }

    /// <summary>This process's name in the consumer group.</summary>
    public string ConsumerName { get; }

    /// <summary>
    /// Always 0: whatever this consumer has read or claimed stays pending in Redis until it is
    /// acknowledged, so nothing here is lost when the process stops (and shutdown must not count it so).
    /// </summary>
    public long Count => 0;

    public void Complete() => _completed = true;

    public async ValueTask<ClickBatch?> ReadBatchAsync(int maxSize, TimeSpan maxWait, CancellationToken cancellationToken)
    {
        while (!_completed)
        {
            // Redis unreachable or timing out: the pipeline's one retry policy waits and tries again.
            ClickBatch? batch = await _readRetry.ExecuteAsync(
                static (state, token) => state.Consumer.ReadOnceAsync(state.MaxSize, state.MaxWait, token),
                (Consumer: this, MaxSize: maxSize, MaxWait: maxWait),
                cancellationToken).ConfigureAwait(false);
            (long failures, TimeSpan outage) = _readFailures.Recovered();
            if (failures > 0)
            {
                RedisLog.ReadRecovered(_logger, _options.StreamKey, failures, outage);
            }

            if (batch is not null)
            {
                return batch;
            }

            if (!_completed)
            {
                await Task.Delay(_options.PollInterval, _timeProvider, cancellationToken).ConfigureAwait(false);
            }
        }

        return null;
    }

    /// <summary>One look for work: an isolated entry, a claim of another consumer's idle entries, or new entries.</summary>
    private async ValueTask<ClickBatch?> ReadOnceAsync(int maxSize, TimeSpan maxWait, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (_completed)
        {
            return null;
        }

        try
        {
            IDatabase database = await _connection.GetDatabaseAsync().ConfigureAwait(false);
            await EnsureGroupAsync(database).ConfigureAwait(false);
            ClickBatch? batch = NextIsolated() ?? await TryClaimAsync(database, maxSize).ConfigureAwait(false);
            return batch ?? await ReadNewAsync(database, maxSize, maxWait, cancellationToken).ConfigureAwait(false);
        }
        catch (RedisServerException ex) when (ex.Message.StartsWith("NOGROUP", StringComparison.Ordinal))
        {
            // The stream or the group is gone (a Redis restart without persistence): create them again.
            _groupReady = false;
            throw;
        }
    }

    private ValueTask OnReadRetryAsync(OnRetryArguments<object> retry)
    {
        ReadFailed(retry.Outcome.Exception!, retry.RetryDelay);
        return ValueTask.CompletedTask;
    }

    /// <summary>The first failure of an outage with its stack, then one summary line a minute.</summary>
    private void ReadFailed(Exception error, TimeSpan delay)
    {
        switch (_readFailures.Failed(out long failures))
        {
            case FailureLog.First:
                RedisLog.ReadFailed(_logger, error, _options.StreamKey, delay);
                break;
            case FailureLog.Summary:
                RedisLog.ReadStillFailing(_logger, _options.StreamKey, failures, error.GetType().Name, error.Message);
                break;
        }
    }

    public async ValueTask AcknowledgeAsync(ClickBatch batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var state = (RedisBatchState)batch.State!;
        IDatabase database = await _connection.GetDatabaseAsync().ConfigureAwait(false);
        await database.StreamAcknowledgeAsync(_stream, _group, state.Ids).ConfigureAwait(false);
    }

    /// <summary>
    /// Stopped before the batch was stored (a cancellation): the entries stay pending, and another
    /// consumer claims them. Otherwise the processor found that a working store rejects these
    /// clicks: they go to the dead-letter stream with the error, so the group moves on.
    /// </summary>
    public async ValueTask<bool> AbandonAsync(ClickBatch batch, Exception error, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(error);
        if (error is OperationCanceledException)
        {
            return true;
        }

        var state = (RedisBatchState)batch.State!;
        var entries = new List<PendingEntry>(state.Ids.Length);
        for (int i = 0; i < state.Ids.Length; i++)
        {
            entries.Add(new PendingEntry(state.Ids[i], state.Payloads[i], state.Deliveries[i]));
        }

        try
        {
            IDatabase database = await _connection.GetDatabaseAsync().ConfigureAwait(false);
            await DeadLetterAsync(database, entries, error.GetType().Name + ": " + error.Message, "store_rejected").ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            // Still pending: claimed again later, and dead-lettered past MaxDeliveries.
            ReadFailed(ex, _options.ClaimIdleTime);
        }

        return true;
    }

    public ClickBatch Part(ClickBatch batch, IReadOnlyList<int> positions)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var state = (RedisBatchState)batch.State!;
        var clicks = new ClickEvent[positions.Count];
        var ids = new RedisValue[positions.Count];
        var payloads = new RedisValue[positions.Count];
        var deliveries = new int[positions.Count];
        for (int i = 0; i < positions.Count; i++)
        {
            int at = positions[i];
            clicks[i] = batch.Clicks[at];
            ids[i] = state.Ids[at];
            payloads[i] = state.Payloads[at];
            deliveries[i] = state.Deliveries[at];
        }

        return new ClickBatch(clicks, new RedisBatchState(ids, payloads, deliveries));
    }

    /// <summary>
    /// Claims the held entries again for this consumer without counting a delivery (<c>XCLAIM … JUSTID</c>),
    /// which resets their idle time: while the store is down, no other consumer takes them over and
    /// no delivery is used up.
    /// </summary>
    public async ValueTask RenewAsync(ClickBatch batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var state = (RedisBatchState)batch.State!;
        IDatabase database = await _connection.GetDatabaseAsync().ConfigureAwait(false);
        await database.StreamClaimIdsOnlyAsync(_stream, _group, ConsumerName, 0, state.Ids).ConfigureAwait(false);
    }

    private async Task EnsureGroupAsync(IDatabase database)
    {
        if (_groupReady)
        {
            return;
        }

        try
        {
            // From the stream's start, so clicks produced before the first worker ever ran are processed.
            await database.StreamCreateConsumerGroupAsync(_stream, _group, StreamPosition.Beginning, createStream: true).ConfigureAwait(false);
            RedisLog.GroupCreated(_logger, _options.ConsumerGroup, _options.StreamKey);
        }
        catch (RedisServerException ex) when (ex.Message.StartsWith("BUSYGROUP", StringComparison.Ordinal))
        {
        }

        _groupReady = true;
    }

    private async Task<ClickBatch?> ReadNewAsync(IDatabase database, int maxSize, TimeSpan maxWait, CancellationToken cancellationToken)
    {
        StreamEntry[] entries = await database.StreamReadGroupAsync(_stream, _group, ConsumerName, StreamPosition.NewMessages, maxSize).ConfigureAwait(false);
        if (entries.Length == 0)
        {
            return null;
        }

        var pending = new List<PendingEntry>(entries.Length);
        AddNew(pending, entries);
        if (pending.Count < maxSize && maxWait > TimeSpan.Zero)
        {
            // The batch is open: poll for more until it is full or its time is up. What was read is
            // already pending to this consumer, so it is never lost if this wait is cut short.
            long opened = _timeProvider.GetTimestamp();
            while (pending.Count < maxSize && !_completed && !cancellationToken.IsCancellationRequested)
            {
                TimeSpan left = maxWait - _timeProvider.GetElapsedTime(opened);
                if (left <= TimeSpan.Zero)
                {
                    break;
                }

                await Task.Delay(left < _options.PollInterval ? left : _options.PollInterval, _timeProvider, CancellationToken.None).ConfigureAwait(false);
                entries = await database.StreamReadGroupAsync(_stream, _group, ConsumerName, StreamPosition.NewMessages, maxSize - pending.Count).ConfigureAwait(false);
                AddNew(pending, entries);
            }
        }

        return await ToBatchAsync(database, pending).ConfigureAwait(false);
    }

    private static void AddNew(List<PendingEntry> pending, StreamEntry[] entries)
    {
        foreach (StreamEntry entry in entries)
        {
            pending.Add(new PendingEntry(entry.Id, entry[RedisClickProducer.PayloadField], 1));
        }
    }

    private ClickBatch? NextIsolated()
    {
        while (_isolated.TryDequeue(out PendingEntry entry))
        {
            if (TryDecode(entry, out ClickEvent? click, out _))
            {
                return new ClickBatch([click!], new RedisBatchState([entry.Id], [entry.Payload], [entry.Deliveries]));
            }
        }

        return null;
    }

    private async Task<ClickBatch?> TryClaimAsync(IDatabase database, int maxSize)
    {
        long now = _timeProvider.GetTimestamp();
        if (now < Volatile.Read(ref _nextClaimAt) || Interlocked.Exchange(ref _claiming, 1) != 0)
        {
            return null;
        }

        try
        {
            Volatile.Write(ref _nextClaimAt, now + (long)(_claimInterval.TotalSeconds * _timeProvider.TimestampFrequency));
            StreamAutoClaimResult result = await database.StreamAutoClaimAsync(
                _stream, _group, ConsumerName, (long)_options.ClaimIdleTime.TotalMilliseconds, _claimCursor, maxSize).ConfigureAwait(false);

            // A cursor other than 0-0 means more pending entries follow: look again on the next read.
            _claimCursor = result.NextStartId.IsNull ? (RedisValue)"0-0" : result.NextStartId;
            if (_claimCursor != "0-0")
            {
                Volatile.Write(ref _nextClaimAt, now);
            }

            if (result.DeletedIds is { Length: > 0 } deleted)
            {
                // Trimmed by MAXLEN while pending: the clicks are gone from Redis.
                _metrics.Dropped(deleted.Length, RedisStreamsMetrics.TrimmedReason);
                RedisLog.TrimmedWhilePending(_logger, deleted.Length, _options.StreamKey);
            }

            StreamEntry[] claimed = result.ClaimedEntries ?? [];
            if (claimed.Length == 0)
            {
                return null;
            }

            _redisMetrics.Claimed(claimed.Length);
            RedisLog.Claimed(_logger, ConsumerName, claimed.Length, _options.StreamKey);
            Dictionary<string, int> deliveries = await DeliveryCountsAsync(database, claimed).ConfigureAwait(false);

            var batch = new List<PendingEntry>(claimed.Length);
            List<PendingEntry>? exhausted = null;
            foreach (StreamEntry entry in claimed)
            {
                int count = deliveries.TryGetValue(entry.Id.ToString(), out int d) ? d : 2;
                var pending = new PendingEntry(entry.Id, entry[RedisClickProducer.PayloadField], count);
                if (count > _options.MaxDeliveries)
                {
                    // Its consumers died (or timed out) on every delivery without reporting an error.
                    (exhausted ??= []).Add(pending);
                }
                else if (count >= IsolateFromDelivery)
                {
                    _isolated.Enqueue(pending);
                }
                else
                {
                    batch.Add(pending);
                }
            }

            if (exhausted is not null)
            {
                await DeadLetterAsync(database, exhausted, "Delivered more than MaxDeliveries times without being stored or abandoned.", "delivery_limit").ConfigureAwait(false);
            }

            return await ToBatchAsync(database, batch).ConfigureAwait(false) ?? NextIsolated();
        }
        finally
        {
            Volatile.Write(ref _claiming, 0);
        }
    }

    private async Task<Dictionary<string, int>> DeliveryCountsAsync(IDatabase database, StreamEntry[] claimed)
    {
        StreamPendingMessageInfo[] infos = await database.StreamPendingMessagesAsync(
            _stream, _group, claimed.Length, ConsumerName, claimed[0].Id, claimed[^1].Id).ConfigureAwait(false);
        var counts = new Dictionary<string, int>(infos.Length, StringComparer.Ordinal);
        foreach (StreamPendingMessageInfo info in infos)
        {
            counts[info.MessageId.ToString()] = info.DeliveryCount;
        }

        return counts;
    }

    /// <summary>Decodes the entries; those that cannot be decoded go to the dead-letter stream at once (no retry can fix them).</summary>
    private async Task<ClickBatch?> ToBatchAsync(IDatabase database, List<PendingEntry> entries)
    {
        if (entries.Count == 0)
        {
            return null;
        }

        var clicks = new List<ClickEvent>(entries.Count);
        var ids = new RedisValue[entries.Count];
        var payloads = new RedisValue[entries.Count];
        var deliveries = new int[entries.Count];
        List<PendingEntry>? poison = null;
        string? firstError = null;
        foreach (PendingEntry entry in entries)
        {
            if (TryDecode(entry, out ClickEvent? click, out string? error))
            {
                ids[clicks.Count] = entry.Id;
                payloads[clicks.Count] = entry.Payload;
                deliveries[clicks.Count] = entry.Deliveries;
                clicks.Add(click!);
            }
            else
            {
                (poison ??= []).Add(entry);
                firstError ??= error;
            }
        }

        if (poison is not null)
        {
            await DeadLetterAsync(database, poison, firstError!, "undecodable").ConfigureAwait(false);
        }

        if (clicks.Count == 0)
        {
            return null;
        }

        if (clicks.Count < entries.Count)
        {
            Array.Resize(ref ids, clicks.Count);
            Array.Resize(ref payloads, clicks.Count);
            Array.Resize(ref deliveries, clicks.Count);
        }

        return new ClickBatch(clicks, new RedisBatchState(ids, payloads, deliveries));
    }

    private static bool TryDecode(PendingEntry entry, out ClickEvent? click, out string? error)
    {
        if (entry.Payload.IsNull)
        {
            click = null;
            error = $"The entry has no '{RedisClickProducer.PayloadField}' field.";
            return false;
        }

        return ClickEventCodec.TryDecode(((ReadOnlyMemory<byte>)entry.Payload).Span, out click, out error);
    }

    private async Task DeadLetterAsync(IDatabase database, List<PendingEntry> entries, string error, string cause)
    {
        var writes = new Task[entries.Count];
        var ids = new RedisValue[entries.Count];
        string at = _timeProvider.GetUtcNow().ToString("O", System.Globalization.CultureInfo.InvariantCulture);
        for (int i = 0; i < entries.Count; i++)
        {
            PendingEntry entry = entries[i];
            ids[i] = entry.Id;
            writes[i] = database.StreamAddAsync(
                _deadLetterStream,
                [
                    new NameValueEntry(RedisClickProducer.PayloadField, entry.Payload.IsNull ? RedisValue.EmptyString : entry.Payload),
                    new NameValueEntry("entry", entry.Id),
                    new NameValueEntry("stream", _options.StreamKey),
                    new NameValueEntry("group", _options.ConsumerGroup),
                    new NameValueEntry("consumer", ConsumerName),
                    new NameValueEntry("deliveries", entry.Deliveries),
                    new NameValueEntry("cause", cause),
                    new NameValueEntry("error", error),
                    new NameValueEntry("at", at),
                ],
                messageId: null,
                maxLength: _options.MaxLength,
                useApproximateMaxLength: true);
            RedisLog.DeadLettered(_logger, entry.Id.ToString(), _options.StreamKey, _options.DeadLetterStreamKey, entry.Deliveries, error);
        }

        // Acknowledged only once the dead-letter copy is written, so a failure here leaves them pending.
        await Task.WhenAll(writes).ConfigureAwait(false);
        await database.StreamAcknowledgeAsync(_stream, _group, ids).ConfigureAwait(false);
        _redisMetrics.DeadLettered(entries.Count, cause);
    }

    private static string UniqueConsumerName()
    {
        Span<byte> random = stackalloc byte[4];
        RandomNumberGenerator.Fill(random);
        return $"{Environment.MachineName}-{Environment.ProcessId}-{Convert.ToHexStringLower(random)}";
    }

    private readonly record struct PendingEntry(RedisValue Id, RedisValue Payload, int Deliveries);
}

/// <summary>What a Redis batch needs to be acknowledged or dead-lettered later.</summary>
internal sealed record RedisBatchState(RedisValue[] Ids, RedisValue[] Payloads, int[] Deliveries);
