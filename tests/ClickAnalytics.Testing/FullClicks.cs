using System;
using System.Collections.Generic;
using System.Net;

namespace ClickAnalytics.Testing;

/// <summary>Clicks with every property set, for tests of what carries a click whole (codecs, buffers).</summary>
public static class FullClicks
{
    private static readonly DateTimeOffset Start = new(2026, 3, 14, 15, 9, 26, TimeSpan.Zero);

    /// <summary>A click with every property set; values vary with <paramref name="i"/>.</summary>
    public static ClickEvent Create(int i) => new()
    {
        EventId = ClickEventId.NewId(Start.AddMilliseconds(i)),
        Timestamp = Start.AddMilliseconds(i),
        LinkId = "link-" + (i % 17),
        TenantId = "tenant-" + (i % 3),
        ClientIp = i % 2 == 0 ? new IPAddress([203, 0, 113, (byte)(i % 250)]) : IPAddress.Parse("2001:db8::" + (i % 9999).ToString("x", System.Globalization.CultureInfo.InvariantCulture)),
        UserAgent = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
        Referer = "https://www.google.com/search?q=click+" + i,
        AcceptLanguage = "de-CH,de;q=0.9,en;q=0.8",
        QueryString = "utm_source=newsletter&utm_medium=email&utm_campaign=spring-" + (i % 5),
        DestinationUrl = "https://example.com/landing/" + i,
        Flags = (ClickFlags)(i % 16),
        Tags = new Dictionary<string, string> { ["plan"] = "pro", ["ünïcode"] = "välue-" + i },
    };

    /// <summary>Clicks <paramref name="offset"/> to <paramref name="offset"/> + <paramref name="count"/> - 1.</summary>
    public static ClickEvent[] Many(int count, int offset = 0)
    {
        var clicks = new ClickEvent[count];
        for (int i = 0; i < count; i++)
        {
            clicks[i] = Create(i + offset);
        }

        return clicks;
    }

    /// <summary>Asserts that <paramref name="actual"/> carries every value of <paramref name="expected"/>.</summary>
    public static void AssertSame(ClickEvent expected, ClickEvent actual)
    {
        Assert.Multiple(() =>
        {
            Assert.That(actual.EventId, Is.EqualTo(expected.EventId));
            Assert.That(actual.Timestamp, Is.EqualTo(expected.Timestamp));
            Assert.That(actual.Timestamp.Offset, Is.EqualTo(TimeSpan.Zero));
            Assert.That(actual.LinkId, Is.EqualTo(expected.LinkId));
            Assert.That(actual.TenantId, Is.EqualTo(expected.TenantId));
            Assert.That(actual.ClientIp, Is.EqualTo(expected.ClientIp));
            Assert.That(actual.UserAgent, Is.EqualTo(expected.UserAgent));
            Assert.That(actual.Referer, Is.EqualTo(expected.Referer));
            Assert.That(actual.AcceptLanguage, Is.EqualTo(expected.AcceptLanguage));
            Assert.That(actual.QueryString, Is.EqualTo(expected.QueryString));
            Assert.That(actual.DestinationUrl, Is.EqualTo(expected.DestinationUrl));
            Assert.That(actual.Flags, Is.EqualTo(expected.Flags));
            Assert.That(actual.Tags, expected.Tags is null ? Is.Null : Is.EquivalentTo((IEnumerable<KeyValuePair<string, string>>)expected.Tags));
        });
    }
}
