using System;
using ClickAnalytics;
using ClickAnalytics.Buffering;
using ClickAnalytics.Diagnostics;
using ClickAnalytics.Enrichment;
using ClickAnalytics.Enrichment.Campaigns;
using ClickAnalytics.Processing;
using ClickAnalytics.Querying;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers ClickAnalytics.</summary>
public static class ClickAnalyticsServiceCollectionExtensions
{
    /// <summary>
    /// Adds the click pipeline: the in-process buffer, the background processor and the built-in
    /// enrichment stages, with options bound from the <c>ClickAnalytics</c> configuration section
    /// and validated at start. Safe to call more than once.
    /// </summary>
    public static IClickAnalyticsBuilder AddClickAnalytics(this IServiceCollection services) =>
        services.AddClickAnalytics(static _ => { });

    /// <summary>Adds the click pipeline and configures its options in code (after configuration is bound).</summary>
    public static IClickAnalyticsBuilder AddClickAnalytics(this IServiceCollection services, Action<ClickAnalyticsOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);

        if (!services.IsRegistered<ClickAnalyticsMarker>())
        {
            services.AddSingleton<ClickAnalyticsMarker>();
            services.AddOptions<ClickAnalyticsOptions>()
                .BindSectionIfConfigured(ClickAnalyticsOptions.SectionName)
                .ValidateOnStart();
            services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ClickAnalyticsOptions>, ClickAnalyticsOptionsValidator>());
            services.AddOptions<ClickCaptureOptions>()
                .BindSectionIfConfigured(ClickCaptureOptions.SectionName)
                .ValidateOnStart();
            services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ClickCaptureOptions>, ClickCaptureOptionsValidator>());

            services.AddMetrics();
            services.TryAddSingleton(TimeProvider.System);
            services.TryAddSingleton<ClickAnalyticsMetrics>();

            services.TryAddSingleton<ChannelClickBuffer>();
            services.TryAddSingleton<IClickBufferWriter>(static sp => sp.GetRequiredService<ChannelClickBuffer>());
            services.TryAddSingleton<IClickBufferReader>(static sp => sp.GetRequiredService<ChannelClickBuffer>());

            services.TryAddSingleton<ClickProcessor>();
            services.AddSingleton<IHostedService>(static sp => sp.GetRequiredService<ClickProcessor>());

            services.AddOptions<ClickQueryOptions>()
                .BindSectionIfConfigured(ClickQueryOptions.SectionName)
                .ValidateOnStart();
            services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ClickQueryOptions>, ClickQueryOptionsValidator>());
            services.AddHybridCache();
            services.TryAddSingleton<IClickAnalytics, ClickAnalyticsQueries>();

            services.AddHostedService<SettingsCheck>();
            services.AddHealthChecks().AddCheck<ProcessorHealthCheck>(ProcessorHealthCheck.Name, tags: ["clickanalytics"]);

            services.AddUserAgentEnrichment();
            services.AddStandardEnrichment();
        }

        services.Configure(configure);
        return new ClickAnalyticsBuilder(services);
    }

    /// <summary>Adds the click pipeline with options bound from <paramref name="configuration"/> instead of the default section.</summary>
    public static IClickAnalyticsBuilder AddClickAnalytics(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        IClickAnalyticsBuilder builder = services.AddClickAnalytics();
        services.Configure<ClickAnalyticsOptions>(configuration);
        return builder;
    }

    private static bool IsRegistered<T>(this IServiceCollection services)
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

    private sealed class ClickAnalyticsMarker;
}

[OptionsValidator]
internal sealed partial class ClickAnalyticsOptionsValidator : IValidateOptions<ClickAnalyticsOptions>;

[OptionsValidator]
internal sealed partial class ClickCaptureOptionsValidator : IValidateOptions<ClickCaptureOptions>;

[OptionsValidator]
internal sealed partial class ClickQueryOptionsValidator : IValidateOptions<ClickQueryOptions>;
