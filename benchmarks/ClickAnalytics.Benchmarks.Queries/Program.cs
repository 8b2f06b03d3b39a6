using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using BenchmarkDotNet.Running;
using ClickAnalytics;
using ClickAnalytics.Benchmarks.Queries;
using ClickAnalytics.Querying;
using ClickAnalytics.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

// Commands (see benchmarks/queries.sh):
//   load duckdb FILE ROWS DAYS                 generate ROWS clicks over DAYS days and write them through the DuckDB store
//   load clickhouse URL DATABASE ROWS DAYS     generate the same kind of clicks on the ClickHouse server (the views fill the rollups)
//   queries [BenchmarkDotNet args]             dashboard query latency on both (CLICKANALYTICS_BENCH_DUCKDB, _CLICKHOUSE, _DATABASE)
//   expire duckdb FILE DAYS                    drop the DAYS oldest days of the file into its rollup: time, rows, file size before and after
//   archive (duckdb FILE | clickhouse URL DATABASE) (folder DIR | s3 URL BUCKET PREFIX)
//                                              archive every day of the store (all past the retention): rows/s, bytes, time a day
//                                              (CLICKANALYTICS_BENCH_ARCHIVE_BY_TENANT=true: one file per tenant and day)
//   formats (duckdb FILE | clickhouse URL DATABASE)
//                                              the first day as Parquet zstd, Parquet snappy and JSON lines: bytes a click
switch (args.FirstOrDefault())
{
    case "load" when args.Length == 5 && args[1] == "duckdb":
        await LoadDuckDbAsync(args[2], long.Parse(args[3], CultureInfo.InvariantCulture), int.Parse(args[4], CultureInfo.InvariantCulture));
        break;
    case "load" when args.Length == 6 && args[1] == "clickhouse":
        await LoadClickHouseAsync(args[2], args[3], long.Parse(args[4], CultureInfo.InvariantCulture), int.Parse(args[5], CultureInfo.InvariantCulture));
        break;
    case "expire" when args.Length == 4 && args[1] == "duckdb":
        await ExpireDuckDbAsync(args[2], int.Parse(args[3], CultureInfo.InvariantCulture));
        break;
    case "archive" when args.Length >= 5:
        await ArchiveAsync(args[1..]);
        break;
    case "formats" when args.Length >= 3:
        await FormatsAsync(args[1..]);
        break;
    case "queries":
        BenchmarkRunner.Run<DashboardQueryBenchmarks>(args: args[1..]);
        break;
    default:
        Console.Error.WriteLine("usage: load duckdb FILE ROWS DAYS | load clickhouse URL DATABASE ROWS DAYS | queries [BenchmarkDotNet args] | expire duckdb FILE DAYS");
        return 2;
}

return 0;

static async Task LoadDuckDbAsync(string file, long rows, int days)
{
    await using ServiceProvider provider = Stores.DuckDb(file, cache: false);
    IClickStore store = provider.GetRequiredService<IClickStore>();
    await store.InitializeAsync(CancellationToken.None);
    long held = (await store.ListDaysAsync(CancellationToken.None)).Sum(d => d.Clicks);
    if (held >= rows)
    {
        Console.WriteLine($"duckdb already holds {held} clicks");
        return;
    }

    long started = Stopwatch.GetTimestamp();
    long written = 0;
    foreach (var batch in SkewedClicks.Generate(rows, Stores.Start, days, batch: 100_000))
    {
        await store.WriteAsync(batch, CancellationToken.None);
        written += batch.Count;
        if (written % 1_000_000 == 0)
        {
            Console.WriteLine($"loaded {written} of {rows}");
        }
    }

    double seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
    await provider.DisposeAsync();
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"duckdb load rows={rows} days={days} seconds={seconds:F1} rows/s={rows / seconds:F0} file bytes={new FileInfo(file).Length}"));
}

static async Task ExpireDuckDbAsync(string file, int count)
{
    await using ServiceProvider provider = Stores.DuckDb(file, cache: false);
    IClickStore store = provider.GetRequiredService<IClickStore>();
    IClickAnalytics analytics = provider.GetRequiredService<IClickAnalytics>();
    await store.InitializeAsync(CancellationToken.None);
    var days = (await store.ListDaysAsync(CancellationToken.None)).ToList();
    long rows = days.Sum(d => d.Clicks);
    var query = new ClickAnalyticsQuery { From = days[0].Day, To = days[^1].Day, Dimensions = ["time:day"], IncludeBots = true, IncludeRepeats = true, Limit = 1000 };
    long countedBefore = (await analytics.QueryAsync(query)).Totals[0];
    long sizeBefore = new FileInfo(file).Length;
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"duckdb file={sizeBefore} bytes rows={rows} bytes/click={(double)sizeBefore / rows:F1} days={days.Count}"));
    long dropped = 0;
    long started = Stopwatch.GetTimestamp();
    foreach (StoredDay day in days.Take(count))
    {
        long dayStarted = Stopwatch.GetTimestamp();
        await store.DropDayAsync(day.Day, CancellationToken.None);
        dropped += day.Clicks;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"dropped {day.Day:yyyy-MM-dd}: {day.Clicks} clicks in {Stopwatch.GetElapsedTime(dayStarted).TotalSeconds:F2} s, file={new FileInfo(file).Length} bytes"));
    }

    double seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
    long countedAfter = (await analytics.QueryAsync(query)).Totals[0];
    await provider.DisposeAsync();
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"duckdb expire days={count} clicks={dropped} seconds={seconds:F1} rows/s={dropped / seconds:F0} file before={sizeBefore} after close={new FileInfo(file).Length} " +
        $"counted before={countedBefore} after={countedAfter}"));
    Console.WriteLine("rollup rows: " + string.Join(" ", Sql(file, "SELECT count(*), sum(clicks) FROM click_rollup_hourly")));
}

static ServiceProvider ArchiveServices(string[] args, out int next)
{
    var services = new ServiceCollection();
    services.AddLogging();
    // Long after the generated days, so that every day is past the retention.
    services.AddSingleton<TimeProvider>(new FixedTime(Stores.Start.AddDays(400)));
    IClickAnalyticsBuilder builder = services.AddClickAnalytics(o => o.ProcessingEnabled = false);
    if (args[0] == "duckdb")
    {
        builder.AddDuckDb(o => o.Path = args[1]);
        next = 2;
    }
    else
    {
        var uri = new Uri(args[1]);
        string database = args[2];
        builder.AddClickHouse(o =>
        {
            o.ConnectionString = string.Create(CultureInfo.InvariantCulture, $"Host={uri.Host};Port={uri.Port};Protocol=http;Database={database};Username=default");
            o.LegacyServerCompatibility = true;
        });
        next = 3;
    }

    if (args.Length > next)
    {
        string[] where = args[next..];
        builder.AddParquetArchive(o =>
        {
            o.Enabled = false;
            o.RawRetentionDays = 30;
            o.PartitionByTenant = Environment.GetEnvironmentVariable("CLICKANALYTICS_BENCH_ARCHIVE_BY_TENANT") == "true";
            if (where[0] == "folder")
            {
                o.Folder = where[1];
            }
            else
            {
                o.S3.ServiceUrl = where[1];
                o.S3.Bucket = where[2];
                o.S3.Prefix = where[3];
                o.S3.AccessKey = "S3RVER";
                o.S3.SecretKey = "S3RVER";
                o.CacheFolder = Path.Combine(Path.GetTempPath(), "clickanalytics-bench-cache");
            }
        });
    }

    return services.BuildServiceProvider();
}

static async Task ArchiveAsync(string[] args)
{
    await using ServiceProvider provider = ArchiveServices(args, out _);
    IClickStore store = provider.GetRequiredService<IClickStore>();
    await store.InitializeAsync(CancellationToken.None);
    long rows = (await store.ListDaysAsync(CancellationToken.None)).Sum(d => d.Clicks);
    long started = Stopwatch.GetTimestamp();
    var days = await provider.GetRequiredService<ClickAnalytics.Sinks.Parquet.IClickArchive>().ArchiveDueDaysAsync();
    double seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"archive {string.Join(' ', args)}: days={days.Count} rows={days.Sum(d => d.Rows)} of {rows} seconds={seconds:F1} rows/s={days.Sum(d => d.Rows) / seconds:F0} " +
        $"files={days.Sum(d => d.Files.Count)} bytes={days.Sum(d => d.Bytes)} bytes/click={(double)days.Sum(d => d.Bytes) / days.Sum(d => d.Rows):F1} seconds/day={seconds / days.Count:F2}"));
}

static async Task FormatsAsync(string[] args)
{
    await using ServiceProvider provider = ArchiveServices(args, out _);
    IClickStore store = provider.GetRequiredService<IClickStore>();
    await store.InitializeAsync(CancellationToken.None);
    StoredDay day = (await store.ListDaysAsync(CancellationToken.None))[0];
    foreach (var method in new[] { Parquet.CompressionMethod.Zstd, Parquet.CompressionMethod.Snappy })
    {
        string file = Path.GetTempFileName();
        long started = Stopwatch.GetTimestamp();
        await using (var output = new FileStream(file, FileMode.Create, FileAccess.ReadWrite))
        {
            await ClickAnalytics.Sinks.Parquet.ParquetClickFile.WriteAsync(store.ReadDayAsync(day.Day, CancellationToken.None), output, method, null, CancellationToken.None);
        }

        long bytes = new FileInfo(file).Length;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"parquet {method}: {day.Clicks} clicks, {bytes} bytes, {(double)bytes / day.Clicks:F1} bytes/click, {Stopwatch.GetElapsedTime(started).TotalSeconds:F1} s"));
        File.Delete(file);
    }

    string lines = Path.GetTempFileName();
    await using (var output = new StreamWriter(lines))
    {
        await foreach (StoredClick click in store.ReadDayAsync(day.Day, CancellationToken.None))
        {
            var row = new System.Collections.Generic.Dictionary<string, object>(StringComparer.Ordinal);
            for (int i = 0; i < ClickSchema.Columns.Count; i++)
            {
                row[ClickSchema.Columns[i].Name] = click.Values[i];
            }

            await output.WriteLineAsync(System.Text.Json.JsonSerializer.Serialize(row));
        }
    }

    long jsonBytes = new FileInfo(lines).Length;
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"json lines: {day.Clicks} clicks, {jsonBytes} bytes, {(double)jsonBytes / day.Clicks:F1} bytes/click"));
    File.Delete(lines);
}

static string Sql(string file, string sql)
{
    using var connection = new DuckDB.NET.Data.DuckDBConnection($"Data Source={file}");
    connection.Open();
    using var command = connection.CreateCommand();
    command.CommandText = sql;
    using var reader = command.ExecuteReader();
    reader.Read();
    return string.Join(", ", Enumerable.Range(0, reader.FieldCount).Select(i => Convert.ToString(reader.GetValue(i), CultureInfo.InvariantCulture)));
}

static async Task LoadClickHouseAsync(string url, string database, long rows, int days)
{
    using var http = new HttpClient { Timeout = TimeSpan.FromMinutes(30) };
    async Task<string> Sql(string sql, string? db = null)
    {
        using HttpResponseMessage response = await http.PostAsync(url + (db is null ? "/" : "/?database=" + db), new StringContent(sql));
        string body = await response.Content.ReadAsStringAsync();
        return response.IsSuccessStatusCode ? body.Trim() : throw new InvalidOperationException(body);
    }

    await Sql($"CREATE DATABASE IF NOT EXISTS {database}");
    await using (ServiceProvider provider = Stores.ClickHouse(url, database, cache: false))
    {
        await provider.GetRequiredService<IClickStore>().InitializeAsync(CancellationToken.None);
    }

    long held = long.Parse(await Sql("SELECT count() FROM clicks", database), CultureInfo.InvariantCulture);
    if (held >= rows)
    {
        Console.WriteLine($"clickhouse already holds {held} clicks");
        return;
    }

    long started = Stopwatch.GetTimestamp();
    for (long offset = 0; offset < rows; offset += 1_000_000)
    {
        await Sql(SkewedClicks.ClickHouseInsert(offset, Math.Min(1_000_000, rows - offset), rows, Stores.Start, days), database);
        Console.WriteLine($"loaded {Math.Min(rows, offset + 1_000_000)} of {rows}");
    }

    double seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"clickhouse load rows={rows} days={days} seconds={seconds:F1} rows/s={rows / seconds:F0}"));
    Console.WriteLine("bytes on disk: " + await Sql($"SELECT table, sum(bytes_on_disk) FROM system.parts WHERE database = '{database}' AND active GROUP BY table ORDER BY table FORMAT TSV"));
}

/// <summary>A clock that stays where the benchmark put it.</summary>
internal sealed class FixedTime(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;
}

namespace ClickAnalytics.Benchmarks.Queries
{
    /// <summary>Service providers with one store each, as a host would build them.</summary>
    internal static class Stores
    {
        public static readonly DateTimeOffset Start = new(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);

        /// <summary>The DuckDB store; CLICKANALYTICS_BENCH_DUCKDB_THREADS overrides its Threads (default 1).</summary>
        public static ServiceProvider DuckDb(string file, bool cache) => Build(cache, b => b.AddDuckDb(o =>
        {
            o.Path = file;
            if (int.TryParse(Environment.GetEnvironmentVariable("CLICKANALYTICS_BENCH_DUCKDB_THREADS"), CultureInfo.InvariantCulture, out int threads))
            {
                o.Threads = threads;
            }
        }));

        public static ServiceProvider ClickHouse(string url, string database, bool cache)
        {
            var uri = new Uri(url);
            return Build(cache, b => b.AddClickHouse(o =>
            {
                o.ConnectionString = string.Create(CultureInfo.InvariantCulture, $"Host={uri.Host};Port={uri.Port};Protocol=http;Database={database};Username=default");
                o.LegacyServerCompatibility = true;
            }));
        }

        private static ServiceProvider Build(bool cache, Action<IClickAnalyticsBuilder> store)
        {
            var services = new ServiceCollection();
            services.AddLogging();
            store(services.AddClickAnalytics(o => o.ProcessingEnabled = false));
            services.Configure<ClickQueryOptions>(o => o.CacheEnabled = cache);
            return services.BuildServiceProvider();
        }
    }
}
