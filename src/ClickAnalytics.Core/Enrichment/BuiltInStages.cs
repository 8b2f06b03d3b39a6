using System;
using System.Collections.Generic;
using ClickAnalytics.Enrichment.Campaigns;
using ClickAnalytics.Enrichment.Geo;
using ClickAnalytics.Enrichment.Privacy;
using ClickAnalytics.Enrichment.Referers;
using ClickAnalytics.Enrichment.Repeats;
using ClickAnalytics.Enrichment.UserAgents;

namespace ClickAnalytics.Enrichment;

/// <summary>The built-in stages by name; their types stay internal, so a host names them by <see cref="EnrichmentStages"/>.</summary>
internal static class BuiltInStages
{
    private static readonly Dictionary<string, Type> Types = new(StringComparer.Ordinal)
    {
        [EnrichmentStages.Bot] = typeof(BotEnricher),
        [EnrichmentStages.UserAgent] = typeof(UserAgentEnricher),
        [EnrichmentStages.Geo] = typeof(GeoEnricher),
        [EnrichmentStages.Campaign] = typeof(CampaignEnricher),
        [EnrichmentStages.Language] = typeof(LanguageEnricher),
        [EnrichmentStages.Referer] = typeof(RefererEnricher),
        [EnrichmentStages.Privacy] = typeof(PrivacyEnricher),
        [EnrichmentStages.Repeats] = typeof(RepeatEnricher),
    };

    public static IEnumerable<string> Names => Types.Keys;

    public static Type? TypeOf(string name) => Types.GetValueOrDefault(name);
}
