using System;
using System.Linq;
using System.Net;
using System.Threading;
using System.Threading.Tasks;
using ClickAnalytics.Core.Tests.Enrichment.Support;
using ClickAnalytics.Core.Tests.Support;
using ClickAnalytics.Enrichment;
using ClickAnalytics.Enrichment.Privacy;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace ClickAnalytics.Core.Tests.Enrichment.Privacy;

public sealed class PrivacyEnricherTests
{
    private FakeTimeProvider _time = null!;

    [SetUp]
    public void Clock() => _time = new FakeTimeProvider(Clicks.Noon);

    private PrivacyEnricher Enricher(IpStorage storage = IpStorage.None, IVisitorKeyStore? keys = null) =>
        new(keys ?? new InMemoryVisitorKeyStore(_time), Options.Create(new PrivacyOptions { IpStorage = storage }));

    [Test]
    public async Task By_default_the_raw_ip_is_not_stored_and_the_visitor_id_is_a_hash()
    {
        var sink = new RecordingSink();
        using var pipeline = new Pipeline(sinks: sink);
        await pipeline.Processor.StartAsync(CancellationToken.None);

        pipeline.Writer.TryWrite(TestClicks.Create(1));
        Eventually.True(() => sink.Stored == 1, "the click is stored");
        await pipeline.Processor.StopAsync(CancellationToken.None);

        EnrichedClick click = sink.Batches.Single().Single();
        Assert.Multiple(() =>
        {
            Assert.That(click.StoredIp, Is.Empty);
            Assert.That(click.VisitorId, Does.Match("^[0-9a-f]{32}$"));
            Assert.That(click.VisitorId, Does.Not.Contain("198.51.100.7"));
        });
    }

    [TestCase("203.0.113.9")]
    [TestCase("::ffff:203.0.113.9")]
    public void The_visitor_id_is_the_siphash_of_ip_user_agent_and_tenant_under_the_days_key(string ip)
    {
        // Expected value from an independent implementation: the message 203 0 113 9, 0, the
        // User-Agent, 0, "acme" under the key's first 16 bytes (00..0f), by
        // openssl mac -macopt hexkey:000102030405060708090a0b0c0d0e0f -macopt size:16 -in FILE SIPHASH
        var click = Clicks.Make(ip: ip, userAgent: "Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0", tenant: "acme");

        Enricher(keys: new FixedKeyStore(Enumerable.Range(0, 32).Select(i => (byte)i).ToArray())).Run(click);

        Assert.That(click.VisitorId, Is.EqualTo("50a8d5abf73d6f8f9280226343419c8e"));
    }

    private sealed class FixedKeyStore(byte[] key) : IVisitorKeyStore
    {
        public ValueTask<ReadOnlyMemory<byte>> GetDailyKeyAsync(DateOnly day, CancellationToken cancellationToken) =>
            ValueTask.FromResult<ReadOnlyMemory<byte>>(key);
    }

    [TestCase("203.0.113.77", IpStorage.Truncated, "203.0.113.0")]
    [TestCase("2001:db8:1234:5678:9abc::1", IpStorage.Truncated, "2001:db8:1234::")]
    [TestCase("::ffff:203.0.113.77", IpStorage.Truncated, "203.0.113.0")]
    [TestCase("203.0.113.77", IpStorage.Full, "203.0.113.77")]
    [TestCase("::ffff:203.0.113.77", IpStorage.Full, "203.0.113.77")]
    [TestCase("2001:db8::1", IpStorage.Full, "2001:db8::1")]
    [TestCase("203.0.113.77", IpStorage.None, "")]
    public void Stored_ip_follows_the_policy(string ip, IpStorage storage, string expected)
    {
        var click = Clicks.Make(ip: ip);

        Enricher(storage).Run(click);

        Assert.That(click.StoredIp, Is.EqualTo(expected));
    }

    [Test]
    public void Same_visitor_same_day_same_tenant_gets_the_same_id()
    {
        PrivacyEnricher privacy = Enricher();
        var morning = Clicks.Make(at: Clicks.Noon.AddHours(-11));
        var evening = Clicks.Make(at: Clicks.Noon.AddHours(11));

        privacy.Run(morning);
        privacy.Run(evening);

        Assert.That(evening.VisitorId, Is.EqualTo(morning.VisitorId).And.Not.Empty);
    }

    [Test]
    public void Ids_differ_across_tenants_user_agents_and_addresses()
    {
        PrivacyEnricher privacy = Enricher();
        EnrichedClick[] clicks =
        [
            Clicks.Make(tenant: "a"),
            Clicks.Make(tenant: "b"),
            Clicks.Make(tenant: null),
            Clicks.Make(tenant: "a", userAgent: "curl/8.0"),
            Clicks.Make(tenant: "a", ip: "203.0.113.8"),
            Clicks.Make(tenant: "a", ip: "::ffff:203.0.113.8"),
        ];

        privacy.Run(clicks);

        Assert.That(clicks.Take(5).Select(c => c.VisitorId), Is.Unique);
        Assert.That(clicks[5].VisitorId, Is.EqualTo(clicks[4].VisitorId), "an IPv4-mapped address is the same visitor as the IPv4 one");
    }

    [Test]
    public void Fields_cannot_run_into_each_other()
    {
        PrivacyEnricher privacy = Enricher();
        var a = Clicks.Make(userAgent: "ab", tenant: "c");
        var b = Clicks.Make(userAgent: "a", tenant: "bc");

        privacy.Run(a, b);

        Assert.That(a.VisitorId, Is.Not.EqualTo(b.VisitorId));
    }

    [Test]
    public void Ids_differ_across_utc_days_because_the_key_rotates()
    {
        PrivacyEnricher privacy = Enricher();
        var today = Clicks.Make(at: Clicks.Noon);
        privacy.Run(today);

        _time.Advance(TimeSpan.FromDays(1));
        var tomorrow = Clicks.Make(at: Clicks.Noon.AddDays(1));
        var lateFromYesterday = Clicks.Make(at: Clicks.Noon.AddMinutes(1));
        privacy.Run(tomorrow, lateFromYesterday);

        Assert.Multiple(() =>
        {
            Assert.That(tomorrow.VisitorId, Is.Not.EqualTo(today.VisitorId).And.Not.Empty);
            Assert.That(lateFromYesterday.VisitorId, Is.EqualTo(today.VisitorId), "a late click of yesterday still uses yesterday's key");
        });
    }

    [Test]
    public void Clicks_whose_key_is_destroyed_get_no_id()
    {
        PrivacyEnricher privacy = Enricher();
        _time.Advance(TimeSpan.FromDays(3));
        var old = Clicks.Make(at: Clicks.Noon);

        privacy.Run(old);

        Assert.That(old.VisitorId, Is.Empty);
    }

    [Test]
    public void A_click_without_an_address_gets_no_id()
    {
        var click = Clicks.Make(ip: null);

        Enricher(IpStorage.Full).Run(click);

        Assert.That((click.VisitorId, click.StoredIp), Is.EqualTo(("", "")));
    }

    [Test]
    public void A_huge_user_agent_is_hashed_without_an_exception()
    {
        var click = Clicks.Make(userAgent: new string('é', 50_000));

        Enricher().Run(click);

        Assert.That(click.VisitorId, Has.Length.EqualTo(32));
    }

    [Test]
    public void Visitor_ids_can_be_turned_off()
    {
        var click = Clicks.Make();
        var privacy = new PrivacyEnricher(new InMemoryVisitorKeyStore(_time), Options.Create(new PrivacyOptions { VisitorIds = false }));

        privacy.Run(click);

        Assert.That(click.VisitorId, Is.Empty);
    }

    [Test]
    public void Registration_uses_the_derived_store_when_a_shared_secret_is_configured()
    {
        string secret = Convert.ToBase64String(new byte[32]);
        var services = new ServiceCollection();
        services.AddClickAnalytics();
        services.Configure<PrivacyOptions>(o => o.SharedKeySecret = secret);
        using ServiceProvider provider = services.BuildServiceProvider();

        Assert.That(provider.GetRequiredService<IVisitorKeyStore>(), Is.TypeOf<DerivedVisitorKeyStore>());
    }

    [TestCase("not base64!")]
    [TestCase("c2hvcnQ=")]
    public void A_bad_shared_secret_fails_validation(string secret)
    {
        var services = new ServiceCollection();
        services.AddClickAnalytics();
        services.Configure<PrivacyOptions>(o => o.SharedKeySecret = secret);
        using ServiceProvider provider = services.BuildServiceProvider();

        Assert.Throws<OptionsValidationException>(() => _ = provider.GetRequiredService<IOptions<PrivacyOptions>>().Value);
    }
}
