using System;
using System.Linq;
using ClickAnalytics.Enrichment.Privacy;

namespace ClickAnalytics.Core.Tests.Enrichment.Privacy;

public sealed class SipHash128Tests
{
    private static readonly byte[] ReferenceKey = Enumerable.Range(0, 16).Select(i => (byte)i).ToArray();

    // The published SipHash-2-4 128-bit test vectors: key 00..0f, message 00..(length - 1).
    [TestCase(0, "a3817f04ba25a8e66df67214c7550293")]
    [TestCase(1, "da87c1d86b99af44347659119b22fc45")]
    [TestCase(2, "8177228da4a45dc7fca38bdef60affe4")]
    [TestCase(3, "9c70b60c5267a94e5f33b6b02985ed51")]
    [TestCase(15, "5493e99933b0a8117e08ec0f97cfc3d9")]
    public void Matches_the_reference_vectors(int length, string expected)
    {
        byte[] message = Enumerable.Range(0, length).Select(i => (byte)i).ToArray();

        Assert.That(Hex(new SipHash128(ReferenceKey), message), Is.EqualTo(expected));
    }

    // Computed with an independent implementation:
    // openssl mac -macopt hexkey:f0e1d2c3b4a5968778695a4b3c2d1e0f -macopt size:16 -in FILE SIPHASH
    // where FILE holds the bytes (7 i + 3) mod 256 for i below the length: the tail, a whole word,
    // several words, and a visitor-id-sized message with a tail.
    [TestCase(7, "503d9d6425d2efd91c7f774192f233d1")]
    [TestCase(8, "f3106e54fc023881b9f1d4e523f47b98")]
    [TestCase(64, "87dcff3d12a0d84c95b32a314539c5a0")]
    [TestCase(130, "6628eba689434357a74f1ca0c8d08937")]
    public void Matches_an_independent_implementation(int length, string expected)
    {
        byte[] key = Convert.FromHexString("f0e1d2c3b4a5968778695a4b3c2d1e0f");
        byte[] message = Enumerable.Range(0, length).Select(i => (byte)((i * 7) + 3)).ToArray();

        Assert.That(Hex(new SipHash128(key), message), Is.EqualTo(expected));
    }

    [Test]
    public void Only_the_first_sixteen_key_bytes_count_and_fewer_are_refused()
    {
        byte[] longKey = [.. ReferenceKey, .. new byte[16] { 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9 }];

        Assert.Multiple(() =>
        {
            Assert.That(Hex(new SipHash128(longKey), [1, 2, 3]), Is.EqualTo(Hex(new SipHash128(ReferenceKey), [1, 2, 3])));
            Assert.That(() => new SipHash128(ReferenceKey.AsSpan(0, 15)), Throws.ArgumentException);
        });
    }

    private static string Hex(SipHash128 hash, byte[] message)
    {
        byte[] output = new byte[16];
        hash.Hash(message, output);
        return Convert.ToHexStringLower(output);
    }
}
