using System;
using ClickAnalytics.Sinks.DuckDb;
using ClickAnalytics.Sinks.DuckDb.Storage;
using ClickAnalytics.Storage;
using Microsoft.Extensions.Configuration;

namespace ClickAnalytics;

/// <summary>Adds the embedded DuckDB store to ClickAnalytics.</summary>
public static class DuckDbClickAnalyticsBuilderExtensions
{
    /// <summary>
    /// Stores clicks in a local DuckDB file and answers queries from it, with options bound from
    /// <c>ClickAnalytics:DuckDb</c>. The options are checked, and the file and its schema created,
    /// when the host starts; the file is closed when the host's services are disposed, after the
    /// processor drained its last batch into it. Adding the store again only configures it again.
    /// </summary>
    public static IClickAnalyticsBuilder AddDuckDb(this IClickAnalyticsBuilder builder) =>
        builder.AddStore<DuckDbClickStore, DuckDbOptions, DuckDbOptionsValidator>(DuckDbOptions.SectionName, section: null, configure: null);

    /// <summary>
    /// Stores clicks in a local DuckDB file, with options bound from <c>ClickAnalytics:DuckDb</c>
    /// and then set by <paramref name="configure"/>. See <see cref="AddDuckDb(IClickAnalyticsBuilder)"/>.
    /// </summary>
    public static IClickAnalyticsBuilder AddDuckDb(this IClickAnalyticsBuilder builder, Action<DuckDbOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        return builder.AddStore<DuckDbClickStore, DuckDbOptions, DuckDbOptionsValidator>(DuckDbOptions.SectionName, section: null, configure);
    }

    /// <summary>
    /// Stores clicks in a local DuckDB file, with options bound from <paramref name="section"/>
    /// instead of <c>ClickAnalytics:DuckDb</c>. See <see cref="AddDuckDb(IClickAnalyticsBuilder)"/>.
    /// </summary>
    public static IClickAnalyticsBuilder AddDuckDb(this IClickAnalyticsBuilder builder, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(section);
        return builder.AddStore<DuckDbClickStore, DuckDbOptions, DuckDbOptionsValidator>(DuckDbOptions.SectionName, section, configure: null);
    }
}
