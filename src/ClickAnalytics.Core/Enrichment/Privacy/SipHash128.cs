using System;
using System.Buffers.Binary;
using System.Numerics;

namespace ClickAnalytics.Enrichment.Privacy;

/// <summary>
/// SipHash-2-4 with its 128-bit output (Aumasson and Bernstein): a keyed pseudorandom function made
/// for short messages. Without the 128-bit key its output cannot be told from random or computed,
/// which is what a visitor id needs, at a fraction of an HMAC's cost: a visitor id's message is a
/// few dozen to a few hundred bytes, where an HMAC-SHA256 through the platform's crypto library
/// costs about a microsecond in call overhead and four compression rounds.
/// </summary>
internal readonly struct SipHash128
{
    private readonly ulong _k0;
    private readonly ulong _k1;

    /// <summary>Keyed with the first 16 bytes of <paramref name="key"/> (little-endian halves, as in the reference).</summary>
    public SipHash128(ReadOnlySpan<byte> key)
    {
        if (key.Length < 16)
        {
            throw new ArgumentException("A SipHash key has 16 bytes.", nameof(key));
        }

        _k0 = BinaryPrimitives.ReadUInt64LittleEndian(key);
        _k1 = BinaryPrimitives.ReadUInt64LittleEndian(key[8..]);
    }

    /// <summary>Writes the 16-byte hash of <paramref name="message"/> to <paramref name="destination"/>.</summary>
    public void Hash(ReadOnlySpan<byte> message, Span<byte> destination)
    {
        ulong v0 = _k0 ^ 0x736f6d6570736575UL;
        ulong v1 = _k1 ^ 0x646f72616e646f6dUL ^ 0xee;
        ulong v2 = _k0 ^ 0x6c7967656e657261UL;
        ulong v3 = _k1 ^ 0x7465646279746573UL;

        int whole = message.Length & ~7;
        for (int i = 0; i < whole; i += 8)
        {
            ulong m = BinaryPrimitives.ReadUInt64LittleEndian(message[i..]);
            v3 ^= m;
            Round(ref v0, ref v1, ref v2, ref v3);
            Round(ref v0, ref v1, ref v2, ref v3);
            v0 ^= m;
        }

        // The last word: the bytes left over, and the message length's low byte on top.
        ulong last = (ulong)message.Length << 56;
        ReadOnlySpan<byte> tail = message[whole..];
        for (int i = 0; i < tail.Length; i++)
        {
            last |= (ulong)tail[i] << (8 * i);
        }

        v3 ^= last;
        Round(ref v0, ref v1, ref v2, ref v3);
        Round(ref v0, ref v1, ref v2, ref v3);
        v0 ^= last;

        v2 ^= 0xee;
        for (int i = 0; i < 4; i++)
        {
            Round(ref v0, ref v1, ref v2, ref v3);
        }

        BinaryPrimitives.WriteUInt64LittleEndian(destination, v0 ^ v1 ^ v2 ^ v3);
        v1 ^= 0xdd;
        for (int i = 0; i < 4; i++)
        {
            Round(ref v0, ref v1, ref v2, ref v3);
        }

        BinaryPrimitives.WriteUInt64LittleEndian(destination[8..], v0 ^ v1 ^ v2 ^ v3);
    }

    private static void Round(ref ulong v0, ref ulong v1, ref ulong v2, ref ulong v3)
    {
        v0 += v1;
        v1 = BitOperations.RotateLeft(v1, 13);
        v1 ^= v0;
        v0 = BitOperations.RotateLeft(v0, 32);
        v2 += v3;
        v3 = BitOperations.RotateLeft(v3, 16);
        v3 ^= v2;
        v0 += v3;
        v3 = BitOperations.RotateLeft(v3, 21);
        v3 ^= v0;
        v2 += v1;
        v1 = BitOperations.RotateLeft(v1, 17);
        v1 ^= v2;
        v2 = BitOperations.RotateLeft(v2, 32);
    }
}
