using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace ClickAnalytics.Storage;

/// <summary>
/// Where enriched clicks are written, a batch at a time. Several sinks can be registered; a batch
/// is acknowledged to the buffer only once every sink wrote it. A write that throws is retried
/// with backoff, so a sink should make a repeated write of the same batch harmless (stores
/// collapse clicks by <see cref="ClickEvent.EventId"/>).
/// </summary>
public interface IClickSink
{
    /// <summary>Name used in logs and metrics.</summary>
    string Name { get; }

    /// <summary>Writes the batch; returns when it is durable in this sink.</summary>
    ValueTask WriteAsync(IReadOnlyList<EnrichedClick> clicks, CancellationToken cancellationToken);
}
