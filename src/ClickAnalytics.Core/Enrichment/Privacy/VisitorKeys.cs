using System;
using System.Collections.Generic;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace ClickAnalytics.Enrichment.Privacy;

/// <summary>The rule both key stores follow: a day's key serves clicks of that day until 48 hours after the day began.</summary>
internal static class VisitorKeyLifetime
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(48);

    /// <summary>Whether the key of <paramref name="day"/> may exist at <paramref name="now"/>.</summary>
    public static bool IsLive(DateOnly day, DateTimeOffset now)
    {
        var start = new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        // A day's key exists from the start of that day (a little earlier for clocks that run ahead)
        // until 48 hours after it, which leaves a day for late clicks of yesterday.
        return now >= start - TimeSpan.FromHours(1) && now < start + Lifetime;
    }
}

/// <summary>
/// The default key store for one process: a random 256-bit key per UTC day, kept only in memory.
/// Keys whose 48 hours have passed are zeroed and dropped; a day whose key is gone gets an empty key
/// (its clicks get no visitor id) instead of a new one.
/// </summary>
internal sealed class InMemoryVisitorKeyStore(TimeProvider timeProvider) : IVisitorKeyStore
{
    private readonly Dictionary<DateOnly, byte[]> _keys = [];
    private readonly Lock _lock = new();

    public ValueTask<ReadOnlyMemory<byte>> GetDailyKeyAsync(DateOnly day, CancellationToken cancellationToken)
    {
        DateTimeOffset now = timeProvider.GetUtcNow();
        lock (_lock)
        {
            DestroyExpired(now);
            if (!VisitorKeyLifetime.IsLive(day, now))
            {
                return ValueTask.FromResult(ReadOnlyMemory<byte>.Empty);
            }

            if (!_keys.TryGetValue(day, out byte[]? key))
            {
                key = RandomNumberGenerator.GetBytes(32);
                _keys[day] = key;
            }

            // A copy, so destroying the key later cannot change a value a caller still holds.
            return ValueTask.FromResult<ReadOnlyMemory<byte>>(key.AsSpan().ToArray());
        }
    }

    /// <summary>How many keys exist now (for tests).</summary>
    internal int Count
    {
        get
        {
            lock (_lock)
            {
                DestroyExpired(timeProvider.GetUtcNow());
                return _keys.Count;
            }
        }
    }

    private void DestroyExpired(DateTimeOffset now)
    {
        List<DateOnly>? expired = null;
        foreach (KeyValuePair<DateOnly, byte[]> pair in _keys)
        {
            if (!VisitorKeyLifetime.IsLive(pair.Key, now))
            {
                (expired ??= []).Add(pair.Key);
            }
        }

        if (expired is null)
        {
            return;
        }

        foreach (DateOnly day in expired)
        {
            CryptographicOperations.ZeroMemory(_keys[day]);
            _keys.Remove(day);
        }
    }
}

/// <summary>
/// Keys for several processes without Redis: each day's key is HMAC-SHA256 of the day under a
/// secret from configuration, so every process derives the same key. Days past their 48 hours get
/// an empty key like in the other stores, but whoever holds the secret can derive any day's key
/// again; only rotating the secret makes old ids unlinkable for good.
/// </summary>
internal sealed class DerivedVisitorKeyStore(byte[] secret, TimeProvider timeProvider) : IVisitorKeyStore
{
    public ValueTask<ReadOnlyMemory<byte>> GetDailyKeyAsync(DateOnly day, CancellationToken cancellationToken)
    {
        if (!VisitorKeyLifetime.IsLive(day, timeProvider.GetUtcNow()))
        {
            return ValueTask.FromResult(ReadOnlyMemory<byte>.Empty);
        }

        byte[] label = Encoding.ASCII.GetBytes("clickanalytics/visitor-key/" + day.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));
        return ValueTask.FromResult<ReadOnlyMemory<byte>>(HMACSHA256.HashData(secret, label));
    }
}
