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

    /// <summary>
    /// Removes a built-in enrichment stage by its name (one of <see cref="EnrichmentStages"/>), for
    /// example <c>RemoveEnricher(EnrichmentStages.Geo)</c>. Its columns stay empty. A stage that reads
    /// what the removed one wrote (see the README's table of stages) then sees empty values: without
    /// the privacy stage no click has a visitor id, so none is marked as a repeat.
    /// </summary>
    /// <exception cref="ArgumentException">The name is not a built-in stage's.</exception>
    public static IClickAnalyticsBuilder RemoveEnricher(this IClickAnalyticsBuilder builder, string name)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(name);
        Type stage = BuiltInStages.TypeOf(name)
            ?? throw new ArgumentException($"'{name}' is not a built-in enrichment stage; the built-in stages are {string.Join(", ", BuiltInStages.Names)}.", nameof(name));
        IServiceCollection services = builder.Services;
        for (int i = services.Count - 1; i >= 0; i--)
        {
            if (services[i].ServiceType == typeof(IClickEnricher) && services[i].ImplementationType == stage)
            {
                services.RemoveAt(i);
            }
        }

        return builder;
    }

    /// <summary>
    /// Adds a sink (a singleton); every batch is written to every sink before it is acknowledged.
    /// The sink is also registered as <typeparamref name="TSink"/>, so the host resolves the same
    /// instance the processor writes to.
    /// </summary>
    public static IClickAnalyticsBuilder AddSink<TSink>(this IClickAnalyticsBuilder builder)
        where TSink : class, IClickSink
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddSingleton<TSink>();
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IClickSink, TSink>(static sp => sp.GetRequiredService<TSink>()));
        return builder;
    }
}
