using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Text.Json;
using System.Threading;
using ClickAnalytics.Sinks.DuckDb;
using Microsoft.Extensions.Options;

namespace ClickAnalytics.Sample.Shortener;

/// <summary>
/// The shortener's own links, kept in <c>links.json</c> beside the DuckDB file so that they
/// survive a restart like their clicks do. Every change rewrites the file through a temporary
/// file and a rename, so a crash leaves the old file or the new one, never half of one. A real
/// host keeps its links in its own database.
/// </summary>
public sealed class LinkStore
{
    private const string Alphabet = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    private readonly Lock _lock = new();
    private readonly Dictionary<string, Link> _links;
    private readonly string _path;

    public LinkStore(IOptions<DuckDbOptions> options)
    {
        _path = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(options.Value.Path))!, "links.json");
        _links = File.Exists(_path)
            ? JsonSerializer.Deserialize<List<Link>>(File.ReadAllText(_path))!.ToDictionary(l => l.Code, StringComparer.Ordinal)
            : new Dictionary<string, Link>(StringComparer.Ordinal);
    }

    /// <summary>Adds a link under <paramref name="code"/>; an existing code is kept unless <paramref name="replace"/> says otherwise.</summary>
    public bool TryAdd(string code, Uri url, out Link link, bool replace = false)
    {
        lock (_lock)
        {
            if (!replace && _links.TryGetValue(code, out Link? existing))
            {
                link = existing;
                return false;
            }

            link = new Link(code, url.AbsoluteUri);
            _links[code] = link;
            Save();
            return true;
        }
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

    public Link? Find(string code)
    {
        lock (_lock)
        {
            return _links.GetValueOrDefault(code);
        }
    }

    public IReadOnlyList<Link> All()
    {
        lock (_lock)
        {
            return _links.Values.OrderBy(l => l.Code, StringComparer.Ordinal).ToList();
        }
    }

    private void Save()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(_path)!);
        string temporary = _path + ".tmp";
        File.WriteAllText(temporary, JsonSerializer.Serialize(_links.Values.OrderBy(l => l.Code, StringComparer.Ordinal)));
        File.Move(temporary, _path, overwrite: true);
    }
}

/// <summary>A short link.</summary>
public sealed record Link(string Code, string Url);
