using System;
using ClickAnalytics.Buffering;
using ClickAnalytics.Diagnostics;
using ClickAnalytics.Enrichment;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace ClickAnalytics;

/// <summary>Puts ClickAnalytics on Redis: the Redis Streams buffer and shared enrichment state.</summary>
public static class RedisStreamsClickAnalyticsBuilderExtensions
{
    /// <summary>
    /// Replaces the in-process buffer with a Redis stream: web nodes produce, every process with
    /// <c>ClickAnalytics:ProcessingEnabled</c> on consumes in one consumer group. Options are bound
    /// from <c>ClickAnalytics:Redis</c> and validated at start. Also shares visitor keys and repeat
    /// windows through Redis (see <see cref="UseRedisSharedState(IClickAnalyticsBuilder)"/>), since
    /// several workers must agree on them.
    /// </summary>
    public static IClickAnalyticsBuilder UseRedisStreams(this IClickAnalyticsBuilder builder) =>
        builder.UseRedisStreams(static _ => { });

    /// <summary>Like <see cref="UseRedisStreams(IClickAnalyticsBuilder)"/>, then configures the options in code.</summary>
    public static IClickAnalyticsBuilder UseRedisStreams(this IClickAnalyticsBuilder builder, Action<RedisStreamsOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        IServiceCollection services = builder.Services;
        AddRedisCore(services);

        if (!IsRegistered<RedisClickProducer>(services))
        {
            services.AddSingleton<RedisClickProducer>();
            services.AddSingleton<RedisClickConsumer>();
            services.AddSingleton<RedisStreamMonitor>();
            services.Replace(ServiceDescriptor.Singleton<IClickBufferWriter>(static sp => sp.GetRequiredService<RedisClickProducer>()));
            services.Replace(ServiceDescriptor.Singleton<IClickBufferReader>(static sp => sp.GetRequiredService<RedisClickConsumer>()));
            services.AddSingleton<IHostedService>(static sp => sp.GetRequiredService<RedisClickProducer>());
            services.AddSingleton<IHostedService>(static sp => sp.GetRequiredService<RedisStreamMonitor>());
            services.TryAddSingleton(static sp => new RedisStreamsHealthCheck(
                sp.GetRequiredService<RedisStreamMonitor>(), sp.GetRequiredService<IOptions<RedisStreamsOptions>>()));
        }

        builder.UseRedisSharedState();
        services.Configure(configure);
        return builder;
    }

    /// <summary>Like <see cref="UseRedisStreams(IClickAnalyticsBuilder)"/>, with options bound from <paramref name="configuration"/> as well.</summary>
    public static IClickAnalyticsBuilder UseRedisStreams(this IClickAnalyticsBuilder builder, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        builder.UseRedisStreams();
        builder.Services.Configure<RedisStreamsOptions>(configuration);
        return builder;
    }

    /// <summary>
    /// Keeps the daily visitor keys and the repeat-click windows in Redis, so every process that
    /// enriches clicks derives the same visitor ids and agrees on repeats. Useful on its own when
    /// several nodes each process their own clicks with the in-process buffer.
    /// </summary>
    public static IClickAnalyticsBuilder UseRedisSharedState(this IClickAnalyticsBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        AddRedisCore(builder.Services);
        builder.Services.Replace(ServiceDescriptor.Singleton<IVisitorKeyStore, RedisVisitorKeyStore>());
        builder.Services.Replace(ServiceDescriptor.Singleton<IRepeatClickStore, RedisRepeatClickStore>());
        return builder;
    }

    private static void AddRedisCore(IServiceCollection services)
    {
        if (IsRegistered<RedisConnection>(services))
        {
            return;
        }

        services.AddOptions<RedisStreamsOptions>()
            .BindConfiguration(RedisStreamsOptions.SectionName)
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<RedisStreamsOptions>, RedisStreamsOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<RedisStreamsOptions>, RedisStreamsOptionsChecks>());
        services.AddMetrics();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<RedisConnection>();
        services.TryAddSingleton<RedisStreamsMetrics>();
    }

    private static bool IsRegistered<T>(IServiceCollection services)
    {
        foreach (ServiceDescriptor descriptor in services)
        {
            if (descriptor.ServiceType == typeof(T))
            {
                return true;
            }
        }

        return false;
    }
}

[OptionsValidator]
internal sealed partial class RedisStreamsOptionsValidator : IValidateOptions<RedisStreamsOptions>;

/// <summary>Checks the data annotations cannot express.</summary>
internal sealed class RedisStreamsOptionsChecks : IValidateOptions<RedisStreamsOptions>
{
    public ValidateOptionsResult Validate(string? name, RedisStreamsOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.Configuration))
        {
            return ValidateOptionsResult.Fail("ClickAnalytics:Redis:Configuration is required (for example \"127.0.0.1:6379\").");
        }

        try
        {
            if (StackExchange.Redis.ConfigurationOptions.Parse(options.Configuration).EndPoints.Count == 0)
            {
                return ValidateOptionsResult.Fail($"ClickAnalytics:Redis:Configuration \"{options.Configuration}\" names no endpoint.");
            }
        }
        catch (ArgumentException ex)
        {
            return ValidateOptionsResult.Fail($"ClickAnalytics:Redis:Configuration is not a valid Redis configuration: {ex.Message}");
        }

        if (options.ProducerRetryMaxDelay < options.ProducerRetryBaseDelay)
        {
            return ValidateOptionsResult.Fail("ClickAnalytics:Redis:ProducerRetryMaxDelay must not be shorter than ProducerRetryBaseDelay.");
        }

        if (options.StreamKey == options.DeadLetterStreamKey)
        {
            return ValidateOptionsResult.Fail("ClickAnalytics:Redis:DeadLetterStreamKey must differ from StreamKey.");
        }

        return ValidateOptionsResult.Success;
    }
}
