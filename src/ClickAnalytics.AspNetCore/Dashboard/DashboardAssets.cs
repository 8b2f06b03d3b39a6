using System;
using System.Collections.Frozen;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Security.Cryptography;

namespace ClickAnalytics.AspNetCore.Dashboard;

/// <summary>
/// The dashboard's files, read once from the assembly: each with its content type, a strong ETag
/// (from its SHA-256) and a gzip copy when that is smaller.
/// </summary>
internal static class DashboardAssets
{
    private const string Prefix = "ClickAnalytics.Dashboard.";

    private static readonly (string Name, string ContentType)[] Files =
    [
        ("index.html", "text/html; charset=utf-8"),
        ("dashboard.css", "text/css; charset=utf-8"),
        ("dashboard.js", "text/javascript; charset=utf-8"),
        ("uPlot.min.css", "text/css; charset=utf-8"),
        ("uPlot.iife.min.js", "text/javascript; charset=utf-8"),
        ("favicon.svg", "image/svg+xml"),
    ];

    public static FrozenDictionary<string, DashboardAsset> All { get; } = Load();

    private static FrozenDictionary<string, DashboardAsset> Load()
    {
        var assets = new Dictionary<string, DashboardAsset>(StringComparer.Ordinal);
        foreach ((string name, string contentType) in Files)
        {
            using Stream stream = typeof(DashboardAssets).Assembly.GetManifestResourceStream(Prefix + name)
                ?? throw new InvalidOperationException($"The dashboard asset {name} is missing from the assembly.");
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            assets[name] = DashboardAsset.Create(name, contentType, buffer.ToArray());
        }

        return assets.ToFrozenDictionary(StringComparer.Ordinal);
    }
}

/// <summary>One file of the dashboard.</summary>
internal sealed record DashboardAsset(string Name, string ContentType, byte[] Content, byte[]? Gzip, string Version)
{
    /// <summary>A strong validator: the content's hash.</summary>
    public string ETag => "\"" + Version + "\"";

    public static DashboardAsset Create(string name, string contentType, byte[] content)
    {
        string version = Convert.ToHexStringLower(SHA256.HashData(content).AsSpan(0, 8));
        using var compressed = new MemoryStream();
        using (var gzip = new GZipStream(compressed, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            gzip.Write(content);
        }

        byte[]? gzipped = compressed.Length < content.Length * 0.9 ? compressed.ToArray() : null;
        return new DashboardAsset(name, contentType, content, gzipped, version);
    }
}
