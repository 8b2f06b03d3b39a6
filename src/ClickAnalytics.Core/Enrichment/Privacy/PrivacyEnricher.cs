using System;
using System.Buffers;
using System.Collections.Generic;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Options;

namespace ClickAnalytics.Enrichment.Privacy;

/// <summary>
/// Sets the visitor id (HMAC-SHA256 of IP, User-Agent and tenant under the key of the click's UTC
/// day, first 128 bits in hex) and the stored IP as <see cref="PrivacyOptions.IpStorage"/> allows.
/// A click without an IP, or from a day whose key is already destroyed, gets no visitor id.
/// </summary>
internal sealed class PrivacyEnricher(IVisitorKeyStore keys, IOptions<PrivacyOptions> options) : IClickEnricher
{
    private const int MaxStackMessage = 1024;
    private readonly IpStorage _ipStorage = options.Value.IpStorage;
    private readonly bool _visitorIds = options.Value.VisitorIds;

    public string Name => "privacy";

    public int Order => EnrichmentOrder.Privacy;

    public async ValueTask EnrichAsync(IReadOnlyList<EnrichedClick> clicks, CancellationToken cancellationToken)
    {
        for (int i = 0; i < clicks.Count; i++)
        {
            clicks[i].StoredIp = StoredIp(clicks[i].Click.ClientIp, _ipStorage);
        }

        if (!_visitorIds)
        {
            return;
        }

        // Batches nearly always hold one day, at most two around midnight. One HMAC context per day
        // and batch, reused for every click: re-creating it per click costs more than the hash.
        DateOnly day = default;
        bool dayKnown = false;
        IncrementalHash? hmac = null;
        try
        {
            for (int i = 0; i < clicks.Count; i++)
            {
                EnrichedClick click = clicks[i];
                if (click.Click.ClientIp is null)
                {
                    continue;
                }

                DateOnly clickDay = DateOnly.FromDateTime(click.Click.Timestamp.UtcDateTime);
                if (!dayKnown || clickDay != day)
                {
                    hmac?.Dispose();
                    hmac = null;
                    day = clickDay;
                    dayKnown = true;
                    ReadOnlyMemory<byte> key = await keys.GetDailyKeyAsync(day, cancellationToken).ConfigureAwait(false);
                    if (!key.IsEmpty)
                    {
                        hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, key.Span);
                    }
                }

                if (hmac is not null)
                {
                    click.VisitorId = VisitorId(hmac, click.Click);
                }
            }
        }
        finally
        {
            hmac?.Dispose();
        }
    }

    internal static string VisitorId(IncrementalHash hmac, ClickEvent click)
    {
        string userAgent = click.UserAgent ?? "";
        string tenant = click.TenantId ?? "";
        int maxLength = 16 + 2 + Encoding.UTF8.GetMaxByteCount(userAgent.Length) + Encoding.UTF8.GetMaxByteCount(tenant.Length);
        byte[]? rented = maxLength > MaxStackMessage ? ArrayPool<byte>.Shared.Rent(maxLength) : null;
        Span<byte> message = rented ?? stackalloc byte[MaxStackMessage];
        try
        {
            IPAddress ip = click.ClientIp!.IsIPv4MappedToIPv6 ? click.ClientIp.MapToIPv4() : click.ClientIp;
            ip.TryWriteBytes(message, out int length);
            // Separators keep ("a", "bc") and ("ab", "c") apart.
            message[length++] = 0;
            length += Encoding.UTF8.GetBytes(userAgent, message[length..]);
            message[length++] = 0;
            length += Encoding.UTF8.GetBytes(tenant, message[length..]);

            hmac.AppendData(message[..length]);
            Span<byte> hash = stackalloc byte[32];
            hmac.GetHashAndReset(hash);
            return Convert.ToHexStringLower(hash[..16]);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <summary>The IP as <paramref name="storage"/> allows it to be kept.</summary>
    internal static string StoredIp(IPAddress? address, IpStorage storage)
    {
        if (address is null || storage == IpStorage.None)
        {
            return "";
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (storage == IpStorage.Full)
        {
            return address.ToString();
        }

        Span<byte> bytes = stackalloc byte[16];
        if (!address.TryWriteBytes(bytes, out int written))
        {
            return "";
        }

        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            bytes[3] = 0;
            return new IPAddress(bytes[..4]).ToString();
        }

        // IPv6 /48: keep three groups.
        bytes[6..written].Clear();
        return new IPAddress(bytes[..16]).ToString();
    }
}
