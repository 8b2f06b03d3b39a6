using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using ClickAnalytics.Querying;
using Microsoft.Extensions.Configuration;
using ClickAnalytics.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace ClickAnalytics.Storage;

/// <summary>
/// The one way a store package registers itself, so every store has the same shape: options bound
/// from its configuration section (or the section the host passes), then configured in code,
/// checked by its source-generated validator at start; the store as a singleton that is a sink,
/// an <see cref="IClickStore"/> and, when it is the one chosen, the host's
/// <see cref="IClickQueries"/>; and one initializer that creates every store's schema at start.
/// </summary>
internal static class ClickStoreRegistration
{
    /// <summary>
    /// Registers <typeparamref name="TStore"/> with its options. A package's three public overloads
    /// (no argument, <c>Action&lt;TOptions&gt;</c>, <c>IConfiguration</c> section) all end here.
    /// Safe to call more than once: options configured again, the store registered once.
    /// </summary>
    public static IClickAnalyticsBuilder AddStore<TStore, TOptions, TValidator>(
        this IClickAnalyticsBuilder builder,
        string defaultSection,
        IConfiguration? section,
        Action<TOptions>? configure)
        where TStore : class, IClickStore
        where TOptions : class
        where TValidator : class, IValidateOptions<TOptions>
    {
        ArgumentNullException.ThrowIfNull(builder);
        IServiceCollection services = builder.Services;

        services.AddComponentOptions<TOptions, TValidator>(defaultSection, section, configure);
        if (!services.Any(static d => d.ServiceType == typeof(StoreMarker<TStore>)))
        {
            services.AddSingleton<StoreMarker<TStore>>();
            services.AddMetrics();
            services.TryAddSingleton(TimeProvider.System);
            services.TryAddSingleton<TStore>();
            services.TryAddEnumerable(ServiceDescriptor.Singleton<IClickSink, TStore>(static sp => sp.GetRequiredService<TStore>()));
            services.TryAddEnumerable(ServiceDescriptor.Singleton<IClickStore, TStore>(static sp => sp.GetRequiredService<TStore>()));
            services.TryAddSingleton<ClickStoreSelection>();
            services.TryAddSingleton<IClickQueries>(static sp => sp.GetRequiredService<ClickStoreSelection>().QueryStore.Queries);
            services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, ClickStoreInitializer>());
            services.AddSingleton(new ClickStoreSection(typeof(TStore), defaultSection));
            // "ClickAnalytics:DuckDb" → "clickanalytics-duckdb".
            string name = "clickanalytics-" + defaultSection[(defaultSection.LastIndexOf(':') + 1)..].ToLowerInvariant();
            services.AddHealthChecks().Add(new HealthCheckRegistration(
                name,
                static sp => new StoreHealthCheck(sp.GetRequiredService<TStore>(), sp.GetRequiredService<TimeProvider>()),
                failureStatus: null,
                tags: ["clickanalytics", "store"],
                timeout: TimeSpan.FromSeconds(10)));
        }

        return builder;
    }

    private sealed class StoreMarker<TStore>;
}

/// <summary>Which registered store answers queries: the only one, or the one <see cref="ClickAnalyticsOptions.QueryStore"/> names.</summary>
internal sealed class ClickStoreSelection(IEnumerable<IClickStore> stores, IOptions<ClickAnalyticsOptions> options)
{
    private readonly Lazy<IClickStore> _queryStore = new(() => Choose(stores.ToArray(), options.Value.QueryStore));

    /// <summary>The store that answers queries; throws with what to do when that is not clear.</summary>
    public IClickStore QueryStore => _queryStore.Value;

    internal static IClickStore Choose(IReadOnlyList<IClickStore> stores, string? name)
    {
        string names = string.Join(", ", stores.Select(static s => s.Name));
        if (!string.IsNullOrEmpty(name))
        {
            return stores.FirstOrDefault(s => string.Equals(s.Name, name, StringComparison.OrdinalIgnoreCase))
                ?? throw new InvalidOperationException(
                    $"ClickAnalytics:QueryStore is '{name}', but the stores registered are: {(names.Length == 0 ? "none" : names)}.");
        }

        return stores.Count switch
        {
            1 => stores[0],
            0 => throw new InvalidOperationException(
                "ClickAnalytics has no store to answer queries. Add one to the builder, for example services.AddClickAnalytics().AddDuckDb()."),
            _ => throw new InvalidOperationException(
                $"Several stores are registered ({names}); set ClickAnalytics:QueryStore to the one that answers queries."),
        };
    }
}

/// <summary>
/// Creates every store's schema when the host starts (so a bad path or connection string fails the
/// start, not the first click) and checks which store answers queries.
/// </summary>
internal sealed class ClickStoreInitializer(IEnumerable<IClickStore> stores, IEnumerable<ClickStoreSection> sections, ClickStoreSelection selection) : IHostedService
{
    /// <summary>
    /// Opens every store; a store that cannot start stops the host with a message that names the
    /// store, the step and the options to look at, with the store's own error inside.
    /// </summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (IClickStore store in stores)
        {
            try
            {
                await store.InitializeAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                string section = sections.FirstOrDefault(s => s.Store == store.GetType())?.Section ?? "its configuration section";
                throw new InvalidOperationException(
                    $"The {store.Name} store could not start: opening it and creating or updating its schema failed: {ex.Message} " +
                    $"Check its options ({section}, or the section the host bound instead) and that what they point at is reachable and writable.",
                    ex);
            }
        }

        _ = selection.QueryStore;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>The configuration section a store's options come from by default, for start-up messages.</summary>
internal sealed record ClickStoreSection(Type Store, string Section);
