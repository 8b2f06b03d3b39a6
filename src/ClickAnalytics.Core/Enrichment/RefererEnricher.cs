using System;

namespace ClickAnalytics.Enrichment;

/// <summary>
/// Fills <see cref="EnrichedClick.RefererHost"/> from the Referer header: the lower-case host of an
/// absolute URL, empty for a missing or unparseable referer.
/// </summary>
internal sealed class RefererHostEnricher : ClickEnricher
{
    public override string Name => "referer-host";

    public override int Order => EnrichmentOrder.Referer;

    public override void Enrich(EnrichedClick click)
    {
        click.RefererHost = GetHost(click.Click.Referer);
    }

    internal static string GetHost(string? referer)
    {
        if (string.IsNullOrWhiteSpace(referer)
            || !Uri.TryCreate(referer.Trim(), UriKind.Absolute, out Uri? uri)
            || uri.HostNameType is UriHostNameType.Unknown or UriHostNameType.Basic && uri.Host.Length == 0)
        {
            return "";
        }

        // IdnHost gives the ASCII (punycode) form, so one site is one value whatever the spelling.
        string host = uri.IdnHost;
        return host.TrimEnd('.').ToLowerInvariant();
    }
}
