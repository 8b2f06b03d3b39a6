using System;

namespace ClickAnalytics.Enrichment.Privacy;

/// <summary>What the privacy stage keeps of the client address, bound from <c>ClickAnalytics:Privacy</c>.</summary>
public sealed class PrivacyOptions
{
    /// <summary>The configuration section these options bind to.</summary>
    public const string SectionName = "ClickAnalytics:Privacy";

    /// <summary>How much of the IP is stored with the click (default: none).</summary>
    public IpStorage IpStorage { get; set; } = IpStorage.None;

    /// <summary>Whether clicks get a daily visitor id (needed for unique visitors and repeat clicks).</summary>
    public bool VisitorIds { get; set; } = true;

    /// <summary>
    /// A base64 secret of at least 32 bytes shared by every process, for several processes without
    /// Redis: each day's key is derived from it, so all processes agree on visitor ids. Unlike the
    /// default random keys, past days' keys can be derived again for as long as this secret exists
    /// (see the README). Leave empty for one process, or when Redis provides the keys.
    /// </summary>
    public string? SharedKeySecret { get; set; }

    internal byte[]? SharedKeySecretBytes()
    {
        if (string.IsNullOrWhiteSpace(SharedKeySecret))
        {
            return null;
        }

        byte[] bytes = new byte[SharedKeySecret.Length];
        return Convert.TryFromBase64String(SharedKeySecret.Trim(), bytes, out int written) && written >= 32
            ? bytes.AsSpan(0, written).ToArray()
            : null;
    }
}

/// <summary>How much of the client IP is stored.</summary>
public enum IpStorage
{
    /// <summary>Nothing (default).</summary>
    None,

    /// <summary>The network only: IPv4 /24, IPv6 /48 (e.g. 203.0.113.0, 2001:db8:1::).</summary>
    Truncated,

    /// <summary>The full address.</summary>
    Full,
}
