using System;
using System.ComponentModel.DataAnnotations;

namespace ClickAnalytics.Enrichment.Repeats;

/// <summary>Repeat-click detection, bound from <c>ClickAnalytics:Repeats</c>.</summary>
public sealed class RepeatOptions
{
    /// <summary>The configuration section these options bind to.</summary>
    public const string SectionName = "ClickAnalytics:Repeats";

    /// <summary>Whether clicks are checked for repeats.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// How long after a visitor's first click on a link another click on it counts as a repeat.
    /// 30 seconds covers double clicks, browser and client retries (immediate to a few seconds)
    /// and speculative prefetches, which precede the navigation by well under a second to a few
    /// seconds, while a visitor who comes back a minute later counts again.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "01:00:00")]
    public TimeSpan Window { get; set; } = TimeSpan.FromSeconds(30);
}

/// <summary>Why a click is a repeat; stored in <see cref="EnrichedClick.RepeatReason"/>.</summary>
public static class RepeatReason
{
    /// <summary>A prefetch or prerender announced by the browser, after a click on the same link.</summary>
    public const string Prefetch = "prefetch";
    /// <summary>A HEAD request after a click on the same link.</summary>
    public const string HeadRequest = "head-request";
    /// <summary>The navigation that follows a prefetch, prerender or HEAD request of the same link.</summary>
    public const string AfterPrefetch = "after-prefetch";
    /// <summary>Another click within the window (double click, retry).</summary>
    public const string WithinWindow = "within-window";
}
