using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using ClickAnalytics.Storage;

namespace ClickAnalytics.Sinks.Redis.Tests.Support;

/// <summary>A store that keeps clicks by event id (so redeliveries collapse, as in the real stores) and counts writes.</summary>
internal sealed class CollectingSink : IClickSink
{
    private int _writes;
    private int _received;

    public ConcurrentDictionary<Guid, EnrichedClick> Clicks { get; } = new();

    /// <summary>Throws for a batch that contains a click this returns true for.</summary>
    public Func<ClickEvent, bool>? FailFor { get; set; }

    public int Writes => Volatile.Read(ref _writes);

    /// <summary>Clicks received, redeliveries included.</summary>
    public int Received => Volatile.Read(ref _received);

    public string Name => "collecting";

    public ValueTask WriteAsync(IReadOnlyList<EnrichedClick> clicks, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _writes);
        if (FailFor is { } failFor)
        {
            foreach (EnrichedClick click in clicks)
            {
                if (failFor(click.Click))
                {
                    throw new InvalidOperationException("poison click " + click.Click.EventId);
                }
            }
        }

        foreach (EnrichedClick click in clicks)
        {
            Clicks[click.Click.EventId] = click;
        }

        Interlocked.Add(ref _received, clicks.Count);
        return ValueTask.CompletedTask;
    }
}
