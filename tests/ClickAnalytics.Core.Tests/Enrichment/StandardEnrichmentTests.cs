using System;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using ClickAnalytics.Core.Tests.Support;
using ClickAnalytics.Enrichment;
using ClickAnalytics.Enrichment.Geo;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace ClickAnalytics.Core.Tests.Enrichment;

public sealed class StandardEnrichmentTests
{
    [Test]
    public void Stages_are_registered_once_in_the_documented_order()
    {
        using ServiceProvider provider = Provider(_ => { });

        string[] names = provider.GetServices<IClickEnricher>().OrderBy(e => e.Order).Select(e => e.Name).ToArray();

        Assert.That(names, Is.EqualTo(AllStages));
    }

    // What each stage reads that another stage writes: the writer must run first. The README's table of
    // stages says the same; a new order that breaks a dependency fails here.
    [TestCase(EnrichmentStages.Bot, EnrichmentStages.UserAgent, TestName = "The user-agent stage reads the parse the bot stage keeps")]
    [TestCase(EnrichmentStages.Campaign, EnrichmentStages.Referer, TestName = "The referer stage reads the campaign stage's utm_medium")]
    [TestCase(EnrichmentStages.Privacy, EnrichmentStages.Repeats, TestName = "The repeat stage reads the privacy stage's visitor id")]
    public void A_stage_runs_after_the_stage_whose_values_it_reads(string writer, string reader)
    {
        using ServiceProvider provider = Provider(_ => { });
        var order = provider.GetServices<IClickEnricher>().ToDictionary(e => e.Name, e => e.Order);

        Assert.That(order[writer], Is.LessThan(order[reader]));
    }

    [TestCaseSource(nameof(AllStages))]
    public void A_built_in_stage_can_be_removed_by_name_and_the_others_stay(string stage)
    {
        using ServiceProvider provider = Provider(analytics => analytics.RemoveEnricher(stage));

        string[] names = provider.GetServices<IClickEnricher>().OrderBy(e => e.Order).Select(e => e.Name).ToArray();

        Assert.That(names, Is.EqualTo(AllStages.Where(s => s != stage)));
    }

    [Test]
    public void Removing_a_stage_that_is_not_built_in_says_which_are()
    {
        var services = new ServiceCollection();
        IClickAnalyticsBuilder analytics = services.AddClickAnalytics();

        var error = Assert.Throws<ArgumentException>(() => analytics.RemoveEnricher("user_agent"));

        Assert.That(error!.Message, Does.Contain("'user_agent' is not a built-in enrichment stage").And.Contain(EnrichmentStages.UserAgent));
    }

    [Test]
    public async Task Without_the_campaign_stage_a_paid_utm_medium_no_longer_makes_the_referer_paid()
    {
        // The referer stage does not parse utm_medium again: it reads what the campaign stage wrote.
        var click = new ClickEvent { EventId = Guid.NewGuid(), LinkId = "l", Timestamp = TestClicks.Start, QueryString = "?utm_medium=cpc&utm_source=news", Referer = "https://blog.example/post" };
        string withCampaign = await RefererMediumAsync(click, _ => { });
        string withoutCampaign = await RefererMediumAsync(click, analytics => analytics.RemoveEnricher(EnrichmentStages.Campaign));

        Assert.Multiple(() =>
        {
            Assert.That(withCampaign, Is.EqualTo(RefererMedium.Paid));
            Assert.That(withoutCampaign, Is.EqualTo(RefererMedium.Unknown));
        });
    }

    private static readonly string[] AllStages =
    [
        EnrichmentStages.Bot, EnrichmentStages.UserAgent, EnrichmentStages.Geo, EnrichmentStages.Campaign,
        EnrichmentStages.Language, EnrichmentStages.Referer, EnrichmentStages.Privacy, EnrichmentStages.Repeats,
    ];

    private static ServiceProvider Provider(Action<IClickAnalyticsBuilder> build)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        build(services.AddClickAnalytics());
        services.AddClickAnalytics();
        return services.BuildServiceProvider();
    }

    private static async Task<string> RefererMediumAsync(ClickEvent click, Action<IClickAnalyticsBuilder> build)
    {
        using ServiceProvider provider = Provider(build);
        var enriched = new EnrichedClick(click);
        foreach (IClickEnricher stage in provider.GetServices<IClickEnricher>().OrderBy(e => e.Order))
        {
            await stage.EnrichAsync([enriched], CancellationToken.None);
        }

        return enriched.RefererMedium;
    }

    [Test]
    public void A_geo_database_path_that_does_not_exist_fails_at_start()
    {
        var services = new ServiceCollection();
        services.AddClickAnalytics();
        services.Configure<GeoOptions>(o => o.DatabasePath = "/nonexistent/GeoLite2-City.mmdb");
        using ServiceProvider provider = services.BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => _ = provider.GetRequiredService<IOptions<GeoOptions>>().Value);
        Assert.That(error!.Message, Does.Contain("/nonexistent/GeoLite2-City.mmdb"));
    }

    [Test]
    public void A_geo_database_that_is_not_a_maxmind_file_fails_at_start_like_a_missing_one()
    {
        string path = Path.Combine(Path.GetTempPath(), "clickanalytics-corrupt-" + Guid.NewGuid().ToString("N") + ".mmdb");
        File.WriteAllBytes(path, [.. Enumerable.Range(0, 4096).Select(i => (byte)(i * 7))]);
        try
        {
            var services = new ServiceCollection();
            services.AddClickAnalytics();
            services.Configure<GeoOptions>(o => o.DatabasePath = path);
            using ServiceProvider provider = services.BuildServiceProvider();

            var error = Assert.Throws<OptionsValidationException>(() => _ = provider.GetRequiredService<IOptions<GeoOptions>>().Value);
            Assert.That(error!.Message, Does.Contain("ClickAnalytics:Geo:DatabasePath").And.Contain("not a MaxMind database"));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Test]
    public void A_referer_source_with_an_unknown_medium_fails_at_start()
    {
        var services = new ServiceCollection();
        services.AddClickAnalytics();
        services.Configure<ClickAnalytics.Enrichment.Referers.RefererOptions>(o =>
            o.Sources.Add(new ClickAnalytics.Enrichment.Referers.RefererSourceOptions { Domain = "a.example", Source = "A", Medium = "banner" }));
        using ServiceProvider provider = services.BuildServiceProvider();

        Assert.Throws<OptionsValidationException>(() => _ = provider.GetRequiredService<IOptions<ClickAnalytics.Enrichment.Referers.RefererOptions>>().Value);
    }
}
