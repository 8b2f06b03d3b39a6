using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace ClickAnalytics.Querying;

/// <summary>
/// A store's side of the query API: one aggregation, computed exactly as
/// <see cref="ClickAggregationRequest"/> defines it. Hosts ask <see cref="IClickAnalytics"/>, which
/// checks the query, caches the answer and puts the rows together; the store contract tests prove
/// that every store gives the same answers as a plain computation over the clicks.
/// </summary>
public interface IClickQueries
{
    /// <summary>Groups and counts the clicks of the request's range.</summary>
    Task<ClickAggregation> AggregateAsync(ClickAggregationRequest request, CancellationToken cancellationToken = default);
}

/// <summary>The two questions hosts asked before the query API, answered through it (UTC days).</summary>
public static class ClickQueriesExtensions
{
    /// <summary>Clicks per UTC day in the range, one entry per day (zero for days without clicks), oldest first.</summary>
    public static async Task<IReadOnlyList<DailyClicks>> GetDailyClicksAsync(this IClickQueries queries, ClickQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(queries);
        ArgumentNullException.ThrowIfNull(query);
        query.Validate();
        ClickAggregation answer = await queries.AggregateAsync(Request(query, TimeBucket.Day, [], limit: null), cancellationToken).ConfigureAwait(false);
        var counts = new Dictionary<DateOnly, long>(answer.Rows.Count);
        foreach (ClickAggregateRow row in answer.Rows)
        {
            counts[DateOnly.FromDayNumber(EpochDay + (int)row.Bucket)] = row.Metrics[0];
        }

        return DailyClicks.Densify(query.From, query.To, counts);
    }

    /// <summary>Clicks per link in the range, most clicked first.</summary>
    public static async Task<IReadOnlyList<LinkClicks>> GetLinkTotalsAsync(this IClickQueries queries, ClickQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(queries);
        ArgumentNullException.ThrowIfNull(query);
        query.Validate();
        ClickAggregation answer = await queries.AggregateAsync(
            Request(query, TimeBucket.None, [ClickDimensions.Fixed["link"]], query.Limit), cancellationToken).ConfigureAwait(false);
        var totals = new List<LinkClicks>(answer.Rows.Count);
        foreach (ClickAggregateRow row in answer.Rows)
        {
            totals.Add(new LinkClicks(row.Dimensions[0], row.Metrics[0]));
        }

        return totals;
    }

    private static readonly int EpochDay = new DateOnly(1970, 1, 1).DayNumber;

    private static ClickAggregationRequest Request(ClickQuery query, TimeBucket bucket, IReadOnlyList<ClickDimension> dimensions, int? limit)
    {
        var filters = new List<ClickFilter>(2);
        if (query.TenantId is not null)
        {
            filters.Add(new ClickCondition(ClickDimensions.Fixed["tenant"], FilterOperator.Is, [query.TenantId]));
        }

        if (query.LinkId is not null)
        {
            filters.Add(new ClickCondition(ClickDimensions.Fixed["link"], FilterOperator.Is, [query.LinkId]));
        }

        DateTime start = query.From.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);
        return new ClickAggregationRequest
        {
            Start = start,
            End = query.To.AddDays(1).ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc),
            Offsets = [new UtcOffsetChange(start, TimeSpan.Zero)],
            Bucket = bucket,
            Dimensions = dimensions,
            Filter = filters.Count switch { 0 => null, 1 => filters[0], _ => new ClickFilterGroup(any: false, filters) },
            Metrics = [ClickMetrics.Clicks],
            IncludeBots = query.IncludeBots,
            IncludeRepeats = query.IncludeRepeats,
            Order = bucket == TimeBucket.None ? [new ClickSort(ClickSortKind.Metric, 0, Descending: true)] : [new ClickSort(ClickSortKind.Bucket, 0, Descending: false)],
            Limit = limit,
        };
    }
}

/// <summary>What to count.</summary>
public sealed record ClickQuery
{
    /// <summary>First UTC day, inclusive.</summary>
    public required DateOnly From { get; init; }

    /// <summary>Last UTC day, inclusive.</summary>
    public required DateOnly To { get; init; }

    /// <summary>Only this tenant's clicks; null for a host without tenants.</summary>
    public string? TenantId { get; init; }

    /// <summary>Only this link's clicks; null for every link.</summary>
    public string? LinkId { get; init; }

    /// <summary>Count clicks judged to be bots too (default: people only).</summary>
    public bool IncludeBots { get; init; }

    /// <summary>Count repeats too (default: unique clicks only).</summary>
    public bool IncludeRepeats { get; init; }

    /// <summary>Most rows a ranking returns.</summary>
    public int Limit { get; init; } = 100;

    /// <summary>Throws <see cref="ArgumentException"/> for a range that is reversed, too long or outside 1970-01-02 to 2105-12-30, or a bad limit.</summary>
    public void Validate()
    {
        if (To < From)
        {
            throw new ArgumentException($"The range ends ({To:yyyy-MM-dd}) before it starts ({From:yyyy-MM-dd}).");
        }

        if (From < ZonedTime.FirstDay || To > ZonedTime.LastDay)
        {
            throw new ArgumentException($"Days must lie between {ZonedTime.FirstDay:yyyy-MM-dd} and {ZonedTime.LastDay:yyyy-MM-dd}.");
        }

        if (To.DayNumber - From.DayNumber > MaxDays)
        {
            throw new ArgumentException($"The range is longer than {MaxDays} days.");
        }

        if (Limit is < 1 or > 100_000)
        {
            throw new ArgumentException("Limit must be between 1 and 100000.");
        }
    }

    /// <summary>Longest range a query may cover.</summary>
    public const int MaxDays = 3660;
}

/// <summary>Clicks on one UTC day.</summary>
/// <param name="Date">The day.</param>
/// <param name="Clicks">How many clicks.</param>
public readonly record struct DailyClicks(DateOnly Date, long Clicks)
{
    /// <summary>One entry per day of the range, taking counts from <paramref name="counts"/> and zero elsewhere.</summary>
    public static IReadOnlyList<DailyClicks> Densify(DateOnly from, DateOnly to, IReadOnlyDictionary<DateOnly, long> counts)
    {
        ArgumentNullException.ThrowIfNull(counts);
        var days = new List<DailyClicks>(Math.Max(0, to.DayNumber - from.DayNumber + 1));
        for (DateOnly day = from; day <= to; day = day.AddDays(1))
        {
            days.Add(new DailyClicks(day, counts.TryGetValue(day, out long n) ? n : 0));
        }

        return days;
    }
}

/// <summary>Clicks on one link.</summary>
/// <param name="LinkId">The link.</param>
/// <param name="Clicks">How many clicks.</param>
public readonly record struct LinkClicks(string LinkId, long Clicks);
