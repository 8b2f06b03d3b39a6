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

/// <summary>
/// The documented order of the built-in stages; host stages default to <see cref="Custom"/>. Each
/// stage reads only what capture recorded and what earlier stages wrote (the README's table of
/// stages lists both), so a host stage placed after <see cref="Repeats"/> sees every built-in value.
/// </summary>
public static class EnrichmentOrder
{
    /// <summary>Bot and link-preview verdict (parses the user agent and keeps the parse for the next stage).</summary>
    public const int Bot = 100;
    /// <summary>Browser, OS and device (from the bot stage's parse).</summary>
    public const int UserAgent = 200;
    /// <summary>IP to location.</summary>
    public const int Geo = 300;
    /// <summary>utm_* parameters and language.</summary>
    public const int Campaign = 400;
    /// <summary>Referer host, medium and source (a paid utm_medium from the campaign stage makes the medium paid).</summary>
    public const int Referer = 500;
    /// <summary>Visitor id and stored IP.</summary>
    public const int Privacy = 600;
    /// <summary>Repeat clicks (by the privacy stage's visitor id).</summary>
    public const int Repeats = 700;
    /// <summary>Host-supplied stages.</summary>
    public const int Custom = 1000;
}

/// <summary>The names of the built-in stages, for <c>RemoveEnricher(name)</c>, logs and metrics.</summary>
public static class EnrichmentStages
{
    /// <summary>Bot and link-preview verdict.</summary>
    public const string Bot = "bot";
    /// <summary>Browser, OS and device.</summary>
    public const string UserAgent = "user-agent";
    /// <summary>IP to location.</summary>
    public const string Geo = "geo";
    /// <summary>utm_* parameters.</summary>
    public const string Campaign = "campaign";
    /// <summary>Preferred language.</summary>
    public const string Language = "language";
    /// <summary>Referer host, medium and source.</summary>
    public const string Referer = "referer";
    /// <summary>Visitor id and stored IP.</summary>
    public const string Privacy = "privacy";
    /// <summary>Repeat clicks.</summary>
    public const string Repeats = "repeats";
}
