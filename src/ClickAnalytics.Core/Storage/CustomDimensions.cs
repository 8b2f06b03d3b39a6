using System;
using System.Collections.Generic;

namespace ClickAnalytics.Storage;

/// <summary>
/// Which custom dimension columns a batch needs that a store does not have yet. Every store asks
/// this before it writes a batch, then adds the columns it is told about; most batches carry no
/// custom dimension at all, so the common answer costs no allocation.
/// </summary>
internal static class CustomDimensions
{
    /// <summary>
    /// The names of custom dimensions set on clicks of <paramref name="clicks"/> that are not in
    /// <paramref name="known"/>, each once, in the order they first appear; empty when there are none.
    /// Each name is checked with <see cref="ClickSchema.ValidateDimensionName"/>, so a store may use it
    /// as a column name without quoting.
    /// </summary>
    /// <exception cref="ArgumentException">A name is not a valid dimension name.</exception>
    public static IReadOnlyList<string> Missing(IReadOnlyList<EnrichedClick> clicks, IReadOnlySet<string> known)
    {
        ArgumentNullException.ThrowIfNull(clicks);
        ArgumentNullException.ThrowIfNull(known);

        List<string>? missing = null;
        for (int i = 0; i < clicks.Count; i++)
        {
            IReadOnlyDictionary<string, string> dimensions = clicks[i].Dimensions;
            // Most clicks have none; enumerating their (empty) keys would still allocate an enumerator each.
            if (dimensions.Count == 0)
            {
                continue;
            }

            foreach (string name in dimensions.Keys)
            {
                if (known.Contains(name) || (missing is not null && missing.Contains(name)))
                {
                    continue;
                }

                ClickSchema.ValidateDimensionName(name);
                (missing ??= []).Add(name);
            }
        }

        return missing ?? (IReadOnlyList<string>)[];
    }
}
