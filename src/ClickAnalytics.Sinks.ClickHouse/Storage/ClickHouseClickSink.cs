using System;
using System.Collections.Generic;
using System.IO;
using System.Net.Http;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using ClickAnalytics.Sinks.ClickHouse.Diagnostics;
using ClickAnalytics.Storage;
using ClickHouse.Driver;
using ClickHouse.Driver.Compression;
using ClickHouse.Driver.Copy;
using Microsoft.Extensions.Logging;

namespace ClickAnalytics.Sinks.ClickHouse.Storage;

/// <summary>
/// Writes a batch as one RowBinary insert with the column types given, so the driver needs no
/// schema round-trip. Redeliveries are left out before the insert (their event ids are looked up),
/// because the rollups count every inserted row; the raw table also collapses them by its
/// Replacing engine, and current servers drop a retried block by its deduplication token.
/// New custom dimensions get their column before the insert, so the batch that brings one keeps it.
/// A batch found stored in part had an earlier attempt land, possibly in the raw table only, so the
/// rollups of its links and days are reconciled with the raw clicks after the insert.
/// </summary>
internal sealed class ClickHouseClickSink : IClickSink, IDisposable
{
    // Keeps each lookup query well under the server's default max_query_size (256 KiB).
    private const int LookupChunk = 4_000;

    private readonly ClickHouseDatabase _database;
    private readonly ClickHouseMetrics _metrics;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly IClickHouseCompressor? _compressor;
    private readonly ClickHouseRollupRepair _rollupRepair;

    // The lookup, the insert and the rollup repair must not interleave with another worker's insert:
    // the repair would count that insert's raw rows before its views had added them to the rollups.
    private readonly SemaphoreSlim _writeGate = new(1, 1);

    public ClickHouseClickSink(ClickHouseDatabase database, ClickHouseMetrics metrics, TimeProvider timeProvider, ILogger<ClickHouseClickSink> logger)
    {
        _database = database;
        _metrics = metrics;
        _timeProvider = timeProvider;
        _logger = logger;
        _rollupRepair = new ClickHouseRollupRepair(database, metrics, logger);
        _compressor = database.Options.Compression switch
        {
            ClickHouseCompression.GZip => GZipCompressor.Default,
            ClickHouseCompression.Brotli => BrotliCompressor.Default,
            _ => null,
        };
    }

    public string Name => "clickhouse";

    public async ValueTask WriteAsync(IReadOnlyList<EnrichedClick> clicks, CancellationToken cancellationToken)
    {
        if (clicks.Count == 0)
        {
            return;
        }

        ClickHouseSchema schema = await _database.EnsureSchemaAsync(cancellationToken).ConfigureAwait(false);
        List<string> dimensions = DimensionsOf(clicks);
        foreach (string dimension in dimensions)
        {
            await _database.EnsureDimensionAsync(dimension, cancellationToken).ConfigureAwait(false);
        }

        await _writeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            int maxAttempts = _database.Options.InsertMaxAttempts;
            for (int attempt = 1; ; attempt++)
            {
                try
                {
                    await WriteOnceAsync(schema, clicks, dimensions, cancellationToken).ConfigureAwait(false);
                    return;
                }
                catch (Exception ex) when (attempt < maxAttempts && IsTransient(ex, cancellationToken))
                {
                    TimeSpan delay = _database.Options.InsertRetryBaseDelay * Math.Pow(2, attempt - 1);
                    _metrics.Retry();
                    Log.InsertRetry(_logger, ex, clicks.Count, attempt, maxAttempts, delay);
                    await Task.Delay(delay, _timeProvider, cancellationToken).ConfigureAwait(false);
                }
            }
        }
        finally
        {
            _writeGate.Release();
        }
    }

    private async Task WriteOnceAsync(ClickHouseSchema schema, IReadOnlyList<EnrichedClick> clicks, List<string> dimensions, CancellationToken cancellationToken)
    {
        HashSet<Guid> stored = _database.Options.SkipStoredEvents
            ? await StoredEventIdsAsync(clicks, cancellationToken).ConfigureAwait(false)
            : [];

        IReadOnlyList<ClickColumn> fixedColumns = ClickSchema.Columns;
        var columnNames = new List<string>(fixedColumns.Count + dimensions.Count);
        var columnTypes = new Dictionary<string, string>(fixedColumns.Count + dimensions.Count, StringComparer.Ordinal);
        foreach (ClickColumn column in fixedColumns)
        {
            columnNames.Add(column.Name);
            columnTypes[column.Name] = schema.BaseType(column);
        }

        foreach (string dimension in dimensions)
        {
            columnNames.Add(dimension);
            columnTypes[dimension] = schema.Features.LowCardinality ? "LowCardinality(String)" : "String";
        }

        var seen = new HashSet<Guid>();
        var rows = new List<object[]>(clicks.Count);
        for (int i = 0; i < clicks.Count; i++)
        {
            EnrichedClick click = clicks[i];
            if (!seen.Add(click.Click.EventId) || stored.Contains(click.Click.EventId))
            {
                continue;
            }

            var row = new object[columnNames.Count];
            for (int c = 0; c < fixedColumns.Count; c++)
            {
                row[c] = Value(fixedColumns[c], click);
            }

            for (int d = 0; d < dimensions.Count; d++)
            {
                row[fixedColumns.Count + d] = click.Dimensions.TryGetValue(dimensions[d], out string? value) ? value : "";
            }

            rows.Add(row);
        }

        int skipped = clicks.Count - rows.Count;
        if (skipped > 0)
        {
            _metrics.Duplicates(skipped);
            Log.StoredEventsSkipped(_logger, skipped, clicks.Count);
        }

        if (rows.Count > 0)
        {
            await InsertAsync(schema, columnNames, columnTypes, rows, cancellationToken).ConfigureAwait(false);
        }

        // Runs after the insert, so the rows inserted now have reached the rollups through the views;
        // and on every attempt, so a repair cut off itself is done again (it is idempotent).
        if (stored.Count > 0)
        {
            await _rollupRepair.RepairAsync(clicks, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task InsertAsync(
        ClickHouseSchema schema, List<string> columnNames, Dictionary<string, string> columnTypes, List<object[]> rows, CancellationToken cancellationToken)
    {
        var options = new InsertOptions
        {
            ColumnTypes = columnTypes,
            Format = RowBinaryFormat.RowBinary,
            Compressor = _compressor,
            BatchSize = rows.Count,
            MaxDegreeOfParallelism = 1,
            // The same rows retried after a lost answer carry the same token, so the server keeps one copy.
            CustomSettings = schema.Features.InsertDeduplicationToken
                ? new Dictionary<string, object> { ["insert_deduplication_token"] = DeduplicationToken(rows) }
                : null,
        };

        await _database.Client.InsertBinaryAsync(ClickHouseSchema.RawTable, columnNames, rows, options, cancellationToken).ConfigureAwait(false);
        _metrics.Inserted(rows.Count);
    }

    private async Task<HashSet<Guid>> StoredEventIdsAsync(IReadOnlyList<EnrichedClick> clicks, CancellationToken cancellationToken)
    {
        var days = new SortedSet<DateOnly>();
        for (int i = 0; i < clicks.Count; i++)
        {
            days.Add(DateOnly.FromDateTime(clicks[i].Click.Timestamp.UtcDateTime));
        }

        var dayList = new StringBuilder();
        foreach (DateOnly day in days)
        {
            dayList.Append(dayList.Length == 0 ? "" : ", ").Append(ClickHouseSql.Date(day));
        }

        var stored = new HashSet<Guid>();
        for (int start = 0; start < clicks.Count; start += LookupChunk)
        {
            int end = Math.Min(clicks.Count, start + LookupChunk);
            var sql = new StringBuilder((end - start) * 48 + 200);
            // The day list lets the server read only the partitions the batch can be in.
            sql.Append("SELECT DISTINCT event_id FROM ").Append(ClickHouseSchema.RawTable)
                .Append(" WHERE date IN (").Append(dayList).Append(") AND event_id IN (");
            for (int i = start; i < end; i++)
            {
                sql.Append(i == start ? "'" : ", '").Append(clicks[i].Click.EventId.ToString("D")).Append('\'');
            }

            sql.Append(") FORMAT TabSeparated");
            string answer = await _database.QueryTextAsync(sql.ToString(), cancellationToken).ConfigureAwait(false);
            foreach (string line in answer.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                stored.Add(Guid.Parse(line));
            }
        }

        return stored;
    }

    private static object Value(ClickColumn column, EnrichedClick click)
    {
        object value = column.GetValue(click);
        return column.Type switch
        {
            ClickColumnType.Boolean => (byte)((bool)value ? 1 : 0),
            ClickColumnType.Date => ((DateOnly)value).ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc),
            _ => value,
        };
    }

    private static List<string> DimensionsOf(IReadOnlyList<EnrichedClick> clicks)
    {
        List<string>? names = null;
        for (int i = 0; i < clicks.Count; i++)
        {
            IReadOnlyDictionary<string, string> dimensions = clicks[i].Dimensions;
            if (dimensions.Count == 0)
            {
                continue;
            }

            names ??= [];
            foreach (string name in dimensions.Keys)
            {
                if (!names.Contains(name))
                {
                    names.Add(name);
                }
            }
        }

        return names ?? [];
    }

    private static string DeduplicationToken(List<object[]> rows)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> id = stackalloc byte[16];
        foreach (object[] row in rows)
        {
            ((Guid)row[0]).TryWriteBytes(id);
            hash.AppendData(id);
        }

        return Convert.ToHexString(hash.GetCurrentHash());
    }

    /// <summary>Errors worth another try soon: the network, timeouts and a server that is busy or restarting.</summary>
    internal static bool IsTransient(Exception error, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return false;
        }

        return error switch
        {
            HttpRequestException or IOException or TimeoutException => true,
            OperationCanceledException => true, // a request timeout, since the caller did not cancel
            ClickHouseServerException server => server.ErrorCode is
                159 // TIMEOUT_EXCEEDED
                or 202 // TOO_MANY_SIMULTANEOUS_QUERIES
                or 209 // SOCKET_TIMEOUT
                or 210 // NETWORK_ERROR
                or 242 // TABLE_IS_READ_ONLY
                or 252 // TOO_MANY_PARTS
                or 319 // UNKNOWN_STATUS_OF_INSERT
                or 425 // SYSTEM_ERROR
                or 999, // KEEPER_EXCEPTION
            _ => false,
        };
    }

    public void Dispose() => _writeGate.Dispose();
}
