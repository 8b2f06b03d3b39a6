using System;
using System.Linq;
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
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddClickAnalytics();
        services.AddClickAnalytics();
        using ServiceProvider provider = services.BuildServiceProvider();

        string[] ours = ["geo", "referer", "campaign", "language", "privacy", "repeats"];
        // Stages from elsewhere (user agent, bots, the host's) may run too; these keep their order.
        string[] names = provider.GetServices<IClickEnricher>().OrderBy(e => e.Order).Select(e => e.Name).Where(ours.Contains).ToArray();

        Assert.That(names, Is.EqualTo(ours));
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
