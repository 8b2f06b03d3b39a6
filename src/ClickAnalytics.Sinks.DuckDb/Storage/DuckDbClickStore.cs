using System;
using System.Buffers;
using System.Collections.Generic;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using ClickAnalytics.Querying;
using ClickAnalytics.Sinks.DuckDb.Diagnostics;
using ClickAnalytics.Sinks.DuckDb.Querying;
using ClickAnalytics.Storage;
using DuckDB.NET.Data;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ClickAnalytics.Sinks.DuckDb.Storage;

/// <summary>
/// The embedded store: clicks in one local DuckDB file (<see cref="DuckDbDatabase"/>), written
/// through <see cref="DuckDbChunkAppender"/>s in one transaction per batch: each click into
/// <see cref="DuckDbLayout.EventsTable"/> with the keys of its dimension rows, and the dimension rows
/// not stored yet into their tables (<see cref="DimensionKeys"/>).
/// <para>
/// A redelivered click must not be stored twice, so the store knows which of a batch's ids are
/// already there. A redelivery keeps its click's timestamp, so a click newer than the newest one
/// stored cannot be there, which is most clicks. For the others, the ids stored recently are kept in
/// memory in two generations (together at most <see cref="DuckDbOptions.RememberedIds"/>; when the
/// newer one is full, the older one is forgotten), small enough to stay in the processor's cache; a
/// click no newer than <see cref="_lookupWatermark"/>, the newest stored before the older generation
/// began (in an earlier process, or before ids were forgotten), is looked up in the file instead.
/// That lookup reads only the batch's time window, and DuckDB skips the other row groups by their
/// timestamp ranges.
/// </para>
/// </summary>
internal sealed class DuckDbClickStore : IClickStore, IAsyncDisposable
{
    /// <summary>The stored timestamp (millisecond precision), which a lookup's time window is compared with.</summary>
    private static readonly ClickColumn TimestampColumn = ClickSchema.Columns.Single(c => c.Name == "timestamp");

    private readonly DuckDbDatabase _database;
    private readonly ILogger _logger;
    private readonly DuckDbMetrics _metrics;
    private readonly int _rememberedIds;

    /// <summary>Ids stored since <see cref="_recentSince"/>, and those of the generation before.</summary>
    private HashSet<Guid> _recentIds = [];
    private HashSet<Guid> _olderIds = [];

    /// <summary>Clicks no newer than this may be in the file without being remembered; read from the file at the first write.</summary>
    private DateTime? _lookupWatermark;

    /// <summary>The newest timestamp stored (in the file or by this store), and what it was when <see cref="_recentIds"/> began.</summary>
    private DateTime _newestStored;
    private DateTime _recentSince;

    public DuckDbClickStore(IOptions<DuckDbOptions> options, ILogger<DuckDbClickStore> logger, IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(options);
        _logger = logger;
        _metrics = new DuckDbMetrics(meterFactory);
        _rememberedIds = options.Value.RememberedIds;
        _database = new DuckDbDatabase(options.Value, logger);
        Queries = new DuckDbClickQueries(_database);
    }

    public string Name => "duckdb";

    public IClickQueries Queries { get; }

    /// <summary>Opens the file and creates the schema.</summary>
    public ValueTask InitializeAsync(CancellationToken cancellationToken) =>
        new(_database.WithWriteConnectionAsync(static _ => true, cancellationToken));

    public ValueTask WriteAsync(IReadOnlyList<EnrichedClick> clicks, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(clicks);
        if (clicks.Count == 0)
        {
            return ValueTask.CompletedTask;
        }

        return new ValueTask(_database.WithWriteConnectionAsync(connection => Write(connection, clicks), cancellationToken));
    }

    public async Task<IReadOnlyList<StoredDay>> ListDaysAsync(CancellationToken cancellationToken)
    {
        var days = new List<StoredDay>();
        using DuckDBConnection connection = await _database.OpenReadConnectionAsync(cancellationToken).ConfigureAwait(false);
        using DuckDBCommand command = connection.CreateCommand();
        command.CommandText = $"SELECT {DuckDbLayout.DayOfClick} AS day, count(*) FROM {DuckDbLayout.EventsTable} GROUP BY day ORDER BY day";
        using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            days.Add(new StoredDay(reader.GetFieldValue<DateOnly>(0), reader.GetInt64(1)));
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
        var tenants = new List<StoredTenantDay>();
        using DuckDBConnection connection = await _database.OpenReadConnectionAsync(cancellationToken).ConfigureAwait(false);
        using DuckDBCommand command = connection.CreateCommand();
        command.CommandText = $"SELECT tenant_id, count(*) FROM {ClickSchema.ClicksTable} WHERE {DayRange} GROUP BY tenant_id";
        command.Parameters.Add(new DuckDBParameter("day", day));
        using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            tenants.Add(new StoredTenantDay(reader.GetString(0), reader.GetInt64(1)));
        }

        // Ordinal, as the contract says (the database's collation may differ).
        tenants.Sort((a, b) => string.CompareOrdinal(a.TenantId, b.TenantId));
        return tenants;
    }

    private async IAsyncEnumerable<StoredClick> ReadAsync(DateOnly day, string? tenantId, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        IReadOnlyList<string> dimensions = _database.DimensionColumns;
        IReadOnlyList<ClickColumn> columns = ClickSchema.Columns;
        DuckDbColumn[] readers = columns.Select(DuckDbColumn.For).ToArray();
        using DuckDBConnection connection = await _database.OpenReadConnectionAsync(cancellationToken).ConfigureAwait(false);
        using DuckDBCommand command = connection.CreateCommand();
        command.CommandText =
            $"SELECT {string.Join(", ", columns.Select(c => c.Name).Concat(dimensions.Select(DuckDbLayout.Quote)))} " +
            $"FROM {ClickSchema.ClicksTable} WHERE {DayRange}" + (tenantId is null ? "" : " AND tenant_id = $tenant");
        command.Parameters.Add(new DuckDBParameter("day", day));
        if (tenantId is not null)
        {
            command.Parameters.Add(new DuckDBParameter("tenant", tenantId));
        }

        using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var values = new object[readers.Length];
            for (int i = 0; i < readers.Length; i++)
            {
                values[i] = readers[i].Read(reader, i);
            }

            var custom = new Dictionary<string, string>(dimensions.Count, StringComparer.Ordinal);
            for (int d = 0; d < dimensions.Count; d++)
            {
                custom[dimensions[d]] = reader.GetString(readers.Length + d);
            }

            yield return new StoredClick(values, custom);
        }
    }

    /// <summary>
    /// Moves the day's clicks into <see cref="DuckDbLayout.RollupTable"/> (counts per hour and per
    /// dashboard dimension, which queries keep reading), deletes them and the dimension rows no click
    /// uses any more, all in one transaction, then checkpoints so the space can be used again.
    /// </summary>
    public async Task DropDayAsync(DateOnly day, CancellationToken cancellationToken)
    {
        long sizeBefore = FileSize();
        (long dropped, long rollupRows, long dimensionRows) = await _database.WithWriteConnectionAsync(
            connection =>
            {
                bool committed = false;
                DuckDbDatabase.Execute(connection, "BEGIN TRANSACTION");
                try
                {
                    long rolledUp = Execute(connection, DuckDbLayout.RollUpDaySql(DayRange), day);
                    long deleted = Execute(connection, $"DELETE FROM {DuckDbLayout.EventsTable} WHERE {DayRange}", day);
                    long unused = 0;
                    if (deleted > 0)
                    {
                        foreach (DuckDbDimension dimension in DuckDbLayout.Dimensions)
                        {
                            unused += Execute(connection,
                                $"DELETE FROM {dimension.Table} WHERE {dimension.KeyColumn} NOT IN (SELECT DISTINCT {dimension.KeyColumn} FROM {DuckDbLayout.EventsTable})",
                                day: null);
                        }
                    }

                    DuckDbDatabase.Execute(connection, "COMMIT");
                    committed = true;
                    if (deleted == 0)
                    {
                        return (0L, 0L, 0L);
                    }

                    DateTime midnight = day.ToDateTime(TimeOnly.MinValue, DateTimeKind.Unspecified);
                    _database.RolledUp(midnight, midnight.AddHours(23));
                    if (unused > 0)
                    {
                        // The remembered keys may name rows that are gone: read them again.
                        foreach (DimensionKeys keys in _database.DimensionKeys)
                        {
                            keys.Load(connection);
                        }
                    }

                    DuckDbDatabase.Execute(connection, "CHECKPOINT");
                    return (deleted, rolledUp, unused);
                }
                catch when (!committed)
                {
                    DuckDbDatabase.Execute(connection, "ROLLBACK");
                    throw;
                }
            },
            cancellationToken).ConfigureAwait(false);
        if (dropped > 0)
        {
            Log.DayDropped(_logger, dropped, day, rollupRows, dimensionRows, _database.Path, sizeBefore, FileSize());
        }
    }

    private long FileSize() => File.Exists(_database.Path) ? new FileInfo(_database.Path).Length : 0;

    private static long Execute(DuckDBConnection connection, string sql, DateOnly? day)
    {
        using DuckDBCommand command = connection.CreateCommand();
        command.CommandText = sql;
        if (day is { } value)
        {
            command.Parameters.Add(new DuckDBParameter("day", value));
        }

        return command.ExecuteNonQuery();
    }

    /// <summary>Closes the file once the write in progress is done; the host disposes the store after the processor drained.</summary>
    public ValueTask DisposeAsync() => _database.DisposeAsync();

    /// <summary>From 00:00 of <c>$day</c> to before 00:00 of the next day, as a range of timestamps so DuckDB skips row groups by their bounds.</summary>
    private const string DayRange = "timestamp >= CAST($day AS DATE) AND timestamp < CAST($day AS DATE) + 1";

    private int Write(DuckDBConnection connection, IReadOnlyList<EnrichedClick> clicks)
    {
        long started = Stopwatch.GetTimestamp();
        _database.EnsureDimensionColumns(connection, clicks);
        IReadOnlyList<string> dimensions = _database.DimensionColumns;
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

        IReadOnlyList<DimensionKeys> keys = _database.DimensionKeys;
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
        catch (Exception error)
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

            Log.WriteRolledBack(_logger, error, clicks.Count, _database.Path);
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

        if (_recentIds.Count > _rememberedIds / 2)
        {
            // The older generation is forgotten: what it held, and everything before, is left to
            // lookups in the file, which covers every click no newer than the newest stored before it began.
            _lookupWatermark = _recentSince;
            _recentSince = _newestStored;
            (_olderIds, _recentIds) = (_recentIds, _olderIds);
            _recentIds.Clear();
        }

        _metrics.Written(addedCount, clicks.Count - addedCount, Stopwatch.GetElapsedTime(started));
        return addedCount;
    }

    private static void Append(
        DuckDBConnection connection,
        DuckDbChunkAppender events,
        EnrichedClick click,
        IReadOnlyList<string> dimensions,
        IReadOnlyList<DimensionKeys> keys,
        DuckDbChunkAppender?[] dimensionAppenders)
    {
        IReadOnlyList<DuckDbColumn> columns = DuckDbLayout.EventColumns;
        for (int c = 0; c < columns.Count; c++)
        {
            columns[c].Append(events, c, click);
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
                IReadOnlyList<DuckDbColumn> dimensionColumns = dimension.Dimension.Columns;
                for (int c = 0; c < dimensionColumns.Count; c++)
                {
                    dimensionColumns[c].Append(table, c + 1, click);
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
        _metrics.IdLookup();
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
