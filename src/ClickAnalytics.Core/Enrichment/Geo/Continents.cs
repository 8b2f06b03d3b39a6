using System;
using System.Collections.Frozen;
using System.Collections.Generic;

namespace ClickAnalytics.Enrichment.Geo;

/// <summary>
/// Continent of an ISO 3166-1 country code, for databases that only carry the country
/// (ip-location-db). Codes follow the GeoNames / MaxMind convention (AF, AN, AS, EU, NA, OC, SA).
/// </summary>
internal static class Continents
{
    private static readonly FrozenDictionary<string, string> ByCountry = Build();

    public static string Of(string? countryCode)
    {
        if (countryCode is null || countryCode.Length != 2)
        {
            return "";
        }

        return ByCountry.TryGetValue(countryCode, out string? continent) ? continent : "";
    }

    private static FrozenDictionary<string, string> Build()
    {
        (string Continent, string Countries)[] table =
        [
            ("AF", "AO BF BI BJ BW CD CF CG CI CM CV DJ DZ EG EH ER ET GA GH GM GN GQ GW KE KM LR LS LY MA MG ML MR MU MW MZ NA NE NG RE RW SC SD SH SL SN SO SS ST SZ TD TG TN TZ UG YT ZA ZM ZW"),
            ("AN", "AQ BV GS HM TF"),
            ("AS", "AE AF AM AZ BD BH BN BT CC CN CX GE HK ID IL IN IO IQ IR JO JP KG KH KP KR KW KZ LA LB LK MM MN MO MV MY NP OM PH PK PS QA SA SG SY TH TJ TL TM TR TW UZ VN YE"),
            ("EU", "AD AL AT AX BA BE BG BY CH CY CZ DE DK EE ES FI FO FR GB GG GI GR HR HU IE IM IS IT JE LI LT LU LV MC MD ME MK MT NL NO PL PT RO RS RU SE SI SJ SK SM UA VA XK"),
            ("NA", "AG AI AW BB BL BM BQ BS BZ CA CR CU CW DM DO GD GL GP GT HN HT JM KN KY LC MF MQ MS MX NI PA PM PR SV SX TC TT US VC VG VI"),
            ("OC", "AS AU CK FJ FM GU KI MH MP NC NF NR NU NZ PF PG PN PW SB TK TO TV UM VU WF WS"),
            ("SA", "AR BO BR CL CO EC FK GF GY PE PY SR UY VE"),
        ];

        var map = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach ((string continent, string countries) in table)
        {
            foreach (string country in countries.Split(' '))
            {
                map[country] = continent;
            }
        }

        return map.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);
    }
}
