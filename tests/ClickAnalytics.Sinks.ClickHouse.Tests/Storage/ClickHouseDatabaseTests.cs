using System;
using System.Collections.Generic;
using System.Linq;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using ClickAnalytics.Querying;
using ClickAnalytics.Sinks.ClickHouse.Storage;
using ClickAnalytics.Sinks.ClickHouse.Tests.Support;
using ClickHouse.Driver;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace ClickAnalytics.Sinks.ClickHouse.Tests.Storage;

/// <summary>Schema creation and migrations on the real server.</summary>
[TestFixture]
public sealed class ClickHouseDatabaseTests : DatabaseTest
{
    [Test]
    public async Task Creating_the_schema_from_several_processes_at_once_is_harmless()
    {
        // Separate service providers stand for separate processes: nothing in memory is shared.
        ClickHouseStore[] stores = Enumerable.Range(0, 4).Select(_ => new ClickHouseStore(Database)).ToArray();
        try
        {
            await Task.WhenAll(stores.Select(s => Task.Run(() => s.Database.EnsureSchemaAsync(CancellationToken.None).AsTask())));

            List<string> tables = await ClickHouseServer.SqlAsync(
                "SELECT name FROM system.tables WHERE database = currentDatabase() ORDER BY name FORMAT TabSeparated", Database);
            Assert.That(tables, Is.EqualTo(new[]
            {
                "campaign_clicks_daily", "campaign_clicks_daily_mv", "clickanalytics_migrations", "clicks", "clicks_daily", "clicks_daily_mv",
                "clicks_hourly", "clicks_hourly_mv", "link_clicks_daily", "link_clicks_daily_mv",
            }));
            List<string> versions = await ClickHouseServer.SqlAsync(
                "SELECT DISTINCT version FROM clickanalytics_migrations ORDER BY version FORMAT TabSeparated", Database);
            Assert.That(versions, Is.EqualTo(new[] { "1", "2", "3", "4", "5" }));

            // One view per rollup, so every click is rolled up once.
            await stores[0].WriteAsync(Enumerable.Range(0, 10).Select(i => ClickHouseStore.Click("l", ClickHouseStore.Start.AddMinutes(i))));
            IReadOnlyList<LinkClicks> totals = await stores[3].Queries.GetLinkTotalsAsync(new ClickQuery { From = new DateOnly(2026, 3, 1), To = new DateOnly(2026, 3, 1) });
            Assert.That(totals, Is.EqualTo(new[] { new LinkClicks("l", 10) }));
        }
        finally
        {
            foreach (ClickHouseStore store in stores)
            {
                await store.DisposeAsync();
            }
        }
    }

    [Test]
    public async Task A_recorded_migration_is_not_applied_again()
    {
        await using (var first = new ClickHouseStore(Database))
        {
            await first.Database.EnsureSchemaAsync(CancellationToken.None);
        }

        // If migration 2 ran again it would recreate the dropped view; recorded means done.
        await ClickHouseServer.SqlAsync("DROP TABLE clicks_daily_mv", Database);
        await using var second = new ClickHouseStore(Database);
        await second.Database.EnsureSchemaAsync(CancellationToken.None);

        Assert.That(await ClickHouseServer.CountAsync("SELECT count() FROM system.tables WHERE database = currentDatabase() AND name = 'clicks_daily_mv'", Database), Is.Zero);
        Assert.That(await ClickHouseServer.CountAsync("SELECT count() FROM system.tables WHERE database = currentDatabase() AND name = 'clicks_hourly_mv'", Database), Is.EqualTo(1));
    }

    [Test]
    public async Task A_fixed_column_missing_from_an_older_table_is_added()
    {
        await using (var first = new ClickHouseStore(Database))
        {
            await first.Database.EnsureSchemaAsync(CancellationToken.None);
        }

        // As if the table had been created before the package knew the column.
        await ClickHouseServer.SqlAsync("ALTER TABLE clicks DROP COLUMN repeat_reason", Database);
        await using var second = new ClickHouseStore(Database);
        EnrichedClick click = ClickHouseStore.Click("l", ClickHouseStore.Start, repeat: true);
        click.RepeatReason = "retry";
        await second.WriteAsync([click]);

        Assert.That(await ClickHouseServer.SqlAsync("SELECT repeat_reason FROM clicks FORMAT TabSeparated", Database), Is.EqualTo(new[] { "retry" }));
    }

    [Test]
    public async Task A_host_with_a_wrong_connection_string_fails_at_start()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddClickAnalytics().AddClickHouse(o =>
        {
            o.ConnectionString = ClickHouseServer.ConnectionString("no_suchDatabase_" + Guid.NewGuid().ToString("N"));
            o.LegacyServerCompatibility = true;
        });
        await using ServiceProvider provider = services.BuildServiceProvider();

        IHostedService initializer = provider.GetServices<IHostedService>().Last();
        Assert.That(
            async () => await initializer.StartAsync(CancellationToken.None),
            Throws.InstanceOf<InvalidOperationException>()
                .With.Message.Contain("The clickhouse store could not start").And.Message.Contain("doesn't exist")
                .And.InnerException.InstanceOf<ClickHouseServerException>());
    }

    [Test]
    public void Missing_options_fail_validation()
    {
        var services = new ServiceCollection();
        services.AddClickAnalytics().AddClickHouse(o => o.Replicated = true);
        using ServiceProvider provider = services.BuildServiceProvider();

        OptionsValidationException error = Assert.Throws<OptionsValidationException>(
            () => _ = provider.GetRequiredService<IOptions<ClickHouseOptions>>().Value)!;
        Assert.That(error.Message, Does.Contain("ConnectionString").And.Contains("Cluster is required"));
    }

    [Test]
    public async Task Without_the_compatibility_option_an_old_server_refuses_the_driver()
    {
        // Proves the option is what makes 18.16 work, and that it is not silently always on.
        await using var store = new ClickHouseStore(Database, o => o.LegacyServerCompatibility = false);
        ClickHouseDatabase database = store.Database;
        string version = (await ClickHouseServer.SqlAsync("SELECT version() FORMAT TabSeparated", null))[0];
        if (ServerFeatures.Parse(version).Version.Major >= 25)
        {
            Assert.That(async () => await database.EnsureSchemaAsync(CancellationToken.None), Throws.Nothing);
            return;
        }

        Assert.That(async () => await database.EnsureSchemaAsync(CancellationToken.None), Throws.InstanceOf<ClickHouseServerException>().With.Message.Contains("Unknown setting"));
    }
}
