using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace ClickAnalytics.Buffering;

/// <summary>
/// What a buffer offers so the processor can hold a batch through a store outage and give up only
/// the clicks a working store rejects: parts of a batch that it acknowledges or abandons on their
/// own, and a way to keep a held batch its own (a durable buffer would otherwise hand it to
/// another consumer once it looks idle).
/// </summary>
internal interface IClickBatchParts
{
    /// <summary>The clicks of <paramref name="batch"/> at <paramref name="positions"/> as a batch of their own.</summary>
    ClickBatch Part(ClickBatch batch, IReadOnlyList<int> positions);

    /// <summary>Says the batch is still being worked on.</summary>
    ValueTask RenewAsync(ClickBatch batch, CancellationToken cancellationToken);
}
