using System;
using System.Threading;

namespace ClickAnalytics.Enrichment.UserAgents;

/// <summary>
/// A bounded, lossy, lock-free cache of parse results keyed by the exact string. Two-way set
/// associative: a string may live in one of two slots of its bucket; a new entry takes the first
/// slot and pushes the previous one to the second, so the older of the two is evicted. Entries
/// are immutable and published with a single reference write, so readers never see a torn entry
/// and a hit allocates nothing. Racing writers may overwrite each other; that only costs a parse.
/// </summary>
internal sealed class UserAgentCache
{
    private readonly Entry?[] _slots;
    private readonly int _bucketMask;

    public UserAgentCache(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 2);
        int buckets = (int)Math.Min(1 << 30, System.Numerics.BitOperations.RoundUpToPowerOf2((uint)((capacity + 1) / 2)));
        _slots = new Entry?[buckets * 2];
        _bucketMask = buckets - 1;
    }

    /// <summary>How many entries the cache can hold.</summary>
    public int Capacity => _slots.Length;

    public bool TryGet(string key, out UserAgentInfo value)
    {
        int hash = key.GetHashCode(StringComparison.Ordinal);
        int slot = (hash & _bucketMask) << 1;
        Entry? entry = Volatile.Read(ref _slots[slot]);
        if (entry is not null && entry.Hash == hash && string.Equals(entry.Key, key, StringComparison.Ordinal))
        {
            value = entry.Value;
            return true;
        }

        entry = Volatile.Read(ref _slots[slot + 1]);
        if (entry is not null && entry.Hash == hash && string.Equals(entry.Key, key, StringComparison.Ordinal))
        {
            value = entry.Value;
            return true;
        }

        value = null!;
        return false;
    }

    public void Add(string key, UserAgentInfo value)
    {
        int hash = key.GetHashCode(StringComparison.Ordinal);
        int slot = (hash & _bucketMask) << 1;
        Entry? first = Volatile.Read(ref _slots[slot]);
        if (first is not null && !(first.Hash == hash && string.Equals(first.Key, key, StringComparison.Ordinal)))
        {
            Volatile.Write(ref _slots[slot + 1], first);
        }

        Volatile.Write(ref _slots[slot], new Entry(hash, key, value));
    }

    private sealed record Entry(int Hash, string Key, UserAgentInfo Value);
}
