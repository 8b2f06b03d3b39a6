using System;
using System.Collections.Generic;
using System.Threading.Tasks;
using BenchmarkDotNet.Attributes;
using ClickAnalytics.Querying;
using Microsoft.Extensions.DependencyInjection;

namespace ClickAnalytics.Benchmarks.ClickHouse;

/// <summary>Dashboard queries over 30 days, answered from the daily rollup of a loaded database.</summary>
[InProcess]
[MemoryDiagnoser]
[WarmupCount(3)]
[IterationCount(20)]
public class RollupQueryBenchmarks
{
    private static readonly DateOnly From = DateOnly.FromDateTime(Store.Start.UtcDateTime);
    private ServiceProvider? _provider;
    private IClickQueries _queries = null!;

    [GlobalSetup]
    public void Setup()
    {
        string url = Environment.GetEnvironmentVariable("CLICKANALYTICS_BENCH_CLICKHOUSE") ?? throw new InvalidOperationException("Set CLICKANALYTICS_BENCH_CLICKHOUSE.");
        string database = Environment.GetEnvironmentVariable("CLICKANALYTICS_BENCH_DATABASE") ?? throw new InvalidOperationException("Set CLICKANALYTICS_BENCH_DATABASE.");
        _provider = Store.Build(url, database);
        _queries = _provider.GetRequiredService<IClickQueries>();
    }

    [GlobalCleanup]
    public async Task Cleanup()
    {
        if (_provider is not null)
        {
            await _provider.DisposeAsync();
        }
    }

    [Benchmark]
    public Task<IReadOnlyList<DailyClicks>> DailyClicks_OneTenant() =>
        _queries.GetDailyClicksAsync(new ClickQuery { From = From, To = From.AddDays(29), TenantId = "tenant-7" });

    [Benchmark]
    public Task<IReadOnlyList<LinkClicks>> TopLinks_OneTenant() =>
        _queries.GetLinkTotalsAsync(new ClickQuery { From = From, To = From.AddDays(29), TenantId = "tenant-7", Limit = 100 });

    [Benchmark]
    public Task<IReadOnlyList<DailyClicks>> DailyClicks_OneLink() =>
        _queries.GetDailyClicksAsync(new ClickQuery { From = From, To = From.AddDays(29), TenantId = "tenant-7", LinkId = "link-427" });

    [Benchmark]
    public Task<IReadOnlyList<DailyClicks>> DailyClicks_AllTenants() =>
        _queries.GetDailyClicksAsync(new ClickQuery { From = From, To = From.AddDays(29) });

    [Benchmark]
    public Task<IReadOnlyList<LinkClicks>> TopLinks_AllTenants() =>
        _queries.GetLinkTotalsAsync(new ClickQuery { From = From, To = From.AddDays(29), Limit = 100 });
}
