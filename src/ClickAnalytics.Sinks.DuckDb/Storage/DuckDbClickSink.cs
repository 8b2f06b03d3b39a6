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
/// ids are already there. A redelivery keeps its click's timestamp, so a click newer than the newest
/// one stored cannot be there, which is most clicks. For the others, the ids stored recently are kept
/// in memory in two generations (together at most <see cref="RememberedIdLimit"/>; when the newer one
/// is full, the older one is forgotten), small enough to stay in the processor's cache; a click no
/// newer than <see cref="_lookupWatermark"/>, the newest stored before the older generation began
/// (in an earlier process, or before ids were forgotten), is looked up in the file instead. That
/// lookup reads only the batch's time window, and DuckDB skips the other row groups by their
/// timestamp ranges.
/// </summary>
internal sealed class DuckDbClickSink(DuckDbDatabase database) : IClickSink
{
    /// <summary>Ids stored since <see cref="_recentSince"/>, and those of the generation before.</summary>
    private HashSet<Guid> _recentIds = [];
    private HashSet<Guid> _olderIds = [];

    /// <summary>Clicks no newer than this may be in the file without being remembered; read from the file at the first write.</summary>
    private DateTime? _lookupWatermark;

    /// <summary>The newest timestamp stored (in the file or by this sink), and what it was when <see cref="_recentIds"/> began.</summary>
    private DateTime _newestStored;
    private DateTime _recentSince;

    public string Name => "duckdb";

    /// <summary>How many stored ids the sink keeps in memory, in two generations; smaller in tests.</summary>
    internal int RememberedIdLimit { get; set; } = 32_768;

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
        if (_lookupWatermark is null)
        {
            _lookupWatermark = _newestStored = _recentSince = NewestStored(connection);
        }

        DateTime watermark = _lookupWatermark.Value, newest = _newestStored;

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
            HashSet<Guid>? inFile = min <= watermark ? StoredIds(connection, min, max < watermark ? max : watermark) : null;
            // Only when the batch reaches back to the newest stored click does any of its clicks need a look at the older ids.
            bool reachesBack = min <= newest;
            using (var events = new DuckDbChunkAppender(connection, DuckDbLayout.EventsTable, DuckDbLayout.FixedEventColumnCount + dimensions.Count))
            {
                for (int i = 0; i < clicks.Count; i++)
                {
                    EnrichedClick click = clicks[i];
                    Guid id = click.Click.EventId;
                    // Stored by an earlier process or batch (only possible for a click no newer than
                    // the newest stored), or earlier in this batch.
                    if ((reachesBack && TimestampColumn.ReadTimestamp(click) <= newest && ((inFile is not null && inFile.Contains(id)) || _olderIds.Contains(id)))
                        || !_recentIds.Add(id))
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
                _recentIds.Remove(added[i]);
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

        if (max > _newestStored)
        {
            _newestStored = max;
        }

        if (_recentIds.Count > RememberedIdLimit / 2)
        {
            // The older generation is forgotten: what it held, and everything before, is left to
            // lookups in the file, which covers every click no newer than the newest stored before it began.
            _lookupWatermark = _recentSince;
            _recentSince = _newestStored;
            (_olderIds, _recentIds) = (_recentIds, _olderIds);
            _recentIds.Clear();
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
