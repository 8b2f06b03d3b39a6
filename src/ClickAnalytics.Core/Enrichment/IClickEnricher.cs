using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace ClickAnalytics.Enrichment;

/// <summary>
/// One enrichment stage. Stages run in ascending <see cref="Order"/> (see <see cref="EnrichmentOrder"/>)
/// on every batch before it is stored. A stage must not throw for bad input: it leaves the values
/// it cannot tell empty. If it throws anyway the processor logs it, counts it, and stores the batch
/// without that stage's values.
/// </summary>
public interface IClickEnricher
{
    /// <summary>Name used in logs and metrics.</summary>
    string Name { get; }

    /// <summary>Position in the pipeline; lower runs first.</summary>
    int Order { get; }

    /// <summary>Enriches every click of the batch in place.</summary>
    ValueTask EnrichAsync(IReadOnlyList<EnrichedClick> clicks, CancellationToken cancellationToken);
}

/// <summary>A stage that looks at one click at a time and needs no I/O.</summary>
public abstract class ClickEnricher : IClickEnricher
{
    /// <inheritdoc />
    public abstract string Name { get; }

    /// <inheritdoc />
    public abstract int Order { get; }

    /// <summary>Enriches one click in place.</summary>
    public abstract void Enrich(EnrichedClick click);

    /// <inheritdoc />
    public ValueTask EnrichAsync(IReadOnlyList<EnrichedClick> clicks, CancellationToken cancellationToken)
    {
        for (int i = 0; i < clicks.Count; i++)
        {
            Enrich(clicks[i]);
        }

        return ValueTask.CompletedTask;
    }
}

/// <summary>The documented order of the built-in stages; host stages default to <see cref="Custom"/>.</summary>
public static class EnrichmentOrder
{
    /// <summary>Bot and link-preview verdict.</summary>
    public const int Bot = 100;
    /// <summary>Browser, OS and device.</summary>
    public const int UserAgent = 200;
    /// <summary>IP to location.</summary>
    public const int Geo = 300;
    /// <summary>Referer host, medium and source.</summary>
    public const int Referer = 400;
    /// <summary>utm_* parameters and language.</summary>
    public const int Campaign = 500;
    /// <summary>Visitor id and stored IP.</summary>
    public const int Privacy = 600;
    /// <summary>Repeat clicks.</summary>
    public const int Repeats = 700;
    /// <summary>Host-supplied stages.</summary>
    public const int Custom = 1000;
}
