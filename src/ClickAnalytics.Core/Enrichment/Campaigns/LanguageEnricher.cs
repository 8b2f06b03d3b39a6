using System;
using Microsoft.Extensions.Options;

namespace ClickAnalytics.Enrichment.Campaigns;

/// <summary>
/// Fills <see cref="EnrichedClick.Language"/> with the primary language subtag (ISO 639, lower
/// case, e.g. <c>en</c> for <c>en-GB</c>) of the visitor's most preferred Accept-Language entry.
/// Wildcards, refused entries (<c>q=0</c>) and anything that is not a language tag are ignored.
/// </summary>
internal sealed class LanguageEnricher : ClickEnricher
{
    private readonly StringPool _codes = new(1024);
    private readonly bool _enabled;

    public LanguageEnricher()
        : this(Options.Create(new CampaignOptions()))
    {
    }

    public LanguageEnricher(IOptions<CampaignOptions> options) => _enabled = options.Value.LanguageEnabled;

    public override string Name => EnrichmentStages.Language;

    public override int Order => EnrichmentOrder.Campaign;

    public override void Enrich(EnrichedClick click)
    {
        if (!_enabled)
        {
            return;
        }

        Span<char> buffer = stackalloc char[3];
        int length = PrimaryLanguage(click.Click.AcceptLanguage, buffer);
        if (length == 0)
        {
            click.Language = "";
            return;
        }

        click.Language = _codes.Get(buffer[..length]);
    }

    /// <summary>Writes the preferred primary subtag into <paramref name="destination"/> (3 chars) and returns its length, 0 when none.</summary>
    internal static int PrimaryLanguage(ReadOnlySpan<char> header, Span<char> destination)
    {
        int bestLength = 0;
        int bestQuality = 0;
        Span<char> candidate = stackalloc char[3];
        while (!header.IsEmpty)
        {
            int comma = header.IndexOf(',');
            ReadOnlySpan<char> entry = comma < 0 ? header : header[..comma];
            header = comma < 0 ? default : header[(comma + 1)..];

            int semicolon = entry.IndexOf(';');
            ReadOnlySpan<char> tag = (semicolon < 0 ? entry : entry[..semicolon]).Trim();
            int quality = semicolon < 0 ? 1000 : Quality(entry[(semicolon + 1)..]);
            if (quality <= bestQuality)
            {
                continue;
            }

            int dash = tag.IndexOfAny('-', '_');
            ReadOnlySpan<char> primary = dash < 0 ? tag : tag[..dash];
            if (primary.Length is < 2 or > 3)
            {
                continue;
            }

            bool letters = true;
            for (int i = 0; i < primary.Length; i++)
            {
                letters &= char.IsAsciiLetter(primary[i]);
                candidate[i] = (char)(primary[i] | 0x20);
            }

            if (!letters)
            {
                continue;
            }

            candidate[..primary.Length].CopyTo(destination);
            bestLength = primary.Length;
            bestQuality = quality;
        }

        return bestLength;
    }

    /// <summary>The q parameter in thousandths (RFC 9110: 0 to 1 with up to three decimals); malformed counts as 0.</summary>
    private static int Quality(ReadOnlySpan<char> parameters)
    {
        while (!parameters.IsEmpty)
        {
            int semicolon = parameters.IndexOf(';');
            ReadOnlySpan<char> parameter = (semicolon < 0 ? parameters : parameters[..semicolon]).Trim();
            parameters = semicolon < 0 ? default : parameters[(semicolon + 1)..];
            if (parameter.Length < 2 || (parameter[0] | 0x20) != 'q' || parameter[1] != '=')
            {
                continue;
            }

            ReadOnlySpan<char> value = parameter[2..];
            if (value.IsEmpty || value.Length > 5 || value[0] is not ('0' or '1'))
            {
                return 0;
            }

            int quality = (value[0] - '0') * 1000;
            if (value.Length > 1)
            {
                if (value[1] != '.')
                {
                    return 0;
                }

                int scale = 100;
                for (int i = 2; i < value.Length; i++)
                {
                    if (!char.IsAsciiDigit(value[i]))
                    {
                        return 0;
                    }

                    quality += (value[i] - '0') * scale;
                    scale /= 10;
                }
            }

            return quality > 1000 ? 0 : quality;
        }

        return 1000;
    }
}
