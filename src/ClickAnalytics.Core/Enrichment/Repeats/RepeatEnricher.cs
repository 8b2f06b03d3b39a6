using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Options;

namespace ClickAnalytics.Enrichment.Repeats;

/// <summary>
/// Marks a click as a repeat when the same visitor (visitor id) clicked the same link within the
/// window, with the first click's event id and the reason. Repeats are kept; queries leave them out
/// unless asked. Clicks without a visitor id cannot be compared and are never repeats.
/// </summary>
internal sealed class RepeatEnricher(IRepeatClickStore store, IOptions<RepeatOptions> options) : IClickEnricher
{
    private const int RecentHintCapacity = 4096;
    private const int PartSize = 1024;
    private readonly TimeSpan _window = options.Value.Window;
    private readonly bool _enabled = options.Value.Enabled;

    // First clicks that were prefetches or HEAD requests, so the navigation after them gets the
    // right reason. Only this process's; elsewhere the reason falls back to "within-window".
    private readonly HashSet<Guid> _recentHints = [];
    private readonly Queue<Guid> _recentHintOrder = new();
    private readonly Lock _hintLock = new();

    public string Name => EnrichmentStages.Repeats;

    public int Order => EnrichmentOrder.Repeats;

    public async ValueTask EnrichAsync(IReadOnlyList<EnrichedClick> clicks, CancellationToken cancellationToken)
    {
        if (!_enabled || clicks.Count == 0)
        {
            return;
        }

        // In parts, so that no list of a large batch lands on the large object heap (and brings on full collections).
        var candidates = new List<RepeatCandidate>(Math.Min(clicks.Count, PartSize));
        var offered = new List<EnrichedClick>(Math.Min(clicks.Count, PartSize));
        for (int start = 0; start < clicks.Count; start += PartSize)
        {
            candidates.Clear();
            offered.Clear();
            for (int i = start; i < Math.Min(start + PartSize, clicks.Count); i++)
            {
                EnrichedClick click = clicks[i];
                click.IsRepeat = false;
                click.RepeatOf = Guid.Empty;
                click.RepeatReason = "";
                if (click.VisitorId.Length == 0)
                {
                    continue;
                }

                // The visitor id is already a keyed hash scoped to the tenant; the link id is the host's own.
                candidates.Add(new RepeatCandidate(string.Concat(click.VisitorId, "/", click.Click.LinkId), click.Click.EventId, click.Click.Timestamp));
                offered.Add(click);
            }

            if (candidates.Count > 0)
            {
                IReadOnlyList<Guid?> firsts = await store.CheckAndRecordAsync(candidates, _window, cancellationToken).ConfigureAwait(false);
                Mark(offered, firsts);
            }
        }
    }

    private void Mark(List<EnrichedClick> offered, IReadOnlyList<Guid?> firsts)
    {
        lock (_hintLock)
        {
            for (int i = 0; i < offered.Count; i++)
            {
                EnrichedClick click = offered[i];
                if (firsts[i] is not { } first)
                {
                    if (IsHint(click.Click.Flags))
                    {
                        RememberHint(click.Click.EventId);
                    }

                    continue;
                }

                click.IsRepeat = true;
                click.RepeatOf = first;
                click.RepeatReason = Reason(click.Click.Flags, _recentHints.Contains(first));
            }
        }
    }

    private static string Reason(ClickFlags flags, bool firstWasHint) =>
        SpeculativeClicks.IsPrefetch(flags) ? RepeatReason.Prefetch
        : SpeculativeClicks.IsHead(flags) ? RepeatReason.HeadRequest
        : firstWasHint ? RepeatReason.AfterPrefetch
        : RepeatReason.WithinWindow;

    private static bool IsHint(ClickFlags flags) => SpeculativeClicks.IsSpeculative(flags);

    private void RememberHint(Guid eventId)
    {
        if (!_recentHints.Add(eventId))
        {
            return;
        }

        _recentHintOrder.Enqueue(eventId);
        if (_recentHintOrder.Count > RecentHintCapacity)
        {
            _recentHints.Remove(_recentHintOrder.Dequeue());
        }
    }
}
