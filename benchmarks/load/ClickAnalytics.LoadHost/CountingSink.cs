using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using ClickAnalytics.Storage;

namespace ClickAnalytics.LoadHost;

/// <summary>
/// Stands in for the store with <c>Load:Store=none</c>: counts the enriched clicks and keeps none,
/// so a run without it against a run with it shows what the store itself costs. It also counts the
/// clicks the user-agent stage filled, which shows that <c>Load:Enrich=none</c> took effect.
/// </summary>
internal sealed class CountingSink : IClickSink
{
    private long _clicks;
    private long _enriched;

    public string Name => "count";

    public long Clicks => Interlocked.Read(ref _clicks);

    public long Enriched => Interlocked.Read(ref _enriched);

    public ValueTask WriteAsync(IReadOnlyList<EnrichedClick> clicks, CancellationToken cancellationToken)
    {
        int enriched = 0;
        for (int i = 0; i < clicks.Count; i++)
        {
            enriched += clicks[i].BrowserFamily.Length > 0 ? 1 : 0;
        }

        Interlocked.Add(ref _clicks, clicks.Count);
        Interlocked.Add(ref _enriched, enriched);
        return ValueTask.CompletedTask;
    }
}
