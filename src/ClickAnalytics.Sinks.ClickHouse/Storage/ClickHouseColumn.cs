using System;
using System.Globalization;
using System.Text.Json;
using ClickAnalytics.Storage;

namespace ClickAnalytics.Sinks.ClickHouse.Storage;

/// <summary>
/// One column of the raw clicks table as this server keeps it: its ClickHouse type (for the DDL and
/// for the RowBinary insert, which declares it), its codec, the value an insert sends for a click,
/// and how a JSONEachRow answer gives the stored value back with the type <see cref="StoredClick"/>
/// promises. Made by <see cref="ClickHouseColumnMapping"/>, the one place column types are told apart.
/// </summary>
internal sealed class ClickHouseColumn
{
    private readonly Func<EnrichedClick, object> _insertValue;
    private readonly Func<JsonElement, object> _read;

    public ClickHouseColumn(ClickColumn column, string type, string codec, string selectExpression, Func<EnrichedClick, object> insertValue, Func<JsonElement, object> read)
    {
        Column = column;
        Type = type;
        Codec = codec;
        SelectExpression = selectExpression;
        _insertValue = insertValue;
        _read = read;
    }

    public ClickColumn Column { get; }

    public string Name => Column.Name;

    /// <summary>The ClickHouse type, as the table and the insert declare it.</summary>
    public string Type { get; }

    /// <summary>The column's codec clause, or empty.</summary>
    public string Codec { get; }

    /// <summary>Type and codec, as the table's DDL has them.</summary>
    public string Definition => Codec.Length == 0 ? Type : Type + " " + Codec;

    /// <summary>The expression a read selects (named as the column), so the answer has one text form whatever the server's time zone.</summary>
    public string SelectExpression { get; }

    /// <summary>The value a RowBinary insert sends for this column of <paramref name="click"/>.</summary>
    public object InsertValue(EnrichedClick click) => _insertValue(click);

    /// <summary>The stored value from a JSONEachRow answer, typed as <see cref="ClickColumn.Type"/> says.</summary>
    public object Read(JsonElement value) => _read(value);
}

/// <summary>Maps each <see cref="ClickColumnType"/> to its ClickHouse column on a server with the given features.</summary>
internal sealed class ClickHouseColumnMapping(ServerFeatures features) : IClickColumnVisitor<ClickHouseColumn>
{
    private static readonly string[] TimestampFormats = ["yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd HH:mm:ss.FFFFFFF"];

    // Clicks arrive in time order within a link, so deltas are small.
    private string DeltaCodec => features.Codecs ? "CODEC(Delta, ZSTD(1))" : "";

    private string Zstd => features.Codecs ? "CODEC(ZSTD(1))" : "";

    public ClickHouseColumn Map(ClickColumn column) => column.Accept(this);

    public ClickHouseColumn VisitString(ClickColumn column)
    {
        bool dictionary = column.LowCardinality && features.LowCardinality;
        return new(
            column,
            dictionary ? "LowCardinality(String)" : "String",
            dictionary ? "" : Zstd,
            column.Name,
            column.ReadString,
            static v => v.GetString()!);
    }

    public ClickHouseColumn VisitBoolean(ClickColumn column) =>
        new(column, "UInt8", "", column.Name, c => column.ReadBoolean(c) ? (byte)1 : (byte)0, static v => v.GetInt32() != 0);

    public ClickHouseColumn VisitUInt32(ClickColumn column) =>
        new(column, "UInt32", Zstd, column.Name, c => column.ReadUInt32(c), static v => v.GetUInt32());

    public ClickHouseColumn VisitTimestamp(ClickColumn column) =>
        new(
            column,
            // Servers before DateTime64 keep whole seconds; RowBinary sends Unix time, so the server's time zone does not matter.
            features.DateTime64 ? "DateTime64(3, 'UTC')" : "DateTime",
            DeltaCodec,
            $"toString({column.Name}, 'UTC') AS {column.Name}",
            c => column.ReadTimestamp(c),
            static v => DateTime.ParseExact(
                v.GetString()!, TimestampFormats, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal));

    public ClickHouseColumn VisitDate(ClickColumn column) =>
        new(
            column,
            "Date",
            DeltaCodec,
            $"toString({column.Name}) AS {column.Name}",
            c => column.ReadDate(c).ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc),
            static v => DateOnly.ParseExact(v.GetString()!, "yyyy-MM-dd", CultureInfo.InvariantCulture));

    public ClickHouseColumn VisitUuid(ClickColumn column) =>
        new(column, "UUID", "", $"toString({column.Name}) AS {column.Name}", c => column.ReadUuid(c), static v => Guid.Parse(v.GetString()!));
}
