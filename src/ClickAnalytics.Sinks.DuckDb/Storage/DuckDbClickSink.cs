using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using ClickAnalytics.Storage;
using DuckDB.NET.Data;

namespace ClickAnalytics.Sinks.DuckDb.Storage;

/// <summary>
/// Writes batches straight into <c>clicks</c> through <see cref="DuckDbChunkAppender"/>, in one
/// transaction. A redelivered click must not be stored twice, so the sink knows which of a batch's
/// ids are already there: ids it stored itself are kept in memory (up to
/// <see cref="RememberedIds"/>, about 10 MB), and only clicks no newer than <see cref="_lookupWatermark"/>, the
/// newest click stored before that memory began (by an earlier process or before the memory was
/// last cleared), are looked up in the file. Event ids are time-ordered and a redelivery keeps its
/// click's timestamp, so that lookup reads only the batch's time window and DuckDB skips the other
/// row groups by their timestamp ranges.
/// </summary>
internal sealed class DuckDbClickSink(DuckDbDatabase database) : IClickSink
{
    /// <summary>How many stored ids the sink keeps in memory before it falls back to looking ids up again.</summary>
    internal const int RememberedIds = 250_000;

    /// <summary>The memory's size; smaller in tests.</summary>
    internal int RememberedIdLimit { get; set; } = RememberedIds;

    private readonly HashSet<Guid> _storedIds = [];
    private DateTime? _lookupWatermark;
    private DateTime _newestStored = DateTime.MinValue;

    public string Name => "duckdb";

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
            DateTime at = Timestamp.ReadTimestamp(clicks[i]);
            min = at < min ? at : min;
            max = at > max ? at : max;
        }

        DuckDbDatabase.Execute(connection, "BEGIN TRANSACTION");
        var appended = new List<Guid>(clicks.Count);
        try
        {
            HashSet<Guid> skip = min <= _lookupWatermark ? StoredIds(connection, min, max) : [];
            using (var appender = new DuckDbChunkAppender(connection, ClickSchema.ClicksTable))
            {
                CheckLayout(appender, dimensions.Count);
                for (int i = 0; i < clicks.Count; i++)
                {
                    EnrichedClick click = clicks[i];
                    Guid id = click.Click.EventId;
                    if (_storedIds.Contains(id) || !skip.Add(id))
                    {
                        continue;
                    }

                    Append(appender, click, dimensions);
                    appended.Add(id);
                }

                appender.Complete();
            }

            DuckDbDatabase.Execute(connection, "COMMIT");
        }
        catch
        {
            DuckDbDatabase.Execute(connection, "ROLLBACK");
            throw;
        }

        Remember(appended, max);
        return appended.Count;
    }

    private static void Append(DuckDbChunkAppender appender, EnrichedClick click, List<string> dimensions)
    {
        IReadOnlyList<ClickColumn> columns = ClickSchema.Columns;
        for (int c = 0; c < columns.Count; c++)
        {
            ClickColumn column = columns[c];
            switch (column.Type)
            {
                case ClickColumnType.String:
                    appender.SetString(c, DuckDbText.Clean(column.ReadString(click)));
                    break;
                case ClickColumnType.Boolean:
                    appender.SetBoolean(c, column.ReadBoolean(click));
                    break;
                case ClickColumnType.UInt32:
                    appender.SetUInt32(c, column.ReadUInt32(click));
                    break;
                case ClickColumnType.Timestamp:
                    appender.SetTimestamp(c, column.ReadTimestamp(click));
                    break;
                case ClickColumnType.Date:
                    appender.SetDate(c, column.ReadDate(click));
                    break;
                case ClickColumnType.Uuid:
                    appender.SetUuid(c, column.ReadUuid(click));
                    break;
                default:
                    throw new InvalidOperationException($"Unsupported column type {column.Type}.");
            }
        }

        for (int d = 0; d < dimensions.Count; d++)
        {
            appender.SetString(columns.Count + d, click.Dimensions.TryGetValue(dimensions[d], out string? value) ? DuckDbText.Clean(value) : "");
        }

        appender.EndRow();
    }

    private static void CheckLayout(DuckDbChunkAppender appender, int dimensionCount)
    {
        int expected = ClickSchema.Columns.Count + dimensionCount;
        if (appender.ColumnCount != expected)
        {
            throw new InvalidOperationException(
                $"The {ClickSchema.ClicksTable} table has {appender.ColumnCount} columns where this version expects {expected}; was the file changed by another program?");
        }
    }

    /// <summary>Records what a committed batch stored; when memory is full, starts over with everything stored so far left to lookups.</summary>
    private void Remember(List<Guid> appended, DateTime newest)
    {
        if (_storedIds.Count + appended.Count > RememberedIdLimit)
        {
            _storedIds.Clear();
            _lookupWatermark = _lookupWatermark > _newestStored ? _lookupWatermark : _newestStored;
        }

        foreach (Guid id in appended)
        {
            _storedIds.Add(id);
        }

        _newestStored = newest > _newestStored ? newest : _newestStored;
    }

    private static ClickColumn Timestamp { get; } = ClickSchema.Columns.Single(c => c.Type == ClickColumnType.Timestamp);

    /// <summary>The newest timestamp in the file (<see cref="DateTime.MinValue"/> when empty).</summary>
    private static DateTime NewestStored(DuckDBConnection connection)
    {
        using DuckDBCommand command = connection.CreateCommand();
        command.CommandText = $"SELECT max(timestamp) FROM {ClickSchema.ClicksTable}";
        object? value = command.ExecuteScalar();
        return value is DateTime newest ? newest : DateTime.MinValue;
    }

    private HashSet<Guid> StoredIds(DuckDBConnection connection, DateTime min, DateTime max)
    {
        Lookups++;
        var ids = new HashSet<Guid>();
        using DuckDBCommand command = connection.CreateCommand();
        command.CommandText = $"SELECT event_id FROM {ClickSchema.ClicksTable} WHERE timestamp BETWEEN $min AND $max";
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
