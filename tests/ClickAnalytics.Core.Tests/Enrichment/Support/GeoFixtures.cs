using System.Collections.Generic;
using System.IO;

namespace ClickAnalytics.Core.Tests.Enrichment.Support;

/// <summary>MaxMind-style (nested) city and ASN fixtures written with <see cref="MmdbWriter"/>.</summary>
internal static class GeoFixtures
{
    public const ulong CityEpoch = 1_780_000_000; // 2026-05-28T20:26:40Z
    public const ulong AsnEpoch = 1_780_086_400;  // 2026-05-29T20:26:40Z

    public static string WriteCity(string directory)
    {
        string path = Path.Combine(directory, "fixture-city.mmdb");
        new MmdbWriter("GeoIP2-City", CityEpoch)
            .Add("198.18.0.0/24", City("EU", "DE", "Bavaria", "Munich"))
            .Add("2001:db8:aaaa::/48", City("OC", "NZ", "Wellington Region", "Wellington"))
            // A record with a country but no continent, subdivision or city.
            .Add("198.18.1.0/24", new Dictionary<string, object> { ["country"] = Named("iso_code", "BR", "Brazil") })
            .Save(path);
        return path;
    }

    public static string WriteAsn(string directory)
    {
        string path = Path.Combine(directory, "fixture-asn.mmdb");
        new MmdbWriter("GeoLite2-ASN", AsnEpoch)
            .Add("198.18.0.0/23", new Dictionary<string, object>
            {
                ["autonomous_system_number"] = 64500u,
                ["autonomous_system_organization"] = "Example Transit",
            })
            .Add("2001:db8:aaaa::/48", new Dictionary<string, object>
            {
                ["autonomous_system_number"] = 4200000001u,
                ["autonomous_system_organization"] = "Example Six",
            })
            .Save(path);
        return path;
    }

    private static Dictionary<string, object> City(string continent, string country, string region, string city) => new()
    {
        ["continent"] = Named("code", continent, continent),
        ["country"] = Named("iso_code", country, country),
        ["subdivisions"] = new object[] { Named("iso_code", "XX", region) },
        ["city"] = new Dictionary<string, object> { ["names"] = new Dictionary<string, object> { ["de"] = city + " (de)", ["en"] = city } },
    };

    private static Dictionary<string, object> Named(string codeKey, string code, string name) => new()
    {
        [codeKey] = code,
        ["names"] = new Dictionary<string, object> { ["en"] = name, ["fr"] = name + " (fr)" },
    };
}
