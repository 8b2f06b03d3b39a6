using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using ClickAnalytics.Storage;
using DuckDB.NET.Data;

namespace ClickAnalytics.Sinks.DuckDb.Storage;

/// <summary>
/// Writes batches with DuckDB's appender straight into <c>clicks</c>, in one transaction. Event ids
/// are time-ordered and a redelivery keeps its click's timestamp, so the ids already stored are
/// found by reading only the batch's time window (DuckDB skips the other row groups by their
/// timestamp ranges); those clicks, and repeats within the batch, are not appended again.
/// </summary>
internal sealed class DuckDbClickSink(DuckDbDatabase database) : IClickSink
{
    public string Name => "duckdb";

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

        DateTime min = DateTime.MaxValue, max = DateTime.MinValue;
        for (int i = 0; i < clicks.Count; i++)
        {
            DateTime at = clicks[i].Click.Timestamp.UtcDateTime;
            min = at < min ? at : min;
            max = at > max ? at : max;
        }

        DuckDbDatabase.Execute(connection, "BEGIN TRANSACTION");
        try
        {
            HashSet<Guid> stored = StoredIds(connection, min, max);
            int appended = 0;
            using (DuckDBAppender appender = connection.CreateAppender(ClickSchema.ClicksTable))
            {
                for (int i = 0; i < clicks.Count; i++)
                {
                    EnrichedClick click = clicks[i];
                    if (!stored.Add(click.Click.EventId))
                    {
                        continue;
                    }

                    IDuckDBAppenderRow row = appender.CreateRow();
                    foreach (ClickColumn column in ClickSchema.Columns)
                    {
                        row = Append(row, column, click);
                    }

                    foreach (string dimension in dimensions)
                    {
                        row = row.AppendValue(click.Dimensions.TryGetValue(dimension, out string? value) ? DuckDbText.Clean(value) : "");
                    }

                    row.EndRow();
                    appended++;
                }
            }

            DuckDbDatabase.Execute(connection, "COMMIT");
            return appended;
        }
        catch
        {
            DuckDbDatabase.Execute(connection, "ROLLBACK");
            throw;
        }
    }

    private static HashSet<Guid> StoredIds(DuckDBConnection connection, DateTime min, DateTime max)
    {
        var ids = new HashSet<Guid>();
        using DuckDBCommand command = connection.CreateCommand();
        // The timestamp column is stored at millisecond precision; widen the window to match.
        command.CommandText = $"SELECT event_id FROM {ClickSchema.ClicksTable} WHERE timestamp BETWEEN $min AND $max";
        command.Parameters.Add(new DuckDBParameter("min", min.AddMilliseconds(-1)));
        command.Parameters.Add(new DuckDBParameter("max", max.AddMilliseconds(1)));
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            ids.Add(reader.GetGuid(0));
        }

        return ids;
    }

    private static IDuckDBAppenderRow Append(IDuckDBAppenderRow row, ClickColumn column, EnrichedClick click)
    {
        object value = column.GetValue(click);
        return column.Type switch
        {
            ClickColumnType.String => row.AppendValue(DuckDbText.Clean((string)value)),
            ClickColumnType.Boolean => row.AppendValue((bool?)(bool)value),
            ClickColumnType.UInt32 => row.AppendValue((uint?)(uint)value),
            ClickColumnType.Timestamp => row.AppendValue((DateTime?)(DateTime)value),
            ClickColumnType.Date => row.AppendValue((DateOnly?)(DateOnly)value),
            ClickColumnType.Uuid => row.AppendValue((Guid?)(Guid)value),
            _ => throw new InvalidOperationException($"Unsupported column type {column.Type}."),
        };
    }
}

/// <summary>DuckDB strings end at a NUL character, so NULs are stored (and looked up) as U+FFFD instead of silently cutting the value.</summary>
internal static class DuckDbText
{
    public static string Clean(string value) => value.Contains('\0', StringComparison.Ordinal) ? value.Replace('\0', '\uFFFD') : value;
}
