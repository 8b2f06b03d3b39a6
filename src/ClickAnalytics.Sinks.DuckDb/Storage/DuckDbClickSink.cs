using System;
using System.Buffers;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using ClickAnalytics.Storage;
using DuckDB.NET.Data;

namespace ClickAnalytics.Sinks.DuckDb.Storage;

/// <summary>
/// Writes batches through <see cref="DuckDbChunkAppender"/>s, in one transaction: each click into
/// <see cref="DuckDbLayout.EventsTable"/> with the keys of its dimension rows, and the dimension rows
/// not stored yet into their tables (<see cref="DimensionKeys"/>). A redelivered click must not be stored twice, so the sink knows which of a batch's
/// ids are already there: ids it stored itself are kept in memory (up to
/// <see cref="RememberedIdLimit"/>, about 10 MB), and only clicks no newer than <see cref="_lookupWatermark"/>, the
/// newest click in the file when that memory began (stored by an earlier process, or before the
/// memory was last emptied), are looked up in the file. Event ids are time-ordered and a redelivery keeps its
/// click's timestamp, so that lookup reads only the batch's time window and DuckDB skips the other
/// row groups by their timestamp ranges.
/// </summary>
internal sealed class DuckDbClickSink(DuckDbDatabase database) : IClickSink
{
    private readonly HashSet<Guid> _storedIds = [];

    /// <summary>Read from the file when the memory of ids begins (empty); clicks no newer are looked up.</summary>
    private DateTime? _lookupWatermark;

    public string Name => "duckdb";

    /// <summary>How many stored ids the sink keeps in memory before it starts that memory over; smaller in tests.</summary>
    internal int RememberedIdLimit { get; set; } = 250_000;

    /// <summary>How many batches needed a lookup of stored ids in the file (for tests and diagnostics).</summary>
    internal int Lookups { get; private set; }

    public ValueTask WriteAsync(IReadOnlyList<EnrichedClick> clicks, CancellationToken cancellationToken)
    {
        if (clicks.Count == 0)
        {
            return ValueTask.CompletedTask;
        }

        return new ValueTask(database.WithWriteConnectionAsync(connection => Write(connection, clicks), cancellationToken));
    }

    private int Write(DuckDBConnection connection, IReadOnlyList<EnrichedClick> clicks)
    {
        database.EnsureDimensionColumns(connection, clicks);
        List<string> dimensions = database.DimensionColumns;
        _lookupWatermark ??= NewestStored(connection);

        DateTime min = DateTime.MaxValue, max = DateTime.MinValue;
        for (int i = 0; i < clicks.Count; i++)
        {
            DateTime at = TimestampColumn.ReadTimestamp(clicks[i]);
            min = at < min ? at : min;
            max = at > max ? at : max;
        }

        IReadOnlyList<DimensionKeys> keys = database.DimensionKeys;
        var dimensionAppenders = new DuckDbChunkAppender?[keys.Count];
        // The ids this batch adds to the memory of stored ids, taken out again if it rolls back.
        Guid[] added = ArrayPool<Guid>.Shared.Rent(clicks.Count);
        int addedCount = 0;
        DuckDbDatabase.Execute(connection, "BEGIN TRANSACTION");
        try
        {
            HashSet<Guid>? inFile = min <= _lookupWatermark ? StoredIds(connection, min, max) : null;
            using (var events = new DuckDbChunkAppender(connection, DuckDbLayout.EventsTable, DuckDbLayout.FixedEventColumnCount + dimensions.Count))
            {
                for (int i = 0; i < clicks.Count; i++)
                {
                    EnrichedClick click = clicks[i];
                    Guid id = click.Click.EventId;
                    // Stored by an earlier process, by an earlier batch, or earlier in this one.
                    if ((inFile is not null && inFile.Contains(id)) || !_storedIds.Add(id))
                    {
                        continue;
                    }

                    added[addedCount++] = id;
                    Append(connection, events, click, dimensions, keys, dimensionAppenders);
                }

                foreach (DuckDbChunkAppender? dimensionAppender in dimensionAppenders)
                {
                    dimensionAppender?.Complete();
                }

                events.Complete();
            }

            DuckDbDatabase.Execute(connection, "COMMIT");
        }
        catch
        {
            DuckDbDatabase.Execute(connection, "ROLLBACK");
            foreach (DimensionKeys dimension in keys)
            {
                dimension.Rollback();
            }

            for (int i = 0; i < addedCount; i++)
            {
                _storedIds.Remove(added[i]);
            }

            throw;
        }
        finally
        {
            foreach (DuckDbChunkAppender? dimensionAppender in dimensionAppenders)
            {
                dimensionAppender?.Dispose();
            }

            ArrayPool<Guid>.Shared.Return(added);
        }

        foreach (DimensionKeys dimension in keys)
        {
            dimension.Commit();
        }

        if (_storedIds.Count > RememberedIdLimit)
        {
            // The memory starts over; everything stored so far is left to lookups in the file.
            _storedIds.Clear();
            _lookupWatermark = null;
        }

        return addedCount;
    }

    private static void Append(
        DuckDBConnection connection,
        DuckDbChunkAppender events,
        EnrichedClick click,
        List<string> dimensions,
        IReadOnlyList<DimensionKeys> keys,
        DuckDbChunkAppender?[] dimensionAppenders)
    {
        IReadOnlyList<ClickColumn> columns = DuckDbLayout.EventColumns;
        for (int c = 0; c < columns.Count; c++)
        {
            SetValue(events, c, columns[c], click);
        }

        for (int d = 0; d < keys.Count; d++)
        {
            DimensionKeys dimension = keys[d];
            if (!dimension.TryGetKey(click, out uint key))
            {
                key = dimension.Add(click);
                DuckDbChunkAppender table = dimensionAppenders[d] ??=
                    new DuckDbChunkAppender(connection, dimension.Dimension.Table, dimension.Dimension.Columns.Count + 1);
                table.SetUInt32(0, key);
                IReadOnlyList<ClickColumn> dimensionColumns = dimension.Dimension.Columns;
                for (int c = 0; c < dimensionColumns.Count; c++)
                {
                    SetValue(table, c + 1, dimensionColumns[c], click);
                }

                table.EndRow();
            }

            events.SetUInt32(columns.Count + d, key);
        }

        int custom = DuckDbLayout.FixedEventColumnCount;
        for (int d = 0; d < dimensions.Count; d++)
        {
            events.SetString(custom + d, click.Dimensions.TryGetValue(dimensions[d], out string? value) ? DuckDbText.Clean(value) : "");
        }

        events.EndRow();
    }

    private static void SetValue(DuckDbChunkAppender appender, int index, ClickColumn column, EnrichedClick click)
    {
        switch (column.Type)
        {
            case ClickColumnType.String:
                appender.SetString(index, DuckDbText.Clean(column.ReadString(click)));
                break;
            case ClickColumnType.Boolean:
                appender.SetBoolean(index, column.ReadBoolean(click));
                break;
            case ClickColumnType.UInt32:
                appender.SetUInt32(index, column.ReadUInt32(click));
                break;
            case ClickColumnType.Timestamp:
                appender.SetTimestamp(index, column.ReadTimestamp(click));
                break;
            case ClickColumnType.Date:
                appender.SetDate(index, column.ReadDate(click));
                break;
            case ClickColumnType.Uuid:
                appender.SetUuid(index, column.ReadUuid(click));
                break;
            default:
                throw new InvalidOperationException($"Unsupported column type {column.Type}.");
        }
    }

    /// <summary>The stored timestamp (millisecond precision), which a lookup's time window is compared with.</summary>
    private static ClickColumn TimestampColumn { get; } = ClickSchema.Columns.Single(c => c.Type == ClickColumnType.Timestamp);

    /// <summary>The newest timestamp in the file (<see cref="DateTime.MinValue"/> when empty).</summary>
    private static DateTime NewestStored(DuckDBConnection connection)
    {
        using DuckDBCommand command = connection.CreateCommand();
        command.CommandText = $"SELECT max(timestamp) FROM {DuckDbLayout.EventsTable}";
        object? value = command.ExecuteScalar();
        return value is DateTime newest ? newest : DateTime.MinValue;
    }

    private HashSet<Guid> StoredIds(DuckDBConnection connection, DateTime min, DateTime max)
    {
        Lookups++;
        var ids = new HashSet<Guid>();
        using DuckDBCommand command = connection.CreateCommand();
        command.CommandText = $"SELECT event_id FROM {DuckDbLayout.EventsTable} WHERE timestamp BETWEEN $min AND $max";
        command.Parameters.Add(new DuckDBParameter("min", min));
        command.Parameters.Add(new DuckDBParameter("max", max));
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            ids.Add(reader.GetGuid(0));
        }

        return ids;
    }
}

/// <summary>DuckDB strings end at a NUL character, so NULs are stored (and looked up) as U+FFFD instead of silently cutting the value.</summary>
internal static class DuckDbText
{
    public static string Clean(string value) => value.Contains('\0', StringComparison.Ordinal) ? value.Replace('\0', '\uFFFD') : value;
}
