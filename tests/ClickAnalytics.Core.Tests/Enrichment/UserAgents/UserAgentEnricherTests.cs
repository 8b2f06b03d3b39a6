using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using ClickAnalytics.Core.Tests.Support;
using ClickAnalytics.Enrichment;
using ClickAnalytics.Enrichment.UserAgents;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace ClickAnalytics.Core.Tests.Enrichment.UserAgents;

/// <summary>The bot and user-agent stages as AddClickAnalytics() registers them.</summary>
[TestFixture]
public sealed class UserAgentEnricherTests
{
    private const string Iphone = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1.2 Mobile/15E148 Safari/604.1";

    private static ServiceProvider Build(Dictionary<string, string?>? settings = null)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings ?? []).Build());
        services.AddClickAnalytics();
        services.AddClickAnalytics();
        return services.BuildServiceProvider();
    }

    private static EnrichedClick Click(int n, string? userAgent, ClickFlags flags = ClickFlags.None)
    {
        ClickEvent raw = TestClicks.Create(n);
        return new EnrichedClick(new ClickEvent
        {
            EventId = raw.EventId,
            Timestamp = raw.Timestamp,
            LinkId = raw.LinkId,
            UserAgent = userAgent,
            Flags = flags,
        });
    }

    private static async Task<EnrichedClick> EnrichAsync(IServiceProvider services, string? userAgent, ClickFlags flags = ClickFlags.None)
    {
        EnrichedClick click = Click(1, userAgent, flags);
        await RunStagesAsync(services, [click]);
        return click;
    }

    /// <summary>Runs every registered stage over <paramref name="batch"/> in the processor's order.</summary>
    private static async Task RunStagesAsync(IServiceProvider services, IReadOnlyList<EnrichedClick> batch)
    {
        var stages = new List<IClickEnricher>(services.GetServices<IClickEnricher>());
        stages.Sort(static (a, b) => a.Order.CompareTo(b.Order));
        foreach (IClickEnricher stage in stages)
        {
            await stage.EnrichAsync(batch, CancellationToken.None);
        }
    }

    [Test]
    public void BothStagesAreRegisteredOnceInTheirOrder()
    {
        using ServiceProvider services = Build();
        var names = new Dictionary<string, int>();
        foreach (IClickEnricher stage in services.GetServices<IClickEnricher>())
        {
            names[stage.Name] = names.GetValueOrDefault(stage.Name) + 1;
            if (stage.Name == "bot")
            {
                Assert.That(stage.Order, Is.EqualTo(EnrichmentOrder.Bot));
            }

            if (stage.Name == "user-agent")
            {
                Assert.That(stage.Order, Is.EqualTo(EnrichmentOrder.UserAgent));
            }
        }

        Assert.That(names.GetValueOrDefault("bot"), Is.EqualTo(1));
        Assert.That(names.GetValueOrDefault("user-agent"), Is.EqualTo(1));
        UserAgentParser parser = services.GetRequiredService<UserAgentParser>();
        Assert.That(services.GetRequiredService<UserAgentParser>(), Is.SameAs(parser));
    }

    [Test]
    public async Task FillsBrowserOsDeviceAndVerdict()
    {
        using ServiceProvider services = Build();
        EnrichedClick click = await EnrichAsync(services, Iphone);
        Assert.Multiple(() =>
        {
            Assert.That(click.BrowserFamily, Is.EqualTo("Mobile Safari"));
            Assert.That(click.BrowserMajor, Is.EqualTo("17"));
            Assert.That(click.OsFamily, Is.EqualTo("iOS"));
            Assert.That(click.OsMajor, Is.EqualTo("17"));
            Assert.That(click.DeviceFamily, Is.EqualTo("iPhone"));
            Assert.That(click.DeviceBrand, Is.EqualTo("Apple"));
            Assert.That(click.DeviceType, Is.EqualTo(DeviceType.Mobile));
            Assert.That(click.IsBot, Is.False);
            Assert.That(click.BotClass, Is.EqualTo(BotClass.Human));
        });
    }

    [Test]
    public async Task InABatchOfMixedAgentsEachClickGetsTheParseOfItsOwnAgent()
    {
        // The first stage keeps its parse on the click for the second; it must never be another click's.
        string?[] agents = [Iphone, "curl/8.5.0", null, "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", Iphone, "curl/8.5.0"];
        using ServiceProvider services = Build();
        var batch = new List<EnrichedClick>();
        for (int i = 0; i < agents.Length; i++)
        {
            batch.Add(Click(i + 1, agents[i]));
        }

        await RunStagesAsync(services, batch);

        for (int i = 0; i < agents.Length; i++)
        {
            EnrichedClick alone = await EnrichAsync(services, agents[i]);
            Assert.That(
                (batch[i].BrowserFamily, batch[i].OsFamily, batch[i].DeviceType, batch[i].BotClass, batch[i].BotReasons),
                Is.EqualTo((alone.BrowserFamily, alone.OsFamily, alone.DeviceType, alone.BotClass, alone.BotReasons)),
                $"click {i} ({agents[i] ?? "no user agent"})");
        }

        Assert.That(batch.ConvertAll(c => c.BotClass), Is.EqualTo(new[] { BotClass.Human, BotClass.HttpLibrary, BotClass.HttpLibrary, BotClass.Crawler, BotClass.Human, BotClass.HttpLibrary }));
    }

    [TestCase(ClickFlags.Prefetch, BotClass.Prefetch, "prefetch-header")]
    [TestCase(ClickFlags.Prerender, BotClass.Prefetch, "prerender-header")]
    [TestCase(ClickFlags.HeadRequest, BotClass.LinkPreview, "head-request")]
    public async Task RequestFactsMakeAHumanAgentABot(ClickFlags flags, string expectedClass, string expectedReason)
    {
        using ServiceProvider services = Build();
        EnrichedClick click = await EnrichAsync(services, Iphone, flags);
        Assert.Multiple(() =>
        {
            Assert.That(click.IsBot, Is.True);
            Assert.That(click.BotClass, Is.EqualTo(expectedClass));
            Assert.That(click.BotReasons, Is.EqualTo(expectedReason));
            Assert.That(click.DeviceType, Is.EqualTo(DeviceType.Mobile), "a prefetch still comes from the person's device");
        });
    }

    [Test]
    public async Task HeadFromAnHttpLibraryKeepsItsClassAndAddsTheReason()
    {
        using ServiceProvider services = Build();
        EnrichedClick click = await EnrichAsync(services, "curl/8.5.0", ClickFlags.HeadRequest);
        Assert.That(click.BotClass, Is.EqualTo(BotClass.HttpLibrary));
        Assert.That(click.BotReasons, Does.StartWith("http-library:curl/,").And.EndWith(",head-request"));
    }

    [Test]
    public async Task MissingUserAgentIsAnHttpLibraryNotAnError()
    {
        using ServiceProvider services = Build();
        EnrichedClick click = await EnrichAsync(services, null);
        Assert.Multiple(() =>
        {
            Assert.That(click.BrowserFamily, Is.EqualTo(UserAgentParser.Other));
            Assert.That(click.IsBot, Is.True);
            Assert.That(click.BotReasons, Is.EqualTo("empty-user-agent"));
        });
    }

    [Test]
    public async Task ConfigurationCanTurnTheStagesOff()
    {
        using ServiceProvider services = Build(new() { ["ClickAnalytics:UserAgents:Enabled"] = "false" });
        EnrichedClick click = await EnrichAsync(services, "curl/8.5.0");
        Assert.Multiple(() =>
        {
            Assert.That(click.BrowserFamily, Is.Empty);
            Assert.That(click.BotClass, Is.Empty);
            Assert.That(click.IsBot, Is.False);
        });
    }

    [Test]
    public void ConfigurationIsBoundAndValidated()
    {
        using ServiceProvider services = Build(new() { ["ClickAnalytics:UserAgents:CacheSize"] = "123", ["ClickAnalytics:UserAgents:MaxLength"] = "2048" });
        UserAgentOptions options = services.GetRequiredService<IOptions<UserAgentOptions>>().Value;
        Assert.That(options.CacheSize, Is.EqualTo(123));
        Assert.That(options.MaxLength, Is.EqualTo(2048));

        using ServiceProvider invalid = Build(new() { ["ClickAnalytics:UserAgents:MaxLength"] = "1" });
        Assert.Throws<OptionsValidationException>(() => _ = invalid.GetRequiredService<IOptions<UserAgentOptions>>().Value);
    }
}
