using System;
using System.Collections.Generic;
using System.Net;
using System.Threading;
using ClickAnalytics.Enrichment;

namespace ClickAnalytics.Core.Tests.Enrichment.Support;

/// <summary>Clicks for the enrichment stage tests.</summary>
internal static class Clicks
{
    public static readonly DateTimeOffset Noon = new(2026, 11, 2, 12, 0, 0, TimeSpan.Zero);

    public static EnrichedClick Make(
        string? ip = "203.0.113.7",
        string? userAgent = "Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0",
        string? referer = null,
        string? query = null,
        string? acceptLanguage = null,
        string? destination = null,
        string linkId = "link",
        string? tenant = null,
        DateTimeOffset? at = null,
        ClickFlags flags = ClickFlags.None,
        Guid? eventId = null)
    {
        DateTimeOffset timestamp = at ?? Noon;
        return new EnrichedClick(new ClickEvent
        {
            EventId = eventId ?? ClickEventId.NewId(timestamp),
            Timestamp = timestamp,
            LinkId = linkId,
            TenantId = tenant,
            ClientIp = ip is null ? null : IPAddress.Parse(ip),
            UserAgent = userAgent,
            Referer = referer,
            QueryString = query,
            AcceptLanguage = acceptLanguage,
            DestinationUrl = destination,
            Flags = flags,
        });
    }

    /// <summary>The same captured click again, as a durable buffer would redeliver it.</summary>
    public static EnrichedClick Redeliver(EnrichedClick click) => new(click.Click);

    public static void Run(this IClickEnricher stage, params EnrichedClick[] clicks) =>
        stage.EnrichAsync(clicks, CancellationToken.None).AsTask().GetAwaiter().GetResult();

    public static void Run(this IClickEnricher stage, IReadOnlyList<EnrichedClick> clicks) =>
        stage.EnrichAsync(clicks, CancellationToken.None).AsTask().GetAwaiter().GetResult();
}
