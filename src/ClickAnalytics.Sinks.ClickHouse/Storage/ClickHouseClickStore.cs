using System;
using System.Collections.Generic;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using ClickAnalytics.Querying;
using ClickAnalytics.Sinks.ClickHouse.Diagnostics;
using ClickAnalytics.Sinks.ClickHouse.Querying;
using ClickAnalytics.Storage;
using ClickHouse.Driver;
using ClickHouse.Driver.Compression;
using ClickHouse.Driver.Copy;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ClickAnalytics.Sinks.ClickHouse.Storage;

/// <summary>
/// The ClickHouse store. A batch is written as one RowBinary insert with the column types given, so
/// the driver needs no schema round-trip. A click is stored once by its event id: the batch's ids are
/// looked up before the insert and the stored ones left out, because the rollups' materialized views
/// count every inserted row (the raw table's Replacing engine would collapse a duplicate row, but not
/// the rollups it already fed). New custom dimensions get their column before the insert, so the batch
/// that brings one keeps it. The store never retries: it throws, and the processor's policy retries.
/// <para>
/// A batch found stored in part had an earlier attempt land, possibly in the raw table only (a view is
/// not atomic with its source), so the rollups of its links and days are reconciled with the raw
/// clicks after the insert (<see cref="ClickHouseRollupRepair"/>). That is not a second de-duplication:
/// it completes an interrupted write, which the id lookup alone would leave short in the rollups.
/// </para>
/// </summary>
internal sealed class ClickHouseClickStore : IClickStore, IAsyncDisposable
{
    // Keeps each lookup query well under the server's default max_query_size (256 KiB).
    private const int LookupChunk = 4_000;

    private readonly ClickHouseDatabase _database;
    private readonly ClickHouseMetrics _metrics;
    private readonly ILogger _logger;
    private readonly IClickHouseCompressor? _compressor;
    private readonly ClickHouseRollupRepair _rollupRepair;

    // The lookup, the insert and the rollup repair must not interleave with another worker's insert:
    // the lookup would miss ids another insert is storing, and the repair would count that insert's
    // raw rows before its views had added them to the rollups.
    private readonly SemaphoreSlim _writeGate = new(1, 1);

    public ClickHouseClickStore(IOptions<ClickHouseOptions> options, IMeterFactory meterFactory, ILogger<ClickHouseClickStore> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _logger = logger;
        _metrics = new ClickHouseMetrics(meterFactory);
        _database = new ClickHouseDatabase(options.Value, _metrics, logger);
        _rollupRepair = new ClickHouseRollupRepair(_database, _metrics, logger);
        Queries = new ClickHouseClickQueries(_database);
        _compressor = options.Value.Compression switch
        {
            ClickHouseCompression.GZip => GZipCompressor.Default,
            ClickHouseCompression.Brotli => BrotliCompressor.Default,
            _ => null,
        };
    }

    public string Name => "clickhouse";

    public IClickQueries Queries { get; }

    /// <summary>The database the store writes to (its schema, its client).</summary>
    internal ClickHouseDatabase Database => _database;

    /// <summary>Learns the server's version and brings the schema up to date.</summary>
    public async ValueTask InitializeAsync(CancellationToken cancellationToken) =>
        await _database.EnsureSchemaAsync(cancellationToken).ConfigureAwait(false);

    public async ValueTask WriteAsync(IReadOnlyList<EnrichedClick> clicks, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(clicks);
        if (clicks.Count == 0)
        {
            return;
        }

        ClickHouseSchema schema = await _database.EnsureSchemaAsync(cancellationToken).ConfigureAwait(false);
        foreach (string dimension in CustomDimensions.Missing(clicks, _database.Columns))
        {
            await _database.EnsureDimensionAsync(dimension, cancellationToken).ConfigureAwait(false);
        }

        await _writeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await WriteOnceAsync(schema, clicks, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _writeGate.Release();
        }
    }

    private async Task WriteOnceAsync(ClickHouseSchema schema, IReadOnlyList<EnrichedClick> clicks, CancellationToken cancellationToken)
    {
        HashSet<Guid> stored = await StoredEventIdsAsync(clicks, cancellationToken).ConfigureAwait(false);

        // Every dimension column the table has, so a row's columns never depend on which clicks share its batch.
        List<string> dimensions = _database.DimensionColumns();
        IReadOnlyList<ClickHouseColumn> fixedColumns = schema.Columns;
        var columnNames = new List<string>(fixedColumns.Count + dimensions.Count);
        var columnTypes = new Dictionary<string, string>(fixedColumns.Count + dimensions.Count, StringComparer.Ordinal);
        foreach (ClickHouseColumn column in fixedColumns)
        {
            columnNames.Add(column.Name);
            columnTypes[column.Name] = column.Type;
        }

        foreach (string dimension in dimensions)
        {
            columnNames.Add(dimension);
            columnTypes[dimension] = schema.DimensionType;
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
                row[c] = fixedColumns[c].InsertValue(click);
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
        // and on every retry, so a repair cut off itself is done again (it is idempotent).
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
            // On servers that have it, the same rows retried after a lost answer carry the same token,
            // so the server keeps one copy even when two processes race past the lookup.
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
                sql.Append(i == start ? "" : ", ").Append(ClickHouseSql.Uuid(clicks[i].Click.EventId));
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

    public async Task<IReadOnlyList<StoredDay>> ListDaysAsync(CancellationToken cancellationToken)
    {
        await _database.EnsureSchemaAsync(cancellationToken).ConfigureAwait(false);
        // FINAL collapses a row stored twice that the Replacing engine has not merged yet (two processes racing).
        string sql = $"SELECT toString(date) AS day, count() AS clicks FROM {ClickHouseSchema.RawTable} FINAL GROUP BY date ORDER BY date FORMAT JSONEachRow";
        var days = new List<StoredDay>();
        await foreach (JsonElement row in _database.QueryRowsAsync(sql, cancellationToken).ConfigureAwait(false))
        {
            days.Add(new StoredDay(
                DateOnly.ParseExact(row.GetProperty("day").GetString()!, "yyyy-MM-dd", CultureInfo.InvariantCulture),
                ClickHouseClickQueries.Number(row.GetProperty("clicks"))));
        }

        return days;
    }

    public IAsyncEnumerable<StoredClick> ReadDayAsync(DateOnly day, CancellationToken cancellationToken) => ReadAsync(day, tenantId: null, cancellationToken);

    public IAsyncEnumerable<StoredClick> ReadDayAsync(DateOnly day, string tenantId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tenantId);
        return ReadAsync(day, tenantId, cancellationToken);
    }

    public async Task<IReadOnlyList<StoredTenantDay>> ListTenantsAsync(DateOnly day, CancellationToken cancellationToken)
    {
        await _database.EnsureSchemaAsync(cancellationToken).ConfigureAwait(false);
        string sql = $"SELECT tenant_id, count() AS clicks FROM {ClickHouseSchema.RawTable} FINAL WHERE date = {ClickHouseSql.Date(day)} GROUP BY tenant_id FORMAT JSONEachRow";
        var tenants = new List<StoredTenantDay>();
        await foreach (JsonElement row in _database.QueryRowsAsync(sql, cancellationToken).ConfigureAwait(false))
        {
            tenants.Add(new StoredTenantDay(row.GetProperty("tenant_id").GetString()!, ClickHouseClickQueries.Number(row.GetProperty("clicks"))));
        }

        // Ordinal, as the contract says (the server orders bytes, which differs for some characters).
        tenants.Sort((a, b) => string.CompareOrdinal(a.TenantId, b.TenantId));
        return tenants;
    }

    private async IAsyncEnumerable<StoredClick> ReadAsync(DateOnly day, string? tenantId, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ClickHouseSchema schema = await _database.EnsureSchemaAsync(cancellationToken).ConfigureAwait(false);
        // Another process may have added dimension columns since this one started.
        await _database.LoadColumnsAsync(cancellationToken).ConfigureAwait(false);
        List<string> dimensions = _database.DimensionColumns();
        IReadOnlyList<ClickHouseColumn> columns = schema.Columns;

        var select = new StringBuilder("SELECT ");
        for (int i = 0; i < columns.Count; i++)
        {
            select.Append(i == 0 ? "" : ", ").Append(columns[i].SelectExpression);
        }

        foreach (string dimension in dimensions)
        {
            select.Append(", ").Append(dimension);
        }

        select.Append(" FROM ").Append(ClickHouseSchema.RawTable).Append(" FINAL WHERE date = ").Append(ClickHouseSql.Date(day));
        if (tenantId is not null)
        {
            // The table's key starts with the tenant: the server reads that tenant's ranges only.
            select.Append(" AND tenant_id = ").Append(ClickHouseSql.String(tenantId));
        }

        select.Append(" FORMAT JSONEachRow");
        await foreach (JsonElement row in _database.QueryRowsAsync(select.ToString(), cancellationToken).ConfigureAwait(false))
        {
            var values = new object[columns.Count];
            for (int i = 0; i < columns.Count; i++)
            {
                values[i] = columns[i].Read(row.GetProperty(columns[i].Name));
            }

            var stored = new Dictionary<string, string>(dimensions.Count, StringComparer.Ordinal);
            foreach (string dimension in dimensions)
            {
                stored[dimension] = row.GetProperty(dimension).GetString()!;
            }

            yield return new StoredClick(values, stored);
        }
    }

    /// <summary>Drops the day's partition of the raw table; the rollups are tables of their own and keep the day's counts.</summary>
    public async Task DropDayAsync(DateOnly day, CancellationToken cancellationToken)
    {
        ClickHouseSchema schema = await _database.EnsureSchemaAsync(cancellationToken).ConfigureAwait(false);
        // Waits for a write in progress, so a batch is not half in a day that is being dropped.
        await _writeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await _database.ExecuteAsync(schema.DropDay(day), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _writeGate.Release();
        }

        _metrics.DayDropped();
        Log.DayDropped(_logger, day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
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

    /// <summary>Closes the database's client; nothing here waits on the server.</summary>
    public async ValueTask DisposeAsync()
    {
        await _database.DisposeAsync().ConfigureAwait(false);
        _writeGate.Dispose();
    }
}
