using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using ClickAnalytics.Storage;

namespace ClickAnalytics.Sample.Shortener;

/// <summary>
/// Used instead of the DuckDB sink when <c>Sample:DiscardClicks</c> is set: it counts the enriched
/// clicks it is handed and keeps none. The load harness uses it (<c>STORE=none</c>) to measure what
/// capture, buffering and enrichment cost without the store.
/// </summary>
internal sealed class DiscardingSink : IClickSink
{
    private long _clicks;

    public string Name => "discard";

    /// <summary>Clicks handed to this sink since the process started.</summary>
    public long Clicks => Interlocked.Read(ref _clicks);

    public ValueTask WriteAsync(IReadOnlyList<EnrichedClick> clicks, CancellationToken cancellationToken)
    {
        Interlocked.Add(ref _clicks, clicks.Count);
        return ValueTask.CompletedTask;
    }
}
