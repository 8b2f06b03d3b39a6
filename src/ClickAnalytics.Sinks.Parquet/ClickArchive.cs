using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using ClickAnalytics.Storage;
using DuckDB.NET.Data;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Retry;

namespace ClickAnalytics.Sinks.Parquet;

/// <summary>Moves days of raw clicks past their retention from the hot store to verified Parquet files.</summary>
public interface IClickArchive
{
    /// <summary>
    /// Archives every stored day older than the retention: writes it, verifies it, records it in the
    /// manifest and only then drops it from the hot store. Safe to run again at any point.
    /// </summary>
    Task<IReadOnlyList<ArchivedDay>> ArchiveDueDaysAsync(CancellationToken cancellationToken = default);

    /// <summary>The days the manifest records as archived.</summary>
    Task<IReadOnlyList<ArchivedDay>> ListAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// A DuckDB connection (in memory; the caller disposes it) with a view <c>archived_clicks</c> over
    /// the archived days from <paramref name="from"/> to <paramref name="to"/>, for SQL of a deep
    /// audit: every stored column, <c>date</c> from the folder names.
    /// </summary>
    Task<DuckDBConnection> OpenAuditAsync(DateOnly from, DateOnly to, CancellationToken cancellationToken = default);

    /// <summary>The archived clicks of the days from <paramref name="from"/> to <paramref name="to"/>, as the hot store held them.</summary>
    IAsyncEnumerable<StoredClick> ReadAsync(DateOnly from, DateOnly to, CancellationToken cancellationToken = default);
}

/// <summary>One archived day, as the manifest records it.</summary>
/// <param name="Day">The UTC day.</param>
/// <param name="Files">Its files: one, or one per tenant when the archive is partitioned by tenant.</param>
/// <param name="ArchivedAt">When it was verified.</param>
public sealed record ArchivedDay(DateOnly Day, IReadOnlyList<ArchivedFile> Files, DateTimeOffset ArchivedAt)
{
    /// <summary>Clicks in its files.</summary>
    public long Rows => Files.Sum(f => f.Rows);

    /// <summary>The size of its files.</summary>
    public long Bytes => Files.Sum(f => f.Bytes);
}

/// <summary>One file of an archived day.</summary>
/// <param name="Path">The file, relative to the archive's root (<c>clicks/date=…/part-00000.parquet</c>).</param>
/// <param name="TenantId">The tenant whose clicks it holds, when the archive is partitioned by tenant; else null.</param>
/// <param name="Rows">Clicks in the file.</param>
/// <param name="Bytes">The file's size.</param>
/// <param name="Checksum">Order-independent checksum of its event ids (hex).</param>
public sealed record ArchivedFile(string Path, string? TenantId, long Rows, long Bytes, string Checksum);

/// <summary>
/// The archive job. For a day past the window it reads the day from the hot store, writes one
/// Parquet file (or one per tenant; hive layout, the partition columns left to the folder names)
/// under a temporary name, puts it into place, and once every file of the day is in place reads
/// each back with DuckDB (row count and checksum of the event ids must equal the hot store's, and
/// the files together must hold every click the store lists for the day), records the day in the
/// manifest, and only then drops the day. A run cut off anywhere leaves either no manifest entry
/// (the day is written again, replacing its files) or an entry whose day is then dropped: nothing
/// is lost and nothing is archived twice.
/// </summary>
internal sealed partial class ClickArchive : IClickArchive, IArchivedDays, IDisposable
{
    private const string ManifestFile = "clicks/_manifest.json";
    private const string TenantColumn = "tenant_id";

    /// <summary>Hive's name for a partition without a value; DuckDB, Spark and Athena read it as null.</summary>
    private const string NoValue = "__HIVE_DEFAULT_PARTITION__";
    private static readonly IReadOnlySet<string> DatePartition = new HashSet<string>(StringComparer.Ordinal) { "date" };
    private static readonly IReadOnlySet<string> TenantAndDatePartitions = new HashSet<string>(StringComparer.Ordinal) { "date", TenantColumn };
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly IClickStore store;
    private readonly IOptions<ParquetArchiveOptions> options;
    private readonly TimeProvider time;
    private readonly ILogger<ClickArchive> logger;
    private readonly ArchiveMetrics? metrics;
    private readonly Lazy<ArchiveDestination> _destination;
    private readonly ResiliencePipeline _retry;
    private volatile HashSet<DateOnly>? _archived;

    public ClickArchive(IClickStore store, IOptions<ParquetArchiveOptions> options, TimeProvider time, ILogger<ClickArchive> logger, ArchiveMetrics? metrics = null)
    {
        this.store = store;
        this.options = options;
        this.time = time;
        this.logger = logger;
        this.metrics = metrics;
        _destination = new Lazy<ArchiveDestination>(() => ArchiveDestination.Create(options.Value));
        // The pipeline's one retry policy, around each step of a day.
        _retry = ClickAnalytics.Processing.ClickRetry.Create(options.Value.MaxAttempts, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30), time, OnRetryAsync);
    }

    private ArchiveDestination Destination => _destination.Value;

    private ValueTask OnRetryAsync(OnRetryArguments<object> retry)
    {
        metrics?.StepRetried();
        Log.StepRetried(logger, retry.Outcome.Exception!, retry.AttemptNumber + 1, options.Value.MaxAttempts, retry.RetryDelay);
        return ValueTask.CompletedTask;
    }

    /// <summary>Runs one step of a day through the retry policy; a step that still fails ends the run (counted and logged).</summary>
    private async Task<T> StepAsync<T>(string step, DateOnly day, Func<CancellationToken, ValueTask<T>> work, CancellationToken cancellationToken)
    {
        try
        {
            return await _retry.ExecuteAsync(static (work, token) => work(token), work, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            metrics?.StepFailed(step);
            Log.StepFailed(logger, ex, step, day, options.Value.MaxAttempts);
            throw;
        }
    }

    public void Dispose()
    {
        if (_destination.IsValueCreated)
        {
            _destination.Value.Dispose();
        }

        _gate.Dispose();
    }

    /// <summary>Whether the manifest records the day (read once, then kept up to date by this archive).</summary>
    public bool IsArchived(DateOnly day)
    {
        HashSet<DateOnly>? archived = _archived;
        if (archived is null)
        {
            archived = [.. ReadManifestAsync(CancellationToken.None).GetAwaiter().GetResult().Keys];
            _archived = archived;
        }

        return archived.Contains(day);
    }

    public async Task<IReadOnlyList<ArchivedDay>> ArchiveDueDaysAsync(CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            DateOnly today = DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);
            DateOnly firstKept = today.AddDays(1 - options.Value.RawRetentionDays);
            Dictionary<DateOnly, ArchivedDay> manifest = await ReadManifestAsync(cancellationToken).ConfigureAwait(false);
            var archived = new List<ArchivedDay>();
            foreach (StoredDay stored in await store.ListDaysAsync(cancellationToken).ConfigureAwait(false))
            {
                if (stored.Day >= firstKept)
                {
                    continue;
                }

                if (!manifest.TryGetValue(stored.Day, out ArchivedDay? day))
                {
                    StoredDay due = stored;
                    day = await StepAsync("archive", due.Day, token => new ValueTask<ArchivedDay>(ArchiveDayAsync(due, token)), cancellationToken).ConfigureAwait(false);
                    manifest[day.Day] = day;
                    await StepAsync("manifest", due.Day, async token => { await WriteManifestAsync(manifest, token).ConfigureAwait(false); return true; }, cancellationToken).ConfigureAwait(false);
                    _archived = [.. manifest.Keys];
                    archived.Add(day);
                }

                // Verified and recorded (now or by a run cut off before this step): the hot copy can go.
                ArchiveHooks.Reached(ArchiveHooks.BeforeDrop);
                DateOnly dropped = stored.Day;
                await StepAsync("drop", dropped, async token => { await store.DropDayAsync(dropped, token).ConfigureAwait(false); return true; }, cancellationToken).ConfigureAwait(false);
                Log.DayDropped(logger, stored.Day, day.Rows, day.Files.Count, Destination.Describe(Location(day.Files)));
            }

            return archived;
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task<IReadOnlyList<ArchivedDay>> ListAsync(CancellationToken cancellationToken = default) =>
        [.. (await ReadManifestAsync(cancellationToken).ConfigureAwait(false)).Values.OrderBy(d => d.Day)];

    public async Task<DuckDBConnection> OpenAuditAsync(DateOnly from, DateOnly to, CancellationToken cancellationToken = default)
    {
        // Days archived by date only, and days archived by tenant and date (the layout may change over an archive's life).
        var byDate = new List<string>();
        var byTenant = new List<string>();
        foreach (ArchivedDay day in (await ListAsync(cancellationToken).ConfigureAwait(false)).Where(d => d.Day >= from && d.Day <= to))
        {
            foreach (ArchivedFile file in day.Files)
            {
                // Local already, or fetched into the cache folder (DuckDB reads only local files).
                string local = await Destination.GetFileAsync(file.Path, file.Bytes, fresh: false, cancellationToken).ConfigureAwait(false);
                (file.TenantId is null ? byDate : byTenant).Add("'" + local.Replace("'", "''", StringComparison.Ordinal) + "'");
            }
        }

        var parts = new List<string>();
        if (byDate.Count > 0)
        {
            parts.Add($"SELECT * FROM read_parquet([{string.Join(", ", byDate)}], hive_partitioning = true, union_by_name = true)");
        }

        if (byTenant.Count > 0)
        {
            // Tenant ids stay text ("0042" is not 42), and the tenant-less folder's null is the empty id again.
            parts.Add($"SELECT * REPLACE (coalesce({TenantColumn}, '') AS {TenantColumn}) FROM read_parquet([{string.Join(", ", byTenant)}], " +
                $"hive_partitioning = true, union_by_name = true, hive_types = {{'{TenantColumn}': VARCHAR}})");
        }

        var connection = new DuckDBConnection("Data Source=:memory:");
        connection.Open();
        using DuckDBCommand command = connection.CreateCommand();
        // An empty range still gives a view with the archive's columns, and no rows.
        command.CommandText = parts.Count == 0
            ? "CREATE VIEW archived_clicks AS SELECT NULL::UUID AS event_id WHERE false"
            : "CREATE VIEW archived_clicks AS " + string.Join(" UNION ALL BY NAME ", parts);
        command.ExecuteNonQuery();
        return connection;
    }

    public async IAsyncEnumerable<StoredClick> ReadAsync(DateOnly from, DateOnly to, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using DuckDBConnection connection = await OpenAuditAsync(from, to, cancellationToken).ConfigureAwait(false);
        using DuckDBCommand command = connection.CreateCommand();
        command.CommandText = "SELECT * FROM archived_clicks";
        using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var fixedNames = new HashSet<string>(ClickSchema.Columns.Select(c => c.Name), StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var values = new object[ClickSchema.Columns.Count];
            var dimensions = new Dictionary<string, string>(StringComparer.Ordinal);
            for (int i = 0; i < reader.FieldCount; i++)
            {
                string name = reader.GetName(i);
                int index = ClickSchema.Columns.ToList().FindIndex(c => c.Name == name);
                if (index >= 0)
                {
                    values[index] = Typed(ClickSchema.Columns[index], reader.GetValue(i));
                }
                else if (!fixedNames.Contains(name))
                {
                    dimensions[name] = reader.IsDBNull(i) ? "" : reader.GetString(i);
                }
            }

            yield return new StoredClick(values, dimensions);
        }
    }

    /// <summary>A value as <see cref="StoredClick"/> types it (the partition's date may come back as a timestamp or text).</summary>
    private static object Typed(ClickColumn column, object value) => column.Accept(new StoredValue(value));

    private sealed class StoredValue(object value) : IClickColumnVisitor<object>
    {
        public object VisitString(ClickColumn column) => value as string ?? "";

        public object VisitBoolean(ClickColumn column) => value;

        public object VisitUInt32(ClickColumn column) => value;

        public object VisitTimestamp(ClickColumn column) => DateTime.SpecifyKind((DateTime)value, DateTimeKind.Utc);

        public object VisitDate(ClickColumn column) => value switch
        {
            DateOnly date => date,
            DateTime time => DateOnly.FromDateTime(time),
            _ => DateOnly.Parse(value.ToString()!, CultureInfo.InvariantCulture),
        };

        public object VisitUuid(ClickColumn column) => value;
    }

    private async Task<ArchivedDay> ArchiveDayAsync(StoredDay stored, CancellationToken cancellationToken)
    {
        long started = Stopwatch.GetTimestamp();
        DateOnly day = stored.Day;
        string date = "date=" + day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var written = new List<(string Path, string? Tenant, IdChecksum Hot)>();
        if (options.Value.PartitionByTenant)
        {
            foreach (StoredTenantDay tenant in await store.ListTenantsAsync(day, cancellationToken).ConfigureAwait(false))
            {
                string relative = $"clicks/{TenantColumn}={PartitionValue(tenant.TenantId)}/{date}/part-00000.parquet";
                IdChecksum hot = await WriteFileAsync(store.ReadDayAsync(day, tenant.TenantId, cancellationToken), relative, TenantAndDatePartitions, cancellationToken).ConfigureAwait(false);
                written.Add((relative, tenant.TenantId, hot));
            }
        }
        else
        {
            string relative = $"clicks/{date}/part-00000.parquet";
            written.Add((relative, null, await WriteFileAsync(store.ReadDayAsync(day, cancellationToken), relative, DatePartition, cancellationToken).ConfigureAwait(false)));
        }

        // Every file is read back only once all are in place, so a file that replaced another
        // (two tenants in one folder of a case-insensitive file system) fails its check.
        var files = new List<ArchivedFile>(written.Count);
        foreach ((string relative, string? tenant, IdChecksum hot) in written)
        {
            // What the destination holds now, read by DuckDB's own reader: not the file that was sent.
            string final = await Destination.GetFileAsync(relative, -1, fresh: true, cancellationToken).ConfigureAwait(false);
            IdChecksum read = ReadBack(final);
            if (read.Count != hot.Count || read.Value != hot.Value)
            {
                throw new InvalidOperationException(
                    $"The archive of {day:yyyy-MM-dd} does not read back as written: the hot store has {hot.Count} clicks ({hot}), {Destination.Describe(relative)} {read.Count} ({read}). The day stays in the hot store.");
            }

            files.Add(new ArchivedFile(relative, tenant, hot.Count, new FileInfo(final).Length, hot.ToString()));
        }

        var archived = new ArchivedDay(day, files, time.GetUtcNow());
        if (archived.Rows != stored.Clicks)
        {
            throw new InvalidOperationException(
                $"The archive of {day:yyyy-MM-dd} holds {archived.Rows} clicks in {files.Count} file(s), but the hot store lists {stored.Clicks} for the day. The day stays in the hot store.");
        }

        double seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        metrics?.DayArchived(archived.Rows, archived.Bytes, seconds);
        Log.DayArchived(logger, day, archived.Rows, archived.Bytes, files.Count, Destination.Describe(Location(files)), seconds);
        return archived;
    }

    /// <summary>Writes one file from the hot store's clicks and puts it in place; returns the checksum of what was read.</summary>
    private async Task<IdChecksum> WriteFileAsync(IAsyncEnumerable<StoredClick> clicks, string relative, IReadOnlySet<string> partitions, CancellationToken cancellationToken)
    {
        string temporary = Destination.Scratch(relative);
        var hot = new IdChecksum();
        await using (var file = new FileStream(temporary, FileMode.Create, FileAccess.ReadWrite, FileShare.None, 1 << 16, FileOptions.Asynchronous))
        {
            await ParquetClickFile.WriteAsync(Counted(clicks, hot), file, ParquetExportFormat.Method(options.Value.Compression), partitions, cancellationToken).ConfigureAwait(false);
            await file.FlushAsync(cancellationToken).ConfigureAwait(false);
            file.Flush(flushToDisk: true);
        }

        ArchiveHooks.Reached(ArchiveHooks.BeforeUpload);
        await Destination.PutFileAsync(temporary, relative, cancellationToken).ConfigureAwait(false);
        ArchiveHooks.Reached(ArchiveHooks.AfterUpload);
        return hot;
    }

    /// <summary>
    /// A tenant id as a folder name: percent-encoded UTF-8 except letters, digits and <c>-._~</c>
    /// (so <c>/</c>, <c>=</c> and <c>%</c> cannot break the tree), hive's null for the empty id.
    /// DuckDB, Spark and Athena decode it back.
    /// </summary>
    internal static string PartitionValue(string tenantId) => tenantId switch
    {
        "" => NoValue,
        NoValue => "%5F" + NoValue[1..],
        _ => Uri.EscapeDataString(tenantId),
    };

    /// <summary>Where a day's files are, for logs: its file, or the folder of the tenants' folders.</summary>
    private static string Location(IReadOnlyList<ArchivedFile> files) => files.Count == 1 ? files[0].Path : "clicks/";

    private static async IAsyncEnumerable<StoredClick> Counted(IAsyncEnumerable<StoredClick> clicks, IdChecksum checksum, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (StoredClick click in clicks.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            checksum.Add(click.EventId);
            yield return click;
        }
    }

    /// <summary>The event ids of a file as DuckDB's own Parquet reader sees them.</summary>
    private static IdChecksum ReadBack(string path)
    {
        var checksum = new IdChecksum();
        using var connection = new DuckDBConnection("Data Source=:memory:");
        connection.Open();
        using DuckDBCommand command = connection.CreateCommand();
        command.CommandText = "SELECT event_id FROM read_parquet($path)";
        command.Parameters.Add(new DuckDBParameter("path", path));
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            checksum.Add(reader.GetGuid(0));
        }

        return checksum;
    }

    private async Task<Dictionary<DateOnly, ArchivedDay>> ReadManifestAsync(CancellationToken cancellationToken)
    {
        byte[]? content = await Destination.ReadAsync(ManifestFile, cancellationToken).ConfigureAwait(false);
        if (content is null)
        {
            return [];
        }

        List<ArchivedDay> days = JsonSerializer.Deserialize<List<ArchivedDay>>(content, JsonSerializerOptions.Web) ?? [];
        return days.ToDictionary(d => d.Day);
    }

    /// <summary>Writes the manifest whole (a rename locally, one object on S3), so a reader sees the old one or the new one.</summary>
    private Task WriteManifestAsync(Dictionary<DateOnly, ArchivedDay> manifest, CancellationToken cancellationToken) =>
        Destination.WriteAsync(ManifestFile, JsonSerializer.SerializeToUtf8Bytes(manifest.Values.OrderBy(d => d.Day).ToList(), JsonSerializerOptions.Web), cancellationToken);

    /// <summary>Count and wrapping sum of the event ids' two 64-bit halves: equal sets give equal checksums in any order.</summary>
    private sealed class IdChecksum
    {
        private ulong _low;
        private ulong _high;

        public long Count { get; private set; }

        public (ulong, ulong) Value => (_low, _high);

        public void Add(Guid id)
        {
            Span<byte> bytes = stackalloc byte[16];
            id.TryWriteBytes(bytes, bigEndian: true, out _);
            unchecked
            {
                _low += System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]);
                _high += System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(bytes[..8]);
            }

            Count++;
        }

        public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{_high:x16}{_low:x16}");
    }

    private static partial class Log
    {
        [LoggerMessage(601, LogLevel.Information, "Archived {Day:yyyy-MM-dd}: {Rows} clicks, {Bytes} bytes in {Files} file(s) under {File}, verified in {Seconds:F1} s.")]
        public static partial void DayArchived(ILogger logger, DateOnly day, long rows, long bytes, int files, string file, double seconds);

        [LoggerMessage(602, LogLevel.Information, "Dropped {Day:yyyy-MM-dd} from the hot store; its {Rows} clicks are in {Files} file(s) under {File}.")]
        public static partial void DayDropped(ILogger logger, DateOnly day, long rows, int files, string file);

        [LoggerMessage(604, LogLevel.Warning, "A step of the archive failed (attempt {Attempt} of {MaxAttempts}); trying again in {Delay}.")]
        public static partial void StepRetried(ILogger logger, Exception exception, int attempt, int maxAttempts, TimeSpan delay);

        [LoggerMessage(605, LogLevel.Error, "The {Step} step of {Day:yyyy-MM-dd} failed {MaxAttempts} times; the run stops, and the next one goes on from there. The day stays in the hot store until it is archived and verified.")]
        public static partial void StepFailed(ILogger logger, Exception exception, string step, DateOnly day, int maxAttempts);
    }
}

/// <summary>The archive's meter, <c>ClickAnalytics.Parquet</c>.</summary>
internal sealed class ArchiveMetrics
{
    public const string MeterName = "ClickAnalytics.Parquet";
    private readonly System.Diagnostics.Metrics.Counter<long> _days;
    private readonly System.Diagnostics.Metrics.Counter<long> _rows;
    private readonly System.Diagnostics.Metrics.Counter<long> _bytes;
    private readonly System.Diagnostics.Metrics.Histogram<double> _duration;
    private readonly System.Diagnostics.Metrics.Counter<long> _retries;
    private readonly System.Diagnostics.Metrics.Counter<long> _failures;

    public ArchiveMetrics(System.Diagnostics.Metrics.IMeterFactory meterFactory)
    {
        System.Diagnostics.Metrics.Meter meter = meterFactory.Create(new System.Diagnostics.Metrics.MeterOptions(MeterName));
        _days = meter.CreateCounter<long>("clickanalytics.archive.days", "{day}", "Days of raw clicks archived, verified and dropped from the hot store.");
        _rows = meter.CreateCounter<long>("clickanalytics.archive.rows", "{click}", "Clicks written to the archive.");
        _bytes = meter.CreateCounter<long>("clickanalytics.archive.bytes", "By", "Bytes of Parquet written to the archive.");
        _duration = meter.CreateHistogram<double>("clickanalytics.archive.day.duration", "s", "Time to write and verify one day.");
        _retries = meter.CreateCounter<long>("clickanalytics.archive.retries", "{retry}", "Steps of the archive tried again after an error.");
        _failures = meter.CreateCounter<long>("clickanalytics.archive.failures", "{failure}", "Steps of the archive that failed every attempt, by step (archive, manifest, drop); the run stopped there.");
    }

    public void StepRetried() => _retries.Add(1);

    public void StepFailed(string step) => _failures.Add(1, new System.Collections.Generic.KeyValuePair<string, object?>("step", step));

    public void DayArchived(long rows, long bytes, double seconds)
    {
        _days.Add(1);
        _rows.Add(rows);
        _bytes.Add(bytes);
        _duration.Record(seconds);
    }
}
