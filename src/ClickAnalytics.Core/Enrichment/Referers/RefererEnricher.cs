using System;
using ClickAnalytics.Enrichment.Campaigns;
using Microsoft.Extensions.Options;

namespace ClickAnalytics.Enrichment.Referers;

/// <summary>
/// Fills referer host, medium, source and search term. No referer is <c>direct</c>; a referer on
/// one of the host's own domains is <c>internal</c>; an ad click id in the request or a paid
/// utm_medium (as the campaign stage read it) is <c>paid</c>; otherwise the host is looked up in the referer list, and an
/// unrecognised or unreadable referer is <c>unknown</c>.
/// </summary>
internal sealed class RefererEnricher : ClickEnricher
{
    private const int MaxHostLength = 253;

    // Ad networks append these to the landing URL of an ad click. fbclid is also added to organic
    // Facebook links; it still counts as paid here, which is what most attribution tools do.
    private static readonly (string Parameter, string Network)[] ClickIds =
    [
        ("gclid", "Google Ads"),
        ("gbraid", "Google Ads"),
        ("wbraid", "Google Ads"),
        ("dclid", "Google Ads"),
        ("msclkid", "Microsoft Ads"),
        ("fbclid", "Facebook"),
        ("ttclid", "TikTok"),
        ("twclid", "Twitter"),
        ("li_fat_id", "LinkedIn"),
        ("yclid", "Yandex"),
        ("sccid", "Snapchat"),
        ("epik", "Pinterest"),
        ("rdt_cid", "Reddit"),
    ];

    private static readonly string[] PaidMedia =
        ["cpc", "ppc", "paid", "paidsearch", "paid_search", "paid-search", "paidsocial", "paid_social", "paid-social", "cpm", "cpv", "cpa", "display", "banner"];

    private readonly RefererCatalog _catalog;
    private readonly bool _classify;

    private readonly StringPool _hosts = new(8192);

    public RefererEnricher(IOptions<RefererOptions> options)
    {
        _classify = options.Value.Enabled;
        _catalog = new RefererCatalog(options.Value);
    }

    public override string Name => EnrichmentStages.Referer;

    public override int Order => EnrichmentOrder.Referer;

    public override void Enrich(EnrichedClick click)
    {
        ReadOnlySpan<char> referer = click.Click.Referer.AsSpan().Trim();
        RefererParts parts = RefererParts.Parse(referer);
        Span<char> hostBuffer = stackalloc char[MaxHostLength];
        string? idnHost = null;
        ReadOnlySpan<char> host = parts.Host.IsEmpty ? default : LowerAsciiHost(parts.Host, hostBuffer, out idnHost);
        click.RefererHost = idnHost ?? (host.IsEmpty ? "" : _hosts.Get(host));
        if (idnHost is not null)
        {
            host = idnHost;
        }

        if (!_classify)
        {
            return;
        }

        RefererSource? source = null;
        string medium;
        if (referer.IsEmpty)
        {
            medium = RefererMedium.Direct;
        }
        else if (host.IsEmpty || parts.Kind == RefererKind.Other)
        {
            medium = RefererMedium.Unknown;
        }
        else if (parts.Kind == RefererKind.Web && _catalog.IsInternal(host))
        {
            medium = RefererMedium.Internal;
        }
        else
        {
            source = _catalog.Find(host, parts.Path);
            medium = source?.Medium ?? RefererMedium.Unknown;
        }

        click.RefererSource = source?.Name ?? "";
        if (source is { Medium: RefererMedium.Search, SearchParameters.Length: > 0 })
        {
            click.SearchTerm = SearchTerm(parts.Query, source.SearchParameters);
        }

        if (medium != RefererMedium.Internal && PaidNetwork(click) is { } network)
        {
            medium = RefererMedium.Paid;
            if (click.RefererSource.Length == 0)
            {
                click.RefererSource = network;
            }
        }

        click.RefererMedium = medium;
    }

    /// <summary>
    /// The ad network whose click id the request carries, "" for a paid utm_medium, or null. The
    /// utm_medium is the campaign stage's (it runs earlier, <see cref="EnrichmentOrder.Campaign"/>),
    /// so the parameter is read once and means the same in both columns.
    /// </summary>
    internal static string? PaidNetwork(EnrichedClick click)
    {
        ReadOnlySpan<char> query = click.Click.QueryString;
        if (!query.IsEmpty)
        {
            foreach ((string parameter, string network) in ClickIds)
            {
                if (query.Contains(parameter, StringComparison.OrdinalIgnoreCase) && QueryStrings.GetValue(query, parameter) is { Length: > 0 })
                {
                    return network;
                }
            }
        }

        string medium = click.UtmMedium;
        if (medium.Length > 0)
        {
            foreach (string paid in PaidMedia)
            {
                if (medium.Equals(paid, StringComparison.OrdinalIgnoreCase))
                {
                    return "";
                }
            }
        }

        return null;
    }

    private static string SearchTerm(ReadOnlySpan<char> query, string[] parameters)
    {
        if (query.IsEmpty)
        {
            return "";
        }

        foreach (string parameter in parameters)
        {
            string? value = QueryStrings.GetValue(query, parameter);
            if (!string.IsNullOrWhiteSpace(value))
            {
                return CampaignEnricher.Normalize(value, lowerCase: false);
            }
        }

        return "";
    }

    /// <summary>
    /// The host in lower case ASCII. A host with non-ASCII letters (an IDN) is converted to its
    /// punycode form through <see cref="Uri"/>, returned in <paramref name="idnHost"/>; a host with
    /// characters no host name can hold gives empty.
    /// </summary>
    private static ReadOnlySpan<char> LowerAsciiHost(ReadOnlySpan<char> host, Span<char> buffer, out string? idnHost)
    {
        idnHost = null;
        host = host.TrimEnd('.');
        if (host.IsEmpty || host.Length > buffer.Length)
        {
            return default;
        }

        for (int i = 0; i < host.Length; i++)
        {
            char c = host[i];
            if (c is >= 'a' and <= 'z' or >= '0' and <= '9' or '-' or '.' or '_' or ':' or '[' or ']')
            {
                buffer[i] = c;
            }
            else if (c is >= 'A' and <= 'Z')
            {
                buffer[i] = (char)(c | 0x20);
            }
            else if (c > 0x7F || c == '%')
            {
                idnHost = IdnHost(host);
                return default;
            }
            else
            {
                return default;
            }
        }

        return buffer[..host.Length];
    }

    private static string? IdnHost(ReadOnlySpan<char> host)
    {
        if (!Uri.TryCreate(string.Concat("http://", host, "/"), UriKind.Absolute, out Uri? uri)
            || uri.HostNameType != UriHostNameType.Dns)
        {
            return null;
        }

        string ascii = uri.IdnHost.TrimEnd('.').ToLowerInvariant();
        return ascii.Length is > 0 and <= MaxHostLength ? ascii : null;
    }
}

/// <summary>What kind of referer a URL is.</summary>
internal enum RefererKind
{
    None,
    Web,
    AndroidApp,
    Other,
}

/// <summary>Host, path and query of a referer, cut out of the string without allocating.</summary>
internal readonly ref struct RefererParts
{
    public RefererKind Kind { get; init; }
    public ReadOnlySpan<char> Host { get; init; }
    public ReadOnlySpan<char> Path { get; init; }
    public ReadOnlySpan<char> Query { get; init; }

    public static RefererParts Parse(ReadOnlySpan<char> url)
    {
        int colon = url.IndexOf(':');
        if (colon <= 0 || !IsScheme(url[..colon]))
        {
            return new RefererParts { Kind = url.IsEmpty ? RefererKind.None : RefererKind.Other };
        }

        ReadOnlySpan<char> scheme = url[..colon];
        RefererKind kind = scheme.Equals("http", StringComparison.OrdinalIgnoreCase) || scheme.Equals("https", StringComparison.OrdinalIgnoreCase)
            ? RefererKind.Web
            : scheme.Equals("android-app", StringComparison.OrdinalIgnoreCase) ? RefererKind.AndroidApp : RefererKind.Other;
        ReadOnlySpan<char> rest = url[(colon + 1)..];
        if (kind == RefererKind.Other || !rest.StartsWith("//"))
        {
            return new RefererParts { Kind = RefererKind.Other };
        }

        rest = rest[2..];
        int end = rest.IndexOfAny('/', '?', '#');
        ReadOnlySpan<char> authority = end < 0 ? rest : rest[..end];
        ReadOnlySpan<char> tail = end < 0 ? default : rest[end..];

        int at = authority.LastIndexOf('@');
        if (at >= 0)
        {
            authority = authority[(at + 1)..];
        }

        ReadOnlySpan<char> host;
        if (authority.StartsWith('['))
        {
            int close = authority.IndexOf(']');
            host = close < 0 ? default : authority[..(close + 1)];
        }
        else
        {
            int port = authority.IndexOf(':');
            host = port < 0 ? authority : authority[..port];
        }

        int hash = tail.IndexOf('#');
        if (hash >= 0)
        {
            tail = tail[..hash];
        }

        int question = tail.IndexOf('?');
        return new RefererParts
        {
            Kind = kind,
            Host = host,
            Path = question < 0 ? tail : tail[..question],
            Query = question < 0 ? default : tail[(question + 1)..],
        };
    }

    private static bool IsScheme(ReadOnlySpan<char> scheme)
    {
        if (scheme.Length > 32 || !char.IsAsciiLetter(scheme[0]))
        {
            return false;
        }

        foreach (char c in scheme)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not '+' and not '-' and not '.')
            {
                return false;
            }
        }

        return true;
    }
}
