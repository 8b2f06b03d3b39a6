using System;
using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Threading;

namespace ClickAnalytics;

/// <summary>
/// Creates event ids on the redirect path. The layout is that of a version 7 UUID (48-bit Unix
/// milliseconds first, so ids sort by time), followed by a random per-process prefix and a
/// per-process counter, which makes ids unique without asking the OS for randomness per click.
/// </summary>
internal static class ClickEventId
{
    private static readonly uint ProcessPrefix = (uint)RandomNumberGenerator.GetInt32(int.MinValue, int.MaxValue);
    private static long _counter = RandomNumberGenerator.GetInt32(int.MaxValue);

    /// <summary>A new, unique id for a click captured at <paramref name="timestamp"/>.</summary>
    public static Guid NewId(DateTimeOffset timestamp)
    {
        ulong counter = (ulong)Interlocked.Increment(ref _counter);
        ulong millis = (ulong)timestamp.ToUnixTimeMilliseconds() & 0xFFFF_FFFF_FFFFUL;

        Span<byte> bytes = stackalloc byte[16];
        // 48 bits time, 4 bits version (7), bits 32..43 of the counter.
        BinaryPrimitives.WriteUInt64BigEndian(bytes, (millis << 16) | 0x7000UL | ((counter >> 32) & 0x0FFF));
        // 2 bits variant (10), 30 bits of the process prefix, the low 32 bits of the counter.
        ulong low = (0b10UL << 62) | ((ulong)(ProcessPrefix & 0x3FFF_FFFF) << 32) | (counter & 0xFFFF_FFFFUL);
        BinaryPrimitives.WriteUInt64BigEndian(bytes[8..], low);
        return new Guid(bytes, bigEndian: true);
    }
}
