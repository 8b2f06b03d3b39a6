using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace ClickAnalytics.Enrichment.Repeats;

/// <summary>
/// The default repeat store for one process: the first click of each key within the window, in a
/// dictionary. Entries older than the window (by click time) are swept as clicks arrive, so memory
/// follows the number of distinct visitor/link pairs of the last window.
/// </summary>
internal sealed class InMemoryRepeatClickStore : IRepeatClickStore
{
    private const int SweepEvery = 4096;
    private readonly Dictionary<string, (Guid EventId, DateTimeOffset Timestamp)> _firsts = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private DateTimeOffset _latest;
    private int _sinceSweep;

    public ValueTask<IReadOnlyList<Guid?>> CheckAndRecordAsync(IReadOnlyList<RepeatCandidate> candidates, TimeSpan window, CancellationToken cancellationToken)
    {
        var results = new Guid?[candidates.Count];
        lock (_lock)
        {
            for (int i = 0; i < candidates.Count; i++)
            {
                RepeatCandidate candidate = candidates[i];
                if (candidate.Timestamp > _latest)
                {
                    _latest = candidate.Timestamp;
                }

                if (_firsts.TryGetValue(candidate.Key, out (Guid EventId, DateTimeOffset Timestamp) first))
                {
                    if (first.EventId == candidate.EventId)
                    {
                        continue;
                    }

                    if ((candidate.Timestamp - first.Timestamp).Duration() <= window)
                    {
                        // Also covers a click that arrives late with an earlier time than the first.
                        results[i] = first.EventId;
                        continue;
                    }

                    if (candidate.Timestamp < first.Timestamp)
                    {
                        // A late click from long before: it starts no window that newer clicks could fall in.
                        continue;
                    }
                }

                _firsts[candidate.Key] = (candidate.EventId, candidate.Timestamp);
                if (++_sinceSweep >= SweepEvery)
                {
                    Sweep(window);
                }
            }
        }

        return ValueTask.FromResult<IReadOnlyList<Guid?>>(results);
    }

    /// <summary>How many first clicks are remembered (for tests).</summary>
    internal int Count
    {
        get
        {
            lock (_lock)
            {
                return _firsts.Count;
            }
        }
    }

    private void Sweep(TimeSpan window)
    {
        _sinceSweep = 0;
        DateTimeOffset horizon = _latest - window;
        List<string>? expired = null;
        foreach (KeyValuePair<string, (Guid EventId, DateTimeOffset Timestamp)> pair in _firsts)
        {
            if (pair.Value.Timestamp < horizon)
            {
                (expired ??= []).Add(pair.Key);
            }
        }

        if (expired is not null)
        {
            foreach (string key in expired)
            {
                _firsts.Remove(key);
            }
        }
    }
}
