using System;
using System.Collections.Generic;
using System.Text.Json.Serialization;

namespace ClickAnalytics.Querying;

/// <summary>
/// One dashboard question: which metrics, over which range in which time zone, grouped by which
/// dimensions, for which clicks. <see cref="IClickAnalytics.QueryAsync"/> answers it with one
/// <see cref="ClickAnalyticsResult"/>; the HTTP API takes it as JSON (camel case).
/// </summary>
public sealed record ClickAnalyticsQuery
{
    /// <summary>
    /// What to count, in the order the result gives them: <c>clicks</c>, <c>uniqueVisitors</c>,
    /// <c>bots</c>, <c>repeats</c> (see <see cref="ClickMetrics"/>). Default: clicks.
    /// </summary>
    public IReadOnlyList<string> Metrics { get; init; } = [ClickMetrics.Clicks];

    /// <summary>
    /// A preset range relative to today in <see cref="TimeZone"/> (see <see cref="ClickRanges"/>:
    /// <c>today</c>, <c>yesterday</c>, <c>7d</c>, <c>30d</c>, <c>90d</c>, <c>month</c>,
    /// <c>lastMonth</c>, <c>12mo</c>, <c>year</c>). Leave it null and set <see cref="From"/> and
    /// <see cref="To"/> (days) or <see cref="Start"/> and <see cref="End"/> (instants) instead. With
    /// none of them set the range is the last 30 days.
    /// </summary>
    public string? Range { get; init; }

    /// <summary>First day of the range in <see cref="TimeZone"/>, inclusive.</summary>
    public DateOnly? From { get; init; }

    /// <summary>Last day of the range in <see cref="TimeZone"/>, inclusive.</summary>
    public DateOnly? To { get; init; }

    /// <summary>First instant of the range, inclusive (instead of days).</summary>
    public DateTimeOffset? Start { get; init; }

    /// <summary>End of the range, exclusive (instead of days).</summary>
    public DateTimeOffset? End { get; init; }

    /// <summary>IANA time zone of day boundaries and time buckets (<c>Europe/Berlin</c>). Default: UTC.</summary>
    public string TimeZone { get; init; } = "UTC";

    /// <summary>
    /// What to group by, in the order of each row's values (see <see cref="ClickDimensions"/>):
    /// <c>time</c> (bucket chosen from the range) or <c>time:hour</c>, <c>time:day</c>,
    /// <c>time:week</c>, <c>time:month</c>; <c>link</c>, <c>tenant</c>, <c>country</c>, … ;
    /// <c>custom:name</c> for a custom dimension. Empty: one row with the totals.
    /// </summary>
    public IReadOnlyList<string> Dimensions { get; init; } = [];

    /// <summary>Conditions every counted click meets (all of them; use <see cref="QueryFilter.Any"/> for "or").</summary>
    public IReadOnlyList<QueryFilter> Filters { get; init; } = [];

    /// <summary>Count clicks judged to be bots in <c>clicks</c>, <c>uniqueVisitors</c> and <c>repeats</c> too (the <c>bots</c> metric counts them always).</summary>
    public bool IncludeBots { get; init; }

    /// <summary>Count repeated clicks in <c>clicks</c>, <c>uniqueVisitors</c> and <c>bots</c> too (the <c>repeats</c> metric counts them always).</summary>
    public bool IncludeRepeats { get; init; }

    /// <summary>
    /// Sort keys, each a metric or a dimension of the query. Default: time ascending when grouped by
    /// time, then the first metric descending; remaining dimensions ascending break ties.
    /// </summary>
    public IReadOnlyList<QueryOrder> OrderBy { get; init; } = [];

    /// <summary>Most rows returned (1 to 10 000); <see cref="ClickAnalyticsResult.TotalRows"/> says how many there are.</summary>
    public int Limit { get; init; } = 100;

    /// <summary>Rows skipped before the first returned one.</summary>
    public int Offset { get; init; }

    /// <summary>Also count the same question over <c>previousPeriod</c> or <c>previousYear</c> (see <see cref="ClickComparisons"/>); null for none.</summary>
    public string? Compare { get; init; }

    /// <summary>Only this tenant's clicks; null for every tenant. The HTTP API sets it from the host, never from the request.</summary>
    public string? TenantId { get; init; }
}

/// <summary>A condition on a dimension, or a group of conditions of which any (or all) must hold.</summary>
public sealed record QueryFilter
{
    /// <summary>The dimension compared (any of <see cref="ClickDimensions"/> but time).</summary>
    public string? Dimension { get; init; }

    /// <summary>How the dimension's value is compared with <see cref="Values"/>.</summary>
    public FilterOperator Operator { get; init; }

    /// <summary>The values: one for <c>is</c>; one or more for the others (any of them matches, none for <c>isNot</c>).</summary>
    public IReadOnlyList<string> Values { get; init; } = [];

    /// <summary>A group: at least one of these holds (set instead of <see cref="Dimension"/>).</summary>
    public IReadOnlyList<QueryFilter>? Any { get; init; }

    /// <summary>A group: all of these hold (set instead of <see cref="Dimension"/>).</summary>
    public IReadOnlyList<QueryFilter>? All { get; init; }

    /// <summary>The dimension equals the value.</summary>
    public static QueryFilter Is(string dimension, string value) => new() { Dimension = dimension, Operator = FilterOperator.Is, Values = [value] };

    /// <summary>The dimension equals none of the values.</summary>
    public static QueryFilter IsNot(string dimension, params string[] values) => new() { Dimension = dimension, Operator = FilterOperator.IsNot, Values = values };

    /// <summary>The dimension equals one of the values.</summary>
    public static QueryFilter In(string dimension, params string[] values) => new() { Dimension = dimension, Operator = FilterOperator.In, Values = values };

    /// <summary>The dimension contains one of the values, ignoring case.</summary>
    public static QueryFilter Contains(string dimension, params string[] values) => new() { Dimension = dimension, Operator = FilterOperator.Contains, Values = values };

    /// <summary>At least one of the filters holds.</summary>
    public static QueryFilter AnyOf(params QueryFilter[] filters) => new() { Any = filters };

    /// <summary>All of the filters hold.</summary>
    public static QueryFilter AllOf(params QueryFilter[] filters) => new() { All = filters };
}

/// <summary>How a filter compares a dimension's value.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<FilterOperator>))]
public enum FilterOperator
{
    /// <summary>Equal to the one value (case-sensitive).</summary>
    [JsonStringEnumMemberName("is")]
    Is,

    /// <summary>Equal to none of the values.</summary>
    [JsonStringEnumMemberName("isNot")]
    IsNot,

    /// <summary>Contains one of the values, ignoring case.</summary>
    [JsonStringEnumMemberName("contains")]
    Contains,

    /// <summary>Equal to one of the values.</summary>
    [JsonStringEnumMemberName("in")]
    In,
}

/// <summary>One sort key.</summary>
/// <param name="By">A metric or a dimension of the query (<c>time</c> for its time dimension).</param>
/// <param name="Descending">Largest first.</param>
public sealed record QueryOrder(string By, bool Descending = false);

/// <summary>The metric names.</summary>
public static class ClickMetrics
{
    /// <summary>Clicks (people and unique clicks unless the query includes bots or repeats).</summary>
    public const string Clicks = "clicks";

    /// <summary>
    /// Distinct visitor ids among the counted clicks. Visitor ids are derived with a salt that
    /// changes every UTC day, so the same person counts once per day they clicked: over a range of
    /// several days this is the sum of each day's visitors (visitor-days), the way privacy-first
    /// analytics count. Clicks without a visitor id (the visitor stage off) count for none.
    /// </summary>
    public const string UniqueVisitors = "uniqueVisitors";

    /// <summary>Clicks judged to be bots (repeats excluded unless the query includes them).</summary>
    public const string Bots = "bots";

    /// <summary>Repeated clicks (bots excluded unless the query includes them).</summary>
    public const string Repeats = "repeats";

    /// <summary>Every metric, in their canonical order.</summary>
    public static IReadOnlyList<string> All { get; } = [Clicks, UniqueVisitors, Bots, Repeats];
}

/// <summary>The preset range names.</summary>
public static class ClickRanges
{
    /// <summary>Today so far.</summary>
    public const string Today = "today";

    /// <summary>Yesterday.</summary>
    public const string Yesterday = "yesterday";

    /// <summary>The last 7 days, today included.</summary>
    public const string Last7Days = "7d";

    /// <summary>The last 30 days, today included.</summary>
    public const string Last30Days = "30d";

    /// <summary>The last 90 days, today included.</summary>
    public const string Last90Days = "90d";

    /// <summary>This calendar month up to today.</summary>
    public const string Month = "month";

    /// <summary>The previous calendar month.</summary>
    public const string LastMonth = "lastMonth";

    /// <summary>The last 12 calendar months, this one included.</summary>
    public const string Last12Months = "12mo";

    /// <summary>This calendar year up to today.</summary>
    public const string Year = "year";

    /// <summary>Every preset.</summary>
    public static IReadOnlyList<string> All { get; } = [Today, Yesterday, Last7Days, Last30Days, Last90Days, Month, LastMonth, Last12Months, Year];
}

/// <summary>The comparison names.</summary>
public static class ClickComparisons
{
    /// <summary>The range of the same length just before (days shift by the range's length in days).</summary>
    public const string PreviousPeriod = "previousPeriod";

    /// <summary>The same days one year earlier (29 February becomes 28 February).</summary>
    public const string PreviousYear = "previousYear";
}

/// <summary>The answer to a <see cref="ClickAnalyticsQuery"/>.</summary>
[System.ComponentModel.ImmutableObject(true)]
public sealed record ClickAnalyticsResult
{
    /// <summary>The metrics, in the order of each row's <see cref="ClickAnalyticsRow.Metrics"/>.</summary>
    public required IReadOnlyList<string> Metrics { get; init; }

    /// <summary>The dimensions, in the order of each row's <see cref="ClickAnalyticsRow.Dimensions"/>; the time dimension with its bucket (<c>time:day</c>).</summary>
    public required IReadOnlyList<string> Dimensions { get; init; }

    /// <summary>The rows of this page.</summary>
    public required IReadOnlyList<ClickAnalyticsRow> Rows { get; init; }

    /// <summary>How many rows the whole answer has (time buckets without clicks included); never cut silently.</summary>
    public required long TotalRows { get; init; }

    /// <summary>The metrics over the whole range and filters, not grouped.</summary>
    public required IReadOnlyList<long> Totals { get; init; }

    /// <summary>The range that was counted.</summary>
    public required ClickAnalyticsRange Range { get; init; }

    /// <summary>The range compared with, when the query asked for one.</summary>
    public ClickAnalyticsRange? ComparisonRange { get; init; }

    /// <summary>The totals of <see cref="ComparisonRange"/>.</summary>
    public IReadOnlyList<long>? ComparisonTotals { get; init; }
}

/// <summary>One row of a result.</summary>
/// <param name="Dimensions">
/// The row's dimension values; empty when unknown. Time buckets read <c>2026-03-08</c> (a day, the
/// Monday of a week, the first of a month) or <c>2026-03-08T01:00:00-05:00</c> (an hour, with its
/// offset, so the two 01:00 of a night that turns the clocks back stay apart).
/// </param>
/// <param name="Metrics">The metrics, in the order of <see cref="ClickAnalyticsResult.Metrics"/>.</param>
/// <param name="Comparison">The same metrics over the comparison range (same bucket position, or same dimension values), when asked for.</param>
[System.ComponentModel.ImmutableObject(true)]
public sealed record ClickAnalyticsRow(IReadOnlyList<string> Dimensions, IReadOnlyList<long> Metrics, IReadOnlyList<long>? Comparison = null);

/// <summary>A range as it was resolved.</summary>
/// <param name="Start">First instant, with the zone's offset then.</param>
/// <param name="End">End (exclusive), with the zone's offset then.</param>
/// <param name="From">First local day.</param>
/// <param name="To">Last local day (the day of the last instant).</param>
/// <param name="TimeZone">The IANA zone.</param>
[System.ComponentModel.ImmutableObject(true)]
public sealed record ClickAnalyticsRange(DateTimeOffset Start, DateTimeOffset End, DateOnly From, DateOnly To, string TimeZone);
