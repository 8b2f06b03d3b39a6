using System;
using System.Net;
using ClickAnalytics;

namespace ClickAnalytics.Core.Tests.Support;

internal static class TestClicks
{
    public static readonly DateTimeOffset Start = new(2026, 11, 2, 10, 0, 0, TimeSpan.Zero);

    public static ClickEvent Create(int n, string linkId = "link", DateTimeOffset? at = null)
    {
        DateTimeOffset timestamp = at ?? Start.AddSeconds(n);
        return new ClickEvent
        {
            EventId = ClickEventId.NewId(timestamp),
            Timestamp = timestamp,
            LinkId = linkId,
            ClientIp = IPAddress.Parse("198.51.100.7"),
            UserAgent = $"agent-{n}",
            QueryString = $"?n={n}",
        };
    }

    public static int Number(ClickEvent click) => int.Parse(click.QueryString!.AsSpan(3), System.Globalization.CultureInfo.InvariantCulture);
}
