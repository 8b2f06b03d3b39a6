using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using ClickAnalytics.Storage;

namespace ClickAnalytics.Sample.Shortener;

/// <summary>
/// Used instead of the DuckDB sink when <c>Sample:DiscardClicks</c> is set: it counts the enriched
/// clicks it is handed and keeps none. The load harness uses it (<c>STORE=none</c>) to measure what
/// capture, buffering and enrichment cost without the store, and with <c>Sample:SkipEnrichment</c>
/// (<c>ENRICH=none</c>) what capture and buffering cost alone.
/// </summary>
internal sealed class DiscardingSink : IClickSink
{
    private long _clicks;
    private long _enriched;

    public string Name => "discard";

    /// <summary>Clicks handed to this sink since the process started.</summary>
    public long Clicks => Interlocked.Read(ref _clicks);

    /// <summary>Of those, the clicks the user-agent stage had filled (none with <c>Sample:SkipEnrichment</c>).</summary>
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
