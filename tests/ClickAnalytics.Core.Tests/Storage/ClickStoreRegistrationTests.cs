using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using ClickAnalytics.Core.Tests.Support;
using ClickAnalytics.Querying;
using ClickAnalytics.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace ClickAnalytics.Core.Tests.Storage;

/// <summary>Registering stores through the one helper, and which store answers queries.</summary>
public class ClickStoreRegistrationTests
{
    [Test]
    public async Task One_store_is_initialized_at_start_and_answers_queries()
    {
        using IHost host = Host(b => AddFirst(b));

        await host.StartAsync();

        var store = (FirstTestStore)host.Services.GetServices<IClickStore>().Single();
        Assert.That(store.Initializations, Is.EqualTo(1));
        Assert.That(host.Services.GetRequiredService<IClickQueries>(), Is.SameAs(store.Queries));
        Assert.That(host.Services.GetServices<IClickSink>(), Is.EqualTo(new IClickSink[] { store }), "the store is the sink the processor writes to");
        await host.StopAsync();
    }

    [Test]
    public async Task Two_stores_without_a_query_store_fail_the_start_saying_what_to_set()
    {
        using IHost host = Host(b => AddSecond(AddFirst(b)));

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => host.StartAsync());

        Assert.That(error!.Message, Is.EqualTo("Several stores are registered (first, second); set ClickAnalytics:QueryStore to the one that answers queries."));
    }

    [TestCase("second")]
    [TestCase("SECOND")]
    public async Task With_two_stores_the_query_store_named_answers_queries_and_both_are_written(string name)
    {
        using IHost host = Host(b => AddSecond(AddFirst(b)), o => o.QueryStore = name);

        await host.StartAsync();

        IClickStore[] stores = host.Services.GetServices<IClickStore>().ToArray();
        Assert.That(stores.Select(s => s.Name), Is.EqualTo(new[] { "first", "second" }));
        Assert.That(stores.Cast<MemoryClickStore>().Select(s => s.Initializations), Is.EqualTo(new[] { 1, 1 }));
        Assert.That(host.Services.GetRequiredService<IClickQueries>(), Is.SameAs(stores[1].Queries));
        Assert.That(host.Services.GetServices<IClickSink>(), Is.EqualTo(stores), "every store is written to");
        await host.StopAsync();
    }

    [Test]
    public async Task A_query_store_that_is_not_registered_fails_the_start_naming_the_stores_there_are()
    {
        using IHost host = Host(b => AddFirst(b), o => o.QueryStore = "clickhouse");

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => host.StartAsync());

        Assert.That(error!.Message, Is.EqualTo("ClickAnalytics:QueryStore is 'clickhouse', but the stores registered are: first."));
    }

    [Test]
    public async Task Adding_a_store_twice_registers_it_once_with_both_configurations()
    {
        using IHost host = Host(b => AddFirst(AddFirst(b, o => o.Level = 2), o => o.Level += 3));

        await host.StartAsync();

        Assert.That(host.Services.GetServices<IClickStore>().ToList(), Has.Count.EqualTo(1));
        Assert.That(host.Services.GetServices<IClickSink>().ToList(), Has.Count.EqualTo(1));
        Assert.That(host.Services.GetServices<IHostedService>().Count(s => s.GetType().Name == "ClickStoreInitializer"), Is.EqualTo(1));
        var store = (FirstTestStore)host.Services.GetServices<IClickStore>().Single();
        Assert.That((store.Level, store.Initializations), Is.EqualTo((5, 1)));
        await host.StopAsync();
    }

    [Test]
    public async Task A_bad_option_fails_the_start_before_any_store_is_initialized()
    {
        using IHost host = Host(b => AddFirst(b, o => o.Level = 11));

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.That(error!.Message, Does.Contain(nameof(TestStoreOptions.Level)));
    }

    [Test]
    public async Task Options_bind_from_the_default_section_or_from_the_section_passed()
    {
        var values = new Dictionary<string, string?> { ["Stores:First:Level"] = "4", ["Elsewhere:Level"] = "7" };
        IConfiguration elsewhere = new ConfigurationBuilder().AddInMemoryCollection(values).Build().GetSection("Elsewhere");

        using IHost byDefault = Host(b => AddFirst(b), configuration: values);
        using IHost passed = Host(b => b.AddStore<FirstTestStore, TestStoreOptions, TestStoreOptionsValidator>("Stores:First", elsewhere, configure: null), configuration: values);
        await byDefault.StartAsync();
        await passed.StartAsync();

        Assert.That(byDefault.Services.GetRequiredService<IOptions<TestStoreOptions>>().Value.Level, Is.EqualTo(4));
        Assert.That(passed.Services.GetRequiredService<IOptions<TestStoreOptions>>().Value.Level, Is.EqualTo(7), "the section passed replaces the default one");
        await byDefault.StopAsync();
        await passed.StopAsync();
    }

    private static IClickAnalyticsBuilder AddFirst(IClickAnalyticsBuilder builder, Action<TestStoreOptions>? configure = null) =>
        builder.AddStore<FirstTestStore, TestStoreOptions, TestStoreOptionsValidator>("Stores:First", section: null, configure);

    private static IClickAnalyticsBuilder AddSecond(IClickAnalyticsBuilder builder) =>
        builder.AddStore<SecondTestStore, SecondTestStoreOptions, SecondTestStoreOptionsValidator>("Stores:Second", section: null, configure: null);

    private static IHost Host(Action<IClickAnalyticsBuilder> build, Action<ClickAnalyticsOptions>? analytics = null, Dictionary<string, string?>? configuration = null)
    {
        HostApplicationBuilder builder = Microsoft.Extensions.Hosting.Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(configuration ?? []);
        builder.Services.AddLogging();
        build(builder.Services.AddClickAnalytics(o => analytics?.Invoke(o)));
        return builder.Build();
    }
}
