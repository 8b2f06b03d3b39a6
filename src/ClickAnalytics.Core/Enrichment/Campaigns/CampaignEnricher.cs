using System;
using System.Text;
using Microsoft.Extensions.Options;

namespace ClickAnalytics.Enrichment.Campaigns;

/// <summary>
/// Fills the utm_* values from the redirect request's query string, falling back to the
/// destination URL's parameters when the request has none. Values are trimmed, stripped of
/// control characters and capped; source and medium are lower-cased so "Newsletter" and
/// "newsletter" count as one.
/// </summary>
internal sealed class CampaignEnricher : ClickEnricher
{
    internal const int MaxValueLength = 200;

    // A clean, already-normalised raw value maps to one string.
    private readonly StringPool _values = new(4096);
    private readonly bool _enabled;

    public CampaignEnricher()
        : this(Options.Create(new CampaignOptions()))
    {
    }

    public CampaignEnricher(IOptions<CampaignOptions> options) => _enabled = options.Value.Enabled;

    public override string Name => EnrichmentStages.Campaign;

    public override int Order => EnrichmentOrder.Campaign;

    public override void Enrich(EnrichedClick click)
    {
        if (!_enabled)
        {
            return;
        }

        ReadOnlySpan<char> request = click.Click.QueryString;
        ReadOnlySpan<char> destination = QueryStrings.QueryOf(click.Click.DestinationUrl);
        if (request.IndexOf("utm_", StringComparison.OrdinalIgnoreCase) < 0)
        {
            request = default;
        }

        if (destination.IndexOf("utm_", StringComparison.OrdinalIgnoreCase) < 0)
        {
            destination = default;
        }

        if (request.IsEmpty && destination.IsEmpty)
        {
            click.UtmSource = click.UtmMedium = click.UtmCampaign = click.UtmTerm = click.UtmContent = "";
            return;
        }

        click.UtmSource = Read(request, destination, "utm_source", lowerCase: true);
        click.UtmMedium = Read(request, destination, "utm_medium", lowerCase: true);
        click.UtmCampaign = Read(request, destination, "utm_campaign", lowerCase: false);
        click.UtmTerm = Read(request, destination, "utm_term", lowerCase: false);
        click.UtmContent = Read(request, destination, "utm_content", lowerCase: false);
    }

    private string Read(ReadOnlySpan<char> request, ReadOnlySpan<char> destination, string name, bool lowerCase)
    {
        if (!QueryStrings.TryGetRawValue(request, name, out ReadOnlySpan<char> raw) || raw.IsWhiteSpace())
        {
            if (!QueryStrings.TryGetRawValue(destination, name, out raw) || raw.IsWhiteSpace())
            {
                return "";
            }
        }

        if (IsClean(raw, lowerCase))
        {
            return _values.Get(raw);
        }

        string decoded = QueryStrings.Decode(raw);
        return string.IsNullOrWhiteSpace(decoded) ? "" : Normalize(decoded, lowerCase);
    }

    /// <summary>Whether a raw value needs no decoding and no normalising.</summary>
    private static bool IsClean(ReadOnlySpan<char> raw, bool lowerCase)
    {
        if (raw.Length > MaxValueLength || raw[0] == ' ' || raw[^1] == ' ')
        {
            return false;
        }

        foreach (char c in raw)
        {
            if (c is '%' or '+' || c < 0x20 || c >= 0x7F || lowerCase && c is >= 'A' and <= 'Z')
            {
                return false;
            }
        }

        return true;
    }

    internal static string Normalize(string? value, bool lowerCase)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return "";
        }

        ReadOnlySpan<char> trimmed = value.AsSpan().Trim();
        var builder = new StringBuilder(Math.Min(trimmed.Length, MaxValueLength));
        foreach (char ch in trimmed)
        {
            if (builder.Length == MaxValueLength)
            {
                break;
            }

            if (!char.IsControl(ch))
            {
                builder.Append(lowerCase ? char.ToLowerInvariant(ch) : ch);
            }
        }

        // Do not end on half of a surrogate pair after capping.
        if (builder.Length > 0 && char.IsHighSurrogate(builder[^1]))
        {
            builder.Length--;
        }

        return builder.ToString().Trim();
    }
}
