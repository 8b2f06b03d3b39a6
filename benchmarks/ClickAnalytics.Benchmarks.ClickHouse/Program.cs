using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Net.Http;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using BenchmarkDotNet.Running;
using ClickAnalytics;
using ClickAnalytics.Benchmarks.ClickHouse;
using ClickAnalytics.Sinks.ClickHouse;
using ClickAnalytics.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

// Commands (see benchmarks/clickhouse-insert.sh and benchmarks/clickhouse-queries.sh):
//   schema URL DATABASE                         create the database and the store's schema
//   insert URL DATABASE ROWS BATCH TSV
//                                                write ROWS clicks through the store in batches, report rows/s,
//                                                and write the same rows to TSV for clickhouse-client
//   load URL DATABASE ROWS DAYS                  generate ROWS raw clicks over DAYS days on the server
//   queries [BenchmarkDotNet args]               rollup query latency (needs CLICKANALYTICS_BENCH_CLICKHOUSE, _DATABASE)
string command = args.Length > 0 ? args[0] : "";
switch (command)
{
    case "schema":
        await Store.CreateSchemaAsync(args[1], args[2]);
        break;
    case "insert":
        await InsertAsync(args[1], args[2], int.Parse(args[3], CultureInfo.InvariantCulture), int.Parse(args[4], CultureInfo.InvariantCulture), args[5]);
        break;
    case "load":
        await LoadAsync(args[1], args[2], long.Parse(args[3], CultureInfo.InvariantCulture), int.Parse(args[4], CultureInfo.InvariantCulture));
        break;
    case "queries":
        BenchmarkRunner.Run<RollupQueryBenchmarks>(args: args[1..]);
        break;
    default:
        Console.Error.WriteLine("usage: schema|insert|load|queries …");
        return 2;
}

return 0;

static async Task InsertAsync(string url, string database, int rows, int batch, string tsv)
{
    await Store.CreateSchemaAsync(url, database);
    await using ServiceProvider provider = Store.Build(url, database);
    IClickSink sink = provider.GetServices<IClickSink>().Single();

    // Warm-up on other rows (JIT, connections); they are not timed and not in the TSV.
    await sink.WriteAsync(Clicks.Generate(batch, Store.Start.AddDays(-1), seed: 1), CancellationToken.None);

    List<EnrichedClick> clicks = Clicks.Generate(rows, Store.Start);
    Clicks.WriteTabSeparated(clicks, tsv);
    EnrichedClick[][] batches = clicks.Chunk(batch).ToArray();

    long started = Stopwatch.GetTimestamp();
    foreach (EnrichedClick[] b in batches)
    {
        await sink.WriteAsync(b, CancellationToken.None);
    }

    TimeSpan elapsed = Stopwatch.GetElapsedTime(started);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"sink rows={rows} batch={batch} seconds={elapsed.TotalSeconds:F3} rows_per_s={rows / elapsed.TotalSeconds:F0}"));
}

static async Task LoadAsync(string url, string database, long rows, int days)
{
    await Store.CreateSchemaAsync(url, database);
    const long chunk = 1_000_000;
    long seconds = days * 86_400L;
    long started = Stopwatch.GetTimestamp();
    for (long offset = 0; offset < rows; offset += chunk)
    {
        long count = Math.Min(chunk, rows - offset);
        // Tenants own links (tenant = link % 20); dimensions drawn from small skew-free sets.
        string sql = string.Create(CultureInfo.InvariantCulture, $"""
            INSERT INTO clicks (event_id, timestamp, date, tenant_id, link_id, browser_family, os_family, device_type, country,
                                referer_medium, referer_source, is_bot, is_repeat, visitor_id)
            SELECT generateUUIDv4(), toDateTime({Store.Start.ToUnixTimeSeconds()} + intDiv(number * {seconds}, {rows})) AS ts, toDate(ts),
                   concat('tenant-', toString(link % 20)), concat('link-', toString(link)),
                   ['Chrome', 'Mobile Safari', 'Firefox', 'Edge', 'Samsung Internet', 'Chrome Mobile'][cityHash64(number, 3) % 6 + 1],
                   ['Windows', 'iOS', 'Android', 'Mac OS X', 'Linux'][cityHash64(number, 4) % 5 + 1],
                   ['desktop', 'mobile', 'tablet', 'bot'][cityHash64(number, 5) % 4 + 1],
                   ['US', 'DE', 'FR', 'GB', 'CH', 'IN', 'BR', 'JP', 'CA', 'ES', ''][cityHash64(number, 6) % 11 + 1],
                   ['direct', 'search', 'social', 'email', 'unknown'][cityHash64(number, 7) % 5 + 1],
                   ['', 'Google', 'Facebook', 'Twitter', 'Bing', 'LinkedIn'][cityHash64(number, 8) % 6 + 1],
                   cityHash64(number, 9) % 20 = 0, cityHash64(number, 10) % 15 = 0, hex(cityHash64(number, 11) % 200000)
            FROM (SELECT number, cityHash64(number, 2) % 1000 AS link FROM numbers({offset}, {count}))
            """);
        await Store.SqlAsync(url, database, sql);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"loaded {offset + count} of {rows}"));
    }

    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"load rows={rows} days={days} seconds={Stopwatch.GetElapsedTime(started).TotalSeconds:F1}"));
    Console.WriteLine("raw clicks: " + await Store.SqlAsync(url, database, "SELECT count() FROM clicks"));
    Console.WriteLine("daily rollup rows: " + await Store.SqlAsync(url, database, "SELECT count() FROM clicks_daily"));
}

namespace ClickAnalytics.Benchmarks.ClickHouse
{
    internal static class Store
    {
        public static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromMinutes(30) };

        public static ServiceProvider Build(string url, string database, Action<ClickHouseOptions>? configure = null)
        {
            var uri = new Uri(url);
            var services = new ServiceCollection();
            services.AddLogging();
            services.AddClickAnalytics(o => o.ProcessingEnabled = false).AddClickHouse(o =>
            {
                o.ConnectionString = string.Create(CultureInfo.InvariantCulture, $"Host={uri.Host};Port={uri.Port};Protocol=http;Database={database};Username=default");
                o.LegacyServerCompatibility = Environment.GetEnvironmentVariable("CLICKANALYTICS_BENCH_LEGACY") != "0";
                if (Enum.TryParse(Environment.GetEnvironmentVariable("CLICKANALYTICS_BENCH_COMPRESSION"), ignoreCase: true, out ClickHouseCompression compression))
                {
                    o.Compression = compression;
                }

                configure?.Invoke(o);
            });
            return services.BuildServiceProvider();
        }

        public static async Task CreateSchemaAsync(string url, string database)
        {
            await SqlAsync(url, null, $"CREATE DATABASE IF NOT EXISTS {database}");
            await using ServiceProvider provider = Build(url, database);
            foreach (IHostedService service in provider.GetServices<IHostedService>())
            {
                await service.StartAsync(CancellationToken.None);
            }
        }

        public static async Task<string> SqlAsync(string url, string? database, string sql)
        {
            using HttpResponseMessage response = await Http.PostAsync(
                url + (database is null ? "" : "/?database=" + database), new StringContent(sql, Encoding.UTF8));
            string body = await response.Content.ReadAsStringAsync();
            if (!response.IsSuccessStatusCode)
            {
                throw new InvalidOperationException(body);
            }

            return body.Trim();
        }
    }
}
