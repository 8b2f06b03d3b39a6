using System.Collections.Generic;
using ClickAnalytics.Core.Tests.Enrichment.Support;
using ClickAnalytics.Enrichment;
using ClickAnalytics.Enrichment.Campaigns;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace ClickAnalytics.Core.Tests.Enrichment.Campaigns;

public sealed class CampaignEnricherTests
{
    private static EnrichedClick Enrich(string? query, string? destination = null)
    {
        var click = Clicks.Make(query: query, destination: destination);
        new CampaignEnricher().Enrich(click);
        return click;
    }

    [Test]
    public void Utm_values_come_from_the_request_trimmed_and_normalised()
    {
        EnrichedClick click = Enrich("?utm_source=%20Newsletter%20&utm_medium=EMAIL&utm_campaign=Black+Friday&utm_term=short%20links&utm_content=Hero");

        Assert.That((click.UtmSource, click.UtmMedium, click.UtmCampaign, click.UtmTerm, click.UtmContent),
            Is.EqualTo(("newsletter", "email", "Black Friday", "short links", "Hero")));
    }

    [Test]
    public void The_destination_fills_what_the_request_lacks()
    {
        EnrichedClick click = Enrich("?utm_source=twitter", "https://example.com/landing?utm_source=ignored&utm_campaign=launch#top");

        Assert.That((click.UtmSource, click.UtmCampaign), Is.EqualTo(("twitter", "launch")));
    }

    [TestCase("?utm_campaign=%E0%A4%A", "%E0%A4%A")]
    [TestCase("?utm_campaign=%zz", "%zz")]
    [TestCase("?utm_campaign=a%00b%0Ac", "abc")]
    [TestCase("?utm_campaign=&utm_campaign=second", "")]
    [TestCase("utm_campaign=no-question-mark", "no-question-mark")]
    public void Bad_encoding_never_throws(string query, string expected)
    {
        Assert.That(Enrich(query).UtmCampaign, Is.EqualTo(expected));
    }

    [Test]
    public void Values_are_capped()
    {
        EnrichedClick click = Enrich("?utm_campaign=" + new string('c', 5000));

        Assert.That(click.UtmCampaign, Has.Length.EqualTo(CampaignEnricher.MaxValueLength));
    }

    [Test]
    public void Both_stages_can_be_turned_off_by_configuration()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        IConfiguration configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["ClickAnalytics:Campaigns:Enabled"] = "false",
                ["ClickAnalytics:Campaigns:LanguageEnabled"] = "false",
            })
            .Build();
        services.AddSingleton(configuration);
        services.AddClickAnalytics();
        using ServiceProvider provider = services.BuildServiceProvider();
        var click = Clicks.Make(query: "?utm_source=x", acceptLanguage: "en");

        foreach (IClickEnricher stage in provider.GetServices<IClickEnricher>())
        {
            if (stage.Name is "campaign" or "language")
            {
                stage.Run(click);
            }
        }

        Assert.That((click.UtmSource, click.Language), Is.EqualTo(("", "")));
    }
}
