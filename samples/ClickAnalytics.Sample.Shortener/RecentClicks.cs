using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using ClickAnalytics.Sinks.DuckDb;
using DuckDB.NET.Data;
using Microsoft.Extensions.Options;

namespace ClickAnalytics.Sample.Shortener;

/// <summary>
/// Reads a link's latest stored clicks straight from the DuckDB file, to show what enrichment
/// put there. A dashboard would use the query API instead; this is for looking.
/// </summary>
public sealed class RecentClicks(IOptions<DuckDbOptions> options)
{
    private static readonly string[] Columns =
    [
        "event_id", "timestamp", "link_id", "browser_family", "browser_major", "os_family", "os_major",
        "device_family", "device_brand", "device_model", "device_type", "is_bot", "bot_class", "bot_reasons",
        "continent", "country", "region", "city", "geo_db", "referer_host", "referer_medium", "referer_source",
        "search_term", "utm_source", "utm_medium", "utm_campaign", "language", "visitor_id", "ip",
        "is_head", "is_prefetch", "is_qr", "is_repeat", "repeat_of", "repeat_reason",
    ];

    public async Task<IReadOnlyList<Dictionary<string, object?>>> ReadAsync(string linkId, int limit, CancellationToken cancellationToken)
    {
        // In one process DuckDB.NET shares the store's database instance with this connection.
        using var connection = new DuckDBConnection($"Data Source={System.IO.Path.GetFullPath(options.Value.Path)}");
        await connection.OpenAsync(cancellationToken);
        using DuckDBCommand command = connection.CreateCommand();
        command.CommandText = $"SELECT {string.Join(", ", Columns)} FROM clicks WHERE link_id = $link ORDER BY timestamp DESC LIMIT $limit";
        command.Parameters.Add(new DuckDBParameter("link", linkId));
        command.Parameters.Add(new DuckDBParameter("limit", limit));
        using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var rows = new List<Dictionary<string, object?>>();
        while (await reader.ReadAsync(cancellationToken))
        {
            var row = new Dictionary<string, object?>(Columns.Length, StringComparer.Ordinal);
            for (int i = 0; i < Columns.Length; i++)
            {
                object? value = reader.IsDBNull(i) ? null : reader.GetValue(i);
                // DuckDB keeps UTC timestamps without a zone; say it in the JSON (ISO 8601 with Z).
                row[Columns[i]] = value is DateTime utc ? DateTime.SpecifyKind(utc, DateTimeKind.Utc) : value;
            }

            rows.Add(row);
        }

        return rows;
    }
}
