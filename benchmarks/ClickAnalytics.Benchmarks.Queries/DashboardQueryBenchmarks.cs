using System;
using System.Threading;
using System.Threading.Tasks;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using ClickAnalytics.Querying;
using ClickAnalytics.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace ClickAnalytics.Benchmarks.Queries;

/// <summary>
/// The standard dashboard requests over 30 days of a loaded store (see <see cref="SkewedClicks"/>),
/// on DuckDB and ClickHouse, through the query API uncached and cached.
/// </summary>
[Config(typeof(Latency))]
public class DashboardQueryBenchmarks
{
    private static readonly DateOnly From = DateOnly.FromDateTime(Stores.Start.UtcDateTime);
    private static readonly DateOnly To = From.AddDays(29);
    private ServiceProvider? _provider;
    private IClickAnalytics _analytics = null!;

    /// <summary>The stores measured: both, or those CLICKANALYTICS_BENCH_STORES names (comma-separated).</summary>
    [ParamsSource(nameof(StoreNames))]
    public string Store { get; set; } = "duckdb";

    /// <summary>Uncached and cached, or only CLICKANALYTICS_BENCH_CACHED (true or false).</summary>
    [ParamsSource(nameof(CacheModes))]
    public bool Cached { get; set; }

    public static string[] StoreNames() =>
        Environment.GetEnvironmentVariable("CLICKANALYTICS_BENCH_STORES")?.Split(',') ?? ["duckdb", "clickhouse"];

    public static bool[] CacheModes() =>
        bool.TryParse(Environment.GetEnvironmentVariable("CLICKANALYTICS_BENCH_CACHED"), out bool only) ? [only] : [false, true];

    /// <summary>
    /// Every measurement is one request (BenchmarkDotNet's monitoring strategy, no batching of calls
    /// into one timed iteration), so the percentiles are those of single requests.
    /// </summary>
    private sealed class Latency : ManualConfig
    {
        public Latency()
        {
            AddJob(Job.Default.WithToolchain(InProcessEmitToolchain.Instance).WithStrategy(RunStrategy.Monitoring)
                .WithWarmupCount(3).WithIterationCount(40).WithLaunchCount(1));
            AddColumn(StatisticColumn.P50, StatisticColumn.P95, StatisticColumn.Max);
        }
    }

    [GlobalSetup]
    public void Setup()
    {
        _provider = Store == "duckdb"
            ? Stores.DuckDb(Environment.GetEnvironmentVariable("CLICKANALYTICS_BENCH_DUCKDB") ?? throw new InvalidOperationException("Set CLICKANALYTICS_BENCH_DUCKDB."), Cached)
            : Stores.ClickHouse(
                Environment.GetEnvironmentVariable("CLICKANALYTICS_BENCH_CLICKHOUSE") ?? throw new InvalidOperationException("Set CLICKANALYTICS_BENCH_CLICKHOUSE."),
                Environment.GetEnvironmentVariable("CLICKANALYTICS_BENCH_DATABASE") ?? "bench_queries",
                Cached);
        _provider.GetRequiredService<IClickStore>().InitializeAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult();
        _analytics = _provider.GetRequiredService<IClickAnalytics>();
    }

    [GlobalCleanup]
    public async Task Cleanup()
    {
        if (_provider is not null)
        {
            await _provider.DisposeAsync();
        }
    }

    private Task<ClickAnalyticsResult> Run(ClickAnalyticsQuery query) => _analytics.QueryAsync(query with { From = From, To = To });

    [Benchmark]
    public Task<ClickAnalyticsResult> Series_tenant() =>
        Run(new() { Dimensions = ["time:day"], Metrics = [ClickMetrics.Clicks, ClickMetrics.UniqueVisitors], TenantId = "tenant-3" });

    [Benchmark]
    public Task<ClickAnalyticsResult> Series_link() =>
        Run(new() { Dimensions = ["time:day"], Metrics = [ClickMetrics.Clicks, ClickMetrics.UniqueVisitors], Filters = [QueryFilter.Is("link", "link-7")], TenantId = "tenant-7" });

    [Benchmark]
    public Task<ClickAnalyticsResult> Top_countries() => Run(new() { Dimensions = ["country"], TenantId = "tenant-3", Limit = 10 });

    [Benchmark]
    public Task<ClickAnalyticsResult> Top_devices() => Run(new() { Dimensions = ["deviceType"], TenantId = "tenant-3", Limit = 10 });

    [Benchmark]
    public Task<ClickAnalyticsResult> Top_browsers() => Run(new() { Dimensions = ["browser"], TenantId = "tenant-3", Limit = 10 });

    [Benchmark]
    public Task<ClickAnalyticsResult> Top_referers() => Run(new() { Dimensions = ["refererSource"], TenantId = "tenant-3", Limit = 10 });

    [Benchmark]
    public Task<ClickAnalyticsResult> Top_campaigns() => Run(new() { Dimensions = ["utmCampaign"], TenantId = "tenant-3", Limit = 10 });

    [Benchmark]
    public Task<ClickAnalyticsResult> Top_links() => Run(new() { Dimensions = ["link"], TenantId = "tenant-3", Limit = 10 });

    [Benchmark]
    public Task<ClickAnalyticsResult> Filtered_breakdown() =>
        Run(new() { Dimensions = ["browser"], Filters = [QueryFilter.Is("country", "US"), QueryFilter.IsNot("deviceType", "desktop")], TenantId = "tenant-3", Limit = 10 });

    [Benchmark]
    public Task<ClickAnalyticsResult> Comparison() =>
        Run(new() { Dimensions = ["time:day"], Metrics = [ClickMetrics.Clicks, ClickMetrics.UniqueVisitors], TenantId = "tenant-3", Compare = ClickComparisons.PreviousPeriod });

    [Benchmark]
    public Task<ClickAnalyticsResult> Series_all_tenants() => Run(new() { Dimensions = ["time:day"] });
}
