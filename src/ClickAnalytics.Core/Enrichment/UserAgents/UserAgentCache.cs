using System;
using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.InteropServices;
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
    private const ulong Prime1 = 0x9E3779B185EBCA87UL;
    private const ulong Prime2 = 0xC2B2AE3D27D4EB4FUL;

    private readonly Entry?[] _slots;
    private readonly int _bucketMask;

    // Seeded per instance so nobody can choose strings that all land in one bucket.
    private readonly ulong _seed = (ulong)Random.Shared.NextInt64();

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
        int hash = Hash(key);
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
        int hash = Hash(key);
        int slot = (hash & _bucketMask) << 1;
        Entry? first = Volatile.Read(ref _slots[slot]);
        if (first is not null && !(first.Hash == hash && string.Equals(first.Key, key, StringComparison.Ordinal)))
        {
            Volatile.Write(ref _slots[slot + 1], first);
        }

        Volatile.Write(ref _slots[slot], new Entry(hash, key, value));
    }

    /// <summary>
    /// A seeded multiply-rotate hash over the whole string, four 8-byte lanes at a time. Cheaper
    /// than the framework's string hash, which is what keeps a hit well under 100 ns; equality is
    /// still checked in full, so the hash only has to spread strings, not identify them.
    /// </summary>
    internal int Hash(string key)
    {
        ReadOnlySpan<byte> bytes = MemoryMarshal.AsBytes(key.AsSpan());
        ulong a = _seed, b = _seed ^ Prime1, c = _seed ^ Prime2, d = _seed + (ulong)bytes.Length;
        while (bytes.Length >= 32)
        {
            a = Mix(a, BinaryPrimitives.ReadUInt64LittleEndian(bytes));
            b = Mix(b, BinaryPrimitives.ReadUInt64LittleEndian(bytes[8..]));
            c = Mix(c, BinaryPrimitives.ReadUInt64LittleEndian(bytes[16..]));
            d = Mix(d, BinaryPrimitives.ReadUInt64LittleEndian(bytes[24..]));
            bytes = bytes[32..];
        }

        while (bytes.Length >= 8)
        {
            a = Mix(a, BinaryPrimitives.ReadUInt64LittleEndian(bytes));
            bytes = bytes[8..];
        }

        ulong tail = 0;
        for (int i = 0; i < bytes.Length; i++)
        {
            tail |= (ulong)bytes[i] << (i * 8);
        }

        ulong h = Mix(a ^ BitOperations.RotateLeft(b, 17) ^ BitOperations.RotateLeft(c, 31) ^ BitOperations.RotateLeft(d, 47), tail);
        h ^= h >> 29;
        h *= Prime1;
        h ^= h >> 32;
        return (int)h;
    }

    private static ulong Mix(ulong accumulator, ulong value) => BitOperations.RotateLeft(accumulator + (value * Prime2), 31) * Prime1;

    private sealed record Entry(int Hash, string Key, UserAgentInfo Value);
}
