using System;
using System.Collections.Generic;
using System.Threading.Tasks;
using ClickAnalytics.Buffering;
using ClickAnalytics.Enrichment;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using ClickAnalytics.Sinks.Redis;
using ClickAnalytics.Sinks.Redis.Buffering;
using ClickAnalytics.Sinks.Redis.Diagnostics;
using ClickAnalytics.Sinks.Redis.Enrichment;

namespace ClickAnalytics.Sinks.Redis.Tests;

public sealed class RedisStreamsClickAnalyticsBuilderExtensionsTests
{
    [Test]
    public async Task UseRedisStreams_replaces_the_in_process_buffer_and_the_shared_state()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().Build());
        services.AddClickAnalytics().UseRedisStreams(o => o.Configuration = "127.0.0.1:1").UseRedisStreams();
        await using ServiceProvider provider = services.BuildServiceProvider();

        Assert.That(provider.GetRequiredService<IClickBufferWriter>(), Is.TypeOf<RedisClickProducer>());
        Assert.That(provider.GetRequiredService<IClickBufferReader>(), Is.TypeOf<RedisClickConsumer>());
        Assert.That(provider.GetRequiredService<IVisitorKeyStore>(), Is.TypeOf<RedisVisitorKeyStore>());
        Assert.That(provider.GetRequiredService<IRepeatClickStore>(), Is.TypeOf<RedisRepeatClickStore>());
        Assert.That(provider.GetServices<IHostedService>(), Has.Exactly(1).TypeOf<RedisClickProducer>(), "calling it twice registers once");
    }

    [Test]
    public async Task Options_bind_from_the_ClickAnalytics_Redis_section()
    {
        IConfiguration configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ClickAnalytics:Redis:Configuration"] = "redis.internal:6380",
            ["ClickAnalytics:Redis:StreamKey"] = "clicks",
            ["ClickAnalytics:Redis:MaxDeliveries"] = "7",
        }).Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddClickAnalytics().UseRedisStreams();
        await using ServiceProvider provider = services.BuildServiceProvider();

        RedisStreamsOptions options = provider.GetRequiredService<IOptions<RedisStreamsOptions>>().Value;
        Assert.That(options.Configuration, Is.EqualTo("redis.internal:6380"));
        Assert.That(options.StreamKey, Is.EqualTo("clicks"));
        Assert.That(options.MaxDeliveries, Is.EqualTo(7));
    }

    [TestCase("", "Configuration")]
    [TestCase("127.0.0.1:6379", "MaxDeliveries")]
    public async Task Invalid_options_fail_the_host_at_start(string redisConfiguration, string named)
    {
        HostApplicationBuilder builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddLogging();
        builder.Services.AddClickAnalytics(o => o.ProcessingEnabled = false).UseRedisStreams(o =>
        {
            o.Configuration = redisConfiguration;
            if (named == "MaxDeliveries")
            {
                o.MaxDeliveries = 1;
            }
        });
        using IHost host = builder.Build();

        OptionsValidationException? error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.That(error!.Message, Does.Contain(named));
    }

    [Test]
    public async Task A_section_passed_by_the_host_is_bound_instead_of_the_default_one()
    {
        IConfiguration configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ClickAnalytics:Redis:StreamKey"] = "from-the-default-section",
            ["Buffers:Clicks:Configuration"] = "redis.internal:6380",
            ["Buffers:Clicks:ConsumerGroup"] = "workers",
        }).Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddClickAnalytics().UseRedisStreams(configuration.GetSection("Buffers:Clicks"));
        await using ServiceProvider provider = services.BuildServiceProvider();

        RedisStreamsOptions options = provider.GetRequiredService<IOptions<RedisStreamsOptions>>().Value;
        Assert.Multiple(() =>
        {
            Assert.That(options.Configuration, Is.EqualTo("redis.internal:6380"));
            Assert.That(options.ConsumerGroup, Is.EqualTo("workers"));
            Assert.That(options.StreamKey, Is.EqualTo(new RedisStreamsOptions().StreamKey), "the default section is not bound as well");
        });
    }

    [Test]
    public async Task Shared_state_options_have_a_section_of_their_own_apart_from_the_stream_options()
    {
        IConfiguration configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ClickAnalytics:Redis:Configuration"] = "redis.internal:6380",
            ["ClickAnalytics:Redis:SharedState:KeyPrefix"] = "tenant-a:",
            ["ClickAnalytics:Redis:SharedState:RepeatKeyGrace"] = "00:02:00",
        }).Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddClickAnalytics().UseRedisSharedState();
        await using ServiceProvider provider = services.BuildServiceProvider();

        RedisSharedStateOptions shared = provider.GetRequiredService<IOptions<RedisSharedStateOptions>>().Value;
        Assert.Multiple(() =>
        {
            Assert.That(shared.KeyPrefix, Is.EqualTo("tenant-a:"));
            Assert.That(shared.RepeatKeyGrace, Is.EqualTo(TimeSpan.FromMinutes(2)));
            Assert.That(provider.GetRequiredService<IVisitorKeyStore>(), Is.TypeOf<RedisVisitorKeyStore>());
            Assert.That(provider.GetService<IClickBufferWriter>(), Is.Not.TypeOf<RedisClickProducer>(), "shared state alone keeps the in-process buffer");
        });
    }

    [Test]
    public async Task A_bad_shared_state_option_fails_the_host_at_start()
    {
        HostApplicationBuilder builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddLogging();
        builder.Services.AddClickAnalytics(o => o.ProcessingEnabled = false)
            .UseRedisStreams(o => o.Configuration = "127.0.0.1:6379")
            .UseRedisSharedState(o => o.RepeatKeyGrace = TimeSpan.FromDays(3));
        using IHost host = builder.Build();

        OptionsValidationException? error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.That(error!.Message, Does.Contain(nameof(RedisSharedStateOptions.RepeatKeyGrace)));
    }
}
