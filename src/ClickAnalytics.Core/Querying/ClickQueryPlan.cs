using System;
using System.Collections.Generic;
using System.Linq;

namespace ClickAnalytics.Querying;

/// <summary>A query that is not valid; the message says every problem and how to fix it.</summary>
public sealed class InvalidClickQueryException : ArgumentException
{
    /// <summary>Creates the exception from the problems found.</summary>
    public InvalidClickQueryException(IReadOnlyList<string> problems)
        : base(string.Join(" ", problems)) => Problems = problems;

    /// <summary>Each problem, one sentence each.</summary>
    public IReadOnlyList<string> Problems { get; }
}

/// <summary>A range resolved to instants and local days.</summary>
internal readonly record struct ResolvedRange(DateTime Start, DateTime End, DateOnly From, DateOnly To, bool ByDays)
{
    public ClickAnalyticsRange Describe(TimeZoneInfo zone, string zoneId) => new(
        new DateTimeOffset(DateTime.SpecifyKind(ZonedTime.LocalTime(Start, zone), DateTimeKind.Unspecified), ZonedTime.OffsetAt(Start, zone)),
        new DateTimeOffset(DateTime.SpecifyKind(ZonedTime.LocalTime(End, zone), DateTimeKind.Unspecified), ZonedTime.OffsetAt(End, zone)),
        From, To, zoneId);
}

/// <summary>
/// A <see cref="ClickAnalyticsQuery"/> checked and resolved against a clock: what each store is
/// asked, and how the rows are put together again. Names reach a store only as
/// <see cref="ClickDimension"/> values from <see cref="ClickDimensions"/>.
/// </summary>
internal sealed class ClickQueryPlan
{
    public const int MaxLimit = 10_000;
    public const int MaxOffset = 1_000_000;
    public const int MaxBuckets = 10_000;
    public const int MaxFilterValues = 1_000;
    public const int MaxFilterDepth = 4;
    public const int MaxValueLength = 1_000;

    private ClickQueryPlan(ClickAnalyticsQuery query, TimeZoneInfo zone, ResolvedRange range)
    {
        Query = query;
        Zone = zone;
        Range = range;
    }

    public ClickAnalyticsQuery Query { get; }

    public TimeZoneInfo Zone { get; }

    public ResolvedRange Range { get; }

    public ResolvedRange? ComparisonRange { get; private set; }

    public TimeBucket Bucket { get; private set; }

    /// <summary>Position of the time dimension among the query's dimensions; -1 without one.</summary>
    public int TimePosition { get; private set; } = -1;

    public IReadOnlyList<ClickDimension> Dimensions { get; private set; } = [];

    public ClickFilter? Filter { get; private set; }

    public IReadOnlyList<string> Metrics { get; private set; } = [];

    public IReadOnlyList<ClickSort> Order { get; private set; } = [];

    /// <summary>A series over time alone: every bucket gets a row, zero when nothing was clicked.</summary>
    public bool ZeroFilled => TimePosition >= 0 && Dimensions.Count == 0;

    public IReadOnlyList<string> ResultDimensions { get; private set; } = [];

    /// <summary>Whether the range ends before today started in the query's zone (its answer will not change).</summary>
    public bool IsClosed(DateTime utcNow) => Range.End <= ZonedTime.StartOfDay(ZonedTime.DayOf(utcNow, Zone), Zone);

    public static ClickQueryPlan Create(ClickAnalyticsQuery query, DateTime utcNow, int maxRangeDays)
    {
        ArgumentNullException.ThrowIfNull(query);
        var problems = new List<string>();
        if (!ZonedTime.TryFindZone(query.TimeZone, out TimeZoneInfo zone))
        {
            problems.Add($"Unknown time zone '{query.TimeZone}': use an IANA name such as 'Europe/Berlin' or 'UTC'.");
        }

        ResolvedRange range = ResolveRange(query, zone, utcNow, maxRangeDays, problems);
        var plan = new ClickQueryPlan(query, zone, range);
        plan.ResolveMetrics(problems);
        plan.ResolveDimensions(problems);
        plan.ResolveFilters(problems);
        plan.ResolveOrder(problems);
        plan.ResolveComparison(maxRangeDays, problems);
        if (query.Limit is < 1 or > MaxLimit)
        {
            problems.Add($"limit must be between 1 and {MaxLimit} (it is {query.Limit}); page with offset for more.");
        }

        if (query.Offset is < 0 or > MaxOffset)
        {
            problems.Add($"offset must be between 0 and {MaxOffset} (it is {query.Offset}).");
        }

        if (problems.Count > 0)
        {
            throw new InvalidClickQueryException(problems);
        }

        return plan;
    }

    /// <summary>The store request for a range: paged by the store, or whole when the plan pages itself.</summary>
    public ClickAggregationRequest Request(ResolvedRange range, bool paged, bool grouped = true) => new()
    {
        Start = range.Start,
        End = range.End,
        Offsets = ZonedTime.Offsets(range.Start, range.End, Zone),
        Bucket = grouped ? Bucket : TimeBucket.None,
        Dimensions = grouped ? Dimensions : [],
        Filter = Filter,
        Metrics = Metrics,
        IncludeBots = Query.IncludeBots,
        IncludeRepeats = Query.IncludeRepeats,
        Order = grouped ? Order : [],
        Limit = paged ? Query.Limit : null,
        Offset = paged ? Query.Offset : 0,
        CountRows = paged,
        WithTotals = grouped && (TimePosition >= 0 || Dimensions.Count > 0),
        TotalsOf = grouped ? null : Dimensions,
    };

    private static ResolvedRange ResolveRange(ClickAnalyticsQuery query, TimeZoneInfo zone, DateTime utcNow, int maxRangeDays, List<string> problems)
    {
        bool days = query.From is not null || query.To is not null;
        bool instants = query.Start is not null || query.End is not null;
        if ((query.Range is not null ? 1 : 0) + (days ? 1 : 0) + (instants ? 1 : 0) > 1)
        {
            problems.Add("Give the range one way only: a preset (range), days (from and to) or instants (start and end).");
            return default;
        }

        if (instants)
        {
            if (query.Start is not { } start || query.End is not { } end)
            {
                problems.Add("start and end go together: give both.");
                return default;
            }

            DateTime s = start.UtcDateTime, e = end.UtcDateTime;
            return Checked(new ResolvedRange(s, e, ZonedTime.DayOf(s, zone), ZonedTime.DayOf(e.AddTicks(-1), zone), ByDays: false), maxRangeDays, problems);
        }

        DateOnly today = ZonedTime.DayOf(utcNow, zone);
        DateOnly from, to;
        if (days)
        {
            if (query.From is not { } f || query.To is not { } t)
            {
                problems.Add("from and to go together: give both.");
                return default;
            }

            (from, to) = (f, t);
        }
        else
        {
            var month = new DateOnly(today.Year, today.Month, 1);
            switch (query.Range ?? ClickRanges.Last30Days)
            {
                case ClickRanges.Today: (from, to) = (today, today); break;
                case ClickRanges.Yesterday: (from, to) = (today.AddDays(-1), today.AddDays(-1)); break;
                case ClickRanges.Last7Days: (from, to) = (today.AddDays(-6), today); break;
                case ClickRanges.Last30Days: (from, to) = (today.AddDays(-29), today); break;
                case ClickRanges.Last90Days: (from, to) = (today.AddDays(-89), today); break;
                case ClickRanges.Month: (from, to) = (month, today); break;
                case ClickRanges.LastMonth: (from, to) = (month.AddMonths(-1), month.AddDays(-1)); break;
                case ClickRanges.Last12Months: (from, to) = (month.AddMonths(-11), today); break;
                case ClickRanges.Year: (from, to) = (new DateOnly(today.Year, 1, 1), today); break;
                default:
                    problems.Add($"Unknown range '{query.Range}': use one of {string.Join(", ", ClickRanges.All)}, or from and to.");
                    return default;
            }
        }

        if (from < ZonedTime.FirstDay || to > ZonedTime.LastDay)
        {
            problems.Add($"Days must lie between {ZonedTime.FirstDay:yyyy-MM-dd} and {ZonedTime.LastDay:yyyy-MM-dd}.");
            return default;
        }

        return Checked(ByDays(from, to, zone), maxRangeDays, problems);
    }

    private static ResolvedRange ByDays(DateOnly from, DateOnly to, TimeZoneInfo zone) =>
        new(ZonedTime.StartOfDay(from, zone), ZonedTime.StartOfDay(to.AddDays(1), zone), from, to, ByDays: true);

    private static ResolvedRange Checked(ResolvedRange range, int maxRangeDays, List<string> problems)
    {
        if (range.Start < ZonedTime.FirstDay.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc) || range.End > ZonedTime.LastDay.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc))
        {
            problems.Add($"The range must lie between {ZonedTime.FirstDay:yyyy-MM-dd} and {ZonedTime.LastDay:yyyy-MM-dd}.");
        }
        else if (range.End <= range.Start)
        {
            problems.Add($"The range ends ({range.To:yyyy-MM-dd}) before it starts ({range.From:yyyy-MM-dd}).");
        }
        else if ((range.End - range.Start).TotalDays > maxRangeDays + 1)
        {
            problems.Add($"The range covers {(int)Math.Ceiling((range.End - range.Start).TotalDays)} days; at most {maxRangeDays} are allowed (ClickAnalytics:Query:MaxRangeDays).");
        }

        return range;
    }

    private void ResolveMetrics(List<string> problems)
    {
        if (Query.Metrics is null || Query.Metrics.Count == 0)
        {
            problems.Add($"Name at least one metric: {string.Join(", ", ClickMetrics.All)}.");
            return;
        }

        foreach (string metric in Query.Metrics)
        {
            if (!ClickMetrics.All.Contains(metric))
            {
                problems.Add($"Unknown metric '{metric}': use {string.Join(", ", ClickMetrics.All)}.");
            }
        }

        if (Query.Metrics.Distinct(StringComparer.Ordinal).Count() != Query.Metrics.Count)
        {
            problems.Add("Each metric may be named once.");
        }

        Metrics = Query.Metrics.ToArray();
    }

    private void ResolveDimensions(List<string> problems)
    {
        var dimensions = new List<ClickDimension>();
        var names = new List<string>();
        IReadOnlyList<string> requested = Query.Dimensions ?? [];
        for (int i = 0; i < requested.Count; i++)
        {
            string name = requested[i];
            if (name == ClickDimensions.Time || name?.StartsWith(ClickDimensions.Time + ":", StringComparison.Ordinal) == true)
            {
                if (TimePosition >= 0)
                {
                    problems.Add("Group by time once.");
                    continue;
                }

                TimePosition = i;
                Bucket = name == ClickDimensions.Time ? AutomaticBucket() : ParseBucket(name[(ClickDimensions.Time.Length + 1)..], problems);
                names.Add(ClickDimensions.Time + ":" + ZonedTime.Name(Bucket));
                continue;
            }

            if (ClickDimensions.Find(name) is not { } dimension)
            {
                problems.Add($"Unknown dimension '{name}': use {ClickDimensions.Known}.");
                continue;
            }

            if (dimensions.Any(d => d.Name == dimension.Name))
            {
                problems.Add($"Dimension '{name}' is named twice.");
                continue;
            }

            dimensions.Add(dimension);
            names.Add(dimension.Name);
        }

        if (requested.Count > 8)
        {
            problems.Add("Group by at most 8 dimensions.");
        }

        if (Bucket != TimeBucket.None && Range.End > Range.Start)
        {
            long buckets = Bucket switch
            {
                TimeBucket.Hour => (long)Math.Ceiling((Range.End - Range.Start).TotalHours) + 1,
                TimeBucket.Day => (long)Math.Ceiling((Range.End - Range.Start).TotalDays) + 1,
                _ => 0,
            };
            if (buckets > MaxBuckets)
            {
                problems.Add($"Grouping this range by {ZonedTime.Name(Bucket)} gives more than {MaxBuckets} buckets; use a coarser bucket or a shorter range.");
            }
        }

        Dimensions = dimensions;
        ResultDimensions = names;
    }

    private TimeBucket AutomaticBucket()
    {
        double days = (Range.End - Range.Start).TotalDays;
        return days <= 2.001 ? TimeBucket.Hour : days <= 92.001 ? TimeBucket.Day : TimeBucket.Month;
    }

    private static TimeBucket ParseBucket(string name, List<string> problems)
    {
        switch (name)
        {
            case "hour": return TimeBucket.Hour;
            case "day": return TimeBucket.Day;
            case "week": return TimeBucket.Week;
            case "month": return TimeBucket.Month;
            default:
                problems.Add($"Unknown time bucket '{name}': use time, time:hour, time:day, time:week or time:month.");
                return TimeBucket.Day;
        }
    }

    private void ResolveFilters(List<string> problems)
    {
        var filters = new List<ClickFilter>();
        foreach (QueryFilter filter in Query.Filters ?? [])
        {
            if (Resolve(filter, 1, problems) is { } resolved)
            {
                filters.Add(resolved);
            }
        }

        if (Query.TenantId is not null)
        {
            filters.Add(new ClickCondition(ClickDimensions.Fixed["tenant"], FilterOperator.Is, [Query.TenantId]));
        }

        Filter = filters.Count switch
        {
            0 => null,
            1 => filters[0],
            _ => new ClickFilterGroup(any: false, filters),
        };
    }

    private static ClickFilter? Resolve(QueryFilter? filter, int depth, List<string> problems)
    {
        if (filter is null)
        {
            problems.Add("A filter is empty.");
            return null;
        }

        if (depth > MaxFilterDepth)
        {
            problems.Add($"Filters nest at most {MaxFilterDepth} deep.");
            return null;
        }

        int forms = (filter.Dimension is not null ? 1 : 0) + (filter.Any is not null ? 1 : 0) + (filter.All is not null ? 1 : 0);
        if (forms != 1)
        {
            problems.Add("A filter has either a dimension (with operator and values), or any, or all.");
            return null;
        }

        if ((filter.Any ?? filter.All) is { } group)
        {
            if (group.Count == 0)
            {
                problems.Add("A filter group (any or all) needs at least one filter.");
                return null;
            }

            var children = new List<ClickFilter>(group.Count);
            foreach (QueryFilter child in group)
            {
                if (Resolve(child, depth + 1, problems) is { } resolved)
                {
                    children.Add(resolved);
                }
            }

            return children.Count == group.Count ? new ClickFilterGroup(filter.Any is not null, children) : null;
        }

        if (ClickDimensions.Find(filter.Dimension) is not { } dimension)
        {
            problems.Add(filter.Dimension == ClickDimensions.Time
                ? "Time is not a filter: set the range instead."
                : $"Unknown filter dimension '{filter.Dimension}': use {ClickDimensions.Known}.");
            return null;
        }

        if (!Enum.IsDefined(filter.Operator))
        {
            problems.Add($"Unknown filter operator on '{filter.Dimension}': use is, isNot, contains or in.");
            return null;
        }

        IReadOnlyList<string> values = filter.Values ?? [];
        if (values.Count == 0 || values.Count > MaxFilterValues || values.Any(v => v is null || v.Length > MaxValueLength))
        {
            problems.Add($"The filter on '{filter.Dimension}' needs 1 to {MaxFilterValues} values of at most {MaxValueLength} characters.");
            return null;
        }

        if (filter.Operator == FilterOperator.Is && values.Count != 1)
        {
            problems.Add($"The 'is' filter on '{filter.Dimension}' takes one value; use 'in' for several.");
            return null;
        }

        return new ClickCondition(dimension, filter.Operator, values.ToArray());
    }

    private void ResolveOrder(List<string> problems)
    {
        var order = new List<ClickSort>();
        foreach (QueryOrder key in Query.OrderBy ?? [])
        {
            if (Sort(key?.By, key?.Descending ?? false) is { } sort)
            {
                order.Add(sort);
            }
            else
            {
                problems.Add($"Cannot order by '{key?.By}': order by a metric or a dimension of the query ({string.Join(", ", Metrics.Concat(ResultDimensions))}).");
            }
        }

        if (order.Count == 0)
        {
            if (TimePosition >= 0)
            {
                order.Add(new ClickSort(ClickSortKind.Bucket, 0, Descending: false));
            }

            if (Metrics.Count > 0)
            {
                order.Add(new ClickSort(ClickSortKind.Metric, 0, Descending: true));
            }
        }

        Order = order;
    }

    private ClickSort? Sort(string? by, bool descending)
    {
        if (by is null)
        {
            return null;
        }

        if (TimePosition >= 0 && (by == ClickDimensions.Time || by == ResultDimensions[TimePosition]))
        {
            return new ClickSort(ClickSortKind.Bucket, 0, descending);
        }

        for (int i = 0; i < Metrics.Count; i++)
        {
            if (Metrics[i] == by)
            {
                return new ClickSort(ClickSortKind.Metric, i, descending);
            }
        }

        for (int i = 0; i < Dimensions.Count; i++)
        {
            if (Dimensions[i].Name == by)
            {
                return new ClickSort(ClickSortKind.Dimension, i, descending);
            }
        }

        return null;
    }

    private void ResolveComparison(int maxRangeDays, List<string> problems)
    {
        if (Query.Compare is null || Range.End <= Range.Start)
        {
            return;
        }

        ResolvedRange range = Range;
        ResolvedRange compared;
        switch (Query.Compare)
        {
            case ClickComparisons.PreviousPeriod when range.ByDays:
                int days = range.To.DayNumber - range.From.DayNumber + 1;
                compared = ByDays(range.From.AddDays(-days), range.To.AddDays(-days), Zone);
                break;
            case ClickComparisons.PreviousPeriod:
                compared = range with { Start = range.Start - (range.End - range.Start), End = range.Start };
                break;
            case ClickComparisons.PreviousYear when range.ByDays:
                compared = ByDays(range.From.AddYears(-1), range.To.AddYears(-1), Zone);
                break;
            case ClickComparisons.PreviousYear:
                compared = range with { Start = range.Start.AddYears(-1), End = range.End.AddYears(-1) };
                break;
            default:
                problems.Add($"Unknown comparison '{Query.Compare}': use {ClickComparisons.PreviousPeriod} or {ClickComparisons.PreviousYear}.");
                return;
        }

        if (!range.ByDays)
        {
            compared = compared with { From = ZonedTime.DayOf(compared.Start, Zone), To = ZonedTime.DayOf(compared.End.AddTicks(-1), Zone) };
        }

        int before = problems.Count;
        compared = Checked(compared, maxRangeDays, problems);
        if (problems.Count == before)
        {
            ComparisonRange = compared;
        }
    }
}
