using System;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using ClickAnalytics.Core.Tests.Enrichment.Support;
using ClickAnalytics.Core.Tests.Support;
using ClickAnalytics.Enrichment;
using ClickAnalytics.Enrichment.Privacy;
using ClickAnalytics.Enrichment.Repeats;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace ClickAnalytics.Core.Tests.Enrichment.Repeats;

public sealed class RepeatEnricherTests
{
    private PrivacyEnricher _privacy = null!;
    private RepeatEnricher _repeats = null!;

    [SetUp]
    public void Stages()
    {
        _privacy = new PrivacyEnricher(new InMemoryVisitorKeyStore(new FakeTimeProvider(Clicks.Noon)), Options.Create(new PrivacyOptions()));
        _repeats = new RepeatEnricher(new InMemoryRepeatClickStore(), Options.Create(new RepeatOptions()));
    }

    private void Run(params EnrichedClick[] clicks)
    {
        _privacy.Run(clicks);
        _repeats.Run(clicks);
    }

    [Test]
    public void A_second_click_within_the_window_is_a_repeat_of_the_first()
    {
        var first = Clicks.Make();
        var retry = Clicks.Make(at: Clicks.Noon.AddSeconds(2));

        Run(first, retry);

        Assert.Multiple(() =>
        {
            Assert.That((first.IsRepeat, first.RepeatOf, first.RepeatReason), Is.EqualTo((false, Guid.Empty, "")));
            Assert.That((retry.IsRepeat, retry.RepeatOf, retry.RepeatReason), Is.EqualTo((true, first.Click.EventId, RepeatReason.WithinWindow)));
        });
    }

    [Test]
    public void Repeats_are_found_across_batches()
    {
        var first = Clicks.Make();
        var later = Clicks.Make(at: Clicks.Noon.AddSeconds(29));

        Run(first);
        Run(later);

        Assert.That((later.IsRepeat, later.RepeatOf), Is.EqualTo((true, first.Click.EventId)));
    }

    [Test]
    public void In_a_batch_of_thousands_repeats_are_found_across_all_of_it()
    {
        // 1 200 visitors, each clicking three times: at positions v, 1 200 + v and 2 400 + v of one batch.
        const int Visitors = 1_200;
        EnrichedClick[] clicks = Enumerable.Range(0, 3 * Visitors)
            .Select(i => Clicks.Make(ip: $"203.0.{(i % Visitors) / 200}.{(i % Visitors) % 200}", at: Clicks.Noon.AddMilliseconds(i)))
            .ToArray();

        Run(clicks);

        Assert.Multiple(() =>
        {
            Assert.That(clicks.Take(Visitors).Count(c => c.IsRepeat), Is.Zero);
            Assert.That(clicks.Skip(Visitors).Select((c, i) => c.RepeatOf), Is.EqualTo(clicks.Take(Visitors).Concat(clicks.Take(Visitors)).Select(c => c.Click.EventId)));
        });
    }

    [Test]
    public void Outside_the_window_or_on_another_link_or_by_another_visitor_is_not_a_repeat()
    {
        var first = Clicks.Make();
        var muchLater = Clicks.Make(at: Clicks.Noon.AddSeconds(31));
        var otherLink = Clicks.Make(linkId: "other", at: Clicks.Noon.AddSeconds(1));
        var otherVisitor = Clicks.Make(ip: "203.0.113.99", at: Clicks.Noon.AddSeconds(1));
        var otherTenant = Clicks.Make(tenant: "t2", at: Clicks.Noon.AddSeconds(1));

        Run(first, muchLater, otherLink, otherVisitor, otherTenant);

        Assert.That(new[] { muchLater, otherLink, otherVisitor, otherTenant }.Select(c => c.IsRepeat), Is.All.False);
    }

    [Test]
    public void A_redelivered_click_keeps_its_verdict()
    {
        var first = Clicks.Make();
        var retry = Clicks.Make(at: Clicks.Noon.AddSeconds(3));
        Run(first, retry);

        EnrichedClick firstAgain = Clicks.Redeliver(first);
        EnrichedClick retryAgain = Clicks.Redeliver(retry);
        Run(firstAgain, retryAgain);

        Assert.Multiple(() =>
        {
            Assert.That(firstAgain.IsRepeat, Is.False, "the redelivered first click is not a repeat of itself");
            Assert.That((retryAgain.IsRepeat, retryAgain.RepeatOf), Is.EqualTo((true, first.Click.EventId)));
        });
    }

    [Test]
    public void Redelivery_within_one_batch_is_not_a_repeat()
    {
        var first = Clicks.Make();

        Run(first, Clicks.Redeliver(first));

        Assert.That(first.IsRepeat, Is.False);
    }

    [TestCase(ClickFlags.Prefetch, ClickFlags.None, RepeatReason.AfterPrefetch)]
    [TestCase(ClickFlags.Prerender, ClickFlags.None, RepeatReason.AfterPrefetch)]
    [TestCase(ClickFlags.HeadRequest, ClickFlags.None, RepeatReason.AfterPrefetch)]
    [TestCase(ClickFlags.None, ClickFlags.Prefetch, RepeatReason.Prefetch)]
    [TestCase(ClickFlags.None, ClickFlags.HeadRequest, RepeatReason.HeadRequest)]
    [TestCase(ClickFlags.QrCode, ClickFlags.QrCode, RepeatReason.WithinWindow)]
    public void The_reason_says_what_kind_of_repeat_it_is(ClickFlags firstFlags, ClickFlags secondFlags, string reason)
    {
        var first = Clicks.Make(flags: firstFlags);
        var second = Clicks.Make(flags: secondFlags, at: Clicks.Noon.AddMilliseconds(300));

        Run(first);
        Run(second);

        Assert.That((second.IsRepeat, second.RepeatReason), Is.EqualTo((true, reason)));
    }

    [Test]
    public void Clicks_without_a_visitor_id_are_never_repeats()
    {
        var a = Clicks.Make(ip: null);
        var b = Clicks.Make(ip: null, at: Clicks.Noon.AddSeconds(1));

        Run(a, b);

        Assert.That(b.IsRepeat, Is.False);
    }

    [Test]
    public void The_window_is_configurable_and_detection_can_be_turned_off()
    {
        var store = new InMemoryRepeatClickStore();
        var shortWindow = new RepeatEnricher(store, Options.Create(new RepeatOptions { Window = TimeSpan.FromSeconds(1) }));
        var off = new RepeatEnricher(new InMemoryRepeatClickStore(), Options.Create(new RepeatOptions { Enabled = false }));
        var a = Clicks.Make();
        var b = Clicks.Make(at: Clicks.Noon.AddSeconds(2));
        var c = Clicks.Make(at: Clicks.Noon.AddSeconds(2.5));
        _privacy.Run(a, b, c);

        shortWindow.Run(a, b, c);
        EnrichedClick[] again = [Clicks.Make(), Clicks.Make(at: Clicks.Noon.AddSeconds(0.5))];
        _privacy.Run(again);
        off.Run(again);
        off.Run(again);

        Assert.That(new[] { b.IsRepeat, c.IsRepeat }, Is.EqualTo(new[] { false, true }));
        Assert.That(again.Select(x => x.IsRepeat), Is.All.False);
    }

    [Test]
    public async Task The_pipeline_marks_repeats_by_default_and_keeps_them()
    {
        var sink = new RecordingSink();
        using var pipeline = new Pipeline(o => o.BatchSize = 3, sinks: sink);
        await pipeline.Processor.StartAsync(CancellationToken.None);

        for (int i = 0; i < 9; i++)
        {
            ClickEvent c = TestClicks.Create(i);
            pipeline.Writer.TryWrite(new ClickEvent
            {
                EventId = c.EventId,
                Timestamp = c.Timestamp,
                LinkId = i % 3 == 0 ? "a" : "b",
                ClientIp = c.ClientIp,
                UserAgent = "same browser",
                QueryString = c.QueryString,
            });
        }

        Eventually.True(() => sink.Stored == 9, "all clicks stored, repeats included");
        await pipeline.Processor.StopAsync(CancellationToken.None);

        var stored = sink.Batches.SelectMany(b => b).OrderBy(c => TestClicks.Number(c.Click)).ToList();
        Assert.That(stored.Select(c => c.IsRepeat), Is.EqualTo(new[] { false, false, true, true, true, true, true, true, true }));
        Assert.That(stored.Where(c => c.Click.LinkId == "a").Skip(1).Select(c => c.RepeatOf), Is.All.EqualTo(stored[0].Click.EventId));
    }

    [Test]
    public void A_store_registered_before_AddClickAnalytics_is_kept()
    {
        var services = new ServiceCollection();
        var custom = new InMemoryRepeatClickStore();
        services.AddSingleton<IRepeatClickStore>(custom);
        services.AddClickAnalytics();
        using ServiceProvider provider = services.BuildServiceProvider();

        Assert.That(provider.GetRequiredService<IRepeatClickStore>(), Is.SameAs(custom));
    }
}
