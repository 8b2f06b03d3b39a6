using System;
using System.Buffers;
using System.Collections.Generic;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Options;

namespace ClickAnalytics.Enrichment.Privacy;

/// <summary>
/// Sets the visitor id (SipHash-2-4, 128-bit output, of IP, User-Agent and tenant under the key of
/// the click's UTC day, in hex) and the stored IP as <see cref="PrivacyOptions.IpStorage"/> allows.
/// A click without an IP, or from a day whose key is already destroyed, gets no visitor id.
/// </summary>
internal sealed class PrivacyEnricher(IVisitorKeyStore keys, IOptions<PrivacyOptions> options) : IClickEnricher
{
    private const int MaxStackMessage = 1024;
    private readonly IpStorage _ipStorage = options.Value.IpStorage;
    private readonly bool _visitorIds = options.Value.VisitorIds;

    public string Name => EnrichmentStages.Privacy;

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

        // Batches nearly always hold one day, at most two around midnight: the key is fetched once
        // per day and batch.
        DateOnly day = default;
        bool dayKnown = false;
        SipHash128? hash = null;
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
                day = clickDay;
                dayKnown = true;
                ReadOnlyMemory<byte> key = await keys.GetDailyKeyAsync(day, cancellationToken).ConfigureAwait(false);
                hash = key.IsEmpty ? null : new SipHash128(key.Span);
            }

            if (hash is { } keyed)
            {
                click.VisitorId = VisitorId(keyed, click.Click);
            }
        }
    }

    /// <summary>The visitor id of one click: the hash of its IP bytes, 0, User-Agent, 0 and tenant, in hex.</summary>
    internal static string VisitorId(SipHash128 hash, ClickEvent click)
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

            Span<byte> id = stackalloc byte[16];
            hash.Hash(message[..length], id);
            return Convert.ToHexStringLower(id);
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
