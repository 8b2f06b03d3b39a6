using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Net.Http;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using ClickAnalytics.Querying;
using ClickAnalytics.Sinks.Parquet;
using ClickAnalytics.Storage;
using ClickAnalytics.Testing;
using ClickAnalytics.Testing.Storage;
using DuckDB.NET.Data;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace ClickAnalytics.Sinks.Parquet.Tests;

/// <summary>The archive on the embedded store: a real DuckDB file; to a local folder and to s3rver.</summary>
[TestFixture("folder")]
[TestFixture("s3")]
public sealed class DuckDbClickArchiveTests(string destination) : ClickArchiveTests(destination)
{
    protected override void AddStore(IClickAnalyticsBuilder builder, string folder) => builder.AddDuckDb(o => o.Path = Path.Combine(folder, "clicks.duckdb"));

    protected override string[] StoreArguments(string folder) => ["duckdb", Path.Combine(folder, "clicks.duckdb")];
}

/// <summary>The archive on ClickHouse: the real 18.16 server eng/test.sh starts, a database of its own per test.</summary>
[TestFixture("folder")]
[TestFixture("s3")]
public sealed class ClickHouseClickArchiveTests(string destination) : ClickArchiveTests(destination)
{
    private static readonly HttpClient Http = new();
    private string _database = "";

    private static Uri Server => new(Environment.GetEnvironmentVariable("CLICKANALYTICS_TEST_CLICKHOUSE")
        ?? throw new AssertionException("CLICKANALYTICS_TEST_CLICKHOUSE is not set: these tests need the ClickHouse server that eng/test.sh installs and starts."));

    protected override void AddStore(IClickAnalyticsBuilder builder, string folder)
    {
        if (_database.Length == 0)
        {
            _database = "archive_" + Guid.NewGuid().ToString("N");
            Sql($"CREATE DATABASE {_database}");
        }

        builder.AddClickHouse(o =>
        {
            o.ConnectionString = $"Host={Server.Host};Port={Server.Port};Protocol=http;Database={_database};Username=default";
            o.LegacyServerCompatibility = true;
        });
    }

    protected override string[] StoreArguments(string folder) =>
        ["clickhouse", $"Host={Server.Host};Port={Server.Port};Protocol=http;Database={_database};Username=default"];

    [TearDown]
    public void DropDatabase()
    {
        Sql($"DROP DATABASE IF EXISTS {_database}");
        _database = "";
    }

    private static void Sql(string sql)
    {
        using HttpResponseMessage response = Http.PostAsync(Server, new StringContent(sql)).GetAwaiter().GetResult();
        Assert.That(response.IsSuccessStatusCode, Is.True, response.Content.ReadAsStringAsync().GetAwaiter().GetResult());
    }
}

/// <summary>
/// The archive on a real store and a local folder, read back by DuckDB's own Parquet reader: each
/// store's fixture says how to add the store.
/// </summary>
public abstract class ClickArchiveTests(string destination)
{
    private const string Bucket = "clickanalytics-test";

    protected abstract void AddStore(IClickAnalyticsBuilder builder, string folder);

    /// <summary>How the archive process (tests/ClickAnalytics.Sinks.Parquet.TestArchiver) reaches the same store.</summary>
    protected abstract string[] StoreArguments(string folder);

    private string _prefix = "";

    private static string S3Server => Environment.GetEnvironmentVariable("CLICKANALYTICS_TEST_S3")
        ?? throw new AssertionException("CLICKANALYTICS_TEST_S3 is not set: the S3 archive tests need the s3rver that eng/test.sh installs and starts.");

    private void Destination(ParquetArchiveOptions o)
    {
        if (destination == "s3")
        {
            o.S3.Bucket = Bucket;
            o.S3.Prefix = _prefix;
            o.S3.ServiceUrl = S3Server;
            o.S3.AccessKey = "S3RVER";
            o.S3.SecretKey = "S3RVER";
            o.CacheFolder = Path.Combine(_folder, "cache");
        }
        else
        {
            o.Folder = ArchiveFolder;
        }
    }

    /// <summary>An S3 client of the test's own, independent of the archive's.</summary>
    private static Amazon.S3.AmazonS3Client S3Client() => new(
        new Amazon.Runtime.BasicAWSCredentials("S3RVER", "S3RVER"),
        new Amazon.S3.AmazonS3Config { ServiceURL = S3Server, ForcePathStyle = true, AuthenticationRegion = "us-east-1" });

    /// <summary>The archive's Parquet files (path relative to the archive's root) with when each was last written.</summary>
    private List<(string File, DateTime Written)> ArchiveFiles()
    {
        if (destination != "s3")
        {
            return !Directory.Exists(ArchiveFolder) ? [] : [.. Directory.GetFiles(ArchiveFolder, "*.parquet", SearchOption.AllDirectories)
                .Select(f => (Path.GetRelativePath(ArchiveFolder, f), File.GetLastWriteTimeUtc(f))).OrderBy(f => f.Item1)];
        }

        using Amazon.S3.AmazonS3Client client = S3Client();
        Amazon.S3.Model.ListObjectsV2Response listed = client.ListObjectsV2Async(new Amazon.S3.Model.ListObjectsV2Request { BucketName = Bucket, Prefix = _prefix + "/" }).GetAwaiter().GetResult();
        return [.. (listed.S3Objects ?? []).Where(o => o.Key.EndsWith(".parquet", StringComparison.Ordinal))
            .Select(o => (o.Key[(_prefix.Length + 1)..], o.LastModified ?? DateTime.MinValue)).OrderBy(f => f.Item1)];
    }

    /// <summary>A local copy of the archive's tree: the folder itself, or every object downloaded from the bucket by the test's own client.</summary>
    private string LocalArchive()
    {
        if (destination != "s3")
        {
            return ArchiveFolder;
        }

        string copy = Path.Combine(_folder, "downloaded-" + Guid.NewGuid().ToString("N"));
        using Amazon.S3.AmazonS3Client client = S3Client();
        foreach ((string file, _) in ArchiveFiles())
        {
            string path = Path.Combine(copy, file);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            using Amazon.S3.Model.GetObjectResponse response = client.GetObjectAsync(Bucket, _prefix + "/" + file).GetAwaiter().GetResult();
            using FileStream target = File.Create(path);
            response.ResponseStream.CopyTo(target);
        }

        return copy;
    }

    private static readonly DateTimeOffset Now = new(2026, 12, 5, 12, 0, 0, TimeSpan.Zero);
    protected static readonly DateTimeOffset Midnight = new(2026, 12, 5, 0, 0, 0, TimeSpan.Zero);
    private string _folder = null!;

    [SetUp]
    public void CreateFolder()
    {
        _folder = Directory.CreateTempSubdirectory("clickanalytics-archive-").FullName;
        _prefix = "archive-" + Guid.NewGuid().ToString("N");
    }

    [TearDown]
    public void DeleteFolder() => Directory.Delete(_folder, recursive: true);

    private string ArchiveFolder => Path.Combine(_folder, "archive");

    /// <summary>The store with clicks on four days past a 90-day retention and on a recent one.</summary>
    protected async Task<(ServiceProvider Provider, IClickStore Store, List<EnrichedClick> Old, List<EnrichedClick> Recent)> StoreAsync(int maxAttempts = 1, bool byTenant = false)
    {
        (ServiceProvider provider, IClickStore store, _, _) = await OpenStoreAsync(maxAttempts, byTenant);
        var old = new List<EnrichedClick>();
        if (byTenant)
        {
            // A few tenants a day, with names a folder cannot hold as they are.
            for (int day = 93; day <= 94; day++)
            {
                for (int t = 0; t < Tenants.Length; t++)
                {
                    old.AddRange(Enumerable.Range(0, t + day - 91).Select(i => ContractClicks.Simple("l" + i, Midnight.AddDays(-day).AddMinutes(t * 60 + i), tenant: Tenants[t])));
                }
            }
        }
        else
        {
            for (int day = 93; day <= 96; day++)
            {
                old.AddRange(Enumerable.Range(0, 50 + day).Select(i => ContractClicks.Full(i, Midnight.AddDays(-day).AddMinutes(i * 7))));
            }
        }

        old[3].SetDimension("plan", "pro");
        List<EnrichedClick> recent = [.. Enumerable.Range(0, 30).Select(i => ContractClicks.Simple("a", Now.AddDays(-1).AddMinutes(i)))];
        await store.WriteAsync([.. old, .. recent], CancellationToken.None);
        return (provider, store, old, recent);
    }

    /// <summary>The test's store and archive, with what they hold already.</summary>
    /// <summary>Tenants of the partitioned archive's tests: a slash, a quote and spaces, a percent sign, non-ASCII, a number, case, and none.</summary>
    private static readonly string[] Tenants = ["acme", "Acme/EU", "o'brien & co", "100%", "ünïcode", "0042", ""];

    protected async Task<(ServiceProvider Provider, IClickStore Store, List<EnrichedClick> Old, List<EnrichedClick> Recent)> OpenStoreAsync(int maxAttempts = 1, bool byTenant = false)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<TimeProvider>(new FakeTimeProvider(Now));
        IClickAnalyticsBuilder builder = services.AddClickAnalytics(o => o.ProcessingEnabled = false);
        AddStore(builder, _folder);
        builder.AddParquetArchive(o =>
            {
                Destination(o);
                o.RawRetentionDays = 90;
                o.Enabled = false;
                o.MaxAttempts = maxAttempts;
                o.PartitionByTenant = byTenant;
            });
        ServiceProvider provider = services.BuildServiceProvider();
        IClickStore store = provider.GetRequiredService<IClickStore>();
        await store.InitializeAsync(CancellationToken.None);
        return (provider, store, [], []);
    }

    /// <summary>Every raw click the store holds, by event id.</summary>
    private static async Task<Dictionary<Guid, StoredClick>> HotClicksAsync(IClickStore store)
    {
        var hot = new Dictionary<Guid, StoredClick>();
        foreach (StoredDay day in await store.ListDaysAsync(CancellationToken.None))
        {
            await foreach (StoredClick click in store.ReadDayAsync(day.Day, CancellationToken.None))
            {
                hot[click.EventId] = click;
            }
        }

        return hot;
    }

    /// <summary>The whole tree as DuckDB reads it with hive partitioning (the tenant's folder level too when partitioned by tenant).</summary>
    private List<Dictionary<string, object>> ReadArchive(bool byTenant = false)
    {
        using var duck = new DuckDBConnection("Data Source=:memory:");
        duck.Open();
        using DuckDBCommand command = duck.CreateCommand();
        command.CommandText = byTenant
            ? $"SELECT * FROM read_parquet('{LocalArchive()}/clicks/*/*/*.parquet', hive_partitioning = true, union_by_name = true, hive_types = {{'tenant_id': VARCHAR}})"
            : $"SELECT * FROM read_parquet('{LocalArchive()}/clicks/*/*.parquet', hive_partitioning = true, union_by_name = true)";
        using var reader = command.ExecuteReader();
        var rows = new List<Dictionary<string, object>>();
        while (reader.Read())
        {
            rows.Add(Enumerable.Range(0, reader.FieldCount).ToDictionary(reader.GetName, reader.GetValue));
        }

        return rows;
    }

    [Test]
    public async Task Days_past_the_retention_move_to_verified_parquet_with_every_column_and_leave_the_hot_store()
    {
        var (provider, store, old, recent) = await StoreAsync();
        await using var _ = provider;
        Dictionary<Guid, StoredClick> hot = await HotClicksAsync(store);

        var meters = provider.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>();
        using var archivedRows = new Microsoft.Extensions.Diagnostics.Metrics.Testing.MetricCollector<long>(meters, "ClickAnalytics.Parquet", "clickanalytics.archive.rows");
        using var archivedBytes = new Microsoft.Extensions.Diagnostics.Metrics.Testing.MetricCollector<long>(meters, "ClickAnalytics.Parquet", "clickanalytics.archive.bytes");
        IReadOnlyList<ArchivedDay> archived = await provider.GetRequiredService<IClickArchive>().ArchiveDueDaysAsync();
        List<Dictionary<string, object>> rows = ReadArchive();
        IReadOnlyList<StoredDay> left = await store.ListDaysAsync(CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(archived.Select(d => d.Day), Is.EqualTo(Enumerable.Range(93, 4).Reverse().Select(d => DateOnly.FromDateTime(Now.AddDays(-d).UtcDateTime))));
            Assert.That(archived.Select(d => d.Files.Single().Path), Has.All.Match(@"^clicks/date=\d{4}-\d\d-\d\d/part-00000\.parquet$"));
            Assert.That(rows.Select(r => (Guid)r["event_id"]), Is.EquivalentTo(old.Select(c => c.Click.EventId)), "every old click once, read by DuckDB");
            Assert.That(left.Select(d => d.Clicks).Sum(), Is.EqualTo(recent.Count), "only the recent days stay hot");
            foreach (Dictionary<string, object> row in rows.Take(40))
            {
                StoredClick stored = hot[(Guid)row["event_id"]];
                for (int i = 0; i < ClickSchema.Columns.Count; i++)
                {
                    string name = ClickSchema.Columns[i].Name;
                    object expected = stored.Values[i] is DateOnly d ? d.ToDateTime(TimeOnly.MinValue) : stored.Values[i];
                    object actual = row[name] is DateOnly a ? a.ToDateTime(TimeOnly.MinValue) : row[name];
                    Assert.That(actual, Is.EqualTo(expected), name + " (date from the folder name)");
                }
            }

            Assert.That(rows.Single(r => (Guid)r["event_id"] == old[3].Click.EventId)["plan"], Is.EqualTo("pro"), "custom dimensions are columns");
            Assert.That(archivedRows.GetMeasurementSnapshot().Sum(m => m.Value), Is.EqualTo(old.Count), "rows metered");
            Assert.That(archivedBytes.GetMeasurementSnapshot().Sum(m => m.Value), Is.EqualTo(archived.Sum(d => d.Bytes)), "bytes metered");
        });
    }

    [Test]
    public async Task Partitioned_by_tenant_each_tenant_of_a_day_gets_its_own_verified_file_that_readers_decode_back()
    {
        var (provider, store, old, recent) = await StoreAsync(byTenant: true);
        await using var _ = provider;
        Dictionary<Guid, StoredClick> hot = await HotClicksAsync(store);

        IClickArchive archive = provider.GetRequiredService<IClickArchive>();
        IReadOnlyList<ArchivedDay> archived = await archive.ArchiveDueDaysAsync();
        List<Dictionary<string, object>> rows = ReadArchive(byTenant: true);
        using var duck = new DuckDBConnection("Data Source=:memory:");
        duck.Open();
        using DuckDBCommand columns = duck.CreateCommand();
        columns.CommandText = $"SELECT DISTINCT name FROM parquet_schema('{LocalArchive()}/clicks/*/*/*.parquet')";
        var inFiles = new List<string>();
        using (var reader = columns.ExecuteReader())
        {
            while (reader.Read())
            {
                inFiles.Add(reader.GetString(0));
            }
        }

        DateOnly first = DateOnly.FromDateTime(Midnight.AddDays(-94).UtcDateTime), last = DateOnly.FromDateTime(Midnight.AddDays(-93).UtcDateTime);
        var audited = new List<StoredClick>();
        await foreach (StoredClick click in archive.ReadAsync(first, last))
        {
            audited.Add(click);
        }

        int tenant = ClickSchema.Columns.ToList().FindIndex(c => c.Name == "tenant_id");
        int date = ClickSchema.Columns.ToList().FindIndex(c => c.Name == "date");
        List<StoredClick> hotOld = [.. hot.Values.Where(c => (DateOnly)c.Values[date] <= last)];
        Assert.Multiple(async () =>
        {
            Assert.That(archived.Select(d => d.Day), Is.EqualTo(new[] { first, last }));
            foreach (ArchivedDay day in archived)
            {
                Assert.That(day.Files.Select(f => f.TenantId), Is.EquivalentTo(Tenants), "one file per tenant of the day");
                Assert.That(day.Files.Sum(f => f.Rows), Is.EqualTo(day.Rows));
                Assert.That(day.Files.Select(f => f.Path), Has.All.StartsWith("clicks/tenant_id=").And.All.EndsWith($"/date={day.Day:yyyy-MM-dd}/part-00000.parquet"));
            }

            Assert.That(archived[0].Files.Select(f => f.Path.Split('/')[1]), Is.EquivalentTo(new[]
            {
                "tenant_id=acme", "tenant_id=Acme%2FEU", "tenant_id=o%27brien%20%26%20co", "tenant_id=100%25", "tenant_id=%C3%BCn%C3%AFcode", "tenant_id=0042", "tenant_id=__HIVE_DEFAULT_PARTITION__",
            }), "tenant ids percent-encoded in folder names, the empty one as hive's null");
            Assert.That(ArchiveFiles(), Has.Count.EqualTo(2 * Tenants.Length));
            Assert.That(inFiles, Has.None.EqualTo("tenant_id").And.None.EqualTo("date"), "partition columns are left to the folder names");
            Assert.That(rows.Select(r => (Guid)r["event_id"]), Is.EquivalentTo(old.Select(c => c.Click.EventId)), "every old click once, read by DuckDB");
            Assert.That(rows.Select(r => (r["tenant_id"] as string) ?? ""), Is.EquivalentTo(old.Select(c => c.Click.TenantId ?? "")), "DuckDB decodes each tenant back from its folder");
            Assert.That(audited.Select(c => (c.EventId, (string)c.Values[tenant])), Is.EquivalentTo(hotOld.Select(c => (c.EventId, (string)c.Values[tenant]))),
                "the audit reader gives the hot store's tenant of every click, \"0042\" as text and the empty one empty");
            Assert.That(audited.Select(c => c.Values), Is.EquivalentTo(hotOld.Select(c => c.Values)), "every column as the hot store held it");
            Assert.That((await store.ListDaysAsync(CancellationToken.None)).Sum(d => d.Clicks), Is.EqualTo(recent.Count), "only the recent day stays hot");
        });
    }

    [Test]
    public async Task A_day_whose_files_do_not_hold_every_listed_click_stays_hot()
    {
        var (provider, store, _, _) = await StoreAsync(byTenant: true);
        await using var _ = provider;
        // A store whose tenant listing misses one tenant: every file verifies, but the day is short.
        var forgetful = new FailingStore(store) { HideTenant = "0042" };
        var archive = new ClickArchive(forgetful, provider.GetRequiredService<Microsoft.Extensions.Options.IOptions<ParquetArchiveOptions>>(),
            new FakeTimeProvider(Now), Microsoft.Extensions.Logging.Abstractions.NullLogger<ClickArchive>.Instance);
        long hotBefore = (await store.ListDaysAsync(CancellationToken.None)).Sum(d => d.Clicks);

        InvalidOperationException? error = await Assert.ThrowsAsync<InvalidOperationException>(() => archive.ArchiveDueDaysAsync());

        Assert.That(error!.Message, Does.Contain("but the hot store lists"));
        Assert.That((await store.ListDaysAsync(CancellationToken.None)).Sum(d => d.Clicks), Is.EqualTo(hotBefore), "nothing dropped");
        Assert.That(await archive.ListAsync(), Is.Empty, "nothing recorded");
    }

    [Test]
    public async Task Running_again_archives_and_drops_nothing_more()
    {
        var (provider, store, _, recent) = await StoreAsync();
        await using var _ = provider;
        IClickArchive archive = provider.GetRequiredService<IClickArchive>();
        await archive.ArchiveDueDaysAsync();
        List<(string File, DateTime Written)> written = ArchiveFiles();

        IReadOnlyList<ArchivedDay> again = await archive.ArchiveDueDaysAsync();
        long hot = (await store.ListDaysAsync(CancellationToken.None)).Sum(d => d.Clicks);
        IReadOnlyList<ArchivedDay> recorded = await archive.ListAsync();

        Assert.Multiple(() =>
        {
            Assert.That(again, Is.Empty);
            Assert.That(written, Has.Count.EqualTo(4));
            Assert.That(ArchiveFiles(), Is.EqualTo(written), "no file written again");
            Assert.That(hot, Is.EqualTo(recent.Count));
            Assert.That(recorded, Has.Count.EqualTo(4));
        });
    }

    [Test]
    public async Task A_run_cut_off_while_reading_a_day_keeps_it_hot_and_the_next_run_archives_it_whole()
    {
        var (provider, store, old, _) = await StoreAsync();
        await using var _ = provider;
        var failing = new FailingStore(store) { FailReadAfter = 20 };
        var archive = new ClickArchive(failing, provider.GetRequiredService<Microsoft.Extensions.Options.IOptions<ParquetArchiveOptions>>(),
            new FakeTimeProvider(Now), Microsoft.Extensions.Logging.Abstractions.NullLogger<ClickArchive>.Instance);

        await Assert.ThrowsAsync<IOException>(() => archive.ArchiveDueDaysAsync());
        long hotAfterFailure = (await store.ListDaysAsync(CancellationToken.None)).Sum(d => d.Clicks);
        failing.FailReadAfter = null;
        await archive.ArchiveDueDaysAsync();

        Assert.Multiple(() =>
        {
            Assert.That(hotAfterFailure, Is.EqualTo(old.Count + 30), "nothing was dropped");
            Assert.That(ReadArchive().Select(r => (Guid)r["event_id"]), Is.EquivalentTo(old.Select(c => c.Click.EventId)), "each click once");
        });
    }

    [Test]
    public async Task A_run_cut_off_after_the_manifest_and_before_the_drop_drops_the_day_next_time_without_writing_it_again()
    {
        var (provider, store, old, recent) = await StoreAsync();
        await using var _ = provider;
        var failing = new FailingStore(store) { FailDrop = true };
        var options = provider.GetRequiredService<Microsoft.Extensions.Options.IOptions<ParquetArchiveOptions>>();
        var cut = new ClickArchive(failing, options, new FakeTimeProvider(Now), Microsoft.Extensions.Logging.Abstractions.NullLogger<ClickArchive>.Instance);

        await Assert.ThrowsAsync<IOException>(() => cut.ArchiveDueDaysAsync());
        List<(string File, DateTime Written)> written = ArchiveFiles();
        DateOnly recordedFirst = (await cut.ListAsync())[0].Day;
        IReadOnlyList<ArchivedDay> second = await provider.GetRequiredService<IClickArchive>().ArchiveDueDaysAsync();
        long hot = (await store.ListDaysAsync(CancellationToken.None)).Sum(d => d.Clicks);

        Assert.Multiple(() =>
        {
            Assert.That(written, Has.Count.EqualTo(1), "the first day was written and recorded before the drop failed");
            Assert.That(second.Select(d => d.Day), Has.None.EqualTo(recordedFirst), "the recorded day is not written again");
            Assert.That(hot, Is.EqualTo(recent.Count));
            Assert.That(ReadArchive().Select(r => (Guid)r["event_id"]), Is.EquivalentTo(old.Select(c => c.Click.EventId)));
        });
    }

    [Test]
    public async Task A_click_redelivered_for_an_archived_day_is_not_stored_again_and_is_counted()
    {
        var (provider, store, old, recent) = await StoreAsync();
        await using var _ = provider;
        await provider.GetRequiredService<IClickArchive>().ArchiveDueDaysAsync();
        var processor = provider.GetRequiredService<ClickAnalytics.Processing.ClickProcessor>();
        using var dropped = new Microsoft.Extensions.Diagnostics.Metrics.Testing.MetricCollector<long>(
            provider.GetRequiredService<ClickAnalytics.Diagnostics.ClickAnalyticsMetrics>().Meter, "clickanalytics.buffer.dropped");
        EnrichedClick late = ContractClicks.Simple("late", Now.AddMinutes(-1));

        await processor.ProcessBatchAsync(new ClickAnalytics.Buffering.ClickBatch([old[0].Click, old[^1].Click, late.Click]), CancellationToken.None);
        IReadOnlyList<StoredDay> days = await store.ListDaysAsync(CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(days.Sum(d => d.Clicks), Is.EqualTo(recent.Count + 1), "only the click of a day still hot was stored");
            Assert.That(days.Select(d => d.Day), Has.None.LessThan(DateOnly.FromDateTime(Now.AddDays(-89).UtcDateTime)));
            Assert.That(dropped.GetMeasurementSnapshot().Where(m => (string?)m.Tags["reason"] == "archived_day").Sum(m => m.Value), Is.EqualTo(2));
        });
    }

    [Test]
    public async Task The_audit_reader_returns_the_archived_clicks_as_the_hot_store_held_them_and_runs_sql_over_them()
    {
        var (provider, store, old, _) = await StoreAsync();
        await using var _ = provider;
        Dictionary<Guid, StoredClick> hot = await HotClicksAsync(store);

        IClickArchive archive = provider.GetRequiredService<IClickArchive>();
        await archive.ArchiveDueDaysAsync();
        DateOnly from = DateOnly.FromDateTime(Midnight.AddDays(-96).UtcDateTime), to = DateOnly.FromDateTime(Midnight.AddDays(-95).UtcDateTime);
        var read = new List<StoredClick>();
        await foreach (StoredClick click in archive.ReadAsync(from, to))
        {
            read.Add(click);
        }

        using DuckDBConnection audit = await archive.OpenAuditAsync(from, to);
        using DuckDBCommand count = audit.CreateCommand();
        count.CommandText = "SELECT count(*) FROM archived_clicks WHERE is_bot";
        long bots = Convert.ToInt64(count.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
        List<EnrichedClick> expected = [.. old.Where(c => DateOnly.FromDateTime(c.Click.Timestamp.UtcDateTime) is var d && d >= from && d <= to)];

        Assert.Multiple(() =>
        {
            Assert.That(read.Select(c => c.EventId), Is.EquivalentTo(expected.Select(c => c.Click.EventId)));
            foreach (StoredClick click in read)
            {
                Assert.That(click.Values, Is.EqualTo(hot[click.EventId].Values), "every column as the hot store held it");
                Assert.That(click.Dimensions.Where(d => d.Value.Length > 0), Is.EquivalentTo(hot[click.EventId].Dimensions.Where(d => d.Value.Length > 0)));
            }

            Assert.That(bots, Is.EqualTo(expected.Count(c => c.IsBot)));
        });
    }

    [Test]
    public async Task Answers_for_archived_days_stay_the_same_because_they_come_from_the_rollups()
    {
        var (provider, _, old, _) = await StoreAsync();
        await using var _ = provider;
        var services = new ServiceCollection();
        services.AddClickAnalytics();
        services.AddSingleton(provider.GetRequiredService<IClickStore>().Queries);
        services.Configure<ClickQueryOptions>(o => o.CacheEnabled = false);
        IClickAnalytics analytics = services.BuildServiceProvider().GetRequiredService<IClickAnalytics>();
        // Full clicks are bots and repeats: count them all, per UTC day, per country and link.
        var query = new ClickAnalyticsQuery
        {
            From = DateOnly.FromDateTime(Midnight.AddDays(-96).UtcDateTime),
            To = DateOnly.FromDateTime(Midnight.AddDays(-93).UtcDateTime),
            Dimensions = ["time:day", "country"],
            IncludeBots = true,
            IncludeRepeats = true,
        };

        ClickAnalyticsResult before = await analytics.QueryAsync(query);
        await provider.GetRequiredService<IClickArchive>().ArchiveDueDaysAsync();
        ClickAnalyticsResult after = await analytics.QueryAsync(query);

        Assert.Multiple(() =>
        {
            Assert.That(before.Totals[0], Is.EqualTo(old.Count));
            Assert.That(after.Rows.Select(r => (r.Dimensions[0], r.Dimensions[1], r.Metrics[0])), Is.EqualTo(before.Rows.Select(r => (r.Dimensions[0], r.Dimensions[1], r.Metrics[0]))));
            Assert.That(after.Totals, Is.EqualTo(before.Totals));
        });
    }

    [Test]
    public async Task A_step_that_fails_is_tried_again_by_the_retry_policy_and_the_run_finishes()
    {
        var (provider, store, old, recent) = await StoreAsync(maxAttempts: 3);
        await using var _ = provider;
        var clock = new FakeTimeProvider(Now);
        var failing = new FailingStore(store) { FailReadAfter = 20, FailReadTimes = 1, FailDropTimes = 1 };
        var meters = provider.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>();
        using var retries = new Microsoft.Extensions.Diagnostics.Metrics.Testing.MetricCollector<long>(meters, "ClickAnalytics.Parquet", "clickanalytics.archive.retries");
        var archive = new ClickArchive(failing, provider.GetRequiredService<Microsoft.Extensions.Options.IOptions<ParquetArchiveOptions>>(),
            clock, Microsoft.Extensions.Logging.Abstractions.NullLogger<ClickArchive>.Instance, provider.GetRequiredService<ArchiveMetrics>());

        Task<IReadOnlyList<ArchivedDay>> run = archive.ArchiveDueDaysAsync();
        while (!run.IsCompleted)
        {
            // The policy's delays run on the archive's clock.
            clock.Advance(TimeSpan.FromSeconds(5));
            await Task.Delay(5);
        }

        IReadOnlyList<ArchivedDay> archived = await run;
        Assert.Multiple(() =>
        {
            Assert.That(archived, Has.Count.EqualTo(4));
            Assert.That(retries.GetMeasurementSnapshot().Sum(m => m.Value), Is.EqualTo(2), "one read and one drop tried again");
            Assert.That(ReadArchive().Select(r => (Guid)r["event_id"]), Is.EquivalentTo(old.Select(c => c.Click.EventId)));
        });
        Assert.That((await store.ListDaysAsync(CancellationToken.None)).Sum(d => d.Clicks), Is.EqualTo(recent.Count));
    }

    [TestCase("before-upload", false)]
    [TestCase("after-upload", false)]
    [TestCase("before-drop", false)]
    [TestCase("during-drop", false)]
    [TestCase("after-upload", true)]
    [TestCase("before-drop", true)]
    public async Task Killed_at_any_point_the_next_run_finishes_with_nothing_lost_and_nothing_twice(string point, bool byTenant)
    {
        List<EnrichedClick> old, recent;
        var (provider, store, o, r) = await StoreAsync(byTenant: byTenant);
        (old, recent) = (o, r);
        IClickAnalytics analytics = Analytics(provider);
        ClickAnalyticsQuery perDay = OldDaysByCountry();
        ClickAnalyticsResult before = await analytics.QueryAsync(perDay);
        await provider.DisposeAsync();   // the archive process opens the store itself (a DuckDB file has one writer)

        string signal = Path.Combine(_folder, "halted");
        // By tenant, "after-upload" is reached after the first tenant's file: the day is half written.
        using (Process halted = StartArchiver(point == "during-drop" ? "before-drop" : point, signal, signalOnly: point == "during-drop", byTenant))
        {
            await Eventually.UntilAsync(() => Task.FromResult(File.Exists(signal) || halted.HasExited), TimeSpan.FromMinutes(1), "the archive process to reach " + point);
            if (!File.Exists(signal))
            {
                Assert.Fail($"The archive process exited ({halted.ExitCode}) before {point}: {halted.StandardError.ReadToEnd()}");
            }

            halted.Kill(entireProcessTree: true);
            await halted.WaitForExitAsync();
        }

        using (Process again = StartArchiver(haltAt: null, signal, signalOnly: false, byTenant))
        {
            Assert.That(again.WaitForExit(TimeSpan.FromMinutes(2)), Is.True, "the next run finishes");
            Assert.That(again.ExitCode, Is.Zero, again.StandardError.ReadToEnd());
        }

        (provider, store, _, _) = await OpenStoreAsync(byTenant: byTenant);
        await using var __ = provider;
        List<Guid> archived = [.. ReadArchive(byTenant).Select(row => (Guid)row["event_id"])];
        ClickAnalyticsResult after = await Analytics(provider).QueryAsync(perDay);
        Assert.Multiple(async () =>
        {
            Assert.That(archived, Has.Count.EqualTo(old.Count), "no click archived twice");
            Assert.That(archived, Is.EquivalentTo(old.Select(c => c.Click.EventId)), "every old click archived");
            Assert.That((await store.ListDaysAsync(CancellationToken.None)).Sum(d => d.Clicks), Is.EqualTo(recent.Count), "the old days left the hot store, the recent one stayed");
            Assert.That((await provider.GetRequiredService<IClickArchive>().ListAsync()).Select(d => d.Rows).Sum(), Is.EqualTo(old.Count), "the manifest counts every click once");
            Assert.That(after.Rows.Select(row => string.Join("|", row.Dimensions) + "=" + row.Metrics[0]), Is.EqualTo(before.Rows.Select(row => string.Join("|", row.Dimensions) + "=" + row.Metrics[0])), "dashboards answer as before, from the rollups");
        });
    }

    private static ClickAnalyticsQuery OldDaysByCountry() => new()
    {
        From = DateOnly.FromDateTime(Midnight.AddDays(-96).UtcDateTime),
        To = DateOnly.FromDateTime(Midnight.AddDays(-93).UtcDateTime),
        Dimensions = ["time:day", "country"],
        IncludeBots = true,
        IncludeRepeats = true,
    };

    private static IClickAnalytics Analytics(ServiceProvider provider)
    {
        var services = new ServiceCollection();
        services.AddClickAnalytics();
        services.AddSingleton(provider.GetRequiredService<IClickStore>().Queries);
        services.Configure<ClickQueryOptions>(o => o.CacheEnabled = false);
        return services.BuildServiceProvider().GetRequiredService<IClickAnalytics>();
    }

    private Process StartArchiver(string? haltAt, string signal, bool signalOnly, bool byTenant)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.Environment["CLICKANALYTICS_TEST_ARCHIVE_BY_TENANT"] = byTenant ? "true" : "false";
        start.ArgumentList.Add(ArchiverAssembly());
        start.ArgumentList.Add(Now.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
        foreach (string arg in StoreArguments(_folder))
        {
            start.ArgumentList.Add(arg);
        }

        string[] where = destination == "s3"
            ? ["s3", S3Server, Bucket, _prefix, Path.Combine(_folder, "cache")]
            : ["folder", ArchiveFolder];
        foreach (string arg in where)
        {
            start.ArgumentList.Add(arg);
        }

        if (haltAt is not null)
        {
            start.Environment["CLICKANALYTICS_ARCHIVE_HALT_AT"] = haltAt;
            start.Environment["CLICKANALYTICS_ARCHIVE_HALT_SIGNAL"] = signal;
            if (signalOnly)
            {
                start.Environment["CLICKANALYTICS_ARCHIVE_HALT_MODE"] = "signal";
            }
        }

        return Process.Start(start) ?? throw new InvalidOperationException("The archive process did not start.");
    }

    private static string ArchiverAssembly()
    {
        // tests/<this project>/bin/<configuration>/<tfm>/ → tests/ClickAnalytics.Sinks.Parquet.TestArchiver/bin/<configuration>/<tfm>/
        var here = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        DirectoryInfo tests = here.Parent!.Parent!.Parent!.Parent!;
        string path = Path.Combine(tests.FullName, "ClickAnalytics.Sinks.Parquet.TestArchiver", "bin", here.Parent.Name, here.Name, "ClickAnalytics.Sinks.Parquet.TestArchiver.dll");
        Assert.That(File.Exists(path), Is.True, $"The archive process is not built at {path}; build tests/ClickAnalytics.Sinks.Parquet.TestArchiver.");
        return path;
    }

    /// <summary>A store that fails where a crash would cut the archive off: in the middle of reading a day, or at the drop.</summary>
    private sealed class FailingStore(IClickStore inner) : IClickStore
    {
        private int _read;

        public int? FailReadAfter { get; set; }

        public bool FailDrop { get; set; }

        /// <summary>With a count, only that many reads (or drops) fail; without, every one does.</summary>
        public int? FailReadTimes { get; set; }

        public int? FailDropTimes { get; set; }

        public string Name => inner.Name;

        public IClickQueries Queries => inner.Queries;

        public ValueTask InitializeAsync(CancellationToken cancellationToken) => inner.InitializeAsync(cancellationToken);

        public ValueTask WriteAsync(IReadOnlyList<EnrichedClick> clicks, CancellationToken cancellationToken) => inner.WriteAsync(clicks, cancellationToken);

        public Task<IReadOnlyList<StoredDay>> ListDaysAsync(CancellationToken cancellationToken) => inner.ListDaysAsync(cancellationToken);

        public IAsyncEnumerable<StoredClick> ReadDayAsync(DateOnly day, CancellationToken cancellationToken) => FailingAsync(inner.ReadDayAsync(day, cancellationToken));

        public IAsyncEnumerable<StoredClick> ReadDayAsync(DateOnly day, string tenantId, CancellationToken cancellationToken) =>
            FailingAsync(inner.ReadDayAsync(day, tenantId, cancellationToken));

        /// <summary>A tenant the listing leaves out.</summary>
        public string? HideTenant { get; set; }

        public async Task<IReadOnlyList<StoredTenantDay>> ListTenantsAsync(DateOnly day, CancellationToken cancellationToken) =>
            [.. (await inner.ListTenantsAsync(day, cancellationToken)).Where(t => t.TenantId != HideTenant)];

        /// <summary>A read that fails after <see cref="FailReadAfter"/> clicks (counted across the reads of a day's tenants too).</summary>
        private async IAsyncEnumerable<StoredClick> FailingAsync(IAsyncEnumerable<StoredClick> clicks)
        {
            await foreach (StoredClick click in clicks)
            {
                if (FailReadAfter is { } after && ++_read > after && (FailReadTimes is null || FailReadTimes-- > 0))
                {
                    throw new IOException("The store went away in the middle of a day.");
                }

                yield return click;
            }
        }

        public Task DropDayAsync(DateOnly day, CancellationToken cancellationToken) =>
            FailDrop || (FailDropTimes is not null && FailDropTimes-- > 0) ? throw new IOException("Cut off before the drop.") : inner.DropDayAsync(day, cancellationToken);
    }
}
