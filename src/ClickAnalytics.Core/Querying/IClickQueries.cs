using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace ClickAnalytics.Querying;

/// <summary>
/// Questions a dashboard asks of a store. Every implementation is parameterised and scopes by
/// <see cref="ClickQuery.TenantId"/> when it is set.
/// </summary>
public interface IClickQueries
{
    /// <summary>Clicks per UTC day in the range, one entry per day (zero for days without clicks), oldest first.</summary>
    Task<IReadOnlyList<DailyClicks>> GetDailyClicksAsync(ClickQuery query, CancellationToken cancellationToken = default);

    /// <summary>Clicks per link in the range, most clicked first.</summary>
    Task<IReadOnlyList<LinkClicks>> GetLinkTotalsAsync(ClickQuery query, CancellationToken cancellationToken = default);
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

    /// <summary>Throws <see cref="ArgumentException"/> for a range that is reversed or too long, or a bad limit.</summary>
    public void Validate()
    {
        if (To < From)
        {
            throw new ArgumentException($"The range ends ({To:yyyy-MM-dd}) before it starts ({From:yyyy-MM-dd}).");
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
