using System;
using System.ComponentModel.DataAnnotations;

namespace ClickAnalytics.Enrichment.Geo;

/// <summary>
/// Where the IP databases are, bound from <c>ClickAnalytics:Geo</c>. Any MaxMind DB (<c>.mmdb</c>)
/// file works: GeoLite2 / GeoIP2 City or Country, DB-IP, ip-location-db. Without a
/// <see cref="DatabasePath"/> the geo stage leaves location values empty.
/// </summary>
public sealed class GeoOptions
{
    /// <summary>The configuration section these options bind to.</summary>
    public const string SectionName = "ClickAnalytics:Geo";

    /// <summary>Whether the geo stage runs at all.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>A city or country database. It answers IPv6 (and IPv4-mapped IPv6) when it contains IPv6 networks.</summary>
    public string? DatabasePath { get; set; }

    /// <summary>
    /// A second city or country database for IPv6 addresses, for vendors that publish IPv4 and
    /// IPv6 as separate files (ip-location-db's GeoLite2 City). When set, IPv6 addresses are looked
    /// up here and IPv4 addresses in <see cref="DatabasePath"/>.
    /// </summary>
    public string? Ipv6DatabasePath { get; set; }

    /// <summary>An ASN database (GeoLite2 ASN, ip-location-db ASN) for the autonomous system number and organisation.</summary>
    public string? AsnDatabasePath { get; set; }

    /// <summary>
    /// How often the files are checked for a replacement. A replaced file (written beside it and
    /// renamed over it, as geoipupdate does) is opened and swapped in between batches.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan ReloadCheckInterval { get; set; } = TimeSpan.FromMinutes(1);
}
