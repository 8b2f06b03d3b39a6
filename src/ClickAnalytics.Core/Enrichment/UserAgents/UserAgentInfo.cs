namespace ClickAnalytics.Enrichment.UserAgents;

/// <summary>
/// What a user agent string says: browser, operating system and device as the uap-core rules
/// read them, the device class, and whether software rather than a person sent it. Values the
/// string does not give are empty; families the rules do not know are "Other". Instances are
/// immutable and shared by the cache.
/// </summary>
public sealed class UserAgentInfo
{
    /// <summary>Browser family, e.g. "Chrome"; "Other" when no rule matched.</summary>
    public string BrowserFamily { get; init; } = UserAgentParser.Other;
    /// <summary>Browser major version.</summary>
    public string BrowserMajor { get; init; } = "";
    /// <summary>Browser minor version.</summary>
    public string BrowserMinor { get; init; } = "";
    /// <summary>Browser patch version.</summary>
    public string BrowserPatch { get; init; } = "";
    /// <summary>Operating system family, e.g. "Android"; "Other" when no rule matched.</summary>
    public string OsFamily { get; init; } = UserAgentParser.Other;
    /// <summary>OS major version.</summary>
    public string OsMajor { get; init; } = "";
    /// <summary>OS minor version.</summary>
    public string OsMinor { get; init; } = "";
    /// <summary>OS patch version.</summary>
    public string OsPatch { get; init; } = "";
    /// <summary>OS patch-minor version.</summary>
    public string OsPatchMinor { get; init; } = "";
    /// <summary>Device family, e.g. "iPhone" or "Spider"; "Other" when no rule matched.</summary>
    public string DeviceFamily { get; init; } = UserAgentParser.Other;
    /// <summary>Device brand.</summary>
    public string DeviceBrand { get; init; } = "";
    /// <summary>Device model.</summary>
    public string DeviceModel { get; init; } = "";
    /// <summary>One of <see cref="ClickAnalytics.DeviceType"/>'s values.</summary>
    public string DeviceType { get; init; } = ClickAnalytics.DeviceType.Unknown;
    /// <summary>Whether the string belongs to software (a crawler, fetcher, library, scanner or automated browser).</summary>
    public bool IsBot { get; init; }
    /// <summary>One of <see cref="ClickAnalytics.BotClass"/>'s values; <see cref="ClickAnalytics.BotClass.Human"/> when no bot rule matched.</summary>
    public string BotClass { get; init; } = ClickAnalytics.BotClass.Human;
    /// <summary>The bot rules that matched, comma separated (empty for a human).</summary>
    public string BotReasons { get; init; } = "";
}
