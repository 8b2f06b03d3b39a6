using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using ClickAnalytics.Sinks.ClickHouse.Diagnostics;
using ClickAnalytics.Storage;
using Microsoft.Extensions.Logging;

namespace ClickAnalytics.Sinks.ClickHouse.Storage;

/// <summary>
/// Brings the rollups back in line with the raw clicks for the links and days of one batch. A
/// materialized view is not atomic with its source: an insert cut off by the server stopping can
/// leave rows in the raw table that never reached the rollups, and the retry then skips them as
/// stored. For every rollup key of those links and days this counts the distinct event ids in the
/// raw table, compares them with the rollup's sum and inserts a row carrying the difference (the
/// SummingMergeTree adds it up) with the uniq state of the key's visitors (merging the same
/// visitors again changes nothing). Keys the rollup already counts fully get nothing, so running it
/// twice, or on a batch that landed whole, changes nothing.
/// </summary>
/// <remarks>
/// The comparison is only exact while no other insert of the same links is between its raw write
/// and its views; the store runs it inside its write gate, which covers one process.
/// </remarks>
internal sealed class ClickHouseRollupRepair(ClickHouseDatabase database, ClickHouseMetrics metrics, ILogger logger)
{
    // Keeps each statement (which holds the key list twice) well under the server's default max_query_size (256 KiB).
    private const int MaxKeyListChars = 96 * 1024;

    /// <summary>Corrects every rollup for the (tenant, link, day) keys of the batch; returns the clicks added in all rollups.</summary>
    public async Task<long> RepairAsync(IReadOnlyList<EnrichedClick> clicks, CancellationToken cancellationToken)
    {
        long added = 0;
        foreach (string keyList in KeyLists(clicks))
        {
            foreach (ClickHouseRollup rollup in ClickHouseSchema.Rollups)
            {
                added += await RepairAsync(rollup, keyList, cancellationToken).ConfigureAwait(false);
            }
        }

        return added;
    }

    private async Task<long> RepairAsync(ClickHouseRollup rollup, string keyList, CancellationToken cancellationToken)
    {
        string differences = Differences(rollup, keyList);
        string missingText = await database.QueryTextAsync(
            "SELECT sum(raw_clicks - rolled_clicks) FROM (" + differences + ") FORMAT TabSeparated", cancellationToken).ConfigureAwait(false);
        long missing = long.Parse(missingText.Trim(), NumberStyles.None, CultureInfo.InvariantCulture);
        if (missing == 0)
        {
            return 0;
        }

        string key = ClickHouseSchema.RollupKey(rollup);
        await database.ExecuteAsync(
            $"INSERT INTO {rollup.Table} ({key}, clicks, visitors) SELECT {key}, raw_clicks - rolled_clicks, raw_visitors FROM ({differences})",
            cancellationToken).ConfigureAwait(false);
        metrics.RollupRepaired(missing);
        Log.RollupRepaired(logger, rollup.Table, missing);
        return missing;
    }

    /// <summary>Rollup keys of the given (tenant, link, day) triples whose rollup count is below the raw table's distinct event ids.</summary>
    internal static string Differences(ClickHouseRollup rollup, string keyList)
    {
        string key = ClickHouseSchema.RollupKey(rollup);
        // Distinct event ids, because the raw table may still hold a redelivered row twice until it merges.
        // 18.16 needs the join's strictness spelled out; ANY is enough since the right side is grouped by the key.
        return
            $"SELECT {key}, raw_clicks, raw_visitors, rolled_clicks FROM (" +
            $"SELECT {ClickHouseSchema.RollupKeyFromRaw(rollup)}, uniqExact(event_id) AS raw_clicks, uniqState(visitor_id) AS raw_visitors " +
            $"FROM {ClickHouseSchema.RawTable} WHERE (tenant_id, link_id, date) IN ({keyList}) GROUP BY {key}" +
            $") ANY LEFT JOIN (" +
            $"SELECT {key}, sum(clicks) AS rolled_clicks FROM {rollup.Table} " +
            $"WHERE (tenant_id, link_id, {rollup.DayOfBucket}) IN ({keyList}) GROUP BY {key}" +
            $") USING ({key}) WHERE raw_clicks > rolled_clicks";
    }

    /// <summary>The batch's distinct (tenant, link, day) triples as SQL tuple lists, each short enough for one statement.</summary>
    internal static List<string> KeyLists(IReadOnlyList<EnrichedClick> clicks)
    {
        var seen = new HashSet<(string Tenant, string Link, DateOnly Day)>();
        var lists = new List<string>();
        var list = new StringBuilder();
        for (int i = 0; i < clicks.Count; i++)
        {
            ClickEvent click = clicks[i].Click;
            // The same values the raw table stores for these columns.
            (string Tenant, string Link, DateOnly Day) triple =
                (click.TenantId ?? "", click.LinkId, DateOnly.FromDateTime(click.Timestamp.UtcDateTime));
            if (!seen.Add(triple))
            {
                continue;
            }

            string tuple = "(" + ClickHouseSql.String(triple.Tenant) + ", " + ClickHouseSql.String(triple.Link) + ", toDate(" +
                ClickHouseSql.Date(triple.Day) + "))";
            if (list.Length > 0 && list.Length + tuple.Length + 2 > MaxKeyListChars)
            {
                lists.Add(list.ToString());
                list.Clear();
            }

            list.Append(list.Length == 0 ? "" : ", ").Append(tuple);
        }

        if (list.Length > 0)
        {
            lists.Add(list.ToString());
        }

        return lists;
    }
}
