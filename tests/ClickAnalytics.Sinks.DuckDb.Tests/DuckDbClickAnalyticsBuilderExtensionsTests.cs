using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using ClickAnalytics.Buffering;
using ClickAnalytics.Querying;
using ClickAnalytics.Sinks.DuckDb.Tests.Support;
using ClickAnalytics.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace ClickAnalytics.Sinks.DuckDb.Tests;

/// <summary>The store as a host gets it: registered once, options checked and the file created at start, closed after the last batch.</summary>
public class DuckDbClickAnalyticsBuilderExtensionsTests : DuckDbFileTest
{
    [Test]
    public async Task Starting_the_host_creates_the_file_and_its_schema()
    {
        using IHost host = Host(b => b.AddDuckDb(o => o.Path = _path));

        await host.StartAsync();

        Assert.That(File.Exists(_path), Is.True, "the file is created at start, not at the first click");
        await host.StopAsync();
    }

    [Test]
    public async Task The_last_batch_is_in_the_file_after_the_host_stops()
    {
        // Batches wait for ten minutes or a million clicks, so only the drain at shutdown writes these.
        IHost host = Host(b => b.AddDuckDb(o => o.Path = _path), o => { o.BatchMaxWait = TimeSpan.FromMinutes(10); o.BatchSize = 1_000_000; });
        await host.StartAsync();
        IClickBufferWriter buffer = host.Services.GetRequiredService<IClickBufferWriter>();
        List<ClickEvent> clicks = Enumerable.Range(0, 25).Select(i => DuckDbStore.Click("a", Day1.AddSeconds(i)).Click).ToList();
        foreach (ClickEvent click in clicks)
        {
            Assert.That(buffer.TryWrite(click), Is.True);
        }

        await host.StopAsync();
        await ((IAsyncDisposable)host).DisposeAsync();

        List<object[]> stored = DuckDbStore.Sql(_path, "SELECT event_id FROM clicks");
        Assert.That(stored.Select(r => (Guid)r[0]), Is.EquivalentTo(clicks.Select(c => c.EventId)));
    }

    [Test]
    public async Task Adding_the_store_twice_registers_one_store_configured_by_both()
    {
        using IHost host = Host(b => b.AddDuckDb(o => o.Path = "first.duckdb").AddDuckDb(o => o.Path = _path));

        await host.StartAsync();

        Assert.That(host.Services.GetServices<IClickStore>().ToList(), Has.Count.EqualTo(1));
        Assert.That(host.Services.GetServices<IClickSink>().ToList(), Has.Count.EqualTo(1));
        Assert.That(host.Services.GetRequiredService<IOptions<DuckDbOptions>>().Value.Path, Is.EqualTo(_path));
        Assert.That(host.Services.GetRequiredService<IClickQueries>(), Is.SameAs(host.Services.GetRequiredService<IClickStore>().Queries));
        await host.StopAsync();
    }

    [Test]
    public async Task Options_bind_from_the_default_section()
    {
        using IHost host = Host(b => b.AddDuckDb(), configuration: new() { ["ClickAnalytics:DuckDb:Path"] = _path, ["ClickAnalytics:DuckDb:Threads"] = "2" });

        await host.StartAsync();

        Assert.That(host.Services.GetRequiredService<IOptions<DuckDbOptions>>().Value.Threads, Is.EqualTo(2));
        Assert.That(File.Exists(_path), Is.True);
        await host.StopAsync();
    }

    [Test]
    public async Task Options_bind_from_the_section_the_host_passes_instead_of_the_default_one()
    {
        IConfiguration section = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Stores:Embedded:Path"] = _path, ["Stores:Embedded:CheckpointThreshold"] = "64MB" })
            .Build()
            .GetSection("Stores:Embedded");
        using IHost host = Host(b => b.AddDuckDb(section), configuration: new() { ["ClickAnalytics:DuckDb:Path"] = "not-this-one.duckdb" });

        await host.StartAsync();

        DuckDbOptions options = host.Services.GetRequiredService<IOptions<DuckDbOptions>>().Value;
        Assert.That((options.Path, options.CheckpointThreshold), Is.EqualTo((_path, "64MB")));
        await host.StopAsync();
    }

    [TestCase("CheckpointThreshold", "lots")]
    [TestCase("Threads", "0")]
    [TestCase("Path", "")]
    public async Task A_bad_option_fails_the_start_naming_it(string option, string value)
    {
        using IHost host = Host(b => b.AddDuckDb(), configuration: new() { ["ClickAnalytics:DuckDb:Path"] = _path, [$"ClickAnalytics:DuckDb:{option}"] = value });

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.That(error!.Message, Does.Contain(option));
        Assert.That(File.Exists(_path), Is.False, "nothing is created with options that failed");
    }

    /// <summary>A host with ClickAnalytics and its in-process buffer, built by <paramref name="build"/>, over in-memory configuration.</summary>
    private static IHost Host(
        Action<IClickAnalyticsBuilder> build,
        Action<ClickAnalyticsOptions>? analytics = null,
        Dictionary<string, string?>? configuration = null)
    {
        HostApplicationBuilder builder = Microsoft.Extensions.Hosting.Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(configuration ?? []);
        builder.Services.AddLogging();
        build(builder.Services.AddClickAnalytics(o => analytics?.Invoke(o)));
        return builder.Build();
    }
}
