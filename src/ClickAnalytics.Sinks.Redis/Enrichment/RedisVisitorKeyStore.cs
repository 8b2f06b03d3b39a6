using System;
using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Threading;
using System.Threading.Tasks;
using ClickAnalytics.Buffering;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using ClickAnalytics.Diagnostics;
using ClickAnalytics.Enrichment;
using ClickAnalytics.Processing;
using ClickAnalytics.Sinks.Redis;
using ClickAnalytics.Sinks.Redis.Buffering;
using ClickAnalytics.Sinks.Redis.Diagnostics;

namespace ClickAnalytics.Sinks.Redis.Enrichment;

/// <summary>
/// Daily visitor keys shared through Redis: the first process that needs a day's key creates it
/// (<c>SET NX</c>), every other process reads that one. The key expires 48 hours after its day began.
/// </summary>
internal sealed class RedisVisitorKeyStore : IVisitorKeyStore
{
    private static readonly TimeSpan KeyLifetime = TimeSpan.FromHours(48);
    private static readonly TimeSpan MinimumExpiry = TimeSpan.FromMinutes(1);

    private readonly RedisConnection _connection;
    private readonly string _prefix;
    private readonly TimeProvider _timeProvider;
    private readonly ConcurrentDictionary<DateOnly, ReadOnlyMemory<byte>> _cache = new();

    public RedisVisitorKeyStore(RedisConnection connection, IOptions<RedisSharedStateOptions> options, TimeProvider timeProvider)
    {
        _connection = connection;
        _prefix = options.Value.KeyPrefix + "visitor-key:";
        _timeProvider = timeProvider;
    }

    public async ValueTask<ReadOnlyMemory<byte>> GetDailyKeyAsync(DateOnly day, CancellationToken cancellationToken)
    {
        DateTimeOffset now = _timeProvider.GetUtcNow();
        DateTimeOffset destroyedAt = new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero) + KeyLifetime;
        ForgetDestroyedKeys(now);

        // A day whose key is destroyed gets none, here as in the in-memory store: a late click
        // of that day gets no visitor id rather than one that could never match its day's others.
        if (now >= destroyedAt)
        {
            return ReadOnlyMemory<byte>.Empty;
        }

        if (_cache.TryGetValue(day, out ReadOnlyMemory<byte> cached))
        {
            return cached;
        }

        TimeSpan expiry = destroyedAt - now;
        if (expiry < MinimumExpiry)
        {
            expiry = MinimumExpiry;
        }

        RedisKey key = _prefix + day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        IDatabase database = await _connection.GetDatabaseAsync().ConfigureAwait(false);
        byte[] candidate = RandomNumberGenerator.GetBytes(32);
        await database.StringSetAsync(key, candidate, expiry, When.NotExists).ConfigureAwait(false);
        byte[]? winner = await database.StringGetAsync(key).ConfigureAwait(false);
        ReadOnlyMemory<byte> result = winner ?? candidate;
        _cache[day] = result;
        return result;
    }

    /// <summary>Drops cached keys once their 48 hours are over, so this process does not outlive Redis's copy.</summary>
    private void ForgetDestroyedKeys(DateTimeOffset now)
    {
        foreach (DateOnly known in _cache.Keys)
        {
            if (new DateTimeOffset(known.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero) + KeyLifetime <= now)
            {
                _cache.TryRemove(known, out _);
            }
        }
    }
}
