using System;
using ClickAnalytics.Sinks.Parquet;
using ClickAnalytics.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace ClickAnalytics;

/// <summary>Adds Parquet to ClickAnalytics.</summary>
public static class ParquetClickAnalyticsBuilderExtensions
{
    /// <summary>
    /// Offers raw clicks as Parquet in the query API's export (<c>format=parquet</c>), with options
    /// bound from <c>ClickAnalytics:ParquetExport</c>.
    /// </summary>
    public static IClickAnalyticsBuilder AddParquetExport(this IClickAnalyticsBuilder builder) => builder.AddParquetExport(section: null, configure: null);

    /// <summary>Offers Parquet in the export, with options bound from <c>ClickAnalytics:ParquetExport</c> and then set by <paramref name="configure"/>.</summary>
    public static IClickAnalyticsBuilder AddParquetExport(this IClickAnalyticsBuilder builder, Action<ParquetExportOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        return builder.AddParquetExport(section: null, configure);
    }

    /// <summary>Offers Parquet in the export, with options bound from <paramref name="section"/>.</summary>
    public static IClickAnalyticsBuilder AddParquetExport(this IClickAnalyticsBuilder builder, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(section);
        return builder.AddParquetExport(section, configure: null);
    }

    /// <summary>
    /// Moves days of raw clicks older than <see cref="ParquetArchiveOptions.RawRetentionDays"/> from
    /// the query store to verified Parquet files under <see cref="ParquetArchiveOptions.Folder"/>
    /// (options from <c>ClickAnalytics:Archive</c>): a hosted job, and <see cref="IClickArchive"/> to
    /// run it on demand.
    /// </summary>
    public static IClickAnalyticsBuilder AddParquetArchive(this IClickAnalyticsBuilder builder) => builder.AddParquetArchive(section: null, configure: null);

    /// <summary>Adds the archive with options from <c>ClickAnalytics:Archive</c>, then set by <paramref name="configure"/>.</summary>
    public static IClickAnalyticsBuilder AddParquetArchive(this IClickAnalyticsBuilder builder, Action<ParquetArchiveOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        return builder.AddParquetArchive(section: null, configure);
    }

    /// <summary>Adds the archive with options bound from <paramref name="section"/>.</summary>
    public static IClickAnalyticsBuilder AddParquetArchive(this IClickAnalyticsBuilder builder, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(section);
        return builder.AddParquetArchive(section, configure: null);
    }

    private static IClickAnalyticsBuilder AddParquetArchive(this IClickAnalyticsBuilder builder, IConfiguration? section, Action<ParquetArchiveOptions>? configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddComponentOptions<ParquetArchiveOptions, ParquetArchiveOptionsValidator>(ParquetArchiveOptions.SectionName, section, configure);
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ParquetArchiveOptions>, ParquetArchiveDestinationCheck>());
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddMetrics();
        builder.Services.TryAddSingleton<ArchiveMetrics>();
        builder.Services.TryAddSingleton<IClickArchive>(static sp => new ClickArchive(
            sp.GetRequiredService<ClickStoreSelection>().QueryStore,
            sp.GetRequiredService<IOptions<ParquetArchiveOptions>>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<Microsoft.Extensions.Logging.ILogger<ClickArchive>>(),
            sp.GetRequiredService<ArchiveMetrics>()));
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<Microsoft.Extensions.Hosting.IHostedService, ClickArchiveService>());
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IArchivedDays, ArchivedDaysOfTheArchive>());
        return builder;
    }

    private static IClickAnalyticsBuilder AddParquetExport(this IClickAnalyticsBuilder builder, IConfiguration? section, Action<ParquetExportOptions>? configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddComponentOptions<ParquetExportOptions, ParquetExportOptionsValidator>(ParquetExportOptions.SectionName, section, configure);
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IClickExportFormat, ParquetExportFormat>());
        return builder;
    }
}

[OptionsValidator]
internal sealed partial class ParquetArchiveOptionsValidator : IValidateOptions<ParquetArchiveOptions>;

/// <summary>The archive goes to one place: a folder or a bucket.</summary>
internal sealed class ParquetArchiveDestinationCheck : IValidateOptions<ParquetArchiveOptions>
{
    public ValidateOptionsResult Validate(string? name, ParquetArchiveOptions options)
    {
        bool folder = !string.IsNullOrWhiteSpace(options.Folder);
        bool bucket = !string.IsNullOrWhiteSpace(options.S3.Bucket);
        if (folder == bucket)
        {
            return ValidateOptionsResult.Fail(folder
                ? "ClickAnalytics:Archive has both a Folder and an S3 bucket; give one of them."
                : "ClickAnalytics:Archive needs a destination: a local Folder, or an S3 bucket (ClickAnalytics:Archive:S3:Bucket).");
        }

        if (bucket && string.IsNullOrEmpty(options.S3.AccessKey) != string.IsNullOrEmpty(options.S3.SecretKey))
        {
            return ValidateOptionsResult.Fail("ClickAnalytics:Archive:S3 needs both AccessKey and SecretKey, or neither (the SDK's default credentials).");
        }

        return ValidateOptionsResult.Success;
    }
}

[OptionsValidator]
internal sealed partial class ParquetExportOptionsValidator : IValidateOptions<ParquetExportOptions>;

/// <summary>The archive's days, for the processor (a type of its own so that it can be registered once).</summary>
internal sealed class ArchivedDaysOfTheArchive(IClickArchive archive) : IArchivedDays
{
    public bool IsArchived(DateOnly day) => ((IArchivedDays)archive).IsArchived(day);
}
