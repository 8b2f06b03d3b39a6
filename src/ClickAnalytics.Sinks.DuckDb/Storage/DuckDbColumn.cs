using System;
using System.Collections.Generic;
using System.Data.Common;
using System.Linq;
using ClickAnalytics.Storage;

namespace ClickAnalytics.Sinks.DuckDb.Storage;

/// <summary>
/// A <see cref="ClickSchema"/> column as the DuckDB store handles it: its DuckDB type, how a click's
/// value is appended, how a stored value is read back (typed as <see cref="ClickColumn.Type"/>
/// says), and how a click's value is compared with a remembered one. The one place in this package
/// that maps a column type to DuckDB; <see cref="For"/> picks the subclass through
/// <see cref="ClickColumn.Accept{TResult}"/>, so a new column type is a compile error here and
/// nowhere else.
/// </summary>
internal abstract class DuckDbColumn(ClickColumn column)
{
    private static readonly Dictionary<ClickColumn, DuckDbColumn> BySchemaColumn =
        ClickSchema.Columns.ToDictionary(c => c, c => c.Accept(Factory.Instance));

    /// <summary>The schema column.</summary>
    public ClickColumn Column { get; } = column;

    /// <summary>The column's name.</summary>
    public string Name => Column.Name;

    /// <summary>DuckDB's type for the column.</summary>
    public abstract string SqlType { get; }

    /// <summary>The DuckDB handling of a schema column.</summary>
    public static DuckDbColumn For(ClickColumn column) => BySchemaColumn[column];

    /// <summary>Appends the click's value at <paramref name="index"/> of the row being filled.</summary>
    public abstract void Append(DuckDbChunkAppender appender, int index, EnrichedClick click);

    /// <summary>Reads a stored value as <see cref="StoredClick.Values"/> holds it.</summary>
    public abstract object Read(DbDataReader reader, int ordinal);

    /// <summary>The click's value, boxed as <see cref="Read"/> gives a stored one (text before NULs are replaced, see <see cref="DuckDbText"/>).</summary>
    public object ValueOf(EnrichedClick click) => Column.GetValue(click);

    /// <summary>Whether the click's value equals <paramref name="stored"/>, a value from <see cref="ValueOf"/> or <see cref="Read"/>.</summary>
    public abstract bool HasValue(EnrichedClick click, object stored);

    /// <summary>Adds the click's value to <paramref name="hash"/>, exactly as adding its boxed value would.</summary>
    public abstract void AddToHash(ref HashCode hash, EnrichedClick click);

    private sealed class Factory : IClickColumnVisitor<DuckDbColumn>
    {
        public static readonly Factory Instance = new();

        public DuckDbColumn VisitString(ClickColumn column) => new Text(column);

        public DuckDbColumn VisitBoolean(ClickColumn column) => new Boolean(column);

        public DuckDbColumn VisitUInt32(ClickColumn column) => new UInt32(column);

        public DuckDbColumn VisitTimestamp(ClickColumn column) => new Timestamp(column);

        public DuckDbColumn VisitDate(ClickColumn column) => new Date(column);

        public DuckDbColumn VisitUuid(ClickColumn column) => new Uuid(column);
    }

    private sealed class Text(ClickColumn column) : DuckDbColumn(column)
    {
        public override string SqlType => "VARCHAR";

        public override void Append(DuckDbChunkAppender appender, int index, EnrichedClick click) =>
            appender.SetString(index, DuckDbText.Clean(Column.ReadString(click)));

        public override object Read(DbDataReader reader, int ordinal) => reader.GetString(ordinal);

        public override bool HasValue(EnrichedClick click, object stored) => string.Equals(Column.ReadString(click), (string)stored, StringComparison.Ordinal);

        public override void AddToHash(ref HashCode hash, EnrichedClick click) => hash.Add(Column.ReadString(click));
    }

    private sealed class Boolean(ClickColumn column) : DuckDbColumn(column)
    {
        public override string SqlType => "BOOLEAN";

        public override void Append(DuckDbChunkAppender appender, int index, EnrichedClick click) => appender.SetBoolean(index, Column.ReadBoolean(click));

        public override object Read(DbDataReader reader, int ordinal) => reader.GetBoolean(ordinal);

        public override bool HasValue(EnrichedClick click, object stored) => Column.ReadBoolean(click) == (bool)stored;

        public override void AddToHash(ref HashCode hash, EnrichedClick click) => hash.Add(Column.ReadBoolean(click));
    }

    private sealed class UInt32(ClickColumn column) : DuckDbColumn(column)
    {
        public override string SqlType => "UINTEGER";

        public override void Append(DuckDbChunkAppender appender, int index, EnrichedClick click) => appender.SetUInt32(index, Column.ReadUInt32(click));

        public override object Read(DbDataReader reader, int ordinal) => reader.GetFieldValue<uint>(ordinal);

        public override bool HasValue(EnrichedClick click, object stored) => Column.ReadUInt32(click) == (uint)stored;

        public override void AddToHash(ref HashCode hash, EnrichedClick click) => hash.Add(Column.ReadUInt32(click));
    }

    private sealed class Timestamp(ClickColumn column) : DuckDbColumn(column)
    {
        public override string SqlType => "TIMESTAMP";

        public override void Append(DuckDbChunkAppender appender, int index, EnrichedClick click) => appender.SetTimestamp(index, Column.ReadTimestamp(click));

        // DuckDB's TIMESTAMP has no time zone; the store writes UTC only.
        public override object Read(DbDataReader reader, int ordinal) => DateTime.SpecifyKind(reader.GetDateTime(ordinal), DateTimeKind.Utc);

        public override bool HasValue(EnrichedClick click, object stored) => Column.ReadTimestamp(click) == (DateTime)stored;

        public override void AddToHash(ref HashCode hash, EnrichedClick click) => hash.Add(Column.ReadTimestamp(click));
    }

    private sealed class Date(ClickColumn column) : DuckDbColumn(column)
    {
        public override string SqlType => "DATE";

        public override void Append(DuckDbChunkAppender appender, int index, EnrichedClick click) => appender.SetDate(index, Column.ReadDate(click));

        public override object Read(DbDataReader reader, int ordinal) => reader.GetFieldValue<DateOnly>(ordinal);

        public override bool HasValue(EnrichedClick click, object stored) => Column.ReadDate(click) == (DateOnly)stored;

        public override void AddToHash(ref HashCode hash, EnrichedClick click) => hash.Add(Column.ReadDate(click));
    }

    private sealed class Uuid(ClickColumn column) : DuckDbColumn(column)
    {
        public override string SqlType => "UUID";

        public override void Append(DuckDbChunkAppender appender, int index, EnrichedClick click) => appender.SetUuid(index, Column.ReadUuid(click));

        public override object Read(DbDataReader reader, int ordinal) => reader.GetGuid(ordinal);

        public override bool HasValue(EnrichedClick click, object stored) => Column.ReadUuid(click) == (Guid)stored;

        public override void AddToHash(ref HashCode hash, EnrichedClick click) => hash.Add(Column.ReadUuid(click));
    }
}
