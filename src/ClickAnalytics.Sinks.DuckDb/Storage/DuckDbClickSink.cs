using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using ClickAnalytics.Storage;
using DuckDB.NET.Data;

namespace ClickAnalytics.Sinks.DuckDb.Storage;

/// <summary>
/// Writes batches with DuckDB's appender into a staging table, then moves the rows whose event id
/// is not stored yet into <c>clicks</c> in one transaction, so a redelivered batch changes nothing.
/// </summary>
internal sealed class DuckDbClickSink(DuckDbDatabase database) : IClickSink
{
    private const string Staging = "clicks_staging";

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

        DateOnly minDay = DateOnly.MaxValue, maxDay = DateOnly.MinValue;
        DuckDbDatabase.Execute(connection, "BEGIN TRANSACTION");
        try
        {
            DuckDbDatabase.Execute(connection, $"CREATE OR REPLACE TEMP TABLE {Staging} AS SELECT * FROM {ClickSchema.ClicksTable} LIMIT 0");
            using (DuckDBAppender appender = connection.CreateAppender(Staging))
            {
                for (int i = 0; i < clicks.Count; i++)
                {
                    EnrichedClick click = clicks[i];
                    DateOnly day = DateOnly.FromDateTime(click.Click.Timestamp.UtcDateTime);
                    minDay = day < minDay ? day : minDay;
                    maxDay = day > maxDay ? day : maxDay;

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
                }
            }

            int inserted;
            using (DuckDBCommand move = connection.CreateCommand())
            {
                // The date range lets DuckDB skip row groups of other days when it looks for stored ids.
                move.CommandText =
                    $"INSERT INTO {ClickSchema.ClicksTable} " +
                    $"SELECT s.* FROM (SELECT DISTINCT ON (event_id) * FROM {Staging}) s " +
                    $"WHERE NOT EXISTS (SELECT 1 FROM {ClickSchema.ClicksTable} c " +
                    "WHERE c.date BETWEEN $min AND $max AND c.event_id = s.event_id)";
                move.Parameters.Add(new DuckDBParameter("min", minDay));
                move.Parameters.Add(new DuckDBParameter("max", maxDay));
                inserted = move.ExecuteNonQuery();
            }

            DuckDbDatabase.Execute(connection, $"DROP TABLE {Staging}");
            DuckDbDatabase.Execute(connection, "COMMIT");
            return inserted;
        }
        catch
        {
            DuckDbDatabase.Execute(connection, "ROLLBACK");
            throw;
        }
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
