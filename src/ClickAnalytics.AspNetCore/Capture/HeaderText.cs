using System;
using System.Buffers;
using System.Net;
using System.Net.Sockets;

namespace ClickAnalytics.AspNetCore.Capture;

/// <summary>
/// Makes header text safe to show: control characters (C0, DEL, C1, which include the escape that
/// starts a terminal sequence) and the Unicode controls that reorder text (bidirectional embeddings,
/// overrides and isolates) become U+FFFD, so a dashboard or a terminal printing a stored User-Agent
/// or referer shows a mark instead of obeying it. Text without them, nearly all of it, is returned
/// as it is, without allocating.
/// </summary>
internal static class HeaderText
{
    private static readonly SearchValues<char> Unsafe = SearchValues.Create(Characters());

    public static string? Clean(string? value)
    {
        if (value is null)
        {
            return null;
        }

        int first = value.AsSpan().IndexOfAny(Unsafe);
        if (first < 0)
        {
            return value;
        }

        return string.Create(value.Length, (value, first), static (span, state) =>
        {
            state.value.AsSpan().CopyTo(span);
            Span<char> rest = span[state.first..];
            int next = 0;
            while ((next = rest.IndexOfAny(Unsafe)) >= 0)
            {
                rest[next] = '\uFFFD';
                rest = rest[(next + 1)..];
            }
        });
    }

    /// <summary>
    /// The address without an IPv6 zone index (<c>fe80::1%eth0</c> is <c>fe80::1</c>): the zone
    /// names an interface of the machine that parsed it, which says nothing about the visitor.
    /// </summary>
    public static IPAddress? WithoutZone(IPAddress? address) =>
        address is { AddressFamily: AddressFamily.InterNetworkV6, ScopeId: not 0 } ? new IPAddress(address.GetAddressBytes()) : address;

    private static char[] Characters()
    {
        var characters = new System.Collections.Generic.List<char>();
        for (char c = '\0'; c < ' '; c++)
        {
            characters.Add(c);
        }

        for (char c = '\u007F'; c <= '\u009F'; c++)
        {
            characters.Add(c);
        }

        characters.AddRange(['\u061C', '\u200E', '\u200F', '\u202A', '\u202B', '\u202C', '\u202D', '\u202E', '\u2066', '\u2067', '\u2068', '\u2069']);
        return [.. characters];
    }
}
