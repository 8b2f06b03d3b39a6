using System.ComponentModel.DataAnnotations;

namespace ClickAnalytics;

/// <summary>
/// Limits applied by capture to every value it keeps, bound from <c>ClickAnalytics:Capture</c>.
/// A longer value is cut, so a 100 KB header costs the same as a normal one. Registered by
/// <c>AddClickAnalytics()</c> like every other option (so <c>services.Configure&lt;ClickCaptureOptions&gt;</c>
/// works) and validated when the host starts; capture reads them once.
/// </summary>
public sealed class ClickCaptureOptions
{
    /// <summary>The configuration section these options bind to.</summary>
    public const string SectionName = "ClickAnalytics:Capture";

    /// <summary>Longest User-Agent kept (characters). Real ones stay well under 512.</summary>
    [Range(16, 65_536)]
    public int MaxUserAgentLength { get; set; } = 1024;

    /// <summary>Longest Referer kept.</summary>
    [Range(16, 65_536)]
    public int MaxRefererLength { get; set; } = 2048;

    /// <summary>Longest Accept-Language kept.</summary>
    [Range(2, 4096)]
    public int MaxAcceptLanguageLength { get; set; } = 256;

    /// <summary>Longest query string kept (campaign parameters are parsed from it).</summary>
    [Range(16, 65_536)]
    public int MaxQueryStringLength { get; set; } = 2048;

    /// <summary>Longest destination URL (Location header) kept.</summary>
    [Range(16, 65_536)]
    public int MaxDestinationLength { get; set; } = 2048;

    /// <summary>Longest link or tenant id kept.</summary>
    [Range(1, 4096)]
    public int MaxIdLength { get; set; } = 256;

    /// <summary>Query parameter that marks a click from a QR code (present and not "0"/"false"). Empty disables it.</summary>
    public string QrCodeParameter { get; set; } = "qr";
}
