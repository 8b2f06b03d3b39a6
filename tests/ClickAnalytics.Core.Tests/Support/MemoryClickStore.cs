using System;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using ClickAnalytics;
using ClickAnalytics.Querying;
using ClickAnalytics.Storage;
using Microsoft.Extensions.Options;

namespace ClickAnalytics.Core.Tests.Support;

/// <summary>
/// A store that keeps its clicks in memory: enough of a store to be registered, chosen and
/// initialized like a real one, and to show that the store contract suite asks nothing a store
/// cannot do. It counts from the stored values, not from the clicks it was given.
/// </summary>
internal class MemoryClickStore(string name) : IClickStore, IClickQueries
{
    private static readonly int Date = Index("date"), Tenant = Index("tenant_id"), Link = Index("link_id"), Bot = Index("is_bot"), Repeat = Index("is_repeat");

    private readonly Lock _lock = new();
    private readonly Dictionary<Guid, StoredClick> _clicks = [];
    private readonly Dictionary<Guid, EnrichedClick> _enriched = [];
    private readonly HashSet<string> _dimensions = new(StringComparer.Ordinal);

    public string Name { get; } = name;

    public IClickQueries Queries => this;

    /// <summary>How often <see cref="InitializeAsync"/> ran.</summary>
    public int Initializations { get; private set; }

    public ValueTask InitializeAsync(CancellationToken cancellationToken)
    {
        Initializations++;
        return ValueTask.CompletedTask;
    }

    public ValueTask WriteAsync(IReadOnlyList<EnrichedClick> clicks, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            _dimensions.UnionWith(CustomDimensions.Missing(clicks, _dimensions));
            foreach (EnrichedClick click in clicks)
            {
                if (!_clicks.ContainsKey(click.Click.EventId))
                {
                    _clicks[click.Click.EventId] = new StoredClick(
                        ClickSchema.Columns.Select(c => c.GetValue(click)).ToArray(),
                        click.Dimensions.ToDictionary());
                    _enriched[click.Click.EventId] = click;
                }
            }
        }

        return ValueTask.CompletedTask;
    }

    public Task<IReadOnlyList<StoredDay>> ListDaysAsync(CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return Task.FromResult<IReadOnlyList<StoredDay>>(
                _clicks.Values.GroupBy(c => (DateOnly)c.Values[Date]).OrderBy(g => g.Key).Select(g => new StoredDay(g.Key, g.Count())).ToList());
        }
    }

    public IAsyncEnumerable<StoredClick> ReadDayAsync(DateOnly day, CancellationToken cancellationToken) => ReadAsync(day, null);

    public IAsyncEnumerable<StoredClick> ReadDayAsync(DateOnly day, string tenantId, CancellationToken cancellationToken) => ReadAsync(day, tenantId);

    public Task<IReadOnlyList<StoredTenantDay>> ListTenantsAsync(DateOnly day, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return Task.FromResult<IReadOnlyList<StoredTenantDay>>(
                _clicks.Values.Where(c => (DateOnly)c.Values[Date] == day).GroupBy(c => (string)c.Values[Tenant])
                    .OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => new StoredTenantDay(g.Key, g.Count())).ToList());
        }
    }

    private async IAsyncEnumerable<StoredClick> ReadAsync(DateOnly day, string? tenantId)
    {
        List<StoredClick> clicks;
        lock (_lock)
        {
            clicks = _clicks.Values.Where(c => (DateOnly)c.Values[Date] == day && (tenantId is null || (string)c.Values[Tenant] == tenantId))
                .Select(c => new StoredClick(c.Values, _dimensions.ToDictionary(d => d, d => c.Dimensions.GetValueOrDefault(d, ""))))
                .ToList();
        }

        foreach (StoredClick click in clicks)
        {
            await Task.Yield();
            yield return click;
        }
    }

    public Task DropDayAsync(DateOnly day, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            foreach (StoredClick click in _clicks.Values.Where(c => (DateOnly)c.Values[Date] == day).ToList())
            {
                _clicks.Remove(click.EventId);
                _enriched.Remove(click.EventId);
            }
        }

        return Task.CompletedTask;
    }

    /// <summary>
    /// The aggregation over the clicks as they were written, straight from the request's
    /// definition: filters and dimension values as the library defines them, buckets from the
    /// offsets the request gives.
    /// </summary>
    public Task<ClickAggregation> AggregateAsync(ClickAggregationRequest request, CancellationToken cancellationToken = default)
    {
        List<EnrichedClick> clicks;
        lock (_lock)
        {
            clicks = _enriched.Values.Where(c =>
                c.Click.Timestamp.UtcDateTime >= request.Start && c.Click.Timestamp.UtcDateTime < request.End
                && (request.Filter?.Matches(c) ?? true)
                && request.Metrics.Any(m => Counts(request, m, c))).ToList();
        }

        var rows = clicks
            .GroupBy(c => (Bucket: Bucket(request, c), Values: string.Join("\u0001", request.Dimensions.Select(d => d.ValueOf(c)))))
            .Select(g => new ClickAggregateRow(
                g.Key.Bucket,
                request.Dimensions.Select(d => d.ValueOf(g.First())).ToArray(),
                request.Metrics.Select(m => m == ClickMetrics.UniqueVisitors
                    ? g.Where(c => Counts(request, m, c) && c.VisitorId.Length > 0).Select(c => c.VisitorId).Distinct().LongCount()
                    : g.LongCount(c => Counts(request, m, c))).ToArray()))
            .ToList();
        if (request.Bucket == TimeBucket.None && request.Dimensions.Count == 0 && rows.Count == 0)
        {
            rows.Add(new ClickAggregateRow(0, [], new long[request.Metrics.Count]));
        }

        rows.Sort((x, y) =>
        {
            foreach (ClickSort sort in request.Order)
            {
                int c = sort.Kind switch
                {
                    ClickSortKind.Bucket => x.Bucket.CompareTo(y.Bucket),
                    ClickSortKind.Dimension => string.CompareOrdinal(x.Dimensions[sort.Index], y.Dimensions[sort.Index]),
                    _ => x.Metrics[sort.Index].CompareTo(y.Metrics[sort.Index]),
                };
                if (c != 0)
                {
                    return sort.Descending ? -c : c;
                }
            }

            int b = x.Bucket.CompareTo(y.Bucket);
            return b != 0 ? b : x.Dimensions.Zip(y.Dimensions, string.CompareOrdinal).FirstOrDefault(c => c != 0);
        });
        IEnumerable<ClickAggregateRow> page = rows.Skip(request.Offset);
        return Task.FromResult(new ClickAggregation((request.Limit is { } limit ? page.Take(limit) : page).ToList(), rows.Count));
    }

    private static bool Counts(ClickAggregationRequest request, string metric, EnrichedClick c) => metric switch
    {
        ClickMetrics.Bots => c.IsBot && (request.IncludeRepeats || !c.IsRepeat),
        ClickMetrics.Repeats => c.IsRepeat && (request.IncludeBots || !c.IsBot),
        _ => (request.IncludeBots || !c.IsBot) && (request.IncludeRepeats || !c.IsRepeat),
    };

    private static long Bucket(ClickAggregationRequest request, EnrichedClick c)
    {
        DateTime utc = c.Click.Timestamp.UtcDateTime;
        long unix = ZonedTime.UnixSeconds(utc);
        UtcOffsetChange offset = request.Offsets.Last(o => o.At <= utc || o == request.Offsets[0]);
        return ZonedTime.BucketOfLocal(request.Bucket, unix, unix + offset.Seconds);
    }

    private static int Index(string column) => ClickSchema.Columns.ToList().FindIndex(c => c.Name == column);
}

/// <summary>Options of the test stores, checked at start like a real store's.</summary>
internal sealed class TestStoreOptions
{
    [System.ComponentModel.DataAnnotations.Range(1, 10)]
    public int Level { get; set; } = 1;
}

[OptionsValidator]
internal sealed partial class TestStoreOptionsValidator : IValidateOptions<TestStoreOptions>;

/// <summary>A memory store registered as <c>first</c>, with its options.</summary>
internal sealed class FirstTestStore(IOptions<TestStoreOptions> options) : MemoryClickStore("first")
{
    public int Level { get; } = options.Value.Level;
}

/// <summary>A second memory store, <c>second</c>, for hosts with two stores.</summary>
internal sealed class SecondTestStore() : MemoryClickStore("second");

/// <summary>Options of <see cref="SecondTestStore"/>.</summary>
internal sealed class SecondTestStoreOptions;

internal sealed class SecondTestStoreOptionsValidator : IValidateOptions<SecondTestStoreOptions>
{
    public ValidateOptionsResult Validate(string? name, SecondTestStoreOptions options) => ValidateOptionsResult.Success;
}
