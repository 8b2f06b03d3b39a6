using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using ClickAnalytics.Core.Tests.Support;
using ClickAnalytics.Querying;
using ClickAnalytics.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Time.Testing;

namespace ClickAnalytics.Core.Tests.Querying;

/// <summary>The cache in front of the store: identical queries share an answer, run once when concurrent, and expire by how live their range is.</summary>
[TestFixture]
public sealed class ClickAnalyticsCacheTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 8, 16, 30, 0, TimeSpan.Zero);

    private sealed class CountingStore(MemoryClickStore inner) : IClickQueries
    {
        private int _calls;

        public int Calls => Volatile.Read(ref _calls);

        public TaskCompletionSource? Gate { get; set; }

        public async Task<ClickAggregation> AggregateAsync(ClickAggregationRequest request, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _calls);
            if (Gate is { } gate)
            {
                await gate.Task.WaitAsync(cancellationToken);
            }

            return await inner.AggregateAsync(request, cancellationToken);
        }
    }

    private static (IClickAnalytics Analytics, CountingStore Store, MemoryClickStore Memory, FakeTimeProvider Time, ServiceProvider Provider) Create(Action<ClickQueryOptions>? configure = null)
    {
        var memory = new MemoryClickStore("memory");
        var store = new CountingStore(memory);
        var time = new FakeTimeProvider(Now);
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(time);
        services.AddClickAnalytics();
        services.AddSingleton<IClickQueries>(store);
        services.Configure(configure ?? (_ => { }));
        ServiceProvider provider = services.BuildServiceProvider();
        return (provider.GetRequiredService<IClickAnalytics>(), store, memory, time, provider);
    }

    private static ClickAnalyticsQuery Yesterday(string? tenant = null) => new() { Range = ClickRanges.Yesterday, Dimensions = ["country"], TenantId = tenant };

    [Test]
    public async Task An_identical_query_is_answered_from_the_cache_and_a_different_one_is_not()
    {
        var (analytics, store, _, _, provider) = Create();
        using var _ = provider;
        using var hits = new MetricCollector<long>(provider.GetRequiredService<ClickAnalytics.Diagnostics.ClickAnalyticsMetrics>().Meter, "clickanalytics.query.cache.hits");

        ClickAnalyticsResult first = await analytics.QueryAsync(Yesterday());
        int calls = store.Calls;
        ClickAnalyticsResult second = await analytics.QueryAsync(Yesterday());
        await analytics.QueryAsync(Yesterday() with { IncludeBots = true });

        Assert.Multiple(() =>
        {
            Assert.That(second, Is.SameAs(first), "the cached answer itself");
            Assert.That(store.Calls, Is.EqualTo(calls * 2), "only the different query reached the store");
            Assert.That(hits.GetMeasurementSnapshot().Sum(m => m.Value), Is.EqualTo(1));
        });
    }

    [Test]
    public async Task Concurrent_identical_queries_run_once()
    {
        var (analytics, store, _, _, provider) = Create();
        using var _ = provider;
        store.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        Task<ClickAnalyticsResult>[] queries = Enumerable.Range(0, 20).Select(_ => Task.Run(() => analytics.QueryAsync(Yesterday()))).ToArray();
        await Task.Delay(200);
        store.Gate.SetResult();
        ClickAnalyticsResult[] answers = await Task.WhenAll(queries);

        Assert.Multiple(() =>
        {
            Assert.That(store.Calls, Is.EqualTo(2), "rows and totals, once");
            Assert.That(answers.Distinct().Count(), Is.EqualTo(1));
        });
    }

    [Test]
    public async Task A_range_that_includes_today_expires_after_the_live_duration_and_a_closed_one_stays()
    {
        // The cache keeps time by the system clock, so the live duration is made short instead of faked.
        var (analytics, store, memory, _, provider) = Create(o => o.LiveRangeCacheDuration = TimeSpan.FromMilliseconds(300));
        using var _ = provider;
        var today = new ClickAnalyticsQuery { Range = ClickRanges.Today, Dimensions = ["country"] };

        ClickAnalyticsResult before = await analytics.QueryAsync(today);
        await analytics.QueryAsync(Yesterday());
        int yesterdayCalls = store.Calls;
        await memory.WriteAsync([Testing.Storage.ContractClicks.Simple("a", Now.AddMinutes(-5)), Testing.Storage.ContractClicks.Simple("a", Now.AddDays(-1))], CancellationToken.None);

        await Eventually.UntilAsync(async () => (await analytics.QueryAsync(today)).Totals[0] == 1, "today's answer counts the new click once it expired");
        int calls = store.Calls;
        ClickAnalyticsResult yesterday = await analytics.QueryAsync(Yesterday());

        Assert.Multiple(() =>
        {
            Assert.That(before.Totals[0], Is.Zero);
            Assert.That(store.Calls, Is.EqualTo(calls), "yesterday's answer still came from the cache");
            Assert.That(yesterday.Totals[0], Is.Zero, "the cached answer from before the click");
        });
    }

    [Test]
    public async Task Invalidating_a_tenant_forgets_its_answers_and_the_answers_over_every_tenant_but_not_other_tenants()
    {
        var (analytics, store, _, _, provider) = Create();
        using var _ = provider;
        await analytics.QueryAsync(Yesterday("acme"));
        await analytics.QueryAsync(Yesterday("globex"));
        await analytics.QueryAsync(Yesterday());
        int calls = store.Calls;

        await analytics.InvalidateAsync("acme");
        await analytics.QueryAsync(Yesterday("acme"));
        await analytics.QueryAsync(Yesterday("globex"));
        await analytics.QueryAsync(Yesterday());

        Assert.That(store.Calls, Is.EqualTo(calls + 4), "acme's and the all-tenant answer were asked again (rows and totals each)");
    }
}
