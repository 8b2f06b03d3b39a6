using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using ClickAnalytics.Querying;
using ClickAnalytics.Sinks.ClickHouse.Storage;

namespace ClickAnalytics.Sinks.ClickHouse.Querying;

/// <summary>
/// The query contract, answered from the narrow daily link rollup, so a range of any length reads a
/// few rows per link and day instead of every click. Values reach the server as escaped literals.
/// </summary>
internal sealed class ClickHouseClickQueries(ClickHouseDatabase database) : IClickQueries
{
    public async Task<IReadOnlyList<DailyClicks>> GetDailyClicksAsync(ClickQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        query.Validate();
        await database.EnsureSchemaAsync(cancellationToken).ConfigureAwait(false);

        string sql =
            $"SELECT toString(date) AS day, sum(clicks) AS clicks FROM {ClickHouseSchema.LinkDailyTable} WHERE {Filter(query)} " +
            "GROUP BY date FORMAT JSONEachRow";
        var counts = new Dictionary<DateOnly, long>();
        foreach (JsonElement row in await QueryAsync(sql, cancellationToken).ConfigureAwait(false))
        {
            DateOnly day = DateOnly.ParseExact(row.GetProperty("day").GetString()!, "yyyy-MM-dd", CultureInfo.InvariantCulture);
            counts[day] = Number(row.GetProperty("clicks"));
        }

        return DailyClicks.Densify(query.From, query.To, counts);
    }

    public async Task<IReadOnlyList<LinkClicks>> GetLinkTotalsAsync(ClickQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        query.Validate();
        await database.EnsureSchemaAsync(cancellationToken).ConfigureAwait(false);

        string sql =
            $"SELECT link_id, sum(clicks) AS clicks FROM {ClickHouseSchema.LinkDailyTable} WHERE {Filter(query)} " +
            $"GROUP BY link_id HAVING clicks > 0 ORDER BY clicks DESC, link_id ASC LIMIT {ClickHouseSql.UInt(query.Limit)} FORMAT JSONEachRow";
        var totals = new List<LinkClicks>();
        foreach (JsonElement row in await QueryAsync(sql, cancellationToken).ConfigureAwait(false))
        {
            totals.Add(new LinkClicks(row.GetProperty("link_id").GetString()!, Number(row.GetProperty("clicks"))));
        }

        return totals;
    }

    internal static string Filter(ClickQuery query)
    {
        var where = new StringBuilder("date >= ").Append(ClickHouseSql.Date(query.From))
            .Append(" AND date <= ").Append(ClickHouseSql.Date(query.To));
        if (query.TenantId is not null)
        {
            where.Append(" AND tenant_id = ").Append(ClickHouseSql.String(query.TenantId));
        }

        if (query.LinkId is not null)
        {
            where.Append(" AND link_id = ").Append(ClickHouseSql.String(query.LinkId));
        }

        if (!query.IncludeBots)
        {
            where.Append(" AND is_bot = 0");
        }

        if (!query.IncludeRepeats)
        {
            where.Append(" AND is_repeat = 0");
        }

        return where.ToString();
    }

    private async Task<List<JsonElement>> QueryAsync(string sql, CancellationToken cancellationToken)
    {
        var rows = new List<JsonElement>();
        await foreach (JsonElement row in database.QueryRowsAsync(sql, cancellationToken).ConfigureAwait(false))
        {
            rows.Add(row);
        }

        return rows;
    }

    // JSON output quotes 64-bit integers by default (output_format_json_quote_64bit_integers).
    internal static long Number(JsonElement value) =>
        value.ValueKind == JsonValueKind.String
            ? long.Parse(value.GetString()!, NumberStyles.None, CultureInfo.InvariantCulture)
            : value.GetInt64();
}
