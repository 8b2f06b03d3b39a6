using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using ClickAnalytics.Querying;
using ClickAnalytics.Sinks.ClickHouse.Tests.Support;
using ClickAnalytics.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace ClickAnalytics.Sinks.ClickHouse.Tests;

/// <summary>The store as a host gets it: registered once through the shared helper, options checked and the schema created at start.</summary>
public class ClickHouseClickAnalyticsBuilderExtensionsTests : DatabaseTest
{
    [Test]
    public async Task Starting_the_host_creates_the_schema()
    {
        using IHost host = Host(b => b.AddClickHouse(o => Connect(o)));

        await host.StartAsync();

        Assert.That(await ClickHouseServer.CountAsync("SELECT count() FROM system.tables WHERE database = currentDatabase() AND name = 'clicks'", Database), Is.EqualTo(1));
        await host.StopAsync();
    }

    [Test]
    public async Task Adding_the_store_twice_registers_one_store_configured_by_both()
    {
        using IHost host = Host(b => b.AddClickHouse(o => o.ConnectionString = "Host=not-this-one").AddClickHouse(o => Connect(o)));

        await host.StartAsync();

        Assert.That(host.Services.GetServices<IClickStore>().ToList(), Has.Count.EqualTo(1));
        Assert.That(host.Services.GetServices<IClickSink>().ToList(), Has.Count.EqualTo(1));
        Assert.That(host.Services.GetRequiredService<IClickQueries>(), Is.SameAs(host.Services.GetRequiredService<IClickStore>().Queries));
        await host.StopAsync();
    }

    [Test]
    public async Task Options_bind_from_the_default_section()
    {
        using IHost host = Host(b => b.AddClickHouse(), new()
        {
            ["ClickAnalytics:ClickHouse:ConnectionString"] = ClickHouseServer.ConnectionString(Database),
            ["ClickAnalytics:ClickHouse:LegacyServerCompatibility"] = "true",
            ["ClickAnalytics:ClickHouse:Compression"] = "None",
        });

        await host.StartAsync();

        Assert.That(host.Services.GetRequiredService<IOptions<ClickHouseOptions>>().Value.Compression, Is.EqualTo(ClickHouseCompression.None));
        Assert.That(await ClickHouseServer.CountAsync("SELECT count() FROM system.tables WHERE database = currentDatabase() AND name = 'clicks'", Database), Is.EqualTo(1));
        await host.StopAsync();
    }

    [Test]
    public async Task Options_bind_from_the_section_the_host_passes_instead_of_the_default_one()
    {
        IConfiguration section = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Stores:Analytics:ConnectionString"] = ClickHouseServer.ConnectionString(Database),
                ["Stores:Analytics:LegacyServerCompatibility"] = "true",
                ["Stores:Analytics:RequestTimeout"] = "00:00:42",
            })
            .Build()
            .GetSection("Stores:Analytics");
        using IHost host = Host(b => b.AddClickHouse(section), new() { ["ClickAnalytics:ClickHouse:ConnectionString"] = "Host=not-this-one" });

        await host.StartAsync();

        ClickHouseOptions options = host.Services.GetRequiredService<IOptions<ClickHouseOptions>>().Value;
        Assert.That((options.ConnectionString, options.RequestTimeout), Is.EqualTo((ClickHouseServer.ConnectionString(Database), TimeSpan.FromSeconds(42))));
        await host.StopAsync();
    }

    [TestCase("RequestTimeout", "00:00:00", "RequestTimeout must be positive")]
    [TestCase("Replicated", "true", "Cluster is required for Replicated or Distributed tables")]
    [TestCase("Distributed", "true", "Cluster is required for Replicated or Distributed tables")]
    [TestCase("ConnectionString", "", "ConnectionString")]
    public async Task A_bad_option_fails_the_start_saying_what_is_wrong(string option, string value, string message)
    {
        using IHost host = Host(b => b.AddClickHouse(), new()
        {
            ["ClickAnalytics:ClickHouse:ConnectionString"] = ClickHouseServer.ConnectionString(Database),
            ["ClickAnalytics:ClickHouse:LegacyServerCompatibility"] = "true",
            [$"ClickAnalytics:ClickHouse:{option}"] = value,
        });

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.That(error!.Message, Does.Contain(message));
        Assert.That(await ClickHouseServer.CountAsync("SELECT count() FROM system.tables WHERE database = currentDatabase()", Database), Is.Zero, "nothing is created with options that failed");
    }

    private void Connect(ClickHouseOptions options)
    {
        options.ConnectionString = ClickHouseServer.ConnectionString(Database);
        options.LegacyServerCompatibility = true;
    }

    /// <summary>A host with ClickAnalytics and its in-process buffer, built by <paramref name="build"/>, over in-memory configuration.</summary>
    private static IHost Host(Action<IClickAnalyticsBuilder> build, Dictionary<string, string?>? configuration = null)
    {
        HostApplicationBuilder builder = Microsoft.Extensions.Hosting.Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(configuration ?? []);
        builder.Services.AddLogging();
        build(builder.Services.AddClickAnalytics());
        return builder.Build();
    }
}
