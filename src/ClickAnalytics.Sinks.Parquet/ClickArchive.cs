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
/// <param name="Rows">Clicks in its file.</param>
/// <param name="Checksum">Order-independent checksum of its event ids (hex).</param>
/// <param name="File">The file, relative to the archive folder.</param>
/// <param name="Bytes">The file's size.</param>
/// <param name="ArchivedAt">When it was verified.</param>
public sealed record ArchivedDay(DateOnly Day, long Rows, string Checksum, string File, long Bytes, DateTimeOffset ArchivedAt);

/// <summary>
/// The archive job. For a day past the window it reads the day from the hot store, writes one
/// Parquet file (hive layout, the <c>date</c> column left to the folder name) under a temporary
/// name, renames it into place, reads it back with DuckDB (row count and checksum of the event ids
/// must equal the hot store's), records the day in the manifest, and only then drops the day. A
/// run cut off anywhere leaves either no manifest entry (the day is written again, replacing the
/// file) or an entry whose day is then dropped: nothing is lost and nothing is archived twice.
/// </summary>
internal sealed partial class ClickArchive : IClickArchive, IArchivedDays, IDisposable
{
    private const string ManifestFile = "clicks/_manifest.json";
    private static readonly IReadOnlySet<string> PartitionColumns = new HashSet<string>(StringComparer.Ordinal) { "date" };
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
                    DateOnly due = stored.Day;
                    day = await StepAsync("archive", due, token => new ValueTask<ArchivedDay>(ArchiveDayAsync(due, token)), cancellationToken).ConfigureAwait(false);
                    manifest[day.Day] = day;
                    await StepAsync("manifest", due, async token => { await WriteManifestAsync(manifest, token).ConfigureAwait(false); return true; }, cancellationToken).ConfigureAwait(false);
                    _archived = [.. manifest.Keys];
                    archived.Add(day);
                }

                // Verified and recorded (now or by a run cut off before this step): the hot copy can go.
                ArchiveHooks.Reached(ArchiveHooks.BeforeDrop);
                DateOnly dropped = stored.Day;
                await StepAsync("drop", dropped, async token => { await store.DropDayAsync(dropped, token).ConfigureAwait(false); return true; }, cancellationToken).ConfigureAwait(false);
                Log.DayDropped(logger, stored.Day, day.Rows, Destination.Describe(day.File));
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
        var files = new List<string>();
        foreach (ArchivedDay day in (await ListAsync(cancellationToken).ConfigureAwait(false)).Where(d => d.Day >= from && d.Day <= to))
        {
            // Local already, or fetched into the cache folder (DuckDB reads only local files).
            string local = await Destination.GetFileAsync(day.File, day.Bytes, fresh: false, cancellationToken).ConfigureAwait(false);
            files.Add(local.Replace("'", "''", StringComparison.Ordinal));
        }

        var connection = new DuckDBConnection("Data Source=:memory:");
        connection.Open();
        using DuckDBCommand command = connection.CreateCommand();
        // An empty range still gives a view with the archive's columns, and no rows.
        command.CommandText = files.Count == 0
            ? "CREATE VIEW archived_clicks AS SELECT NULL::UUID AS event_id WHERE false"
            : $"CREATE VIEW archived_clicks AS SELECT * FROM read_parquet([{string.Join(", ", files.Select(f => "'" + f + "'"))}], hive_partitioning = true, union_by_name = true)";
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

    private async Task<ArchivedDay> ArchiveDayAsync(DateOnly day, CancellationToken cancellationToken)
    {
        long started = Stopwatch.GetTimestamp();
        string relative = "clicks/date=" + day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) + "/part-00000.parquet";
        string temporary = Destination.Scratch(relative);
        var hot = new IdChecksum();
        long rows;
        await using (var file = new FileStream(temporary, FileMode.Create, FileAccess.ReadWrite, FileShare.None, 1 << 16, FileOptions.Asynchronous))
        {
            rows = await ParquetClickFile.WriteAsync(Counted(store.ReadDayAsync(day, cancellationToken), hot), file, ParquetExportFormat.Method(options.Value.Compression), PartitionColumns, cancellationToken).ConfigureAwait(false);
            await file.FlushAsync(cancellationToken).ConfigureAwait(false);
            file.Flush(flushToDisk: true);
        }

        ArchiveHooks.Reached(ArchiveHooks.BeforeUpload);
        await Destination.PutFileAsync(temporary, relative, cancellationToken).ConfigureAwait(false);
        ArchiveHooks.Reached(ArchiveHooks.AfterUpload);
        // What the destination holds now, read by DuckDB's own reader: not the file that was sent.
        string final = await Destination.GetFileAsync(relative, -1, fresh: true, cancellationToken).ConfigureAwait(false);
        IdChecksum read = ReadBack(final);
        if (read.Count != rows || read.Count != hot.Count || read.Value != hot.Value)
        {
            throw new InvalidOperationException(
                $"The archive of {day:yyyy-MM-dd} does not read back as written: the hot store has {hot.Count} clicks ({hot}), {Destination.Describe(relative)} {read.Count} ({read}). The day stays in the hot store.");
        }

        long bytes = new FileInfo(final).Length;
        double seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        metrics?.DayArchived(rows, bytes, seconds);
        Log.DayArchived(logger, day, rows, bytes, Destination.Describe(relative), seconds);
        return new ArchivedDay(day, rows, hot.ToString(), relative, bytes, time.GetUtcNow());
    }

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
        [LoggerMessage(601, LogLevel.Information, "Archived {Day:yyyy-MM-dd}: {Rows} clicks, {Bytes} bytes in {File}, verified in {Seconds:F1} s.")]
        public static partial void DayArchived(ILogger logger, DateOnly day, long rows, long bytes, string file, double seconds);

        [LoggerMessage(602, LogLevel.Information, "Dropped {Day:yyyy-MM-dd} from the hot store; its {Rows} clicks are in {File}.")]
        public static partial void DayDropped(ILogger logger, DateOnly day, long rows, string file);

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
