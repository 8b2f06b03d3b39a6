using System;
using System.Buffers;
using System.Collections.Generic;
using System.Text.Json;

namespace ClickAnalytics.Storage;

/// <summary>The type of a stored column, mapped by each store to its own type.</summary>
public enum ClickColumnType
{
    /// <summary>Text; empty when unknown.</summary>
    String,
    /// <summary>True or false.</summary>
    Boolean,
    /// <summary>Unsigned 32-bit integer.</summary>
    UInt32,
    /// <summary>UTC instant with millisecond precision (<see cref="DateTime"/>, kind UTC).</summary>
    Timestamp,
    /// <summary>UTC calendar day (<see cref="DateOnly"/>).</summary>
    Date,
    /// <summary>UUID (<see cref="Guid"/>).</summary>
    Uuid,
}

/// <summary>One column of the raw clicks table: its name, type, and how it is read from a click.</summary>
public sealed class ClickColumn
{
    internal ClickColumn(string name, ClickColumnType type, Func<EnrichedClick, object> getValue, bool lowCardinality = false)
    {
        Name = name;
        Type = type;
        GetValue = getValue;
        LowCardinality = lowCardinality;
    }

    /// <summary>Column name (snake case).</summary>
    public string Name { get; }

    /// <summary>Column type.</summary>
    public ClickColumnType Type { get; }

    /// <summary>Whether few distinct values are expected (stores may dictionary-encode it).</summary>
    public bool LowCardinality { get; }

    /// <summary>Reads the column's value from a click; never null (strings are empty when unknown).</summary>
    public Func<EnrichedClick, object> GetValue { get; }
}

/// <summary>
/// The raw clicks table that every store keeps: one list, so ClickHouse, DuckDB and Parquet agree
/// on names, types and order. Custom dimensions come after these columns, as strings.
/// </summary>
public static class ClickSchema
{
    /// <summary>Name of the raw clicks table.</summary>
    public const string ClicksTable = "clicks";

    /// <summary>Longest custom dimension name.</summary>
    public const int MaxDimensionNameLength = 64;

    /// <summary>The fixed columns, in storage order.</summary>
    public static IReadOnlyList<ClickColumn> Columns { get; } =
    [
        new("event_id", ClickColumnType.Uuid, c => c.Click.EventId),
        new("timestamp", ClickColumnType.Timestamp, c => TruncateToMilliseconds(c.Click.Timestamp)),
        new("date", ClickColumnType.Date, c => DateOnly.FromDateTime(c.Click.Timestamp.UtcDateTime)),
        new("tenant_id", ClickColumnType.String, c => c.Click.TenantId ?? ""),
        new("link_id", ClickColumnType.String, c => c.Click.LinkId),
        new("user_agent", ClickColumnType.String, c => c.Click.UserAgent ?? ""),
        new("referer", ClickColumnType.String, c => c.Click.Referer ?? ""),
        new("is_head", ClickColumnType.Boolean, c => (c.Click.Flags & ClickFlags.HeadRequest) != 0),
        new("is_prefetch", ClickColumnType.Boolean, c => (c.Click.Flags & (ClickFlags.Prefetch | ClickFlags.Prerender)) != 0),
        new("is_qr", ClickColumnType.Boolean, c => (c.Click.Flags & ClickFlags.QrCode) != 0),
        new("tags", ClickColumnType.String, c => FormatTags(c.Click.Tags)),
        new("browser_family", ClickColumnType.String, c => c.BrowserFamily, lowCardinality: true),
        new("browser_major", ClickColumnType.String, c => c.BrowserMajor, lowCardinality: true),
        new("browser_minor", ClickColumnType.String, c => c.BrowserMinor, lowCardinality: true),
        new("browser_patch", ClickColumnType.String, c => c.BrowserPatch, lowCardinality: true),
        new("os_family", ClickColumnType.String, c => c.OsFamily, lowCardinality: true),
        new("os_major", ClickColumnType.String, c => c.OsMajor, lowCardinality: true),
        new("os_minor", ClickColumnType.String, c => c.OsMinor, lowCardinality: true),
        new("os_patch", ClickColumnType.String, c => c.OsPatch, lowCardinality: true),
        new("os_patch_minor", ClickColumnType.String, c => c.OsPatchMinor, lowCardinality: true),
        new("device_family", ClickColumnType.String, c => c.DeviceFamily, lowCardinality: true),
        new("device_brand", ClickColumnType.String, c => c.DeviceBrand, lowCardinality: true),
        new("device_model", ClickColumnType.String, c => c.DeviceModel, lowCardinality: true),
        new("device_type", ClickColumnType.String, c => c.DeviceType, lowCardinality: true),
        new("is_bot", ClickColumnType.Boolean, c => c.IsBot),
        new("bot_class", ClickColumnType.String, c => c.BotClass, lowCardinality: true),
        new("bot_reasons", ClickColumnType.String, c => c.BotReasons, lowCardinality: true),
        new("continent", ClickColumnType.String, c => c.Continent, lowCardinality: true),
        new("country", ClickColumnType.String, c => c.Country, lowCardinality: true),
        new("region", ClickColumnType.String, c => c.Region, lowCardinality: true),
        new("city", ClickColumnType.String, c => c.City, lowCardinality: true),
        new("asn", ClickColumnType.UInt32, c => c.Asn),
        new("asn_org", ClickColumnType.String, c => c.AsnOrganization, lowCardinality: true),
        new("geo_db", ClickColumnType.String, c => c.GeoDatabase, lowCardinality: true),
        new("referer_host", ClickColumnType.String, c => c.RefererHost, lowCardinality: true),
        new("referer_medium", ClickColumnType.String, c => c.RefererMedium, lowCardinality: true),
        new("referer_source", ClickColumnType.String, c => c.RefererSource, lowCardinality: true),
        new("search_term", ClickColumnType.String, c => c.SearchTerm),
        new("utm_source", ClickColumnType.String, c => c.UtmSource, lowCardinality: true),
        new("utm_medium", ClickColumnType.String, c => c.UtmMedium, lowCardinality: true),
        new("utm_campaign", ClickColumnType.String, c => c.UtmCampaign, lowCardinality: true),
        new("utm_term", ClickColumnType.String, c => c.UtmTerm),
        new("utm_content", ClickColumnType.String, c => c.UtmContent),
        new("language", ClickColumnType.String, c => c.Language, lowCardinality: true),
        new("visitor_id", ClickColumnType.String, c => c.VisitorId),
        new("ip", ClickColumnType.String, c => c.StoredIp),
        new("is_repeat", ClickColumnType.Boolean, c => c.IsRepeat),
        new("repeat_of", ClickColumnType.Uuid, c => c.RepeatOf),
        new("repeat_reason", ClickColumnType.String, c => c.RepeatReason, lowCardinality: true),
    ];

    /// <summary>Throws when <paramref name="name"/> is not a valid custom dimension name or clashes with a fixed column.</summary>
    public static void ValidateDimensionName(string name)
    {
        if (!IsValidDimensionName(name))
        {
            throw new ArgumentException(
                $"'{name}' is not a valid dimension name: use 1-{MaxDimensionNameLength} characters [a-z0-9_], starting with a letter, not a built-in column name.",
                nameof(name));
        }
    }

    /// <summary>Whether <paramref name="name"/> can be a custom dimension (and so a column name that needs no quoting).</summary>
    public static bool IsValidDimensionName(string? name)
    {
        if (string.IsNullOrEmpty(name) || name.Length > MaxDimensionNameLength || name[0] is < 'a' or > 'z')
        {
            return false;
        }

        foreach (char ch in name)
        {
            if (ch is not ((>= 'a' and <= 'z') or (>= '0' and <= '9') or '_'))
            {
                return false;
            }
        }

        return !FixedNames.Contains(name);
    }

    private static readonly HashSet<string> FixedNames = BuildFixedNames();

    private static HashSet<string> BuildFixedNames()
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (ClickColumn column in Columns)
        {
            names.Add(column.Name);
        }

        return names;
    }

    private static DateTime TruncateToMilliseconds(DateTimeOffset timestamp)
    {
        DateTime utc = timestamp.UtcDateTime;
        return new DateTime(utc.Ticks - (utc.Ticks % TimeSpan.TicksPerMillisecond), DateTimeKind.Utc);
    }

    private static string FormatTags(IReadOnlyDictionary<string, string>? tags)
    {
        if (tags is null || tags.Count == 0)
        {
            return "";
        }

        var buffer = new ArrayBufferWriter<byte>(64);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            foreach (KeyValuePair<string, string> tag in tags)
            {
                writer.WriteString(tag.Key, tag.Value);
            }

            writer.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
