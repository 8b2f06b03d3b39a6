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
    private readonly Func<EnrichedClick, string>? _string;
    private readonly Func<EnrichedClick, bool>? _boolean;
    private readonly Func<EnrichedClick, uint>? _uint32;
    private readonly Func<EnrichedClick, DateTime>? _timestamp;
    private readonly Func<EnrichedClick, DateOnly>? _date;
    private readonly Func<EnrichedClick, Guid>? _uuid;
    private readonly Func<EnrichedClick, object> _boxed = null!;

    private ClickColumn(string name, ClickColumnType type, bool lowCardinality)
    {
        Name = name;
        Type = type;
        LowCardinality = lowCardinality;
    }

    internal ClickColumn(string name, Func<EnrichedClick, string> read, bool lowCardinality = false)
        : this(name, ClickColumnType.String, lowCardinality) => (_string, _boxed) = (read, read);

    internal ClickColumn(string name, Func<EnrichedClick, bool> read)
        : this(name, ClickColumnType.Boolean, lowCardinality: false) => (_boolean, _boxed) = (read, c => read(c));

    internal ClickColumn(string name, Func<EnrichedClick, uint> read)
        : this(name, ClickColumnType.UInt32, lowCardinality: false) => (_uint32, _boxed) = (read, c => read(c));

    internal ClickColumn(string name, Func<EnrichedClick, DateTime> read)
        : this(name, ClickColumnType.Timestamp, lowCardinality: false) => (_timestamp, _boxed) = (read, c => read(c));

    internal ClickColumn(string name, Func<EnrichedClick, DateOnly> read)
        : this(name, ClickColumnType.Date, lowCardinality: false) => (_date, _boxed) = (read, c => read(c));

    internal ClickColumn(string name, Func<EnrichedClick, Guid> read)
        : this(name, ClickColumnType.Uuid, lowCardinality: false) => (_uuid, _boxed) = (read, c => read(c));

    /// <summary>Column name (snake case).</summary>
    public string Name { get; }

    /// <summary>Column type.</summary>
    public ClickColumnType Type { get; }

    /// <summary>Whether few distinct values are expected (stores may dictionary-encode it).</summary>
    public bool LowCardinality { get; }

    /// <summary>Reads the column's value from a click, boxed; never null (strings are empty when unknown). Writers on a hot path use the typed readers.</summary>
    public object GetValue(EnrichedClick click) => _boxed(click);

    /// <summary>Reads a <see cref="ClickColumnType.String"/> column (empty when unknown).</summary>
    public string ReadString(EnrichedClick click) => (_string ?? throw WrongType(ClickColumnType.String))(click);

    /// <summary>Reads a <see cref="ClickColumnType.Boolean"/> column.</summary>
    public bool ReadBoolean(EnrichedClick click) => (_boolean ?? throw WrongType(ClickColumnType.Boolean))(click);

    /// <summary>Reads a <see cref="ClickColumnType.UInt32"/> column.</summary>
    public uint ReadUInt32(EnrichedClick click) => (_uint32 ?? throw WrongType(ClickColumnType.UInt32))(click);

    /// <summary>Reads a <see cref="ClickColumnType.Timestamp"/> column (UTC, millisecond precision).</summary>
    public DateTime ReadTimestamp(EnrichedClick click) => (_timestamp ?? throw WrongType(ClickColumnType.Timestamp))(click);

    /// <summary>Reads a <see cref="ClickColumnType.Date"/> column (the UTC day).</summary>
    public DateOnly ReadDate(EnrichedClick click) => (_date ?? throw WrongType(ClickColumnType.Date))(click);

    /// <summary>Reads a <see cref="ClickColumnType.Uuid"/> column.</summary>
    public Guid ReadUuid(EnrichedClick click) => (_uuid ?? throw WrongType(ClickColumnType.Uuid))(click);

    /// <summary>
    /// Hands the column to the visitor's method for its type: the one place a column's type is
    /// switched on. Each store maps types to its own column types and writers with one visitor.
    /// </summary>
    internal TResult Accept<TResult>(IClickColumnVisitor<TResult> visitor) => Type switch
    {
        ClickColumnType.String => visitor.VisitString(this),
        ClickColumnType.Boolean => visitor.VisitBoolean(this),
        ClickColumnType.UInt32 => visitor.VisitUInt32(this),
        ClickColumnType.Timestamp => visitor.VisitTimestamp(this),
        ClickColumnType.Date => visitor.VisitDate(this),
        _ => visitor.VisitUuid(this),
    };

    private InvalidOperationException WrongType(ClickColumnType asked) =>
        new($"Column '{Name}' is of type {Type}, not {asked}.");
}

/// <summary>
/// Something done to a column according to its type (its store type, a writer of its values, a
/// reader of stored values). <see cref="ClickColumn.Accept{TResult}"/> calls the method for the
/// column's type, so adding a type is a compile error in every visitor instead of a missed switch.
/// </summary>
internal interface IClickColumnVisitor<out TResult>
{
    TResult VisitString(ClickColumn column);
    TResult VisitBoolean(ClickColumn column);
    TResult VisitUInt32(ClickColumn column);
    TResult VisitTimestamp(ClickColumn column);
    TResult VisitDate(ClickColumn column);
    TResult VisitUuid(ClickColumn column);
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
        new("event_id", c => c.Click.EventId),
        new("timestamp", c => TruncateToMilliseconds(c.Click.Timestamp)),
        new("date", c => DateOnly.FromDateTime(c.Click.Timestamp.UtcDateTime)),
        new("tenant_id", c => c.Click.TenantId ?? ""),
        new("link_id", c => c.Click.LinkId),
        new("user_agent", c => c.Click.UserAgent ?? ""),
        new("referer", c => c.Click.Referer ?? ""),
        new("is_head", c => Enrichment.SpeculativeClicks.IsHead(c.Click.Flags)),
        new("is_prefetch", c => Enrichment.SpeculativeClicks.IsPrefetch(c.Click.Flags)),
        new("is_qr", c => (c.Click.Flags & ClickFlags.QrCode) != 0),
        new("tags", c => FormatTags(c.Click.Tags)),
        new("browser_family", c => c.BrowserFamily, lowCardinality: true),
        new("browser_major", c => c.BrowserMajor, lowCardinality: true),
        new("browser_minor", c => c.BrowserMinor, lowCardinality: true),
        new("browser_patch", c => c.BrowserPatch, lowCardinality: true),
        new("os_family", c => c.OsFamily, lowCardinality: true),
        new("os_major", c => c.OsMajor, lowCardinality: true),
        new("os_minor", c => c.OsMinor, lowCardinality: true),
        new("os_patch", c => c.OsPatch, lowCardinality: true),
        new("os_patch_minor", c => c.OsPatchMinor, lowCardinality: true),
        new("device_family", c => c.DeviceFamily, lowCardinality: true),
        new("device_brand", c => c.DeviceBrand, lowCardinality: true),
        new("device_model", c => c.DeviceModel, lowCardinality: true),
        new("device_type", c => c.DeviceType, lowCardinality: true),
        new("is_bot", c => c.IsBot),
        new("bot_class", c => c.BotClass, lowCardinality: true),
        new("bot_reasons", c => c.BotReasons, lowCardinality: true),
        new("continent", c => c.Continent, lowCardinality: true),
        new("country", c => c.Country, lowCardinality: true),
        new("region", c => c.Region, lowCardinality: true),
        new("city", c => c.City, lowCardinality: true),
        new("asn", c => c.Asn),
        new("asn_org", c => c.AsnOrganization, lowCardinality: true),
        new("geo_db", c => c.GeoDatabase, lowCardinality: true),
        new("referer_host", c => c.RefererHost, lowCardinality: true),
        new("referer_medium", c => c.RefererMedium, lowCardinality: true),
        new("referer_source", c => c.RefererSource, lowCardinality: true),
        new("search_term", c => c.SearchTerm),
        new("utm_source", c => c.UtmSource, lowCardinality: true),
        new("utm_medium", c => c.UtmMedium, lowCardinality: true),
        new("utm_campaign", c => c.UtmCampaign, lowCardinality: true),
        new("utm_term", c => c.UtmTerm),
        new("utm_content", c => c.UtmContent),
        new("language", c => c.Language, lowCardinality: true),
        new("visitor_id", c => c.VisitorId),
        new("ip", c => c.StoredIp),
        new("is_repeat", c => c.IsRepeat),
        new("repeat_of", c => c.RepeatOf),
        new("repeat_reason", c => c.RepeatReason, lowCardinality: true),
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
