using System;
using System.Linq;
using System.Threading.Tasks;
using ClickAnalytics.Core.Tests.Support;
using ClickAnalytics.Diagnostics;
using ClickAnalytics.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ClickAnalytics.Core.Tests.Diagnostics;

/// <summary>The health checks AddClickAnalytics() and a store registration bring, as a host's /health sees them.</summary>
[TestFixture]
public sealed class HealthCheckTests
{
    private static (HealthCheckService Health, ClickAnalyticsMetrics Metrics, ServiceProvider Provider) Create(Action<IClickAnalyticsBuilder>? store = null)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        IClickAnalyticsBuilder builder = services.AddClickAnalytics(o => o.ProcessingEnabled = false);
        store?.Invoke(builder);
        ServiceProvider provider = services.BuildServiceProvider();
        return (provider.GetRequiredService<HealthCheckService>(), provider.GetRequiredService<ClickAnalyticsMetrics>(), provider);
    }

    [Test]
    public async Task The_processor_is_healthy_then_degraded_by_drops_unhealthy_by_failed_batches_and_healthy_again_after_five_minutes()
    {
        var (health, metrics, provider) = Create();
        await using var _ = provider;
        long minute = 1_000;
        metrics.RecentDrops.Now = metrics.RecentFailures.Now = () => minute;

        HealthStatus Status(HealthReport report) => report.Entries["clickanalytics-processor"].Status;
        HealthReport quiet = await health.CheckHealthAsync();
        metrics.Dropped(7, DropReason.BufferFull);
        HealthReport dropped = await health.CheckHealthAsync();
        metrics.Failed(3, "TimeoutException");
        HealthReport failed = await health.CheckHealthAsync();
        minute += 5;
        HealthReport later = await health.CheckHealthAsync();

        Assert.Multiple(() =>
        {
            Assert.That(Status(quiet), Is.EqualTo(HealthStatus.Healthy));
            Assert.That(Status(dropped), Is.EqualTo(HealthStatus.Degraded));
            Assert.That(dropped.Entries["clickanalytics-processor"].Description, Does.Contain("7 clicks were dropped").And.Contain("buffer_full"));
            Assert.That(Status(failed), Is.EqualTo(HealthStatus.Unhealthy));
            Assert.That(failed.Entries["clickanalytics-processor"].Description, Does.Contain("3 clicks could not be stored").And.Contain("TimeoutException"));
            Assert.That(Status(later), Is.EqualTo(HealthStatus.Healthy), "five minutes later the window has moved on");
        });
    }

    [Test]
    public async Task Every_registered_store_gets_a_check_named_after_its_section_that_asks_it_a_query()
    {
        var (health, _, provider) = Create(b => b.AddStore<FirstTestStore, TestStoreOptions, TestStoreOptionsValidator>("Stores:First", section: null, configure: null));
        await using var _ = provider;

        HealthReport report = await health.CheckHealthAsync(r => r.Tags.Contains("store"));

        Assert.Multiple(() =>
        {
            Assert.That(report.Entries.Keys, Is.EqualTo(new[] { "clickanalytics-first" }));
            Assert.That(report.Entries["clickanalytics-first"].Status, Is.EqualTo(HealthStatus.Healthy));
            Assert.That(report.Entries["clickanalytics-first"].Description, Does.Contain("first answers"));
        });
    }
}
