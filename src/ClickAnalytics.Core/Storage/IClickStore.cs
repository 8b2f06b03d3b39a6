using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using ClickAnalytics.Querying;

namespace ClickAnalytics.Storage;

/// <summary>
/// What every store does, in one place. A store is a sink that also keeps the clicks it was given:
/// <list type="bullet">
/// <item><see cref="InitializeAsync"/> creates (or migrates) its schema when the host starts, so a
/// bad connection string or path fails the start, not the first click;</item>
/// <item><see cref="IClickSink.WriteAsync"/> stores a batch so that a click whose
/// <see cref="ClickEvent.EventId"/> is already stored is never stored twice (a redelivered batch, or
/// a batch retried after it failed midway); custom dimensions become columns as they appear;
/// it throws on failure and never retries: the processor owns the one retry policy;</item>
/// <item><see cref="Queries"/> answers the dashboard's questions;</item>
/// <item><see cref="ListDaysAsync"/>, <see cref="ListTenantsAsync"/>, the two
/// <c>ReadDayAsync</c> and <see cref="DropDayAsync"/> expose the raw clicks by UTC day (and tenant),
/// for retention and archiving.</item>
/// </list>
/// Every store passes the shared store contract test suite (<c>ClickStoreContractTests</c> in
/// <c>tests/ClickAnalytics.Testing</c>), which its own tests inherit.
/// </summary>
public interface IClickStore : IClickSink
{
    /// <summary>Creates or migrates the schema. Called once when the host starts; safe to call again.</summary>
    ValueTask InitializeAsync(CancellationToken cancellationToken);

    /// <summary>The store's answers to dashboard queries.</summary>
    IClickQueries Queries { get; }

    /// <summary>The UTC days that hold raw clicks, oldest first, with how many clicks each holds.</summary>
    Task<IReadOnlyList<StoredDay>> ListDaysAsync(CancellationToken cancellationToken);

    /// <summary>
    /// The raw clicks of one UTC day, in no particular order: each with the values of
    /// <see cref="ClickSchema.Columns"/> in that order, and every custom dimension column the store
    /// has (empty when the click had none).
    /// </summary>
    IAsyncEnumerable<StoredClick> ReadDayAsync(DateOnly day, CancellationToken cancellationToken);

    /// <summary>
    /// The tenants with raw clicks on one UTC day, ordered by tenant id (ordinal), with how many
    /// clicks each has; clicks without a tenant count under the empty id.
    /// </summary>
    Task<IReadOnlyList<StoredTenantDay>> ListTenantsAsync(DateOnly day, CancellationToken cancellationToken);

    /// <summary>
    /// The raw clicks of one tenant on one UTC day (<paramref name="tenantId"/> empty: the clicks
    /// without a tenant), as <see cref="ReadDayAsync(DateOnly, CancellationToken)"/> gives them.
    /// </summary>
    IAsyncEnumerable<StoredClick> ReadDayAsync(DateOnly day, string tenantId, CancellationToken cancellationToken);

    /// <summary>
    /// Removes the raw clicks of one UTC day. Aggregates kept beside the raw clicks (rollups) stay.
    /// Dropping a day that holds nothing does nothing.
    /// </summary>
    Task DropDayAsync(DateOnly day, CancellationToken cancellationToken);
}

/// <summary>A UTC day that holds raw clicks.</summary>
/// <param name="Day">The day.</param>
/// <param name="Clicks">How many raw clicks it holds.</param>
public readonly record struct StoredDay(DateOnly Day, long Clicks);

/// <summary>A tenant's raw clicks on one UTC day.</summary>
/// <param name="TenantId">The tenant (empty for clicks without one).</param>
/// <param name="Clicks">How many raw clicks it has that day.</param>
public readonly record struct StoredTenantDay(string TenantId, long Clicks);

/// <summary>One raw click as a store keeps it.</summary>
public sealed class StoredClick
{
    /// <summary>Creates a stored click from its values.</summary>
    /// <param name="values">The values of <see cref="ClickSchema.Columns"/>, in that order, typed as each column's <see cref="ClickColumn.Type"/> says.</param>
    /// <param name="dimensions">Custom dimension values by column name.</param>
    public StoredClick(IReadOnlyList<object> values, IReadOnlyDictionary<string, string> dimensions)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(dimensions);
        if (values.Count != ClickSchema.Columns.Count)
        {
            throw new ArgumentException($"A stored click has {ClickSchema.Columns.Count} values, not {values.Count}.", nameof(values));
        }

        Values = values;
        Dimensions = dimensions;
    }

    /// <summary>The values of <see cref="ClickSchema.Columns"/>, in that order: <see cref="string"/>, <see cref="bool"/>, <see cref="uint"/>, <see cref="DateTime"/> (UTC), <see cref="DateOnly"/> or <see cref="Guid"/>.</summary>
    public IReadOnlyList<object> Values { get; }

    /// <summary>Custom dimension values by column name.</summary>
    public IReadOnlyDictionary<string, string> Dimensions { get; }

    /// <summary>The click's event id.</summary>
    public Guid EventId => (Guid)Values[0];
}
