using System;
using System.Threading;
using System.Threading.Tasks;
using ClickAnalytics.Querying;
using ClickAnalytics.Sinks.DuckDb;
using ClickAnalytics.Sinks.DuckDb.Querying;
using ClickAnalytics.Sinks.DuckDb.Storage;
using ClickAnalytics.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace ClickAnalytics;

/// <summary>Adds the embedded DuckDB store to ClickAnalytics.</summary>
public static class DuckDbClickAnalyticsBuilderExtensions
{
    /// <summary>
    /// Stores clicks in a local DuckDB file and answers queries from it. Options bind from
    /// <c>ClickAnalytics:DuckDb</c>; <paramref name="configure"/> runs after that. The file and its
    /// schema are created when the host starts.
    /// </summary>
    public static IClickAnalyticsBuilder AddDuckDb(this IClickAnalyticsBuilder builder, Action<DuckDbOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        IServiceCollection services = builder.Services;

        services.AddOptions<DuckDbOptions>()
            .BindSectionIfConfigured(DuckDbOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        if (configure is not null)
        {
            services.Configure(configure);
        }

        services.TryAddSingleton<DuckDbDatabase>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IClickSink, DuckDbClickSink>());
        services.TryAddSingleton<IClickQueries, DuckDbClickQueries>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, DuckDbLifetime>());
        return builder;
    }

    /// <summary>
    /// Opens the file and creates the schema at start, so a bad path fails the host, not the first
    /// click. Closes (and so checkpoints) the file once the host has stopped, which is after the
    /// processor drained its last batch into it.
    /// </summary>
    private sealed class DuckDbLifetime(DuckDbDatabase database, IServiceProvider services) : IHostedService
    {
        public async Task StartAsync(CancellationToken cancellationToken)
        {
            await database.WithWriteConnectionAsync(static _ => true, cancellationToken).ConfigureAwait(false);
            services.GetService<IHostApplicationLifetime>()?.ApplicationStopped.Register(database.Dispose);
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
