using System;
using System.Collections.Generic;
using ClickAnalytics.Querying;
using ClickAnalytics.Sinks.ClickHouse.Querying;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace ClickAnalytics.Sinks.ClickHouse.Tests.Querying;

/// <summary>The generated filter and the options binding, without a server.</summary>
[TestFixture]
public sealed class ClickHouseQueryFilterTests
{
    [Test]
    public void Defaults_count_people_and_unique_clicks_of_every_tenant()
    {
        var query = new ClickQuery { From = new DateOnly(2026, 1, 1), To = new DateOnly(2026, 1, 30) };

        Assert.That(ClickHouseClickQueries.Filter(query), Is.EqualTo("date >= '2026-01-01' AND date <= '2026-01-30' AND is_bot = 0 AND is_repeat = 0"));
    }

    [Test]
    public void Tenant_and_link_are_escaped_literals()
    {
        var query = new ClickQuery
        {
            From = new DateOnly(2026, 1, 1),
            To = new DateOnly(2026, 1, 1),
            TenantId = "a'b\\",
            LinkId = "x\0y",
            IncludeBots = true,
            IncludeRepeats = true,
        };

        Assert.That(ClickHouseClickQueries.Filter(query), Is.EqualTo(
            "date >= '2026-01-01' AND date <= '2026-01-01' AND tenant_id = 'a\\'b\\\\' AND link_id = 'x\\x00y'"));
    }

    [Test]
    public void Options_bind_from_the_click_analytics_clickhouse_section()
    {
        IConfiguration configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["ClickAnalytics:ClickHouse:ConnectionString"] = "Host=ch;Port=8123",
                ["ClickAnalytics:ClickHouse:Compression"] = "None",
                ["ClickAnalytics:ClickHouse:LegacyServerCompatibility"] = "true",
                ["ClickAnalytics:ClickHouse:Cluster"] = "main",
                ["ClickAnalytics:ClickHouse:Distributed"] = "true",
            })
            .Build();
        var services = new ServiceCollection();
        services.AddSingleton(configuration);
        services.AddClickAnalytics().AddClickHouse(o => o.RequestTimeout = TimeSpan.FromSeconds(7));
        using ServiceProvider provider = services.BuildServiceProvider();

        ClickHouseOptions options = provider.GetRequiredService<IOptions<ClickHouseOptions>>().Value;

        Assert.That(
            (options.ConnectionString, options.Compression, options.LegacyServerCompatibility, options.Cluster, options.Distributed, options.RequestTimeout),
            Is.EqualTo(("Host=ch;Port=8123", ClickHouseCompression.None, true, "main", true, TimeSpan.FromSeconds(7))));
    }
}
