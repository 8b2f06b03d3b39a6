using System;
using System.Linq;
using ClickAnalytics.Buffering;
using ClickAnalytics.Diagnostics;
using ClickAnalytics.Enrichment;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using ClickAnalytics.Processing;
using ClickAnalytics.Sinks.Redis;
using ClickAnalytics.Sinks.Redis.Buffering;
using ClickAnalytics.Sinks.Redis.Diagnostics;
using ClickAnalytics.Sinks.Redis.Enrichment;

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
        builder.UseRedisStreams(section: null, configure: null);

    /// <summary>Like <see cref="UseRedisStreams(IClickAnalyticsBuilder)"/>, then configures the options in code.</summary>
    public static IClickAnalyticsBuilder UseRedisStreams(this IClickAnalyticsBuilder builder, Action<RedisStreamsOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        return builder.UseRedisStreams(section: null, configure);
    }

    /// <summary>Like <see cref="UseRedisStreams(IClickAnalyticsBuilder)"/>, with the options bound from <paramref name="section"/> instead of <c>ClickAnalytics:Redis</c>.</summary>
    public static IClickAnalyticsBuilder UseRedisStreams(this IClickAnalyticsBuilder builder, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(section);
        return builder.UseRedisStreams(section, configure: null);
    }

    /// <summary>
    /// Keeps the daily visitor keys and the repeat-click windows in Redis, so every process that
    /// enriches clicks derives the same visitor ids and agrees on repeats. Useful on its own when
    /// several nodes each process their own clicks with the in-process buffer. Its options
    /// (<see cref="RedisSharedStateOptions"/>) bind from <c>ClickAnalytics:Redis:SharedState</c>; the
    /// connection is <c>ClickAnalytics:Redis:Configuration</c>.
    /// </summary>
    public static IClickAnalyticsBuilder UseRedisSharedState(this IClickAnalyticsBuilder builder) =>
        builder.UseRedisSharedState(configure: null);

    /// <summary>Like <see cref="UseRedisSharedState(IClickAnalyticsBuilder)"/>, then configures its options in code.</summary>
    public static IClickAnalyticsBuilder UseRedisSharedState(this IClickAnalyticsBuilder builder, Action<RedisSharedStateOptions>? configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        IServiceCollection services = builder.Services;
        AddConnection(services, section: null, configureConnection: null);
        services.AddComponentOptions<RedisSharedStateOptions, RedisSharedStateOptionsValidator>(RedisSharedStateOptions.SectionName, section: null, configure);
        services.Replace(ServiceDescriptor.Singleton<IVisitorKeyStore, RedisVisitorKeyStore>());
        services.Replace(ServiceDescriptor.Singleton<IRepeatClickStore, RedisRepeatClickStore>());
        return builder;
    }

    private static IClickAnalyticsBuilder UseRedisStreams(this IClickAnalyticsBuilder builder, IConfiguration? section, Action<RedisStreamsOptions>? configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        IServiceCollection services = builder.Services;
        AddConnection(services, section, configure);
        if (!services.Any(static d => d.ServiceType == typeof(RedisClickProducer)))
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
            services.AddHealthChecks().AddCheck<RedisStreamsHealthCheck>("clickanalytics-redis", tags: ["clickanalytics", "buffer"]);
        }

        return builder.UseRedisSharedState();
    }

    /// <summary>The connection (and the stream options it is part of), registered once for the streams and the shared state alike.</summary>
    private static void AddConnection(IServiceCollection services, IConfiguration? section, Action<RedisStreamsOptions>? configureConnection)
    {
        services.AddComponentOptions<RedisStreamsOptions, RedisStreamsOptionsValidator>(RedisStreamsOptions.SectionName, section, configureConnection);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<RedisStreamsOptions>, RedisStreamsOptionsChecks>());
        services.AddMetrics();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<RedisConnection>();
        services.TryAddSingleton<RedisStreamsMetrics>();
    }
}

[OptionsValidator]
internal sealed partial class RedisSharedStateOptionsValidator : IValidateOptions<RedisSharedStateOptions>;

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
