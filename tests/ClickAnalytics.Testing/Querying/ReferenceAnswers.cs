using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using ClickAnalytics.Querying;

namespace ClickAnalytics.Testing.Querying;

/// <summary>
/// The answer to a <see cref="ClickAnalyticsQuery"/> computed with plain LINQ over the clicks, from
/// the query model's documentation and nothing of the library's planning: each click's local time
/// comes from <see cref="TimeZoneInfo.ConvertTime(DateTimeOffset, TimeZoneInfo)"/>, its bucket from
/// that local time, its dimension values from the click's own properties. Ranges must be explicit
/// (days or instants); presets depend on the clock and are tested apart.
/// </summary>
public static class ReferenceAnswers
{
    /// <summary>The rows, total row count and totals, in the shape <see cref="ClickAnalyticsResult"/> has.</summary>
    public sealed record Answer(IReadOnlyList<string> Dimensions, IReadOnlyList<ClickAnalyticsRow> Rows, long TotalRows, IReadOnlyList<long> Totals, IReadOnlyList<long>? ComparisonTotals);

    private sealed record Range(DateTimeOffset? Start, DateTimeOffset? End, DateOnly? From, DateOnly? To);

    private sealed record Bucket(string Label, DateTimeOffset SortKey);

    public static Answer Compute(IReadOnlyList<EnrichedClick> clicks, ClickAnalyticsQuery query)
    {
        TimeZoneInfo zone = TimeZoneInfo.FindSystemTimeZoneById(query.TimeZone);
        Range range = query.From is { } from ? new Range(null, null, from, query.To) : new Range(query.Start, query.End, null, null);
        string? unit = UnitOf(query, range, zone);
        var dimensions = query.Dimensions.Select(d => d.StartsWith("time", StringComparison.Ordinal) ? "time:" + unit : d).ToList();

        List<(Bucket? Bucket, string[] Values, long[] Metrics)> current = Group(clicks, query, range, zone, unit);
        Range? comparedRange = Compared(query, range);
        List<(Bucket? Bucket, string[] Values, long[] Metrics)>? compared = comparedRange is null ? null : Group(clicks, query, comparedRange, zone, unit);
        List<Bucket> buckets = unit is null ? [] : Buckets(range, zone, unit);
        List<Bucket> comparedBuckets = unit is null || comparedRange is null ? [] : Buckets(comparedRange, zone, unit);

        int timeAt = query.Dimensions.ToList().FindIndex(d => d.StartsWith("time", StringComparison.Ordinal));
        var otherDimensions = query.Dimensions.Where(d => !d.StartsWith("time", StringComparison.Ordinal)).ToList();
        if (timeAt >= 0 && otherDimensions.Count == 0)
        {
            // A time series: every bucket, zero where nothing was counted.
            var byLabel = current.ToDictionary(r => r.Bucket!.Label);
            current = buckets.Select(b => byLabel.TryGetValue(b.Label, out var r) ? r : (b, Array.Empty<string>(), new long[query.Metrics.Count])).ToList();
        }

        IComparer<(Bucket? Bucket, string[] Values, long[] Metrics)> order = Order(query, otherDimensions);
        List<(Bucket? Bucket, string[] Values, long[] Metrics)> sorted = current.Order(order).ToList();

        var rows = new List<ClickAnalyticsRow>();
        foreach (var row in sorted.Skip(query.Offset).Take(query.Limit))
        {
            var values = row.Values.ToList();
            if (timeAt >= 0)
            {
                values.Insert(timeAt, row.Bucket!.Label);
            }

            IReadOnlyList<long>? against = null;
            if (compared is not null)
            {
                int position = timeAt >= 0 ? buckets.FindIndex(b => b.Label == row.Bucket!.Label) : -1;
                string? comparedLabel = timeAt >= 0 && position >= 0 && position < comparedBuckets.Count ? comparedBuckets[position].Label : null;
                var match = compared.FirstOrDefault(c => (timeAt < 0 || c.Bucket!.Label == comparedLabel) && c.Values.SequenceEqual(row.Values));
                against = match.Metrics ?? new long[query.Metrics.Count];
            }

            rows.Add(new ClickAnalyticsRow(values, row.Metrics, against));
        }

        long[] totals = Totals(clicks, query, range, zone);
        long[]? comparedTotals = comparedRange is null ? null : Totals(clicks, query, comparedRange, zone);
        if (query.Dimensions.Count == 0)
        {
            rows = [new ClickAnalyticsRow([], totals, comparedTotals)];
            return new Answer(dimensions, rows, 1, totals, comparedTotals);
        }

        return new Answer(dimensions, rows, sorted.Count, totals, comparedTotals);
    }

    /// <summary>The value of a dimension for a click, by the dimension's documented meaning.</summary>
    public static string ValueOf(EnrichedClick c, string dimension) => dimension switch
    {
        "link" => c.Click.LinkId,
        "tenant" => c.Click.TenantId ?? "",
        "continent" => c.Continent,
        "country" => c.Country,
        "region" => c.Region,
        "city" => c.City,
        "deviceType" => c.DeviceType,
        "browser" => c.BrowserFamily,
        "os" => c.OsFamily,
        "refererMedium" => c.RefererMedium,
        "refererSource" => c.RefererSource,
        "refererHost" => c.RefererHost,
        "utmSource" => c.UtmSource,
        "utmMedium" => c.UtmMedium,
        "utmCampaign" => c.UtmCampaign,
        "utmTerm" => c.UtmTerm,
        "utmContent" => c.UtmContent,
        "language" => c.Language,
        "trigger" => c.BotClass == "link-preview" ? "preview"
            : (c.Click.Flags & (ClickFlags.Prefetch | ClickFlags.Prerender | ClickFlags.HeadRequest)) != 0 ? "prefetch"
            : (c.Click.Flags & ClickFlags.QrCode) != 0 ? "qr"
            : "link",
        _ when dimension.StartsWith("custom:", StringComparison.Ordinal) =>
            c.Dimensions.TryGetValue(dimension["custom:".Length..], out string? v) ? v : "",
        _ => throw new ArgumentException("No such dimension: " + dimension),
    };

    public static bool Matches(EnrichedClick c, QueryFilter filter)
    {
        if (filter.Any is { } any)
        {
            return any.Any(f => Matches(c, f));
        }

        if (filter.All is { } all)
        {
            return all.All(f => Matches(c, f));
        }

        string value = ValueOf(c, filter.Dimension!);
        return filter.Operator switch
        {
            FilterOperator.IsNot => !filter.Values.Contains(value, StringComparer.Ordinal),
            FilterOperator.Contains => filter.Values.Any(v => value.Contains(v, StringComparison.OrdinalIgnoreCase)),
            _ => filter.Values.Contains(value, StringComparer.Ordinal),
        };
    }

    private static string? UnitOf(ClickAnalyticsQuery query, Range range, TimeZoneInfo zone)
    {
        string? time = query.Dimensions.FirstOrDefault(d => d.StartsWith("time", StringComparison.Ordinal));
        if (time is null)
        {
            return null;
        }

        if (time != "time")
        {
            return time["time:".Length..];
        }

        (DateTimeOffset start, DateTimeOffset end) = Instants(range, zone);
        double days = (end - start).TotalDays;
        return days <= 2.001 ? "hour" : days <= 92.001 ? "day" : "month";
    }

    private static (DateTimeOffset Start, DateTimeOffset End) Instants(Range range, TimeZoneInfo zone)
    {
        if (range.Start is { } start)
        {
            return (start, range.End!.Value);
        }

        return (Midnight(range.From!.Value, zone), Midnight(range.To!.Value.AddDays(1), zone));
    }

    private static DateTimeOffset Midnight(DateOnly day, TimeZoneInfo zone)
    {
        // The first instant whose local date is the day.
        DateTimeOffset guess = new(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        DateTimeOffset t = guess.AddHours(-15);
        while (DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(t, zone).DateTime) < day)
        {
            t = t.AddMinutes(15);
        }

        return t.ToUniversalTime();
    }

    private static bool InRange(EnrichedClick c, Range range, TimeZoneInfo zone) =>
        range.From is { } from
            ? LocalDay(c, zone) >= from && LocalDay(c, zone) <= range.To!.Value
            : c.Click.Timestamp >= range.Start!.Value && c.Click.Timestamp < range.End!.Value;

    private static DateOnly LocalDay(EnrichedClick c, TimeZoneInfo zone) => DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(c.Click.Timestamp, zone).DateTime);

    private static Range? Compared(ClickAnalyticsQuery query, Range range) => query.Compare switch
    {
        "previousPeriod" when range.From is { } from => new Range(null, null, from.AddDays(-(range.To!.Value.DayNumber - from.DayNumber + 1)), range.To.Value.AddDays(-(range.To.Value.DayNumber - from.DayNumber + 1))),
        "previousPeriod" => new Range(range.Start!.Value - (range.End!.Value - range.Start.Value), range.Start, null, null),
        "previousYear" when range.From is { } from => new Range(null, null, from.AddYears(-1), range.To!.Value.AddYears(-1)),
        "previousYear" => new Range(range.Start!.Value.AddYears(-1), range.End!.Value.AddYears(-1), null, null),
        _ => null,
    };

    private static Bucket BucketOf(DateTimeOffset instant, TimeZoneInfo zone, string unit)
    {
        DateTimeOffset local = TimeZoneInfo.ConvertTime(instant, zone);
        var day = DateOnly.FromDateTime(local.DateTime);
        switch (unit)
        {
            case "hour":
                var hour = new DateTimeOffset(local.Year, local.Month, local.Day, local.Hour, 0, 0, local.Offset);
                return new Bucket(hour.ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture), hour);
            case "week":
                DateOnly monday = day.AddDays(-(((int)day.DayOfWeek + 6) % 7));
                return new Bucket(monday.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), new DateTimeOffset(monday.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero));
            case "month":
                var first = new DateOnly(day.Year, day.Month, 1);
                return new Bucket(first.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), new DateTimeOffset(first.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero));
            default:
                return new Bucket(day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero));
        }
    }

    private static List<Bucket> Buckets(Range range, TimeZoneInfo zone, string unit)
    {
        (DateTimeOffset start, DateTimeOffset end) = Instants(range, zone);
        var buckets = new List<Bucket>();
        for (DateTimeOffset t = start; t < end; t = t.AddMinutes(15))
        {
            Bucket b = BucketOf(t, zone, unit);
            if (buckets.Count == 0 || buckets[^1].Label != b.Label)
            {
                buckets.Add(b);
            }
        }

        return buckets;
    }

    private static bool People(ClickAnalyticsQuery q, EnrichedClick c) => q.IncludeBots || !c.IsBot;

    private static bool Unique(ClickAnalyticsQuery q, EnrichedClick c) => q.IncludeRepeats || !c.IsRepeat;

    private static bool CountsFor(ClickAnalyticsQuery q, EnrichedClick c, string metric) => metric switch
    {
        "bots" => c.IsBot && Unique(q, c),
        "repeats" => c.IsRepeat && People(q, c),
        _ => People(q, c) && Unique(q, c),
    };

    private static long Metric(ClickAnalyticsQuery q, IEnumerable<EnrichedClick> group, string metric)
    {
        IEnumerable<EnrichedClick> counted = group.Where(c => CountsFor(q, c, metric));
        return metric == "uniqueVisitors"
            ? counted.Select(c => c.VisitorId).Where(v => v.Length > 0).Distinct(StringComparer.Ordinal).LongCount()
            : counted.LongCount();
    }

    private static IEnumerable<EnrichedClick> Selected(IReadOnlyList<EnrichedClick> clicks, ClickAnalyticsQuery q, Range range, TimeZoneInfo zone) =>
        clicks.Where(c => InRange(c, range, zone)
            && q.Filters.All(f => Matches(c, f))
            && (q.TenantId is null || (c.Click.TenantId ?? "") == q.TenantId)
            && q.Metrics.Any(m => CountsFor(q, c, m)));

    private static long[] Totals(IReadOnlyList<EnrichedClick> clicks, ClickAnalyticsQuery q, Range range, TimeZoneInfo zone)
    {
        List<EnrichedClick> selected = Selected(clicks, q, range, zone).ToList();
        return q.Metrics.Select(m => Metric(q, selected, m)).ToArray();
    }

    private static List<(Bucket? Bucket, string[] Values, long[] Metrics)> Group(IReadOnlyList<EnrichedClick> clicks, ClickAnalyticsQuery q, Range range, TimeZoneInfo zone, string? unit)
    {
        var others = q.Dimensions.Where(d => !d.StartsWith("time", StringComparison.Ordinal)).ToList();
        return Selected(clicks, q, range, zone)
            .GroupBy(c => (unit is null ? "" : BucketOf(c.Click.Timestamp, zone, unit).Label) + "\u0001" + string.Join("\u0001", others.Select(d => ValueOf(c, d))))
            .Select(g => (
                unit is null ? null : BucketOf(g.First().Click.Timestamp, zone, unit),
                others.Select(d => ValueOf(g.First(), d)).ToArray(),
                q.Metrics.Select(m => Metric(q, g, m)).ToArray()))
            .Select(t => ((Bucket?)t.Item1, t.Item2, t.Item3))
            .ToList();
    }

    private static IComparer<(Bucket? Bucket, string[] Values, long[] Metrics)> Order(ClickAnalyticsQuery q, List<string> others)
    {
        bool timed = q.Dimensions.Any(d => d.StartsWith("time", StringComparison.Ordinal));
        var keys = q.OrderBy.Count > 0
            ? q.OrderBy.ToList()
            : (timed ? [new QueryOrder("time")] : new List<QueryOrder>()).Append(new QueryOrder(q.Metrics[0], Descending: true)).ToList();
        return Comparer<(Bucket? Bucket, string[] Values, long[] Metrics)>.Create((x, y) =>
        {
            foreach (QueryOrder key in keys)
            {
                int c;
                if (key.By.StartsWith("time", StringComparison.Ordinal))
                {
                    c = x.Bucket!.SortKey.CompareTo(y.Bucket!.SortKey);
                }
                else if (q.Metrics.Contains(key.By))
                {
                    int m = q.Metrics.ToList().IndexOf(key.By);
                    c = x.Metrics[m].CompareTo(y.Metrics[m]);
                }
                else
                {
                    int d = others.IndexOf(key.By);
                    c = string.CompareOrdinal(x.Values[d], y.Values[d]);
                }

                if (c != 0)
                {
                    return key.Descending ? -c : c;
                }
            }

            if (timed)
            {
                int t = x.Bucket!.SortKey.CompareTo(y.Bucket!.SortKey);
                if (t != 0)
                {
                    return t;
                }
            }

            for (int d = 0; d < others.Count; d++)
            {
                int c = string.CompareOrdinal(x.Values[d], y.Values[d]);
                if (c != 0)
                {
                    return c;
                }
            }

            return 0;
        });
    }
}
