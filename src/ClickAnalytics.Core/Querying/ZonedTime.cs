using System;
using System.Collections.Generic;
using System.Globalization;

namespace ClickAnalytics.Querying;

/// <summary>
/// Day boundaries, offsets and time buckets of an IANA zone, computed with the runtime's time zone
/// data so that every store buckets the same way whatever zone data its server has: stores only
/// add the offsets they are given to Unix times.
/// </summary>
internal static class ZonedTime
{
    public const long SecondsPerDay = 86_400;

    /// <summary>First and last day a range may touch (Unix seconds fit in an unsigned 32-bit integer, as ClickHouse keeps them).</summary>
    public static readonly DateOnly FirstDay = new(1970, 1, 2);

    public static readonly DateOnly LastDay = new(2105, 12, 30);

    private static readonly int EpochDayNumber = new DateOnly(1970, 1, 1).DayNumber;

    public static bool TryFindZone(string? id, out TimeZoneInfo zone)
    {
        zone = TimeZoneInfo.Utc;
        if (string.IsNullOrWhiteSpace(id))
        {
            return false;
        }

        if (id is "UTC" or "Etc/UTC")
        {
            return true;
        }

        if (TimeZoneInfo.TryFindSystemTimeZoneById(id, out TimeZoneInfo? found))
        {
            zone = found;
            return true;
        }

        return false;
    }

    /// <summary>The first instant of a local day: midnight, or the first instant after a gap when midnight does not exist that day.</summary>
    public static DateTime StartOfDay(DateOnly day, TimeZoneInfo zone)
    {
        DateTime local = day.ToDateTime(TimeOnly.MinValue, DateTimeKind.Unspecified);
        while (zone.IsInvalidTime(local))
        {
            local = local.AddMinutes(1);
        }

        TimeSpan offset = zone.IsAmbiguousTime(local) ? Max(zone.GetAmbiguousTimeOffsets(local)) : zone.GetUtcOffset(local);
        return DateTime.SpecifyKind(local - offset, DateTimeKind.Utc);
    }

    /// <summary>The local day of an instant.</summary>
    public static DateOnly DayOf(DateTime utc, TimeZoneInfo zone) => DateOnly.FromDateTime(LocalTime(utc, zone));

    public static DateTime LocalTime(DateTime utc, TimeZoneInfo zone) => TimeZoneInfo.ConvertTimeFromUtc(DateTime.SpecifyKind(utc, DateTimeKind.Utc), zone);

    public static TimeSpan OffsetAt(DateTime utc, TimeZoneInfo zone) => zone.GetUtcOffset(DateTime.SpecifyKind(utc, DateTimeKind.Utc));

    /// <summary>The offsets in force over [start, end): the first at start, then one per change, found to the second.</summary>
    public static IReadOnlyList<UtcOffsetChange> Offsets(DateTime start, DateTime end, TimeZoneInfo zone)
    {
        var changes = new List<UtcOffsetChange> { new(start, Whole(OffsetAt(start, zone))) };
        TimeSpan step = TimeSpan.FromHours(6);
        DateTime probe = start;
        TimeSpan current = OffsetAt(start, zone);
        while (probe < end)
        {
            DateTime next = probe + step < end ? probe + step : end;
            TimeSpan offset = OffsetAt(next, zone);
            if (offset != current)
            {
                // One change per six hours at most: find its instant by halving.
                DateTime low = probe, high = next;
                while (high - low > TimeSpan.FromSeconds(1))
                {
                    DateTime middle = low + TimeSpan.FromTicks((high - low).Ticks / 2);
                    if (OffsetAt(middle, zone) == current)
                    {
                        low = middle;
                    }
                    else
                    {
                        high = middle;
                    }
                }

                high = new DateTime(high.Ticks - (high.Ticks % TimeSpan.TicksPerSecond), DateTimeKind.Utc);
                if (OffsetAt(high, zone) == current)
                {
                    high = high.AddSeconds(1);
                }

                if (high < end)
                {
                    changes.Add(new UtcOffsetChange(high, Whole(offset)));
                }

                current = offset;
            }

            probe = next;
        }

        return changes;
    }

    public static long UnixSeconds(DateTime utc) => (utc.Ticks - DateTime.UnixEpoch.Ticks) / TimeSpan.TicksPerSecond;

    public static DateTime FromUnixSeconds(long seconds) => DateTime.UnixEpoch.AddSeconds(seconds);

    /// <summary>The bucket number of an instant (see <see cref="TimeBucket"/>): exactly what stores compute.</summary>
    public static long BucketOf(TimeBucket bucket, DateTime utc, TimeZoneInfo zone)
    {
        long unix = FloorDiv(utc.Ticks - DateTime.UnixEpoch.Ticks, TimeSpan.TicksPerSecond);
        long local = unix + (long)Whole(OffsetAt(utc, zone)).TotalSeconds;
        return BucketOfLocal(bucket, unix, local);
    }

    public static long BucketOfLocal(TimeBucket bucket, long unix, long local)
    {
        long day = FloorDiv(local, SecondsPerDay);
        switch (bucket)
        {
            case TimeBucket.Hour:
                return unix - (local - (FloorDiv(local, 3600) * 3600));
            case TimeBucket.Day:
                return day;
            case TimeBucket.Week:
                return (FloorDiv(day + 3, 7) * 7) - 3;
            case TimeBucket.Month:
                DateOnly date = DateOnly.FromDayNumber(EpochDayNumber + (int)day);
                return (date.Year * 12L) + date.Month - 1;
            default:
                return 0;
        }
    }

    /// <summary>Every bucket that [start, end) touches, in order.</summary>
    public static List<long> Buckets(TimeBucket bucket, DateTime start, DateTime end, TimeZoneInfo zone)
    {
        var buckets = new List<long>();
        if (bucket == TimeBucket.None || end <= start)
        {
            return buckets;
        }

        if (bucket == TimeBucket.Hour)
        {
            // Local hours start on a quarter hour of UTC in every zone in use since 1980.
            long unix = UnixSeconds(start);
            long probe = FloorDiv(unix, 900) * 900;
            long last = long.MinValue;
            for (; probe < UnixSeconds(end); probe += 900)
            {
                long b = BucketOf(bucket, FromUnixSeconds(Math.Max(probe, unix)), zone);
                if (b != last)
                {
                    buckets.Add(b);
                    last = b;
                }
            }

            return buckets;
        }

        long first = BucketOf(bucket, start, zone);
        long final = BucketOf(bucket, end.AddTicks(-1), zone);
        for (long b = first; b <= final; b = Next(bucket, b))
        {
            buckets.Add(b);
        }

        return buckets;
    }

    private static long Next(TimeBucket bucket, long b) => bucket == TimeBucket.Week ? b + 7 : b + 1;

    /// <summary>How a bucket reads in a result row.</summary>
    public static string Label(TimeBucket bucket, long number, TimeZoneInfo zone)
    {
        switch (bucket)
        {
            case TimeBucket.Hour:
                DateTime utc = FromUnixSeconds(number);
                var local = new DateTimeOffset(DateTime.SpecifyKind(LocalTime(utc, zone), DateTimeKind.Unspecified), OffsetAt(utc, zone));
                return local.ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture);
            case TimeBucket.Month:
                return string.Create(CultureInfo.InvariantCulture, $"{number / 12:D4}-{(number % 12) + 1:D2}-01");
            default:
                return DateOnly.FromDayNumber(EpochDayNumber + (int)number).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        }
    }

    public static string Name(TimeBucket bucket) => bucket switch
    {
        TimeBucket.Hour => "hour",
        TimeBucket.Day => "day",
        TimeBucket.Week => "week",
        TimeBucket.Month => "month",
        _ => "none",
    };

    private static long FloorDiv(long a, long b) => a >= 0 ? a / b : ((a + 1) / b) - 1;

    private static TimeSpan Whole(TimeSpan offset) => TimeSpan.FromSeconds(Math.Round(offset.TotalSeconds));

    private static TimeSpan Max(TimeSpan[] offsets)
    {
        TimeSpan max = offsets[0];
        foreach (TimeSpan offset in offsets)
        {
            max = offset > max ? offset : max;
        }

        return max;
    }
}
