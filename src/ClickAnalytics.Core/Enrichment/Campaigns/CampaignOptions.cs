namespace ClickAnalytics.Enrichment.Campaigns;

/// <summary>Campaign and language stages, bound from <c>ClickAnalytics:Campaigns</c>.</summary>
public sealed class CampaignOptions
{
    /// <summary>The configuration section these options bind to.</summary>
    public const string SectionName = "ClickAnalytics:Campaigns";

    /// <summary>Whether utm_* values are read.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Whether the language is read from Accept-Language.</summary>
    public bool LanguageEnabled { get; set; } = true;
}
