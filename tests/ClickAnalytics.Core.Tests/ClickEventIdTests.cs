using System;
using System.Collections.Concurrent;
using System.Threading.Tasks;
using ClickAnalytics;

namespace ClickAnalytics.Core.Tests;

public class ClickEventIdTests
{
    [Test]
    public void Ids_from_many_threads_in_the_same_millisecond_are_unique()
    {
        var timestamp = new DateTimeOffset(2026, 11, 1, 12, 0, 0, TimeSpan.Zero);
        var seen = new ConcurrentDictionary<Guid, byte>();
        Parallel.For(0, 200_000, _ => Assert.That(seen.TryAdd(ClickEventId.NewId(timestamp), 0), Is.True));
        Assert.That(seen, Has.Count.EqualTo(200_000));
    }

    [Test]
    public void Ids_are_version_7_and_sort_by_time()
    {
        var earlier = ClickEventId.NewId(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var later = ClickEventId.NewId(new DateTimeOffset(2026, 1, 1, 0, 0, 1, TimeSpan.Zero));
        Assert.Multiple(() =>
        {
            Assert.That(earlier.Version, Is.EqualTo(7));
            Assert.That(later.ToString("N")[..12], Is.GreaterThan(earlier.ToString("N")[..12]));
        });
    }
}
