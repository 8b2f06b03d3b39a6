using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Security.Cryptography;

namespace ClickAnalytics.Sample.Shortener;

/// <summary>The shortener's own links, in memory. A real host keeps them in its database.</summary>
public sealed class LinkStore
{
    private const string Alphabet = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    private readonly ConcurrentDictionary<string, Link> _links = new(StringComparer.Ordinal);

    public bool TryAdd(string code, Uri url, out Link link)
    {
        link = new Link(code, url.AbsoluteUri);
        return _links.TryAdd(code, link);
    }

    public Link Add(Uri url)
    {
        while (true)
        {
            if (TryAdd(RandomNumberGenerator.GetString(Alphabet, 7), url, out Link link))
            {
                return link;
            }
        }
    }

    public Link? Find(string code) => _links.TryGetValue(code, out Link? link) ? link : null;

    public IReadOnlyList<Link> All() => _links.Values.OrderBy(l => l.Code, StringComparer.Ordinal).ToList();
}

/// <summary>A short link.</summary>
public sealed record Link(string Code, string Url);
