using System;
using System.Collections.Generic;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using ClickAnalytics.Querying;
using ClickAnalytics.Sinks.DuckDb.Storage;
using ClickAnalytics.Storage;
using DuckDB.NET.Data;

namespace ClickAnalytics.Sinks.DuckDb.Querying;

/// <summary>
/// The query contract on the DuckDB file. Counts read <see cref="DuckDbLayout.EventsTable"/>
/// without the view's joins: the day range is a range of timestamps, so DuckDB skips row groups by
/// their timestamp bounds, and tenant, bot and repeat filters pick the few matching rows of
/// <c>click_attributes</c> and keep the clicks with one of their keys. Every value reaches the
/// database as a parameter.
/// </summary>
internal sealed class DuckDbClickQueries(DuckDbDatabase database) : IClickQueries
{
    public async Task<IReadOnlyList<DailyClicks>> GetDailyClicksAsync(ClickQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        query.Validate();

        var counts = new Dictionary<DateOnly, long>();
        using DuckDBConnection connection = await database.OpenReadConnectionAsync(cancellationToken).ConfigureAwait(false);
        using DuckDBCommand command = connection.CreateCommand();
        command.CommandText = $"SELECT {DuckDbLayout.DayOfClick} AS day, count(*) FROM {DuckDbLayout.EventsTable} WHERE {Filter(query, command)} GROUP BY day";
        using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            counts[reader.GetFieldValue<DateOnly>(0)] = reader.GetInt64(1);
        }

        return DailyClicks.Densify(query.From, query.To, counts);
    }

    public async Task<IReadOnlyList<LinkClicks>> GetLinkTotalsAsync(ClickQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        query.Validate();

        var totals = new List<LinkClicks>();
        using DuckDBConnection connection = await database.OpenReadConnectionAsync(cancellationToken).ConfigureAwait(false);
        using DuckDBCommand command = connection.CreateCommand();
        command.CommandText =
            $"SELECT link_id, count(*) AS clicks FROM {DuckDbLayout.EventsTable} WHERE {Filter(query, command)} " +
            "GROUP BY link_id ORDER BY clicks DESC, link_id LIMIT $limit";
        command.Parameters.Add(new DuckDBParameter("limit", query.Limit));
        using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            totals.Add(new LinkClicks(reader.GetString(0), reader.GetInt64(1)));
        }

        return totals;
    }

    private static string Filter(ClickQuery query, DuckDBCommand command)
    {
        // From 00:00 of the first day to before 00:00 of the day after the last; DuckDB adds the day, so the last day of DateOnly works too.
        var where = new StringBuilder("timestamp >= CAST($from AS DATE) AND timestamp < CAST($to AS DATE) + 1");
        command.Parameters.Add(new DuckDBParameter("from", query.From));
        command.Parameters.Add(new DuckDBParameter("to", query.To));
        if (query.LinkId is not null)
        {
            where.Append(" AND link_id = $link");
            command.Parameters.Add(new DuckDBParameter("link", DuckDbText.Clean(query.LinkId)));
        }

        var attributes = new List<string>(3);
        if (query.TenantId is not null)
        {
            attributes.Add("tenant_id = $tenant");
            command.Parameters.Add(new DuckDBParameter("tenant", DuckDbText.Clean(query.TenantId)));
        }

        if (!query.IncludeBots)
        {
            attributes.Add("NOT is_bot");
        }

        if (!query.IncludeRepeats)
        {
            attributes.Add("NOT is_repeat");
        }

        if (attributes.Count > 0)
        {
            where.Append(" AND attribute_key IN (SELECT attribute_key FROM ").Append(DuckDbLayout.AttributesTable).Append(" WHERE ")
                .AppendJoin(" AND ", attributes).Append(')');
        }

        return where.ToString();
    }
}
