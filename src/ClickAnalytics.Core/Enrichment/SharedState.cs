using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace ClickAnalytics.Enrichment;

/// <summary>
/// Holds the secret key of each UTC day from which visitor ids are derived. Every process that
/// enriches clicks must see the same key for a day (in-memory for one process, Redis or
/// configuration for several); keys older than 48 hours are destroyed.
/// </summary>
public interface IVisitorKeyStore
{
    /// <summary>The key of <paramref name="day"/>, created on first use.</summary>
    ValueTask<ReadOnlyMemory<byte>> GetDailyKeyAsync(DateOnly day, CancellationToken cancellationToken);
}

/// <summary>
/// Remembers the first click of each (visitor, link) for a short window, so later clicks in the
/// window are marked as repeats. Shared by every process that enriches clicks.
/// </summary>
public interface IRepeatClickStore
{
    /// <summary>
    /// For each candidate, in order: records it as the first click of its key when the key has
    /// none within <paramref name="window"/> and returns null; otherwise returns the event id of
    /// that first click. A candidate whose own event id is the recorded one (a redelivery) also
    /// gets null, so redelivered clicks never become repeats of themselves.
    /// </summary>
    ValueTask<IReadOnlyList<Guid?>> CheckAndRecordAsync(IReadOnlyList<RepeatCandidate> candidates, TimeSpan window, CancellationToken cancellationToken);
}

/// <summary>A click offered to <see cref="IRepeatClickStore"/>.</summary>
/// <param name="Key">Identifies visitor and link (already hashed; no personal data).</param>
/// <param name="EventId">The click's event id.</param>
/// <param name="Timestamp">When the click happened.</param>
public readonly record struct RepeatCandidate(string Key, Guid EventId, DateTimeOffset Timestamp);
