using System;
using System.Threading.Tasks;
using ClickAnalytics;
using ClickAnalytics.Sinks.Parquet;
using Microsoft.Extensions.DependencyInjection;

// Runs the archive once and exits 0. The clock, store and destination come from the arguments:
//   NOW                                            the time it runs at (ISO 8601)
//   duckdb PATH | clickhouse CONNECTION-STRING     the hot store
//   folder PATH | s3 SERVICE-URL BUCKET PREFIX CACHE   where the archive goes
// CLICKANALYTICS_ARCHIVE_HALT_AT / _HALT_SIGNAL stop it at a named point (see ArchiveHooks);
// CLICKANALYTICS_TEST_ARCHIVE_BY_TENANT=true partitions the archive by tenant.
var services = new ServiceCollection();
services.AddLogging();
services.AddSingleton<TimeProvider>(new FixedTime(DateTimeOffset.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture)));
IClickAnalyticsBuilder builder = services.AddClickAnalytics(o => o.ProcessingEnabled = false);
int next = 3;
if (args[1] == "duckdb")
{
    builder.AddDuckDb(o => o.Path = args[2]);
}
else
{
    builder.AddClickHouse(o =>
    {
        o.ConnectionString = args[2];
        o.LegacyServerCompatibility = true;
    });
}

builder.AddParquetArchive(o =>
{
    o.Enabled = false;
    o.RawRetentionDays = 90;
    o.MaxAttempts = 1;
    o.PartitionByTenant = Environment.GetEnvironmentVariable("CLICKANALYTICS_TEST_ARCHIVE_BY_TENANT") == "true";
    if (args[next] == "folder")
    {
        o.Folder = args[next + 1];
    }
    else
    {
        o.S3.ServiceUrl = args[next + 1];
        o.S3.Bucket = args[next + 2];
        o.S3.Prefix = args[next + 3];
        o.S3.AccessKey = "S3RVER";
        o.S3.SecretKey = "S3RVER";
        o.CacheFolder = args[next + 4];
    }
});

await using ServiceProvider provider = services.BuildServiceProvider();
await provider.GetRequiredService<ClickAnalytics.Storage.IClickStore>().InitializeAsync(default);
var archived = await provider.GetRequiredService<IClickArchive>().ArchiveDueDaysAsync();
Console.WriteLine($"archived {archived.Count} day(s)");
return 0;

/// <summary>A clock that stays at the time the test chose.</summary>
internal sealed class FixedTime(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;
}
