using System;
using System.Threading;
using System.Threading.Tasks;
using ClickAnalytics.Core.Tests.Enrichment.Support;
using ClickAnalytics.Enrichment.Privacy;
using Microsoft.Extensions.Time.Testing;

namespace ClickAnalytics.Core.Tests.Enrichment.Privacy;

public sealed class VisitorKeyStoreTests
{
    private static readonly DateOnly Today = DateOnly.FromDateTime(Clicks.Noon.UtcDateTime);

    [Test]
    public async Task Each_utc_day_has_its_own_random_key_stable_within_the_day()
    {
        var time = new FakeTimeProvider(Clicks.Noon);
        var store = new InMemoryVisitorKeyStore(time);

        byte[] first = (await store.GetDailyKeyAsync(Today, CancellationToken.None)).ToArray();
        time.Advance(TimeSpan.FromHours(11));
        byte[] again = (await store.GetDailyKeyAsync(Today, CancellationToken.None)).ToArray();
        time.Advance(TimeSpan.FromHours(1));
        byte[] tomorrow = (await store.GetDailyKeyAsync(Today.AddDays(1), CancellationToken.None)).ToArray();

        Assert.Multiple(() =>
        {
            Assert.That(first, Has.Length.EqualTo(32));
            Assert.That(again, Is.EqualTo(first));
            Assert.That(tomorrow, Is.Not.EqualTo(first));
            Assert.That(new InMemoryVisitorKeyStore(time).GetDailyKeyAsync(Today, CancellationToken.None).Result.ToArray(), Is.Not.EqualTo(first), "keys are random, not derived");
        });
    }

    [Test]
    public async Task Keys_are_destroyed_48_hours_after_their_day_began()
    {
        var time = new FakeTimeProvider(Clicks.Noon);
        var store = new InMemoryVisitorKeyStore(time);
        byte[] key = (await store.GetDailyKeyAsync(Today, CancellationToken.None)).ToArray();
        var dayStart = new DateTimeOffset(Today.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);

        time.SetUtcNow(dayStart.AddHours(48).AddTicks(-1));
        byte[] lastMoment = (await store.GetDailyKeyAsync(Today, CancellationToken.None)).ToArray();
        int countBefore = store.Count;

        time.SetUtcNow(dayStart.AddHours(48));
        ReadOnlyMemory<byte> afterwards = await store.GetDailyKeyAsync(Today, CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(lastMoment, Is.EqualTo(key));
            Assert.That(countBefore, Is.EqualTo(1));
            Assert.That(afterwards.IsEmpty, Is.True, "a destroyed key is never created again");
            Assert.That(store.Count, Is.Zero);
        });
    }

    [Test]
    public async Task Returned_keys_are_copies_that_outlive_destruction_unchanged()
    {
        var time = new FakeTimeProvider(Clicks.Noon);
        var store = new InMemoryVisitorKeyStore(time);
        ReadOnlyMemory<byte> held = await store.GetDailyKeyAsync(Today, CancellationToken.None);
        byte[] copy = held.ToArray();

        time.Advance(TimeSpan.FromDays(3));
        _ = store.Count;

        Assert.That(held.ToArray(), Is.EqualTo(copy));
        Assert.That(copy, Has.Some.Not.EqualTo((byte)0));
    }

    [Test]
    public async Task Days_far_in_the_future_get_no_key()
    {
        var store = new InMemoryVisitorKeyStore(new FakeTimeProvider(Clicks.Noon));

        ReadOnlyMemory<byte> key = await store.GetDailyKeyAsync(Today.AddDays(5), CancellationToken.None);

        Assert.That(key.IsEmpty, Is.True);
    }

    [Test]
    public async Task Derived_keys_agree_across_processes_with_the_same_secret_only()
    {
        var time = new FakeTimeProvider(Clicks.Noon);
        byte[] secret = new byte[32];
        secret[0] = 1;
        byte[] other = new byte[32];
        other[0] = 2;

        byte[] a = (await new DerivedVisitorKeyStore(secret, time).GetDailyKeyAsync(Today, CancellationToken.None)).ToArray();
        byte[] b = (await new DerivedVisitorKeyStore(secret, time).GetDailyKeyAsync(Today, CancellationToken.None)).ToArray();
        byte[] c = (await new DerivedVisitorKeyStore(other, time).GetDailyKeyAsync(Today, CancellationToken.None)).ToArray();
        byte[] d = (await new DerivedVisitorKeyStore(secret, time).GetDailyKeyAsync(Today.AddDays(-1), CancellationToken.None)).ToArray();
        time.Advance(TimeSpan.FromDays(2));
        ReadOnlyMemory<byte> expired = await new DerivedVisitorKeyStore(secret, time).GetDailyKeyAsync(Today, CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(b, Is.EqualTo(a));
            Assert.That(c, Is.Not.EqualTo(a));
            Assert.That(d, Is.Not.EqualTo(a));
            Assert.That(expired.IsEmpty, Is.True);
        });
    }
}
