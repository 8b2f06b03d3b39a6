using System;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using ClickAnalytics.Querying;
using ClickAnalytics.Sinks.Redis.Tests.Support;
using ClickAnalytics.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace ClickAnalytics.Sinks.Redis.Tests.Querying;

/// <summary>With Redis as the cache's second level, one node's answer serves the others.</summary>
[TestFixture]
public sealed class DistributedQueryCacheTests
{
    /// <summary>A store that answers one fixed aggregation and counts how often it is asked.</summary>
    private sealed class CountingQueries : IClickQueries
    {
        private int _calls;

        public int Calls => Volatile.Read(ref _calls);

        public Task<ClickAggregation> AggregateAsync(ClickAggregationRequest request, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _calls);
            ClickAggregateRow[] rows = request.Dimensions.Count == 0
                ? [new ClickAggregateRow(0, [], [42])]
                : [new ClickAggregateRow(0, ["US"], [30]), new ClickAggregateRow(0, ["Zürich \"ö\""], [12])];
            return Task.FromResult(new ClickAggregation(rows, rows.Length, request.WithTotals ? [42] : null));
        }
    }

    private static (IClickAnalytics Analytics, CountingQueries Store, ServiceProvider Provider) Node(string instance)
    {
        var store = new CountingQueries();
        var services = new ServiceCollection();
        services.AddStackExchangeRedisCache(o =>
        {
            o.Configuration = RedisTestServer.Configuration;
            o.InstanceName = instance;
        });
        services.AddClickAnalytics();
        services.AddSingleton<IClickQueries>(store);
        ServiceProvider provider = services.BuildServiceProvider();
        return (provider.GetRequiredService<IClickAnalytics>(), store, provider);
    }

    [Test]
    public async Task A_second_node_answers_from_the_answer_the_first_node_stored_in_redis()
    {
        string instance = "clickanalytics-test-" + Guid.NewGuid().ToString("N") + ":";
        var (first, firstStore, firstProvider) = Node(instance);
        var (second, secondStore, secondProvider) = Node(instance);
        await using var _ = firstProvider;
        await using var __ = secondProvider;
        var query = new ClickAnalyticsQuery { Range = ClickRanges.LastMonth, Dimensions = ["country"] };

        ClickAnalyticsResult stored = await first.QueryAsync(query);
        // The cache writes its second level in the background once the answer is returned.
        using StackExchange.Redis.ConnectionMultiplexer redis = await RedisTestServer.ConnectAsync();
        await Eventually.UntilAsync(
            () => redis.GetServers()[0].Keys(pattern: instance + "*").Any(),
            TimeSpan.FromSeconds(30),
            "the first node's answer is in Redis");
        ClickAnalyticsResult shared = await second.QueryAsync(query);

        Assert.Multiple(() =>
        {
            Assert.That(firstStore.Calls, Is.EqualTo(1), "the first node asked its store once (rows with totals)");
            Assert.That(secondStore.Calls, Is.Zero, "the second node did not ask its store");
            Assert.That(shared.Rows[1].Dimensions[0], Is.EqualTo("Zürich \"ö\""));
            Assert.That(shared.Rows[0].Metrics, Is.EqualTo(stored.Rows[0].Metrics));
            Assert.That((shared.TotalRows, shared.Totals[0], shared.Range), Is.EqualTo((stored.TotalRows, stored.Totals[0], stored.Range)));
        });
    }
}
