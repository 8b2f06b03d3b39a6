using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading;
using ClickAnalytics.Benchmarks.Enrichment;
using ClickAnalytics.Enrichment;
using ClickAnalytics.Sinks.DuckDb;
using ClickAnalytics.Sinks.DuckDb.Storage;
using ClickAnalytics.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ClickAnalytics.Benchmarks.Storage;

/// <summary>
/// Writes enriched batches (built before the clock starts) into a fresh DuckDB file through the
/// store exactly as the processor does, and reports rows/s and the whole process's CPU time per row (DuckDB's own threads
/// included, which a per-call benchmark would not see):
/// <c>dotnet run -c Release --project benchmarks/ClickAnalytics.Benchmarks -- store [rows] [batch] [checkpoint threshold]</c>
/// (defaults: 300 000 rows and the shipped defaults). The closing checkpoint is part of the time.
/// </summary>
internal static class StoreLoad
{
    public static void Run(string[] args)
    {
        int rows = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 300_000;
        int batchSize = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : new ClickAnalyticsOptions().BatchSize;
        string threshold = args.Length > 2 ? args[2] : new DuckDbOptions().CheckpointThreshold;

        using var workload = new EnrichmentWorkload();
        string folder = Directory.CreateTempSubdirectory("clickanalytics-store-load").FullName;
        try
        {
            var services = new ServiceCollection();
            services.AddLogging(l => l.SetMinimumLevel(LogLevel.Warning));
            services.AddClickAnalytics().AddDuckDb(o =>
            {
                o.Path = Path.Combine(folder, "clicks.duckdb");
                o.CheckpointThreshold = threshold;
            });
            // The store closes its file asynchronously, so the provider is disposed that way too.
            ServiceProvider provider = services.BuildServiceProvider();
            IClickSink sink = provider.GetServices<IClickSink>().Single(s => s.Name == "duckdb");

            // Enriched once; each batch is a fresh copy with new ids and advancing time, so nothing is skipped as stored.
            List<EnrichedClick> template = workload.NewBatch();
            foreach (IClickEnricher stage in workload.Stages)
            {
                stage.EnrichAsync(template, CancellationToken.None).AsTask().GetAwaiter().GetResult();
            }

            DateTimeOffset start = DateTimeOffset.UtcNow;
            int batchNumber = 0;
            Write(sink, Batch(template, start, 1_000, ref batchNumber)); // opens the file and JITs the path
            var batches = new List<List<EnrichedClick>>();
            for (int made = 0; made < rows; made += batchSize)
            {
                batches.Add(Batch(template, start, Math.Min(batchSize, rows - made), ref batchNumber));
            }

            GC.Collect();
            TimeSpan cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
            var wall = Stopwatch.StartNew();
            int written = 0;
            foreach (List<EnrichedClick> batch in batches)
            {
                Write(sink, batch);
                written += batch.Count;
            }

            // The checkpoint that moves the write-ahead log into the file, when the store closes it, is part of the cost of storing.
            provider.GetRequiredService<DuckDbClickStore>().DisposeAsync().AsTask().GetAwaiter().GetResult();
            wall.Stop();
            TimeSpan cpu = Process.GetCurrentProcess().TotalProcessorTime - cpu0;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"duckdb store: {written} rows in batches of {batchSize}, checkpoint threshold {threshold}: {written / wall.Elapsed.TotalSeconds:F0} rows/s, {cpu.TotalMicroseconds / written:F2} µs CPU per row (process, all threads), file {new FileInfo(Path.Combine(folder, "clicks.duckdb")).Length / 1e6:F1} MB"));
            provider.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static void Write(IClickSink sink, List<EnrichedClick> batch) =>
        sink.WriteAsync(batch, CancellationToken.None).AsTask().GetAwaiter().GetResult();

    private static List<EnrichedClick> Batch(List<EnrichedClick> template, DateTimeOffset start, int size, ref int number)
    {
        var batch = new List<EnrichedClick>(size);
        for (int i = 0; i < size; i++)
        {
            EnrichedClick source = template[i % template.Count];
            DateTimeOffset at = start.AddMilliseconds((number * (double)size) + i);
            var click = new EnrichedClick(new ClickEvent
            {
                EventId = ClickEventId.NewId(at),
                Timestamp = at,
                LinkId = source.Click.LinkId,
                TenantId = source.Click.TenantId,
                ClientIp = source.Click.ClientIp,
                UserAgent = source.Click.UserAgent,
                Referer = source.Click.Referer,
                QueryString = source.Click.QueryString,
                AcceptLanguage = source.Click.AcceptLanguage,
                DestinationUrl = source.Click.DestinationUrl,
                Flags = source.Click.Flags,
            });
            Copy(source, click);
            batch.Add(click);
        }

        number++;
        return batch;
    }

    private static void Copy(EnrichedClick from, EnrichedClick to)
    {
        foreach (var property in typeof(EnrichedClick).GetProperties())
        {
            if (property.CanWrite)
            {
                property.SetValue(to, property.GetValue(from));
            }
        }
    }
}
