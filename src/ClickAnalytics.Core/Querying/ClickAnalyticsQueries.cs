using System;
using System.Collections.Generic;
using System.ComponentModel.DataAnnotations;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.Options;

namespace ClickAnalytics.Querying;

/// <summary>The dashboard's questions, answered by the query store through a cache.</summary>
public interface IClickAnalytics
{
    /// <summary>
    /// Answers a query. Identical queries (same absolute range, zone, tenant and every parameter)
    /// share one cached answer; concurrent identical queries run once.
    /// </summary>
    /// <exception cref="InvalidClickQueryException">The query is not valid; the message says why.</exception>
    Task<ClickAnalyticsResult> QueryAsync(ClickAnalyticsQuery query, CancellationToken cancellationToken = default);

    /// <summary>Forgets the cached answers that count a tenant's clicks (every answer when <paramref name="tenantId"/> is null), after a backfill or a deletion.</summary>
    Task InvalidateAsync(string? tenantId, CancellationToken cancellationToken = default);
}

/// <summary>Options of the query API's answers (<c>ClickAnalytics:Query</c>).</summary>
public sealed class ClickQueryOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "ClickAnalytics:Query";

    /// <summary>Longest range a query may cover, in days. Default: 3 660 (ten years).</summary>
    [Range(1, 50_000)]
    public int MaxRangeDays { get; set; } = 3_660;

    /// <summary>Whether answers are cached.</summary>
    public bool CacheEnabled { get; set; } = true;

    /// <summary>How long an answer is kept when its range ended before today (in its zone): it no longer changes. Default: 6 hours.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "30.00:00:00")]
    public TimeSpan ClosedRangeCacheDuration { get; set; } = TimeSpan.FromHours(6);

    /// <summary>How long an answer is kept when its range includes today. Default: 10 seconds.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan LiveRangeCacheDuration { get; set; } = TimeSpan.FromSeconds(10);
}

/// <summary>
/// Plans a query, asks the store (rows, totals and the comparison at once), puts the rows together
/// (labels, zero-filled time buckets, comparison values) and caches the answer in
/// <see cref="HybridCache"/>: in memory, and in the host's distributed cache (Redis) when it has one.
/// </summary>
internal sealed class ClickAnalyticsQueries : IClickAnalytics
{
    private const string AllTag = "clickanalytics";
    private const string TenantTagPrefix = "clickanalytics:tenant:";
    private const string EveryTenantTag = TenantTagPrefix + "*";

    private readonly IClickQueries _store;
    private readonly HybridCache _cache;
    private readonly IOptionsMonitor<ClickQueryOptions> _options;
    private readonly TimeProvider _time;
    private readonly Counter<long> _hits;
    private readonly Counter<long> _misses;
    private readonly Histogram<double> _duration;

    public ClickAnalyticsQueries(IClickQueries store, HybridCache cache, IOptionsMonitor<ClickQueryOptions> options, TimeProvider time, Diagnostics.ClickAnalyticsMetrics metrics)
    {
        _store = store;
        _cache = cache;
        _options = options;
        _time = time;
        _hits = metrics.Meter.CreateCounter<long>("clickanalytics.query.cache.hits", "{query}", "Queries answered from the cache.");
        _misses = metrics.Meter.CreateCounter<long>("clickanalytics.query.cache.misses", "{query}", "Queries the store answered.");
        _duration = metrics.Meter.CreateHistogram<double>(
            "clickanalytics.query.duration", "s", "Time the store took to answer a query (rows, totals and comparison).",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] });
    }

    public async Task<ClickAnalyticsResult> QueryAsync(ClickAnalyticsQuery query, CancellationToken cancellationToken = default)
    {
        ClickQueryOptions options = _options.CurrentValue;
        DateTime now = _time.GetUtcNow().UtcDateTime;
        ClickQueryPlan plan = ClickQueryPlan.Create(query, now, options.MaxRangeDays);
        if (!options.CacheEnabled)
        {
            _misses.Add(1);
            return await RunAsync(plan, cancellationToken).ConfigureAwait(false);
        }

        bool ran = false;
        var entry = new HybridCacheEntryOptions
        {
            Expiration = plan.IsClosed(now) ? options.ClosedRangeCacheDuration : options.LiveRangeCacheDuration,
            LocalCacheExpiration = plan.IsClosed(now) ? options.ClosedRangeCacheDuration : options.LiveRangeCacheDuration,
        };
        string[] tags = [AllTag, query.TenantId is null ? EveryTenantTag : TenantTagPrefix + query.TenantId];
        ClickAnalyticsResult result = await _cache.GetOrCreateAsync(
            Key(plan),
            (this, plan),
            async (state, token) =>
            {
                ran = true;
                return await state.Item1.RunAsync(state.plan, token).ConfigureAwait(false);
            },
            entry,
            tags,
            cancellationToken).ConfigureAwait(false);
        (ran ? _misses : _hits).Add(1);
        return result;
    }

    public async Task InvalidateAsync(string? tenantId, CancellationToken cancellationToken = default)
    {
        if (tenantId is null)
        {
            await _cache.RemoveByTagAsync(AllTag, cancellationToken).ConfigureAwait(false);
            return;
        }

        // Answers over every tenant count this tenant's clicks too.
        await _cache.RemoveByTagAsync([TenantTagPrefix + tenantId, EveryTenantTag], cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The cache key: a hash of the query with its range made absolute, so "7d" today and "7d" tomorrow differ.</summary>
    internal static string Key(ClickQueryPlan plan)
    {
        ClickAnalyticsQuery q = plan.Query;
        var canonical = new
        {
            v = 1,
            start = plan.Range.Start,
            end = plan.Range.End,
            days = plan.Range.ByDays,
            zone = q.TimeZone,
            metrics = q.Metrics,
            dimensions = plan.ResultDimensions,
            filters = q.Filters,
            bots = q.IncludeBots,
            repeats = q.IncludeRepeats,
            order = q.OrderBy,
            limit = q.Limit,
            offset = q.Offset,
            compare = q.Compare,
            tenant = q.TenantId,
        };
        byte[] hash = SHA256.HashData(JsonSerializer.SerializeToUtf8Bytes(canonical));
        return "clickanalytics:query:" + Convert.ToHexStringLower(hash);
    }

    private async Task<ClickAnalyticsResult> RunAsync(ClickQueryPlan plan, CancellationToken cancellationToken)
    {
        long started = Stopwatch.GetTimestamp();
        bool grouped = plan.TimePosition >= 0 || plan.Dimensions.Count > 0;
        ClickAggregationRequest rowsRequest = plan.Request(plan.Range, paged: !plan.ZeroFilled);
        Task<ClickAggregation> rows = _store.AggregateAsync(rowsRequest, cancellationToken);
        Task<ClickAggregation>? compared = plan.ComparisonRange is { } range
            ? _store.AggregateAsync(plan.Request(range, paged: false, grouped), cancellationToken)
            : null;

        // Totals come with the rows when the store can compute them in the same pass; else apart.
        ClickAggregation answer = await rows.ConfigureAwait(false);
        IReadOnlyList<long> total = !grouped ? Single(answer, plan)
            : answer.Totals ?? Single(await _store.AggregateAsync(plan.Request(plan.Range, paged: false, grouped: false), cancellationToken).ConfigureAwait(false), plan);
        ClickAggregation? comparison = compared is null ? null : await compared.ConfigureAwait(false);
        IReadOnlyList<long>? comparisonTotal = comparison is null ? null
            : !grouped ? Single(comparison, plan)
            : comparison.Totals ?? Single(await _store.AggregateAsync(plan.Request(plan.ComparisonRange!.Value, paged: false, grouped: false), cancellationToken).ConfigureAwait(false), plan);

        ClickAnalyticsResult result = Assemble(plan, answer, total, comparison, comparisonTotal);
        _duration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds);
        return result;
    }

    private static IReadOnlyList<long> Single(ClickAggregation aggregation, ClickQueryPlan plan) =>
        aggregation.Rows.Count > 0 ? aggregation.Rows[0].Metrics : new long[plan.Metrics.Count];

    internal static ClickAnalyticsResult Assemble(ClickQueryPlan plan, ClickAggregation answer, IReadOnlyList<long> totals, ClickAggregation? comparison, IReadOnlyList<long>? comparisonTotals)
    {
        List<long> buckets = plan.TimePosition >= 0 ? ZonedTime.Buckets(plan.Bucket, plan.Range.Start, plan.Range.End, plan.Zone) : [];
        List<long> comparedBuckets = plan.TimePosition >= 0 && plan.ComparisonRange is { } range
            ? ZonedTime.Buckets(plan.Bucket, range.Start, range.End, plan.Zone)
            : [];
        var position = new Dictionary<long, int>(buckets.Count);
        for (int i = 0; i < buckets.Count; i++)
        {
            position[buckets[i]] = i;
        }

        // Comparison values by (bucket position, dimension values).
        Dictionary<string, IReadOnlyList<long>>? compared = null;
        if (comparison is not null)
        {
            var comparedPosition = new Dictionary<long, int>(comparedBuckets.Count);
            for (int i = 0; i < comparedBuckets.Count; i++)
            {
                comparedPosition[comparedBuckets[i]] = i;
            }

            compared = new Dictionary<string, IReadOnlyList<long>>(comparison.Rows.Count, StringComparer.Ordinal);
            foreach (ClickAggregateRow row in comparison.Rows)
            {
                int at = plan.TimePosition >= 0 ? comparedPosition.GetValueOrDefault(row.Bucket, -1) : 0;
                compared[MatchKey(at, row.Dimensions)] = row.Metrics;
            }
        }

        IReadOnlyList<long> zeros = new long[plan.Metrics.Count];
        IEnumerable<ClickAggregateRow> rows = answer.Rows;
        long totalRows = answer.TotalRows;
        if (plan.ZeroFilled)
        {
            var byBucket = answer.Rows.ToDictionary(r => r.Bucket);
            List<ClickAggregateRow> filled = buckets.Select(b => byBucket.TryGetValue(b, out ClickAggregateRow? r) ? r : new ClickAggregateRow(b, [], zeros)).ToList();
            filled.Sort(new RowOrder(plan.Order));
            totalRows = filled.Count;
            rows = filled.Skip(plan.Query.Offset).Take(plan.Query.Limit);
        }

        var result = new List<ClickAnalyticsRow>();
        foreach (ClickAggregateRow row in rows)
        {
            var dimensions = new List<string>(plan.ResultDimensions.Count);
            dimensions.AddRange(row.Dimensions);
            if (plan.TimePosition >= 0)
            {
                dimensions.Insert(plan.TimePosition, ZonedTime.Label(plan.Bucket, row.Bucket, plan.Zone));
            }

            IReadOnlyList<long>? against = null;
            if (compared is not null)
            {
                int at = plan.TimePosition >= 0 ? position.GetValueOrDefault(row.Bucket, -1) : 0;
                against = compared.GetValueOrDefault(MatchKey(at, row.Dimensions), zeros);
            }

            result.Add(new ClickAnalyticsRow(dimensions, row.Metrics, against));
        }

        return new ClickAnalyticsResult
        {
            Metrics = plan.Metrics,
            Dimensions = plan.ResultDimensions,
            Rows = result,
            TotalRows = totalRows,
            Totals = totals,
            Range = plan.Range.Describe(plan.Zone, plan.Query.TimeZone),
            ComparisonRange = plan.ComparisonRange?.Describe(plan.Zone, plan.Query.TimeZone),
            ComparisonTotals = comparisonTotals,
        };
    }

    private static string MatchKey(int position, IReadOnlyList<string> dimensions)
    {
        var key = new StringBuilder().Append(position);
        foreach (string value in dimensions)
        {
            key.Append('\u0001').Append(value);
        }

        return key.ToString();
    }

    /// <summary>The request's order over zero-filled rows (bucket and metrics only), bucket ascending last.</summary>
    private sealed class RowOrder(IReadOnlyList<ClickSort> order) : IComparer<ClickAggregateRow>
    {
        public int Compare(ClickAggregateRow? x, ClickAggregateRow? y)
        {
            foreach (ClickSort sort in order)
            {
                int c = sort.Kind == ClickSortKind.Bucket ? x!.Bucket.CompareTo(y!.Bucket) : x!.Metrics[sort.Index].CompareTo(y!.Metrics[sort.Index]);
                if (c != 0)
                {
                    return sort.Descending ? -c : c;
                }
            }

            return x!.Bucket.CompareTo(y!.Bucket);
        }
    }
}
