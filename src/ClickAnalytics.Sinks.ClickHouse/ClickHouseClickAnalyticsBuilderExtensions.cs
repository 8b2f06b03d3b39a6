using System;
using ClickAnalytics.Sinks.ClickHouse;
using ClickAnalytics.Sinks.ClickHouse.Storage;
using ClickAnalytics.Storage;
using Microsoft.Extensions.Configuration;

namespace ClickAnalytics;

/// <summary>Adds the ClickHouse store to ClickAnalytics.</summary>
public static class ClickHouseClickAnalyticsBuilderExtensions
{
    /// <summary>
    /// Stores clicks in ClickHouse and answers queries from its rollups, with options bound from
    /// <c>ClickAnalytics:ClickHouse</c>. The options are checked, and the schema created or migrated,
    /// when the host starts, so a wrong connection string fails the start. Adding the store again
    /// only configures it again.
    /// </summary>
    public static IClickAnalyticsBuilder AddClickHouse(this IClickAnalyticsBuilder builder) =>
        builder.AddStore<ClickHouseClickStore, ClickHouseOptions, ClickHouseOptionsValidator>(ClickHouseOptions.SectionName, section: null, configure: null);

    /// <summary>
    /// Stores clicks in ClickHouse, with options bound from <c>ClickAnalytics:ClickHouse</c> and then
    /// set by <paramref name="configure"/>. See <see cref="AddClickHouse(IClickAnalyticsBuilder)"/>.
    /// </summary>
    public static IClickAnalyticsBuilder AddClickHouse(this IClickAnalyticsBuilder builder, Action<ClickHouseOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        return builder.AddStore<ClickHouseClickStore, ClickHouseOptions, ClickHouseOptionsValidator>(ClickHouseOptions.SectionName, section: null, configure);
    }

    /// <summary>
    /// Stores clicks in ClickHouse, with options bound from <paramref name="section"/> instead of
    /// <c>ClickAnalytics:ClickHouse</c>. See <see cref="AddClickHouse(IClickAnalyticsBuilder)"/>.
    /// </summary>
    public static IClickAnalyticsBuilder AddClickHouse(this IClickAnalyticsBuilder builder, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(section);
        return builder.AddStore<ClickHouseClickStore, ClickHouseOptions, ClickHouseOptionsValidator>(ClickHouseOptions.SectionName, section, configure: null);
    }
}
