using System;
using System.Threading;
using System.Threading.Tasks;
using ClickAnalytics.Querying;
using ClickAnalytics.Sinks.ClickHouse;
using ClickAnalytics.Sinks.ClickHouse.Diagnostics;
using ClickAnalytics.Sinks.ClickHouse.Querying;
using ClickAnalytics.Sinks.ClickHouse.Storage;
using ClickAnalytics.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace ClickAnalytics;

/// <summary>Adds the ClickHouse store to ClickAnalytics.</summary>
public static class ClickHouseClickAnalyticsBuilderExtensions
{
    /// <summary>
    /// Stores clicks in ClickHouse and answers queries from its rollups. Options bind from
    /// <c>ClickAnalytics:ClickHouse</c>; <paramref name="configure"/> runs after that. The schema is
    /// created or migrated when the host starts, so a wrong connection string fails the start.
    /// </summary>
    public static IClickAnalyticsBuilder AddClickHouse(this IClickAnalyticsBuilder builder, Action<ClickHouseOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        IServiceCollection services = builder.Services;

        services.AddOptions<ClickHouseOptions>()
            .BindSectionIfConfigured(ClickHouseOptions.SectionName)
            .ValidateDataAnnotations()
            .Validate(static o => o.InsertRetryBaseDelay >= TimeSpan.Zero, "ClickAnalytics:ClickHouse:InsertRetryBaseDelay must not be negative.")
            .Validate(static o => o.RequestTimeout > TimeSpan.Zero, "ClickAnalytics:ClickHouse:RequestTimeout must be positive.")
            .Validate(static o => o.Cluster is not null || !(o.Replicated || o.Distributed), "ClickAnalytics:ClickHouse:Cluster is required for Replicated or Distributed tables.")
            .ValidateOnStart();
        if (configure is not null)
        {
            services.Configure(configure);
        }

        services.AddMetrics();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ClickHouseMetrics>();
        services.TryAddSingleton<ClickHouseDatabase>();
        services.TryAddSingleton<ClickHouseClickSink>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IClickSink, ClickHouseClickSink>(static sp => sp.GetRequiredService<ClickHouseClickSink>()));
        services.TryAddSingleton<IClickQueries, ClickHouseClickQueries>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, ClickHouseSchemaInitializer>());
        return builder;
    }

    /// <summary>Creates or migrates the schema at start, so a bad connection string fails the host, not the first click.</summary>
    private sealed class ClickHouseSchemaInitializer(ClickHouseDatabase database) : IHostedService
    {
        public async Task StartAsync(CancellationToken cancellationToken) =>
            await database.EnsureSchemaAsync(cancellationToken).ConfigureAwait(false);

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
