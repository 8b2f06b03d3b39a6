using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using ClickAnalytics.Core.Tests.Enrichment.Support;
using ClickAnalytics.Enrichment;
using ClickAnalytics.Enrichment.Repeats;

namespace ClickAnalytics.Core.Tests.Enrichment.Repeats;

public sealed class InMemoryRepeatClickStoreTests
{
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(30);

    private static RepeatCandidate Candidate(string key, double seconds, Guid? id = null) =>
        new(key, id ?? Guid.NewGuid(), Clicks.Noon.AddSeconds(seconds));

    private static IReadOnlyList<Guid?> Check(InMemoryRepeatClickStore store, params RepeatCandidate[] candidates) =>
        store.CheckAndRecordAsync(candidates, Window, CancellationToken.None).AsTask().GetAwaiter().GetResult();

    [Test]
    public void Later_clicks_within_the_window_repeat_the_first()
    {
        var store = new InMemoryRepeatClickStore();
        RepeatCandidate first = Candidate("v/link", 0);

        IReadOnlyList<Guid?> results = Check(store, first, Candidate("v/link", 1), Candidate("v/link", 30), Candidate("other/link", 2));

        Assert.That(results, Is.EqualTo(new Guid?[] { null, first.EventId, first.EventId, null }));
    }

    [Test]
    public void After_the_window_a_click_starts_a_new_window()
    {
        var store = new InMemoryRepeatClickStore();
        RepeatCandidate first = Candidate("v/link", 0);
        RepeatCandidate second = Candidate("v/link", 31);

        IReadOnlyList<Guid?> results = Check(store, first, second, Candidate("v/link", 40));

        Assert.That(results, Is.EqualTo(new Guid?[] { null, null, second.EventId }));
    }

    [Test]
    public void A_redelivered_first_click_is_not_a_repeat_of_itself()
    {
        var store = new InMemoryRepeatClickStore();
        RepeatCandidate first = Candidate("v/link", 0);

        Check(store, first);
        IReadOnlyList<Guid?> redelivered = Check(store, first);

        Assert.That(redelivered, Is.EqualTo(new Guid?[] { null }));
    }

    [Test]
    public void A_late_click_from_long_before_does_not_replace_the_newer_first()
    {
        var store = new InMemoryRepeatClickStore();
        RepeatCandidate first = Candidate("v/link", 100);

        IReadOnlyList<Guid?> results = Check(store, first, Candidate("v/link", 0), Candidate("v/link", 110));

        Assert.That(results, Is.EqualTo(new Guid?[] { null, null, first.EventId }));
    }

    [Test]
    public void Old_entries_are_swept_as_clicks_arrive()
    {
        var store = new InMemoryRepeatClickStore();
        Check(store, Enumerable.Range(0, 3000).Select(i => Candidate("old-" + i, 0)).ToArray());

        Check(store, Enumerable.Range(0, 3000).Select(i => Candidate("new-" + i, 120)).ToArray());

        Assert.That(store.Count, Is.LessThanOrEqualTo(3000 + 4096 - 3000), "the old keys went once a sweep ran");
        Assert.That(store.Count, Is.GreaterThanOrEqualTo(3000 - 4096 + 3000));
    }

    [Test]
    public async Task Concurrent_clicks_on_one_key_elect_exactly_one_first()
    {
        var store = new InMemoryRepeatClickStore();
        const int threads = 8, perThread = 500;
        var results = new List<Guid?>[threads];

        await Task.WhenAll(Enumerable.Range(0, threads).Select(t => Task.Run(async () =>
        {
            results[t] = [];
            for (int i = 0; i < perThread; i++)
            {
                IReadOnlyList<Guid?> r = await store.CheckAndRecordAsync([Candidate("v/link", i * 0.001)], Window, CancellationToken.None);
                results[t].Add(r[0]);
            }
        })));

        List<Guid?> all = results.SelectMany(r => r).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(all.Count(r => r is null), Is.EqualTo(1));
            Assert.That(all.Where(r => r is not null).Distinct().Count(), Is.EqualTo(1));
        });
    }
}
