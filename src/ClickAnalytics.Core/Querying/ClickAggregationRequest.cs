using System;
using System.Collections.Generic;

namespace ClickAnalytics.Querying;

/// <summary>
/// What a store computes for one query, already checked and resolved: an absolute UTC range, the
/// zone's offsets over it, the bucket, the dimensions, the filters and the metrics. Stores group,
/// filter and count exactly as documented here, so every store gives the same answer.
/// </summary>
public sealed class ClickAggregationRequest
{
    /// <summary>First instant counted (UTC), inclusive.</summary>
    public required DateTime Start { get; init; }

    /// <summary>End of the range (UTC), exclusive.</summary>
    public required DateTime End { get; init; }

    /// <summary>
    /// The zone's UTC offsets over the range: the first applies from <see cref="Start"/>, each next
    /// one from its <see cref="UtcOffsetChange.At"/>. A click's local time is its UTC time plus the
    /// offset in force.
    /// </summary>
    public required IReadOnlyList<UtcOffsetChange> Offsets { get; init; }

    /// <summary>The time bucket each row has (<see cref="TimeBucket.None"/>: none).</summary>
    public TimeBucket Bucket { get; init; }

    /// <summary>The other dimensions each row has, in order.</summary>
    public required IReadOnlyList<ClickDimension> Dimensions { get; init; }

    /// <summary>The condition a click meets to be counted (beyond the range); null for none.</summary>
    public ClickFilter? Filter { get; init; }

    /// <summary>The metrics each row has, in order.</summary>
    public required IReadOnlyList<string> Metrics { get; init; }

    /// <summary>See <see cref="ClickAnalyticsQuery.IncludeBots"/>.</summary>
    public bool IncludeBots { get; init; }

    /// <summary>See <see cref="ClickAnalyticsQuery.IncludeRepeats"/>.</summary>
    public bool IncludeRepeats { get; init; }

    /// <summary>Sort keys; the store adds the remaining keys (bucket, then dimensions) ascending so the order is total.</summary>
    public required IReadOnlyList<ClickSort> Order { get; init; }

    /// <summary>Most rows to return; null for all.</summary>
    public int? Limit { get; init; }

    /// <summary>Rows to skip.</summary>
    public int Offset { get; init; }

    /// <summary>Whether <see cref="ClickAggregation.TotalRows"/> must be counted (it may cost a second pass).</summary>
    public bool CountRows { get; init; }

    /// <summary>
    /// Whether to also compute the metrics over all the request's clicks, not grouped, into
    /// <see cref="ClickAggregation.Totals"/> in the same pass if the store can (ClickHouse's
    /// <c>WITH TOTALS</c>, a grouping set). A store that cannot leaves the totals null and is asked
    /// for them separately.
    /// </summary>
    public bool WithTotals { get; init; }

    /// <summary>
    /// For a request asked apart for the totals of grouped rows: the dimensions of those rows, so a
    /// store that picks its source by the columns read (a rollup or the raw clicks) reads the totals
    /// from the same source as the rows they go with. Null otherwise.
    /// </summary>
    internal IReadOnlyList<ClickDimension>? TotalsOf { get; init; }
}

/// <summary>A UTC offset in force from an instant.</summary>
/// <param name="At">From when (UTC).</param>
/// <param name="Offset">The offset, a whole number of seconds.</param>
public readonly record struct UtcOffsetChange(DateTime At, TimeSpan Offset)
{
    /// <summary>The offset in seconds.</summary>
    public int Seconds => (int)(Offset.Ticks / TimeSpan.TicksPerSecond);
}

/// <summary>
/// The time bucket of a row, as a number: <see cref="Hour"/> the Unix time (seconds) of the
/// hour's first instant; <see cref="Day"/> the local day as days since 1970-01-01;
/// <see cref="Week"/> the same for the week's Monday; <see cref="Month"/> year × 12 + month − 1.
/// </summary>
public enum TimeBucket
{
    /// <summary>No time bucket.</summary>
    None,
    /// <summary>Local hours.</summary>
    Hour,
    /// <summary>Local days.</summary>
    Day,
    /// <summary>Local ISO weeks (Monday to Sunday).</summary>
    Week,
    /// <summary>Local calendar months.</summary>
    Month,
}

/// <summary>A sort key of a <see cref="ClickAggregationRequest"/>.</summary>
/// <param name="Kind">What is sorted on.</param>
/// <param name="Index">Which dimension or metric (index into the request's lists); 0 for the bucket.</param>
/// <param name="Descending">Largest first.</param>
public readonly record struct ClickSort(ClickSortKind Kind, int Index, bool Descending);

/// <summary>What a <see cref="ClickSort"/> sorts on.</summary>
public enum ClickSortKind
{
    /// <summary>The time bucket.</summary>
    Bucket,
    /// <summary>A dimension (byte order of the UTF-8 values).</summary>
    Dimension,
    /// <summary>A metric.</summary>
    Metric,
}

/// <summary>A resolved filter: a condition or a group.</summary>
public abstract class ClickFilter
{
    private protected ClickFilter()
    {
    }

    /// <summary>Whether a click meets the filter, as every store must decide it.</summary>
    public abstract bool Matches(EnrichedClick click);
}

/// <summary>A dimension compared with values.</summary>
public sealed class ClickCondition : ClickFilter
{
    internal ClickCondition(ClickDimension dimension, FilterOperator op, IReadOnlyList<string> values)
    {
        Dimension = dimension;
        Operator = op;
        Values = values;
    }

    /// <summary>The dimension.</summary>
    public ClickDimension Dimension { get; }

    /// <summary><see cref="FilterOperator.Is"/> and <see cref="FilterOperator.In"/>: equal to one of; <see cref="FilterOperator.IsNot"/>: equal to none of; <see cref="FilterOperator.Contains"/>: contains one of, ignoring case.</summary>
    public FilterOperator Operator { get; }

    /// <summary>The values (at least one).</summary>
    public IReadOnlyList<string> Values { get; }

    /// <inheritdoc/>
    public override bool Matches(EnrichedClick click)
    {
        string value = Dimension.ValueOf(click);
        return Operator switch
        {
            FilterOperator.IsNot => !Contains(Values, value),
            FilterOperator.Contains => ContainsIgnoringCase(Values, value),
            _ => Contains(Values, value),
        };
    }

    private static bool Contains(IReadOnlyList<string> values, string value)
    {
        foreach (string candidate in values)
        {
            if (string.Equals(candidate, value, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    private static bool ContainsIgnoringCase(IReadOnlyList<string> values, string value)
    {
        foreach (string candidate in values)
        {
            if (value.Contains(candidate, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary>Filters of which any (or all) must hold.</summary>
public sealed class ClickFilterGroup : ClickFilter
{
    internal ClickFilterGroup(bool any, IReadOnlyList<ClickFilter> filters)
    {
        Any = any;
        Filters = filters;
    }

    /// <summary>True: at least one holds; false: all hold.</summary>
    public bool Any { get; }

    /// <summary>The filters (at least one).</summary>
    public IReadOnlyList<ClickFilter> Filters { get; }

    /// <inheritdoc/>
    public override bool Matches(EnrichedClick click)
    {
        foreach (ClickFilter filter in Filters)
        {
            if (filter.Matches(click) == Any)
            {
                return Any;
            }
        }

        return !Any;
    }
}

/// <summary>What a store answers to a <see cref="ClickAggregationRequest"/>.</summary>
/// <param name="Rows">The rows of the requested page, in the requested order.</param>
/// <param name="TotalRows">How many rows there are without the limit (when counted; otherwise the number of rows returned plus the offset).</param>
/// <param name="Totals">The metrics over all the request's clicks when <see cref="ClickAggregationRequest.WithTotals"/> asked for them and the store computed them; otherwise null.</param>
public sealed record ClickAggregation(IReadOnlyList<ClickAggregateRow> Rows, long TotalRows, IReadOnlyList<long>? Totals = null);

/// <summary>One group.</summary>
/// <param name="Bucket">The time bucket number (see <see cref="TimeBucket"/>); 0 without one.</param>
/// <param name="Dimensions">The dimension values, in request order.</param>
/// <param name="Metrics">The metric values, in request order.</param>
public sealed record ClickAggregateRow(long Bucket, IReadOnlyList<string> Dimensions, IReadOnlyList<long> Metrics);
