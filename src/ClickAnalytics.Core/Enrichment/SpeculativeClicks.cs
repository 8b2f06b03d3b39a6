namespace ClickAnalytics.Enrichment;

/// <summary>
/// What a click's flags say about whether a person navigated: a prefetch or prerender is the
/// browser guessing, and no browser navigates with HEAD (link checkers and preview fetchers do).
/// The bot verdict, the repeat stage and the stored columns read these, so the meaning is in one place.
/// </summary>
internal static class SpeculativeClicks
{
    /// <summary>The flags of a request no person asked for.</summary>
    public const ClickFlags Flags = ClickFlags.Prefetch | ClickFlags.Prerender | ClickFlags.HeadRequest;

    /// <summary>A prefetch, a prerender or a HEAD request.</summary>
    public static bool IsSpeculative(ClickFlags flags) => (flags & Flags) != 0;

    /// <summary>The browser fetched the link ahead of a possible navigation (prefetch or prerender).</summary>
    public static bool IsPrefetch(ClickFlags flags) => (flags & (ClickFlags.Prefetch | ClickFlags.Prerender)) != 0;

    /// <summary>A HEAD request.</summary>
    public static bool IsHead(ClickFlags flags) => (flags & ClickFlags.HeadRequest) != 0;
}
