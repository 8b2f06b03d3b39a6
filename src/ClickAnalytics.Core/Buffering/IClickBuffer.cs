using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace ClickAnalytics.Buffering;

/// <summary>
/// The producer half of the buffer, called on the redirect path. It never blocks and never throws;
/// a click it cannot take is counted as dropped with its reason.
/// </summary>
public interface IClickBufferWriter
{
    /// <summary>Hands a click to the buffer. Returns whether the buffer took it.</summary>
    bool TryWrite(ClickEvent click);
}

/// <summary>
/// The consumer half of the buffer, used by the processor. A batch is acknowledged once every sink
/// has stored it; until then a durable buffer keeps it for redelivery.
/// </summary>
public interface IClickBufferReader
{
    /// <summary>
    /// Waits for the next batch: returns once <paramref name="maxSize"/> clicks are there, or
    /// <paramref name="maxWait"/> after the first click of the batch arrived, whichever comes first.
    /// Returns null once the buffer is completed and empty.
    /// </summary>
    ValueTask<ClickBatch?> ReadBatchAsync(int maxSize, TimeSpan maxWait, CancellationToken cancellationToken);

    /// <summary>Confirms that every sink stored the batch.</summary>
    ValueTask AcknowledgeAsync(ClickBatch batch, CancellationToken cancellationToken);

    /// <summary>
    /// Gives a batch back that could not be stored. A durable buffer keeps it for redelivery (and
    /// dead-letters it after too many tries); the in-process buffer cannot, so the clicks are counted as failed.
    /// Returns whether the clicks are still held somewhere (true) or lost (false).
    /// </summary>
    ValueTask<bool> AbandonAsync(ClickBatch batch, Exception error, CancellationToken cancellationToken);

    /// <summary>Stops the reader from waiting for more clicks: reads return what is left, then null.</summary>
    void Complete();

    /// <summary>How many clicks are waiting in this process (not yet handed out in a batch).</summary>
    long Count { get; }
}

/// <summary>A batch of captured clicks handed to the processor.</summary>
public sealed class ClickBatch
{
    /// <summary>Creates a batch.</summary>
    /// <param name="clicks">The clicks.</param>
    /// <param name="state">Whatever the buffer needs to acknowledge the batch later (for example stream entry ids).</param>
    public ClickBatch(IReadOnlyList<ClickEvent> clicks, object? state = null)
    {
        ArgumentNullException.ThrowIfNull(clicks);
        Clicks = clicks;
        State = state;
    }

    /// <summary>The clicks, in arrival order.</summary>
    public IReadOnlyList<ClickEvent> Clicks { get; }

    /// <summary>Owned by the buffer that produced the batch.</summary>
    public object? State { get; }
}
