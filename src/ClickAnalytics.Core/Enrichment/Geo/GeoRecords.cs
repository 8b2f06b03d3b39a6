using System.Collections.Generic;
using MaxMind.Db;

namespace ClickAnalytics.Enrichment.Geo;

// Two record layouts exist in the wild. MaxMind, GeoIP2 and DB-IP nest their values
// (country.iso_code, city.names.en); ip-location-db stores flat keys (country_code, city).
// Only the keys read here are decoded; every other key of a record is skipped.

/// <summary>A record of a MaxMind-style (nested) database.</summary>
internal sealed class NestedGeoRecord
{
    [MapKey("continent")]
    public CodeAndName? Continent { get; init; }

    [MapKey("country")]
    public CodeAndName? Country { get; init; }

    [MapKey("subdivisions")]
    public List<CodeAndName>? Subdivisions { get; init; }

    [MapKey("city")]
    public CodeAndName? City { get; init; }

    [MapKey("autonomous_system_number")]
    public long? AutonomousSystemNumber { get; init; }

    [MapKey("autonomous_system_organization")]
    public string? AutonomousSystemOrganization { get; init; }
}

/// <summary>A named place of a nested record.</summary>
internal sealed class CodeAndName
{
    [MapKey("code")]
    public string? Code { get; init; }

    [MapKey("iso_code")]
    public string? IsoCode { get; init; }

    [MapKey("names")]
    public EnglishName? Names { get; init; }
}

/// <summary>The English name of a place; other languages are not decoded.</summary>
internal sealed class EnglishName
{
    [MapKey("en")]
    public string? En { get; init; }
}

/// <summary>A record of an ip-location-db (flat) database.</summary>
internal sealed class FlatGeoRecord
{
    [MapKey("country_code")]
    public string? CountryCode { get; init; }

    [MapKey("state1")]
    public string? State1 { get; init; }

    [MapKey("city")]
    public string? City { get; init; }

    [MapKey("autonomous_system_number")]
    public long? AutonomousSystemNumber { get; init; }

    [MapKey("autonomous_system_organization")]
    public string? AutonomousSystemOrganization { get; init; }
}
