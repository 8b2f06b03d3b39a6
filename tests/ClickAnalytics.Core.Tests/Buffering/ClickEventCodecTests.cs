using System;
using System.Buffers;
using System.Collections.Generic;
using System.Text;
using ClickAnalytics.Buffering;

namespace ClickAnalytics.Core.Tests.Buffering;

public sealed class ClickEventCodecTests
{
    private static readonly ClickEncoding[] Encodings = [ClickEncoding.Binary, ClickEncoding.Json];

    [TestCaseSource(nameof(Encodings))]
    public void Round_trip_keeps_every_property(ClickEncoding encoding)
    {
        var scratch = new ArrayBufferWriter<byte>();
        for (int i = 0; i < 40; i++)
        {
            ClickEvent click = FullClicks.Create(i);
            byte[] bytes = ClickEventCodec.Encode(click, encoding, scratch);

            Assert.That(ClickEventCodec.TryDecode(bytes, out ClickEvent? decoded, out string? error), Is.True, error);
            FullClicks.AssertSame(click, decoded!);
        }
    }

    [TestCaseSource(nameof(Encodings))]
    public void Absent_values_stay_absent_and_empty_strings_stay_empty(ClickEncoding encoding)
    {
        var click = new ClickEvent
        {
            EventId = Guid.NewGuid(),
            Timestamp = DateTimeOffset.UnixEpoch,
            LinkId = "",
            UserAgent = "",
        };

        byte[] bytes = ClickEventCodec.Encode(click, encoding, new ArrayBufferWriter<byte>());

        Assert.That(ClickEventCodec.TryDecode(bytes, out ClickEvent? decoded, out _), Is.True);
        FullClicks.AssertSame(click, decoded!);
    }

    [Test]
    public void Binary_reader_skips_a_field_added_by_a_newer_producer()
    {
        ClickEvent click = FullClicks.Create(7);
        byte[] known = ClickEventCodec.Encode(click, ClickEncoding.Binary, new ArrayBufferWriter<byte>());
        // Tag 200 (varint 0xC8 0x01), length 3, payload: a field this reader has never heard of.
        byte[] future = [.. known, 0xC8, 0x01, 3, 1, 2, 3];

        Assert.That(ClickEventCodec.TryDecode(future, out ClickEvent? decoded, out string? error), Is.True, error);
        FullClicks.AssertSame(click, decoded!);
    }

    [Test]
    public void Json_reader_skips_a_property_added_by_a_newer_producer()
    {
        ClickEvent click = FullClicks.Create(8);
        string json = Encoding.UTF8.GetString(ClickEventCodec.Encode(click, ClickEncoding.Json, new ArrayBufferWriter<byte>()));
        byte[] future = Encoding.UTF8.GetBytes("{\"asn\":{\"n\":[1,2,{\"x\":null}]},\"future\":\"x\"," + json[1..]);

        Assert.That(ClickEventCodec.TryDecode(future, out ClickEvent? decoded, out string? error), Is.True, error);
        FullClicks.AssertSame(click, decoded!);
    }

    [TestCaseSource(nameof(Encodings))]
    public void Truncated_entries_are_refused_without_throwing(ClickEncoding encoding)
    {
        byte[] bytes = ClickEventCodec.Encode(FullClicks.Create(3), encoding, new ArrayBufferWriter<byte>());
        int refused = 0;
        for (int length = 0; length < bytes.Length; length++)
        {
            if (!ClickEventCodec.TryDecode(bytes.AsSpan(0, length), out _, out string? error))
            {
                refused++;
                Assert.That(error, Is.Not.Empty);
            }
        }

        // Every prefix that ends before the link id (the last required field) must be refused.
        Assert.That(refused, Is.GreaterThan(20));
    }

    [TestCase(new byte[] { 0x00, 0x01 })]
    [TestCase(new byte[] { 0xB1, 0x01, 0x10, 0x00 })]
    [TestCase(new byte[] { 0xB1, 0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F })]
    [TestCase(new byte[] { (byte)'{', (byte)'"', (byte)'i', (byte)'d' })]
    public void Garbage_is_refused_with_a_reason(byte[] garbage)
    {
        Assert.That(ClickEventCodec.TryDecode(garbage, out ClickEvent? decoded, out string? error), Is.False);
        Assert.That(decoded, Is.Null);
        Assert.That(error, Is.Not.Null.And.Not.Empty);
    }
}
