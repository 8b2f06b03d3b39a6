using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using MaxMind.Db;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ClickAnalytics.Enrichment.Geo;

/// <summary>
/// Locates the client address: continent, country, first subdivision, city, and the autonomous
/// system when an ASN database is configured. Private, loopback, link-local and other
/// non-public addresses get no location. Each located click records the database build.
/// </summary>
internal sealed class GeoEnricher : IClickEnricher, IDisposable
{
    private readonly GeoDatabaseSlot? _location;
    private readonly GeoDatabaseSlot? _locationV6;
    private readonly GeoDatabaseSlot? _asn;
    private GeoCache _cache = new(null, null, null);

    public GeoEnricher(IOptions<GeoOptions> options, TimeProvider timeProvider, ILogger<GeoEnricher> logger)
    {
        GeoOptions o = options.Value;
        if (!o.Enabled)
        {
            return;
        }

        _location = Slot(o.DatabasePath, o, timeProvider, logger);
        _locationV6 = Slot(o.Ipv6DatabasePath, o, timeProvider, logger);
        _asn = Slot(o.AsnDatabasePath, o, timeProvider, logger);
    }

    public string Name => EnrichmentStages.Geo;

    public int Order => EnrichmentOrder.Geo;

    public ValueTask EnrichAsync(IReadOnlyList<EnrichedClick> clicks, CancellationToken cancellationToken)
    {
        if (_location is null && _locationV6 is null && _asn is null)
        {
            return ValueTask.CompletedTask;
        }

        _location?.CheckForReplacement();
        _locationV6?.CheckForReplacement();
        _asn?.CheckForReplacement();

        GeoDatabaseFile? location = _location?.Acquire();
        GeoDatabaseFile? locationV6 = _locationV6?.Acquire();
        GeoDatabaseFile? asn = _asn?.Acquire();
        try
        {
            GeoCache cache = Volatile.Read(ref _cache);
            if (!cache.Serves(location, locationV6, asn))
            {
                // A database was swapped: answers of the old one must not outlive it.
                cache = new GeoCache(location, locationV6, asn);
                Volatile.Write(ref _cache, cache);
            }

            Span<byte> bytes = stackalloc byte[16];
            for (int i = 0; i < clicks.Count; i++)
            {
                EnrichedClick click = clicks[i];
                IPAddress? address = PublicAddress(click.Click.ClientIp);
                if (address is null || !address.TryWriteBytes(bytes, out int written))
                {
                    continue;
                }

                UInt128 key = written == 4
                    ? new UInt128(0, 0xFFFF_0000_0000UL | System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(bytes))
                    : System.Buffers.Binary.BinaryPrimitives.ReadUInt128BigEndian(bytes);
                if (!cache.Results.TryGetValue(key, out GeoResult? result))
                {
                    GeoDatabaseFile? locator = address.AddressFamily == AddressFamily.InterNetworkV6 && locationV6 is not null ? locationV6 : location;
                    result = Locate(address, locator, asn);
                    cache.Add(key, result);
                }

                result.ApplyTo(click);
            }
        }
        finally
        {
            location?.Release();
            locationV6?.Release();
            asn?.Release();
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>The address to look up (IPv4-mapped IPv6 as IPv4), or null when it is not a public unicast address.</summary>
    internal static IPAddress? PublicAddress(IPAddress? address)
    {
        if (address is null)
        {
            return null;
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        Span<byte> bytes = stackalloc byte[16];
        if (!address.TryWriteBytes(bytes, out int written))
        {
            return null;
        }

        if (address.AddressFamily == AddressFamily.InterNetwork && written == 4)
        {
            byte a = bytes[0], b = bytes[1];
            bool local = a == 0 || a == 10 || a == 127 || a >= 224
                || a == 169 && b == 254
                || a == 172 && (b & 0xF0) == 16
                || a == 192 && b == 168
                || a == 100 && (b & 0xC0) == 64; // carrier-grade NAT
            return local ? null : address;
        }

        if (address.AddressFamily == AddressFamily.InterNetworkV6 && written == 16)
        {
            bool local = address.IsIPv6LinkLocal || address.IsIPv6SiteLocal || address.IsIPv6Multicast
                || IPAddress.IPv6Loopback.Equals(address) || IPAddress.IPv6Any.Equals(address)
                || (bytes[0] & 0xFE) == 0xFC; // unique local fc00::/7
            return local ? null : address;
        }

        return null;
    }

    private static GeoResult Locate(IPAddress address, GeoDatabaseFile? file, GeoDatabaseFile? asnFile)
    {
        var result = new GeoResult();
        if (file is not null && Answers(file, address))
        {
            try
            {
                if (file.Layout == GeoRecordLayout.Flat)
                {
                    if (file.FindFlat(address) is { } flat)
                    {
                        result.Country = Code(flat.CountryCode);
                        result.Continent = Continents.Of(result.Country);
                        result.Region = flat.State1 ?? "";
                        result.City = flat.City ?? "";
                        result.SetAsn(flat.AutonomousSystemNumber, flat.AutonomousSystemOrganization);
                        result.Database = file.Build;
                    }
                }
                else if (file.FindNested(address) is { } nested)
                {
                    result.Country = Code(nested.Country?.IsoCode);
                    result.Continent = nested.Continent?.Code is { Length: 2 } continent ? continent : Continents.Of(result.Country);
                    result.Region = nested.Subdivisions is { Count: > 0 } subdivisions ? subdivisions[0].Names?.En ?? "" : "";
                    result.City = nested.City?.Names?.En ?? "";
                    result.SetAsn(nested.AutonomousSystemNumber, nested.AutonomousSystemOrganization);
                    result.Database = file.Build;
                }
            }
            catch (Exception ex) when (ex is InvalidDatabaseException or DeserializationException)
            {
                // A damaged record locates nothing; the click goes on.
            }
        }

        if (asnFile is not null && Answers(asnFile, address))
        {
            try
            {
                if (asnFile.FindNested(address) is { AutonomousSystemNumber: > 0 } record)
                {
                    result.SetAsn(record.AutonomousSystemNumber, record.AutonomousSystemOrganization);
                    result.Database = result.Database.Length == 0 ? asnFile.Build : result.Database + "+" + asnFile.Build;
                }
            }
            catch (Exception ex) when (ex is InvalidDatabaseException or DeserializationException)
            {
                // As above.
            }
        }

        return result;
    }

    private static bool Answers(GeoDatabaseFile file, IPAddress address) =>
        address.AddressFamily == AddressFamily.InterNetwork || file.HasIpv6;

    private static string Code(string? code) => code is { Length: 2 } ? code : "";

    private static GeoDatabaseSlot? Slot(string? path, GeoOptions options, TimeProvider timeProvider, ILogger logger) =>
        string.IsNullOrWhiteSpace(path) ? null : new GeoDatabaseSlot(path, options.ReloadCheckInterval, timeProvider, logger);

    public void Dispose()
    {
        _location?.Dispose();
        _locationV6?.Dispose();
        _asn?.Dispose();
    }
}

/// <summary>What the databases say about one address.</summary>
internal sealed class GeoResult
{
    public string Continent { get; set; } = "";
    public string Country { get; set; } = "";
    public string Region { get; set; } = "";
    public string City { get; set; } = "";
    public uint Asn { get; set; }
    public string AsnOrganization { get; set; } = "";
    public string Database { get; set; } = "";

    public void SetAsn(long? number, string? organization)
    {
        if (number is > 0 and <= uint.MaxValue)
        {
            Asn = (uint)number.Value;
            AsnOrganization = organization ?? "";
        }
    }

    public void ApplyTo(EnrichedClick click)
    {
        click.Continent = Continent;
        click.Country = Country;
        click.Region = Region;
        click.City = City;
        click.Asn = Asn;
        click.AsnOrganization = AsnOrganization;
        click.GeoDatabase = Database;
    }
}

/// <summary>
/// Answers for recently seen addresses (visitors come back, many share a NAT), valid for one set of
/// open files. Held in memory only, never stored; emptied when it reaches its capacity.
/// </summary>
internal sealed class GeoCache(GeoDatabaseFile? location, GeoDatabaseFile? locationV6, GeoDatabaseFile? asn)
{
    public const int Capacity = 65_536;

    public ConcurrentDictionary<UInt128, GeoResult> Results { get; } = new();

    public bool Serves(GeoDatabaseFile? l, GeoDatabaseFile? l6, GeoDatabaseFile? a) =>
        ReferenceEquals(l, location) && ReferenceEquals(l6, locationV6) && ReferenceEquals(a, asn);

    private int _count;

    public void Add(UInt128 key, GeoResult result)
    {
        if (Interlocked.Increment(ref _count) > Capacity)
        {
            Results.Clear();
            Interlocked.Exchange(ref _count, 0);
        }

        Results.TryAdd(key, result);
    }
}
