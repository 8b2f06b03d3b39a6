using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Net;
using System.Threading;
using MaxMind.Db;

namespace ClickAnalytics.Enrichment.Geo;

/// <summary>Which layout a database's records use.</summary>
internal enum GeoRecordLayout
{
    Nested,
    Flat,
}

/// <summary>
/// One opened, memory-mapped <c>.mmdb</c> file, shared by every worker. Lookups hold a lease, so a
/// replaced file is unmapped only after the last batch that used it has finished with it.
/// </summary>
internal sealed class GeoDatabaseFile
{
    private readonly Reader _reader;
    // One lease belongs to the slot that owns the file; Retire gives it up.
    private int _leases = 1;

    private GeoDatabaseFile(Reader reader, GeoRecordLayout layout, FileStamp stamp)
    {
        _reader = reader;
        Layout = layout;
        Stamp = stamp;
        Metadata metadata = reader.Metadata;
        HasIpv6 = metadata.IPVersion == 6;
        // The database type and build time name the exact build that located a click.
        Build = string.Create(CultureInfo.InvariantCulture, $"{metadata.DatabaseType}@{metadata.BuildDate:yyyy-MM-ddTHH:mm:ssZ}");
    }

    public GeoRecordLayout Layout { get; }

    public FileStamp Stamp { get; }

    public bool HasIpv6 { get; }

    /// <summary>Database type and build time, e.g. <c>GeoLite2-City@2026-06-17T19:51:40Z</c>.</summary>
    public string Build { get; }

    /// <summary>Opens and memory-maps <paramref name="path"/>; throws when it is missing or not a MaxMind DB.</summary>
    public static GeoDatabaseFile Open(string path)
    {
        FileStamp stamp = FileStamp.Of(path);
        var reader = new Reader(path, FileAccessMode.MemoryMapped);
        try
        {
            return new GeoDatabaseFile(reader, DetectLayout(reader), stamp);
        }
        catch
        {
            reader.Dispose();
            throw;
        }
    }

    public bool TryAcquire()
    {
        while (true)
        {
            int leases = Volatile.Read(ref _leases);
            if (leases == 0)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref _leases, leases + 1, leases) == leases)
            {
                return true;
            }
        }
    }

    public void Release()
    {
        if (Interlocked.Decrement(ref _leases) == 0)
        {
            _reader.Dispose();
        }
    }

    /// <summary>The owner lets go; the file is unmapped once no lookup holds it.</summary>
    public void Retire() => Release();

    public bool IsDisposed => Volatile.Read(ref _leases) == 0;

    /// <summary>The record for a public address, or null. Only call while holding a lease.</summary>
    public NestedGeoRecord? FindNested(IPAddress address) => _reader.Find<NestedGeoRecord>(address);

    /// <summary>The record for a public address, or null. Only call while holding a lease.</summary>
    public FlatGeoRecord? FindFlat(IPAddress address) => _reader.Find<FlatGeoRecord>(address);

    private static GeoRecordLayout DetectLayout(Reader reader)
    {
        // The first few records tell the layout; flat databases have no nested "country" map.
        int seen = 0;
        foreach (Reader.ReaderIteratorNode<Dictionary<string, object>> node in reader.FindAll<Dictionary<string, object>>())
        {
            Dictionary<string, object> data = node.Data;
            if (data.ContainsKey("country_code") || data.TryGetValue("city", out object? city) && city is string)
            {
                return GeoRecordLayout.Flat;
            }

            if (data.ContainsKey("country") || data.ContainsKey("continent") || data.ContainsKey("city") || data.ContainsKey("autonomous_system_number"))
            {
                return GeoRecordLayout.Nested;
            }

            if (++seen == 16)
            {
                break;
            }
        }

        return GeoRecordLayout.Nested;
    }
}

/// <summary>What tells a replaced file from the one that is open.</summary>
internal readonly record struct FileStamp(DateTime LastWriteUtc, long Length)
{
    public static FileStamp Of(string path)
    {
        var info = new FileInfo(path);
        return info.Exists ? new FileStamp(info.LastWriteTimeUtc, info.Length) : default;
    }
}
