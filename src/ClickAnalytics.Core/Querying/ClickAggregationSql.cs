using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using ClickAnalytics.Storage;

namespace ClickAnalytics.Querying;

/// <summary>
/// Where a store's aggregation reads from and how its SQL spells things: one subclass per store
/// (and per rollup table). Values reach SQL only through <see cref="Value"/>, column names only from
/// <see cref="ClickDimensions"/> and <see cref="ClickSchema"/>.
/// </summary>
internal abstract class ClickSqlSource
{
    /// <summary>A string value: a parameter placeholder (recorded by the subclass) or an escaped literal.</summary>
    public abstract string Value(string value);

    /// <summary>The expression of a stored column (a <see cref="ClickSchema"/> column or a custom dimension, which may be missing: then <c>''</c>).</summary>
    public abstract string Column(string name, bool custom = false);

    /// <summary>A boolean column as a condition.</summary>
    public abstract string IsTrue(string column);

    /// <summary>The FROM clause for the columns used.</summary>
    public abstract string From(IReadOnlyCollection<string> columns);

    /// <summary>The condition that keeps [start, end) (and lets the store skip the rest).</summary>
    public abstract string Range(DateTime start, DateTime end);

    /// <summary>The row's time as Unix seconds (an integer).</summary>
    public abstract string UnixSeconds { get; }

    /// <summary>Integer division rounding down (both operands non-negative).</summary>
    public abstract string Divide(string dividend, long divisor);

    /// <summary>year × 12 + month − 1 of a Unix time taken as UTC.</summary>
    public abstract string MonthNumber(string unixSeconds);

    /// <summary>How many rows meet the condition (null: all rows).</summary>
    public abstract string CountIf(string? condition);

    /// <summary>How many distinct values the expression takes among rows meeting the condition.</summary>
    public abstract string DistinctIf(string expression, string condition);

    /// <summary>Whether the expression contains the value, ignoring case.</summary>
    public abstract string ContainsIgnoringCase(string expression, string value);

    /// <summary>
    /// The GROUP BY clause. With <paramref name="totals"/>, a source that can compute the ungrouped
    /// totals in the same pass returns a clause that does and sets <paramref name="totalsColumn"/>
    /// to an extra select expression (or empty when none is needed); otherwise it sets it to null.
    /// </summary>
    public virtual string GroupBy(IReadOnlyList<string> keys, bool totals, bool paged, out string? totalsColumn)
    {
        totalsColumn = null;
        return " GROUP BY " + string.Join(", ", keys);
    }

    /// <summary>LIMIT/OFFSET.</summary>
    public virtual string Page(int? limit, int offset) =>
        (limit is { } l ? " LIMIT " + l.ToString(CultureInfo.InvariantCulture) : offset > 0 ? " LIMIT " + long.MaxValue.ToString(CultureInfo.InvariantCulture) : "") +
        (offset > 0 ? " OFFSET " + offset.ToString(CultureInfo.InvariantCulture) : "");

    /// <summary>The expression of the <see cref="ClickDimensionKind.Trigger"/> dimension.</summary>
    public virtual string Trigger() =>
        $"CASE WHEN {Column("bot_class")} = {Value(BotClass.LinkPreview)} THEN '{ClickTriggers.Preview}' " +
        $"WHEN {IsTrue(Column("is_prefetch"))} OR {IsTrue(Column("is_head"))} THEN '{ClickTriggers.Prefetch}' " +
        $"WHEN {IsTrue(Column("is_qr"))} THEN '{ClickTriggers.Qr}' ELSE '{ClickTriggers.Link}' END";
}

/// <summary>
/// Writes the SQL of a <see cref="ClickAggregationRequest"/> for a <see cref="ClickSqlSource"/>: the
/// same statement shape for every store, so the stores differ only in spelling.
/// </summary>
internal static class ClickAggregationSql
{
    /// <summary>Columns the metrics and flags read, beyond dimensions and filters.</summary>
    public static IEnumerable<string> Columns(ClickAggregationRequest request)
    {
        yield return "timestamp";
        yield return "is_bot";
        yield return "is_repeat";
        if (request.Metrics.Contains(ClickMetrics.UniqueVisitors))
        {
            yield return "visitor_id";
        }

        foreach (ClickDimension dimension in request.Dimensions.Concat(FilterDimensions(request.Filter)))
        {
            if (dimension.Kind == ClickDimensionKind.Trigger)
            {
                yield return "bot_class";
                yield return "is_prefetch";
                yield return "is_head";
                yield return "is_qr";
            }
            else if (dimension.Kind == ClickDimensionKind.Column)
            {
                yield return dimension.Column;
            }
        }
    }

    public static IEnumerable<ClickDimension> FilterDimensions(ClickFilter? filter) => filter switch
    {
        ClickCondition condition => [condition.Dimension],
        ClickFilterGroup group => group.Filters.SelectMany(FilterDimensions),
        _ => [],
    };

    /// <summary>The statement returning the rows: bucket (when any) as <c>b</c>, dimensions <c>d0…</c>, metrics <c>m0…</c>.</summary>
    public static string Select(ClickAggregationRequest request, ClickSqlSource source)
    {
        var sql = new StringBuilder("SELECT ");
        var keys = new List<string>();
        if (request.Bucket != TimeBucket.None)
        {
            sql.Append(Bucket(request, source)).Append(" AS b, ");
            keys.Add("b");
        }

        for (int i = 0; i < request.Dimensions.Count; i++)
        {
            string alias = "d" + i.ToString(CultureInfo.InvariantCulture);
            sql.Append(Dimension(request.Dimensions[i], source)).Append(" AS ").Append(alias).Append(", ");
            keys.Add(alias);
        }

        for (int i = 0; i < request.Metrics.Count; i++)
        {
            sql.Append(i == 0 ? "" : ", ").Append(Metric(request, request.Metrics[i], source)).Append(" AS m").Append(i.ToString(CultureInfo.InvariantCulture));
        }

        int selectEnd = sql.Length;
        string? totalsColumn = AppendBody(sql, request, source, keys, request.WithTotals);
        if (!string.IsNullOrEmpty(totalsColumn))
        {
            sql.Insert(selectEnd, ", " + totalsColumn + " AS t");
        }
        if (keys.Count > 0)
        {
            sql.Append(" ORDER BY ").AppendJoin(", ", OrderKeys(request));
        }

        return sql.Append(source.Page(request.Limit, request.Offset)).ToString();
    }

    /// <summary>The statement counting the groups (one row, one column).</summary>
    public static string CountGroups(ClickAggregationRequest request, ClickSqlSource source)
    {
        var keys = new List<string>();
        var sql = new StringBuilder("SELECT count(*) AS n FROM (SELECT ");
        if (request.Bucket != TimeBucket.None)
        {
            sql.Append(Bucket(request, source)).Append(" AS b");
            keys.Add("b");
        }

        for (int i = 0; i < request.Dimensions.Count; i++)
        {
            string alias = "d" + i.ToString(CultureInfo.InvariantCulture);
            sql.Append(keys.Count == 0 ? "" : ", ").Append(Dimension(request.Dimensions[i], source)).Append(" AS ").Append(alias);
            keys.Add(alias);
        }

        if (keys.Count == 0)
        {
            sql.Append("1 AS one");
        }

        AppendBody(sql, request, source, keys);
        return sql.Append(") AS groups").ToString();
    }

    /// <summary>Whether <see cref="Select"/> of this request computes the totals too, and with which extra column (empty: none).</summary>
    public static string? TotalsColumn(ClickAggregationRequest request, ClickSqlSource source)
    {
        if (!request.WithTotals)
        {
            return null;
        }

        var keys = new List<string>();
        if (request.Bucket != TimeBucket.None)
        {
            keys.Add("b");
        }

        for (int i = 0; i < request.Dimensions.Count; i++)
        {
            keys.Add("d" + i.ToString(CultureInfo.InvariantCulture));
        }

        if (keys.Count == 0)
        {
            return null;
        }

        source.GroupBy(keys, totals: true, Paged(request), out string? column);
        return column;
    }

    private static bool Paged(ClickAggregationRequest request) => request.Limit is not null || request.Offset > 0;

    private static string? AppendBody(StringBuilder sql, ClickAggregationRequest request, ClickSqlSource source, List<string> keys, bool totals = false)
    {
        HashSet<string> columns = Columns(request).ToHashSet(StringComparer.Ordinal);
        sql.Append(" FROM ").Append(source.From(columns))
            .Append(" WHERE ").Append(source.Range(request.Start, request.End));
        if (request.Filter is not null)
        {
            sql.Append(" AND ").Append(Filter(request.Filter, source));
        }

        if (Included(request, source) is { } included)
        {
            sql.Append(" AND (").Append(included).Append(')');
        }

        string? totalsColumn = null;
        if (keys.Count > 0)
        {
            sql.Append(source.GroupBy(keys, totals, Paged(request), out totalsColumn));
        }

        return totals ? totalsColumn : null;
    }

    /// <summary>
    /// Rows that count for at least one requested metric: people and unique clicks for clicks and
    /// visitors (widened by the query's flags), bots for <c>bots</c>, repeats for <c>repeats</c>.
    /// </summary>
    private static string? Included(ClickAggregationRequest request, ClickSqlSource source)
    {
        var any = new List<string?>();
        foreach (string metric in request.Metrics)
        {
            any.Add(MetricCondition(request, metric, source));
        }

        return any.Any(c => c is null) ? null : string.Join(" OR ", any.Distinct().Select(c => "(" + c + ")"));
    }

    private static string? People(ClickAggregationRequest request, ClickSqlSource source) =>
        request.IncludeBots ? null : "NOT " + source.IsTrue(source.Column("is_bot"));

    private static string? Unique(ClickAggregationRequest request, ClickSqlSource source) =>
        request.IncludeRepeats ? null : "NOT " + source.IsTrue(source.Column("is_repeat"));

    private static string? And(params string?[] conditions)
    {
        string[] present = conditions.Where(c => c is not null).Select(c => c!).ToArray();
        return present.Length == 0 ? null : string.Join(" AND ", present);
    }

    private static string? MetricCondition(ClickAggregationRequest request, string metric, ClickSqlSource source) => metric switch
    {
        ClickMetrics.Bots => And(source.IsTrue(source.Column("is_bot")), Unique(request, source)),
        ClickMetrics.Repeats => And(source.IsTrue(source.Column("is_repeat")), People(request, source)),
        _ => And(People(request, source), Unique(request, source)),
    };

    private static string Metric(ClickAggregationRequest request, string metric, ClickSqlSource source)
    {
        string? condition = MetricCondition(request, metric, source);
        if (metric == ClickMetrics.UniqueVisitors)
        {
            string visitor = source.Column("visitor_id");
            return source.DistinctIf(visitor, And(condition, visitor + " <> ''")!);
        }

        return source.CountIf(condition);
    }

    private static IEnumerable<string> OrderKeys(ClickAggregationRequest request)
    {
        var used = new HashSet<string>(StringComparer.Ordinal);
        foreach (ClickSort sort in request.Order)
        {
            string key = sort.Kind switch
            {
                ClickSortKind.Bucket => "b",
                ClickSortKind.Dimension => "d" + sort.Index.ToString(CultureInfo.InvariantCulture),
                _ => "m" + sort.Index.ToString(CultureInfo.InvariantCulture),
            };
            if (used.Add(key))
            {
                yield return key + (sort.Descending ? " DESC" : " ASC");
            }
        }

        if (request.Bucket != TimeBucket.None && used.Add("b"))
        {
            yield return "b ASC";
        }

        for (int i = 0; i < request.Dimensions.Count; i++)
        {
            string key = "d" + i.ToString(CultureInfo.InvariantCulture);
            if (used.Add(key))
            {
                yield return key + " ASC";
            }
        }
    }

    private static string Dimension(ClickDimension dimension, ClickSqlSource source) => dimension.Kind switch
    {
        ClickDimensionKind.Trigger => source.Trigger(),
        ClickDimensionKind.Custom => source.Column(dimension.Column, custom: true),
        _ => source.Column(dimension.Column),
    };

    private static string Filter(ClickFilter filter, ClickSqlSource source)
    {
        if (filter is ClickFilterGroup group)
        {
            return "(" + string.Join(group.Any ? " OR " : " AND ", group.Filters.Select(f => Filter(f, source))) + ")";
        }

        var condition = (ClickCondition)filter;
        string expression = Dimension(condition.Dimension, source);
        switch (condition.Operator)
        {
            case FilterOperator.Contains:
                return "(" + string.Join(" OR ", condition.Values.Select(v => source.ContainsIgnoringCase(expression, source.Value(v)))) + ")";
            case FilterOperator.IsNot:
                return expression + " NOT IN (" + string.Join(", ", condition.Values.Select(source.Value)) + ")";
            default:
                return condition.Values.Count == 1
                    ? expression + " = " + source.Value(condition.Values[0])
                    : expression + " IN (" + string.Join(", ", condition.Values.Select(source.Value)) + ")";
        }
    }

    /// <summary>The row's local Unix time: its Unix time plus the offset in force (a CASE over the offset changes).</summary>
    private static string LocalSeconds(ClickAggregationRequest request, ClickSqlSource source)
    {
        string unix = source.UnixSeconds;
        IReadOnlyList<UtcOffsetChange> offsets = request.Offsets;
        if (offsets.Count == 1)
        {
            return offsets[0].Seconds == 0 ? unix : $"({unix} + {offsets[0].Seconds.ToString(CultureInfo.InvariantCulture)})";
        }

        var sql = new StringBuilder("(").Append(unix).Append(" + CASE");
        for (int i = 1; i < offsets.Count; i++)
        {
            sql.Append(" WHEN ").Append(unix).Append(" < ").Append(ZonedTime.UnixSeconds(offsets[i].At).ToString(CultureInfo.InvariantCulture))
                .Append(" THEN ").Append(offsets[i - 1].Seconds.ToString(CultureInfo.InvariantCulture));
        }

        return sql.Append(" ELSE ").Append(offsets[^1].Seconds.ToString(CultureInfo.InvariantCulture)).Append(" END)").ToString();
    }

    /// <summary>The bucket number as <see cref="TimeBucket"/> defines it.</summary>
    private static string Bucket(ClickAggregationRequest request, ClickSqlSource source)
    {
        string local = LocalSeconds(request, source);
        string day = source.Divide(local, ZonedTime.SecondsPerDay);
        return request.Bucket switch
        {
            // The UTC instant the local hour began: the row's time less the seconds since the local hour began.
            TimeBucket.Hour => $"({source.UnixSeconds} - ({local} - {source.Divide(local, 3600)} * 3600))",
            TimeBucket.Day => day,
            TimeBucket.Week => $"({source.Divide($"({day} + 3)", 7)} * 7 - 3)",
            _ => source.MonthNumber(local),
        };
    }
}
