using System;
using System.Collections.Concurrent;
using System.Threading;

namespace ClickAnalytics.Enrichment.Campaigns;

/// <summary>
/// One string per distinct value for values that repeat across clicks (language codes, referer
/// hosts, campaign names), so a click costs no allocation for them. Bounded: past its capacity new
/// values are still returned, just not pooled. Safe for concurrent workers.
/// </summary>
internal sealed class StringPool
{
    private readonly ConcurrentDictionary<string, string> _values = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> _lookup;
    private readonly int _capacity;
    private int _count;

    public StringPool(int capacity)
    {
        _capacity = capacity;
        _lookup = _values.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    public string Get(ReadOnlySpan<char> value)
    {
        if (_lookup.TryGetValue(value, out string? pooled))
        {
            return pooled;
        }

        string created = value.ToString();
        if (Interlocked.Increment(ref _count) <= _capacity)
        {
            _values.TryAdd(created, created);
        }

        return created;
    }
}
