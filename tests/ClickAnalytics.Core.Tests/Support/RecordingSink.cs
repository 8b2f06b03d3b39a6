using System;
using System.Linq;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using ClickAnalytics;
using ClickAnalytics.Storage;

namespace ClickAnalytics.Core.Tests.Support;

/// <summary>A sink that keeps what it was given, and can be told to fail or to hang.</summary>
internal class RecordingSink(string name = "recording") : IClickSink
{
    private int _failuresLeft;

    public string Name { get; } = name;

    public ConcurrentQueue<IReadOnlyList<EnrichedClick>> Batches { get; } = new();

    public int Calls;

    public int Stored
    {
        get
        {
            int n = 0;
            foreach (IReadOnlyList<EnrichedClick> batch in Batches)
            {
                n += batch.Count;
            }

            return n;
        }
    }

    /// <summary>The next <paramref name="count"/> writes throw.</summary>
    public void FailNext(int count) => _failuresLeft = count;

    public volatile bool AlwaysFail;

    /// <summary>A batch holding a click this says yes to fails, as a store fails on a value it cannot take.</summary>
    public Func<EnrichedClick, bool>? Rejects { get; set; }

    /// <summary>When set, writes wait for it (or for cancellation).</summary>
    public TaskCompletionSource? Gate { get; set; }

    public async ValueTask WriteAsync(IReadOnlyList<EnrichedClick> clicks, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref Calls);
        if (Gate is { } gate)
        {
            await gate.Task.WaitAsync(cancellationToken);
        }

        if (AlwaysFail || Interlocked.Decrement(ref _failuresLeft) >= 0)
        {
            throw new InvalidOperationException($"{Name} is down");
        }

        if (Rejects is { } rejects && clicks.Any(rejects))
        {
            throw new FormatException($"{Name} cannot store one of these clicks");
        }

        Batches.Enqueue(clicks);
    }
}
