using System;
using System.Collections.Generic;
using System.Net;

namespace ClickAnalytics.Benchmarks.Redis;

/// <summary>Realistic captured clicks: browser User-Agent, search referer, UTM query, one tag.</summary>
internal static class Clicks
{
    private static readonly string[] UserAgents =
    [
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
        "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.6723.102 Mobile Safari/537.36",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:132.0) Gecko/20100101 Firefox/132.0",
    ];

    public static ClickEvent[] Create(int count)
    {
        var clicks = new ClickEvent[count];
        DateTimeOffset start = new(2026, 3, 14, 12, 0, 0, TimeSpan.Zero);
        for (int i = 0; i < count; i++)
        {
            DateTimeOffset at = start.AddMilliseconds(i);
            clicks[i] = new ClickEvent
            {
                EventId = ClickEventId.NewId(at),
                Timestamp = at,
                LinkId = "lnk_" + (i % 5_000).ToString("x6", System.Globalization.CultureInfo.InvariantCulture),
                TenantId = i % 4 == 0 ? null : "ws_" + (i % 40),
                ClientIp = i % 3 == 0
                    ? new IPAddress(new byte[] { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte)(i >> 8), (byte)i })
                    : new IPAddress(new byte[] { 198, 51, (byte)(i >> 8), (byte)i }),
                UserAgent = UserAgents[i % UserAgents.Length],
                Referer = i % 2 == 0 ? "https://www.google.com/" : "https://t.co/" + (i % 999),
                AcceptLanguage = "en-US,en;q=0.9",
                QueryString = i % 5 == 0 ? "utm_source=newsletter&utm_medium=email&utm_campaign=spring" : null,
                Flags = i % 20 == 0 ? ClickFlags.QrCode : ClickFlags.None,
                Tags = i % 10 == 0 ? new Dictionary<string, string> { ["channel"] = "print" } : null,
            };
        }

        return clicks;
    }
}
