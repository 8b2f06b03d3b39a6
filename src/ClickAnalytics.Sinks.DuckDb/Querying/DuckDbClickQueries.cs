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
/// The query contract on the DuckDB file. Counts need only per-click columns, so they read
/// <see cref="DuckDbLayout.EventsTable"/> without the dimension joins. Every value reaches the
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
        command.CommandText = $"SELECT date, count(*) FROM {DuckDbLayout.EventsTable} WHERE {Filter(query, command)} GROUP BY date";
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
        var where = new StringBuilder("date BETWEEN $from AND $to");
        command.Parameters.Add(new DuckDBParameter("from", query.From));
        command.Parameters.Add(new DuckDBParameter("to", query.To));
        if (query.TenantId is not null)
        {
            where.Append(" AND tenant_id = $tenant");
            command.Parameters.Add(new DuckDBParameter("tenant", DuckDbText.Clean(query.TenantId)));
        }

        if (query.LinkId is not null)
        {
            where.Append(" AND link_id = $link");
            command.Parameters.Add(new DuckDBParameter("link", DuckDbText.Clean(query.LinkId)));
        }

        if (!query.IncludeBots)
        {
            where.Append(" AND NOT is_bot");
        }

        if (!query.IncludeRepeats)
        {
            where.Append(" AND NOT is_repeat");
        }

        return where.ToString();
    }
}
