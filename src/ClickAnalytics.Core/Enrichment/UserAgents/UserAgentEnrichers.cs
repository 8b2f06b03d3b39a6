using System;
using Microsoft.Extensions.Options;

namespace ClickAnalytics.Enrichment.UserAgents;

/// <summary>A stage that reads the click's parsed user agent (both stages share the parser and its cache).</summary>
internal abstract class UserAgentStage(UserAgentParser parser, IOptions<UserAgentOptions> options) : ClickEnricher
{
    private readonly bool _enabled = options.Value.Enabled;

    public sealed override void Enrich(EnrichedClick click)
    {
        if (_enabled)
        {
            // Both stages read the same parse; the first to run keeps it on the click for the other.
            UserAgentInfo info = click.ParsedUserAgent ??= parser.Parse(click.Click.UserAgent);
            Apply(click, info);
        }
    }

    protected abstract void Apply(EnrichedClick click, UserAgentInfo info);
}

/// <summary>
/// The bot verdict: the user agent's own verdict, then the request facts capture recorded. A
/// prefetch or prerender is not a navigation, and no browser navigates with HEAD, so both make a
/// click count as a bot even when the user agent looks human; the user agent's class wins when it
/// already has one (a HEAD from curl stays an HTTP library).
/// </summary>
internal sealed class BotEnricher(UserAgentParser parser, IOptions<UserAgentOptions> options) : UserAgentStage(parser, options)
{
    internal const string PrefetchReason = "prefetch-header";
    internal const string PrerenderReason = "prerender-header";
    internal const string HeadReason = "head-request";

    public override string Name => EnrichmentStages.Bot;

    public override int Order => EnrichmentOrder.Bot;

    protected override void Apply(EnrichedClick click, UserAgentInfo info)
    {
        ClickFlags flags = click.Click.Flags;
        string botClass = info.BotClass;
        string reasons = info.BotReasons;
        if (SpeculativeClicks.IsSpeculative(flags))
        {
            if ((flags & ClickFlags.Prefetch) != 0)
            {
                reasons = Append(reasons, PrefetchReason);
            }

            if ((flags & ClickFlags.Prerender) != 0)
            {
                reasons = Append(reasons, PrerenderReason);
            }

            if (SpeculativeClicks.IsHead(flags))
            {
                reasons = Append(reasons, HeadReason);
            }

            if (botClass == BotClass.Human)
            {
                botClass = SpeculativeClicks.IsPrefetch(flags) ? BotClass.Prefetch : BotClass.LinkPreview;
            }
        }

        click.BotClass = botClass;
        click.BotReasons = reasons;
        click.IsBot = botClass != BotClass.Human;
    }

    private static string Append(string reasons, string reason) => reasons.Length == 0 ? reason : string.Concat(reasons, ",", reason);
}

/// <summary>Fills browser, OS, device and device class from the user agent (uap-core rules, cached).</summary>
internal sealed class UserAgentEnricher(UserAgentParser parser, IOptions<UserAgentOptions> options) : UserAgentStage(parser, options)
{
    public override string Name => EnrichmentStages.UserAgent;

    public override int Order => EnrichmentOrder.UserAgent;

    protected override void Apply(EnrichedClick click, UserAgentInfo info)
    {
        click.BrowserFamily = info.BrowserFamily;
        click.BrowserMajor = info.BrowserMajor;
        click.BrowserMinor = info.BrowserMinor;
        click.BrowserPatch = info.BrowserPatch;
        click.OsFamily = info.OsFamily;
        click.OsMajor = info.OsMajor;
        click.OsMinor = info.OsMinor;
        click.OsPatch = info.OsPatch;
        click.OsPatchMinor = info.OsPatchMinor;
        click.DeviceFamily = info.DeviceFamily;
        click.DeviceBrand = info.DeviceBrand;
        click.DeviceModel = info.DeviceModel;
        click.DeviceType = info.DeviceType;
    }
}
