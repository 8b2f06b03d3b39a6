using System;
using ClickAnalytics.Enrichment;
using ClickAnalytics.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace ClickAnalytics;

/// <summary>
/// Returned by <c>services.AddClickAnalytics()</c>. Integration packages add their own extension
/// methods to it (<c>.AddDuckDb()</c>, <c>.UseRedisStreams()</c>, <c>.AddClickHouse()</c>).
/// </summary>
public interface IClickAnalyticsBuilder
{
    /// <summary>The host's services.</summary>
    IServiceCollection Services { get; }
}

internal sealed class ClickAnalyticsBuilder(IServiceCollection services) : IClickAnalyticsBuilder
{
    public IServiceCollection Services { get; } = services;
}

/// <summary>Adds enrichment stages and sinks to ClickAnalytics.</summary>
public static class ClickAnalyticsBuilderExtensions
{
    /// <summary>Adds an enrichment stage (a singleton); it runs in the position its <see cref="IClickEnricher.Order"/> gives.</summary>
    public static IClickAnalyticsBuilder AddEnricher<TEnricher>(this IClickAnalyticsBuilder builder)
        where TEnricher : class, IClickEnricher
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IClickEnricher, TEnricher>());
        return builder;
    }

    /// <summary>Adds an enrichment stage instance.</summary>
    public static IClickAnalyticsBuilder AddEnricher(this IClickAnalyticsBuilder builder, IClickEnricher enricher)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(enricher);
        builder.Services.AddSingleton(enricher);
        return builder;
    }

    /// <summary>Removes a built-in enrichment stage.</summary>
    public static IClickAnalyticsBuilder RemoveEnricher<TEnricher>(this IClickAnalyticsBuilder builder)
        where TEnricher : class, IClickEnricher
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.RemoveAll<IClickEnricher>(typeof(TEnricher));
        return builder;
    }

    /// <summary>Adds a sink (a singleton); every batch is written to every sink before it is acknowledged.</summary>
    public static IClickAnalyticsBuilder AddSink<TSink>(this IClickAnalyticsBuilder builder)
        where TSink : class, IClickSink
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IClickSink, TSink>());
        return builder;
    }

    private static void RemoveAll<TService>(this IServiceCollection services, Type implementationType)
    {
        for (int i = services.Count - 1; i >= 0; i--)
        {
            ServiceDescriptor descriptor = services[i];
            if (descriptor.ServiceType == typeof(TService)
                && (descriptor.ImplementationType == implementationType
                    || descriptor.ImplementationInstance?.GetType() == implementationType))
            {
                services.RemoveAt(i);
            }
        }
    }
}
