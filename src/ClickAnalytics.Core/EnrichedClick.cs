using System;
using System.Collections.Generic;
using ClickAnalytics.Storage;

namespace ClickAnalytics;

/// <summary>
/// A click on its way through the enrichment stages: the captured <see cref="ClickEvent"/> plus
/// every value the stages derive from it. String values are empty when a stage could not tell
/// (or did not run), never null, so every store groups "unknown" the same way.
/// </summary>
public sealed class EnrichedClick
{
    private Dictionary<string, string>? _dimensions;

    /// <summary>Wraps a captured click for enrichment.</summary>
    public EnrichedClick(ClickEvent click)
    {
        ArgumentNullException.ThrowIfNull(click);
        Click = click;
    }

    /// <summary>What capture recorded.</summary>
    public ClickEvent Click { get; }

    /// <summary>The parse of <see cref="ClickEvent.UserAgent"/>, kept by the first user-agent stage for the next.</summary>
    internal Enrichment.UserAgents.UserAgentInfo? ParsedUserAgent { get; set; }

    // ---- user agent ----

    /// <summary>Browser family (uap-core), e.g. "Chrome".</summary>
    public string BrowserFamily { get; set; } = "";
    /// <summary>Browser major version.</summary>
    public string BrowserMajor { get; set; } = "";
    /// <summary>Browser minor version.</summary>
    public string BrowserMinor { get; set; } = "";
    /// <summary>Browser patch version.</summary>
    public string BrowserPatch { get; set; } = "";
    /// <summary>Operating system family, e.g. "Android".</summary>
    public string OsFamily { get; set; } = "";
    /// <summary>OS major version.</summary>
    public string OsMajor { get; set; } = "";
    /// <summary>OS minor version.</summary>
    public string OsMinor { get; set; } = "";
    /// <summary>OS patch version.</summary>
    public string OsPatch { get; set; } = "";
    /// <summary>OS patch-minor version.</summary>
    public string OsPatchMinor { get; set; } = "";
    /// <summary>Device family (uap-core), e.g. "iPhone" or "Spider".</summary>
    public string DeviceFamily { get; set; } = "";
    /// <summary>Device brand.</summary>
    public string DeviceBrand { get; set; } = "";
    /// <summary>Device model.</summary>
    public string DeviceModel { get; set; } = "";
    /// <summary>One of <see cref="ClickAnalytics.DeviceType"/>'s values, or empty when not classified.</summary>
    public string DeviceType { get; set; } = "";

    // ---- bots ----

    /// <summary>Whether the click came from software rather than a person.</summary>
    public bool IsBot { get; set; }
    /// <summary>One of <see cref="ClickAnalytics.BotClass"/>'s values, or empty when not classified.</summary>
    public string BotClass { get; set; } = "";
    /// <summary>Why the verdict was reached (rules that matched), comma separated.</summary>
    public string BotReasons { get; set; } = "";

    // ---- geo ----

    /// <summary>Continent code, e.g. "EU".</summary>
    public string Continent { get; set; } = "";
    /// <summary>ISO 3166-1 alpha-2 country code.</summary>
    public string Country { get; set; } = "";
    /// <summary>First subdivision (region / state).</summary>
    public string Region { get; set; } = "";
    /// <summary>City name.</summary>
    public string City { get; set; } = "";
    /// <summary>Autonomous system number, 0 when unknown.</summary>
    public uint Asn { get; set; }
    /// <summary>Autonomous system organisation.</summary>
    public string AsnOrganization { get; set; } = "";
    /// <summary>Which database build located the click (type and build date), so it can be located again.</summary>
    public string GeoDatabase { get; set; } = "";

    // ---- referer ----

    /// <summary>Host name of the referer, lower case.</summary>
    public string RefererHost { get; set; } = "";
    /// <summary>One of <see cref="ClickAnalytics.RefererMedium"/>'s values, or empty when not classified.</summary>
    public string RefererMedium { get; set; } = "";
    /// <summary>Known source behind the referer, e.g. "Google".</summary>
    public string RefererSource { get; set; } = "";
    /// <summary>Search term carried by a search engine referer.</summary>
    public string SearchTerm { get; set; } = "";

    // ---- campaign and language ----

    /// <summary>utm_source.</summary>
    public string UtmSource { get; set; } = "";
    /// <summary>utm_medium.</summary>
    public string UtmMedium { get; set; } = "";
    /// <summary>utm_campaign.</summary>
    public string UtmCampaign { get; set; } = "";
    /// <summary>utm_term.</summary>
    public string UtmTerm { get; set; } = "";
    /// <summary>utm_content.</summary>
    public string UtmContent { get; set; } = "";
    /// <summary>Primary language tag from Accept-Language, e.g. "en".</summary>
    public string Language { get; set; } = "";

    // ---- privacy and repeats ----

    /// <summary>Privacy-safe visitor id (a keyed hash that cannot be linked across days).</summary>
    public string VisitorId { get; set; } = "";
    /// <summary>The IP as the privacy policy allows it to be stored (empty by default).</summary>
    public string StoredIp { get; set; } = "";
    /// <summary>Whether this click repeats an earlier one by the same visitor on the same link.</summary>
    public bool IsRepeat { get; set; }
    /// <summary>The event id of the click this one repeats.</summary>
    public Guid RepeatOf { get; set; }
    /// <summary>Why it counts as a repeat.</summary>
    public string RepeatReason { get; set; } = "";

    /// <summary>Custom dimensions added by host enrichment stages; stores add a column per name.</summary>
    public IReadOnlyDictionary<string, string> Dimensions =>
        (IReadOnlyDictionary<string, string>?)_dimensions ?? EmptyDimensions;

    /// <summary>Sets a custom dimension. Names are lower-case identifiers (<c>[a-z][a-z0-9_]*</c>).</summary>
    public void SetDimension(string name, string value)
    {
        ClickSchema.ValidateDimensionName(name);
        (_dimensions ??= new Dictionary<string, string>(StringComparer.Ordinal))[name] = value ?? "";
    }

    private static readonly Dictionary<string, string> EmptyDimensions = new(0);
}

/// <summary>Device classes stored in <see cref="EnrichedClick.DeviceType"/>.</summary>
public static class DeviceType
{
    /// <summary>Desktop or laptop computer.</summary>
    public const string Desktop = "desktop";
    /// <summary>Phone.</summary>
    public const string Mobile = "mobile";
    /// <summary>Tablet.</summary>
    public const string Tablet = "tablet";
    /// <summary>Smart TV or set-top box.</summary>
    public const string Tv = "tv";
    /// <summary>Game console.</summary>
    public const string Console = "console";
    /// <summary>Watch or other wearable.</summary>
    public const string Wearable = "wearable";
    /// <summary>Software, not a device a person holds.</summary>
    public const string Bot = "bot";
    /// <summary>Could not tell.</summary>
    public const string Unknown = "unknown";
}

/// <summary>Bot classes stored in <see cref="EnrichedClick.BotClass"/>.</summary>
public static class BotClass
{
    /// <summary>A person, as far as can be told.</summary>
    public const string Human = "human";
    /// <summary>Search engine or other crawler.</summary>
    public const string Crawler = "crawler";
    /// <summary>Link-preview fetcher of a chat or social app (Slackbot, facebookexternalhit, …).</summary>
    public const string LinkPreview = "link-preview";
    /// <summary>Uptime or performance monitor.</summary>
    public const string Monitor = "monitor";
    /// <summary>Security or vulnerability scanner.</summary>
    public const string SecurityScanner = "security-scanner";
    /// <summary>Generic HTTP library (curl, python-requests, Go-http-client, …).</summary>
    public const string HttpLibrary = "http-library";
    /// <summary>Headless or automated browser.</summary>
    public const string Automation = "automation";
    /// <summary>A browser prefetch or prerender, not a navigation.</summary>
    public const string Prefetch = "prefetch";
}

/// <summary>Referer media stored in <see cref="EnrichedClick.RefererMedium"/>.</summary>
public static class RefererMedium
{
    /// <summary>No referer.</summary>
    public const string Direct = "direct";
    /// <summary>Search engine.</summary>
    public const string Search = "search";
    /// <summary>Social network.</summary>
    public const string Social = "social";
    /// <summary>Web mail.</summary>
    public const string Email = "email";
    /// <summary>Paid traffic (ad click ids, paid utm_medium).</summary>
    public const string Paid = "paid";
    /// <summary>The host's own domains.</summary>
    public const string Internal = "internal";
    /// <summary>A referer that is not known.</summary>
    public const string Unknown = "unknown";
}
