using System;
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

    public string Name => "geo";

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
            for (int i = 0; i < clicks.Count; i++)
            {
                EnrichedClick click = clicks[i];
                IPAddress? address = PublicAddress(click.Click.ClientIp);
                if (address is null)
                {
                    continue;
                }

                GeoDatabaseFile? locator = address.AddressFamily == AddressFamily.InterNetworkV6 && locationV6 is not null ? locationV6 : location;
                Locate(click, address, locator);
                LocateAsn(click, address, asn);
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

    private static void Locate(EnrichedClick click, IPAddress address, GeoDatabaseFile? file)
    {
        if (file is null || !Answers(file, address))
        {
            return;
        }

        try
        {
            if (file.Layout == GeoRecordLayout.Flat)
            {
                FlatGeoRecord? flat = file.FindFlat(address);
                if (flat is null)
                {
                    return;
                }

                click.Country = Code(flat.CountryCode);
                click.Continent = Continents.Of(click.Country);
                click.Region = flat.State1 ?? "";
                click.City = flat.City ?? "";
                SetAsn(click, flat.AutonomousSystemNumber, flat.AutonomousSystemOrganization);
            }
            else
            {
                NestedGeoRecord? nested = file.FindNested(address);
                if (nested is null)
                {
                    return;
                }

                click.Country = Code(nested.Country?.IsoCode);
                click.Continent = nested.Continent?.Code is { Length: 2 } continent ? continent : Continents.Of(click.Country);
                click.Region = nested.Subdivisions is { Count: > 0 } subdivisions ? subdivisions[0].Names?.En ?? "" : "";
                click.City = nested.City?.Names?.En ?? "";
                SetAsn(click, nested.AutonomousSystemNumber, nested.AutonomousSystemOrganization);
            }

            click.GeoDatabase = file.Build;
        }
        catch (Exception ex) when (ex is InvalidDatabaseException or DeserializationException)
        {
            // A damaged record locates nothing; the click goes on.
        }
    }

    private static void LocateAsn(EnrichedClick click, IPAddress address, GeoDatabaseFile? file)
    {
        if (file is null || !Answers(file, address))
        {
            return;
        }

        try
        {
            NestedGeoRecord? record = file.FindNested(address);
            if (record?.AutonomousSystemNumber is > 0)
            {
                SetAsn(click, record.AutonomousSystemNumber, record.AutonomousSystemOrganization);
                click.GeoDatabase = click.GeoDatabase.Length == 0 ? file.Build : click.GeoDatabase + "+" + file.Build;
            }
        }
        catch (Exception ex) when (ex is InvalidDatabaseException or DeserializationException)
        {
            // As above.
        }
    }

    private static bool Answers(GeoDatabaseFile file, IPAddress address) =>
        address.AddressFamily == AddressFamily.InterNetwork || file.HasIpv6;

    private static void SetAsn(EnrichedClick click, long? number, string? organization)
    {
        if (number is > 0 and <= uint.MaxValue)
        {
            click.Asn = (uint)number.Value;
            click.AsnOrganization = organization ?? "";
        }
    }

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
