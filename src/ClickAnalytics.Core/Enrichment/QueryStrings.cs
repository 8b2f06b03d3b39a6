using System;

namespace ClickAnalytics.Enrichment;

/// <summary>Reads single values from raw query strings without building a dictionary.</summary>
internal static class QueryStrings
{
    /// <summary>
    /// The decoded value of the first parameter named <paramref name="name"/> (ordinal, case-insensitive),
    /// or null when absent. '+' decodes to a space; invalid percent-encoding is kept as written.
    /// </summary>
    public static string? GetValue(ReadOnlySpan<char> query, ReadOnlySpan<char> name) =>
        TryGetRawValue(query, name, out ReadOnlySpan<char> raw) ? Decode(raw) : null;

    /// <summary>The undecoded value of the first parameter named <paramref name="name"/>, without allocating.</summary>
    internal static bool TryGetRawValue(ReadOnlySpan<char> query, ReadOnlySpan<char> name, out ReadOnlySpan<char> value)
    {
        if (!query.IsEmpty && query[0] == '?')
        {
            query = query[1..];
        }

        while (!query.IsEmpty)
        {
            int amp = query.IndexOf('&');
            ReadOnlySpan<char> pair = amp < 0 ? query : query[..amp];
            query = amp < 0 ? ReadOnlySpan<char>.Empty : query[(amp + 1)..];

            int eq = pair.IndexOf('=');
            ReadOnlySpan<char> key = eq < 0 ? pair : pair[..eq];
            if (key.Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                value = eq < 0 ? ReadOnlySpan<char>.Empty : pair[(eq + 1)..];
                return true;
            }
        }

        value = default;
        return false;
    }

    /// <summary>The query part of an absolute or relative URL (without '?' and fragment), or empty.</summary>
    public static ReadOnlySpan<char> QueryOf(ReadOnlySpan<char> url)
    {
        int q = url.IndexOf('?');
        if (q < 0)
        {
            return ReadOnlySpan<char>.Empty;
        }

        ReadOnlySpan<char> query = url[(q + 1)..];
        int hash = query.IndexOf('#');
        return hash < 0 ? query : query[..hash];
    }

    internal static string Decode(ReadOnlySpan<char> value)
    {
        if (value.IndexOfAny('+', '%') < 0)
        {
            return value.ToString();
        }

        string plusDecoded = value.ToString().Replace('+', ' ');
        // UnescapeDataString leaves invalid escapes as they are instead of throwing.
        return Uri.UnescapeDataString(plusDecoded);
    }
}
