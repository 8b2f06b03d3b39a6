using System;
using System.Collections.Generic;
using System.Net;

namespace ClickAnalytics;

/// <summary>
/// What capture records about one click. It is built on the redirect path, so it only holds
/// references to values the request already has; everything derived from them is computed later,
/// in the processor, into an <see cref="EnrichedClick"/>.
/// </summary>
public sealed class ClickEvent
{
    /// <summary>Unique id given at capture; redeliveries keep it, so stores can collapse them.</summary>
    public required Guid EventId { get; init; }

    /// <summary>When the click happened (UTC).</summary>
    public required DateTimeOffset Timestamp { get; init; }

    /// <summary>The host's id for the link that was clicked.</summary>
    public required string LinkId { get; init; }

    /// <summary>The host's tenant or workspace id, when it has one.</summary>
    public string? TenantId { get; init; }

    /// <summary>The client address after forwarded-header processing; never stored raw by default.</summary>
    public IPAddress? ClientIp { get; init; }

    /// <summary>The User-Agent header, capped.</summary>
    public string? UserAgent { get; init; }

    /// <summary>The Referer header, capped.</summary>
    public string? Referer { get; init; }

    /// <summary>The Accept-Language header, capped.</summary>
    public string? AcceptLanguage { get; init; }

    /// <summary>The request's query string as received (with its leading '?'), capped. Campaign parameters are parsed from it later.</summary>
    public string? QueryString { get; init; }

    /// <summary>Where the redirect sends the visitor, when the host passes it (its utm_* parameters count too).</summary>
    public string? DestinationUrl { get; init; }

    /// <summary>Request facts that cost nothing to read at capture (HEAD, prefetch and prerender hints, QR).</summary>
    public ClickFlags Flags { get; init; }

    /// <summary>Host-supplied tags, stored with the click.</summary>
    public IReadOnlyDictionary<string, string>? Tags { get; init; }
}

/// <summary>Request facts recorded at capture.</summary>
[Flags]
public enum ClickFlags
{
    /// <summary>Nothing special.</summary>
    None = 0,

    /// <summary>The request was a HEAD request.</summary>
    HeadRequest = 1,

    /// <summary>The browser announced a prefetch (<c>Sec-Purpose</c> / <c>Purpose</c>).</summary>
    Prefetch = 2,

    /// <summary>The browser announced a prerender.</summary>
    Prerender = 4,

    /// <summary>The link was opened from a QR code.</summary>
    QrCode = 8,
}
