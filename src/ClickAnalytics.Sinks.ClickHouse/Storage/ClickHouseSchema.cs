using System;
using System.Collections.Generic;
using System.Text;
using ClickAnalytics.Storage;

namespace ClickAnalytics.Sinks.ClickHouse.Storage;

/// <summary>One step of the schema, recorded in the migrations table once applied. Every statement is idempotent.</summary>
internal sealed record ClickHouseMigration(int Version, string Name, IReadOnlyList<string> Statements);

/// <summary>
/// A rollup table fed from the raw clicks by a materialized view: its time bucket (column and the
/// expression over the raw table that fills it) and the dimensions it groups by after the bucket.
/// </summary>
internal sealed record ClickHouseRollup(string Table, string Bucket, string BucketExpression, IReadOnlyList<string> Dimensions)
{
    /// <summary>The bucket's day, as an expression over the rollup table's own columns.</summary>
    public string DayOfBucket => Bucket == "date" ? "date" : "toDate(" + Bucket + ")";
}

/// <summary>
/// Generates the DDL of the store for one server and one deployment shape (single server, or a
/// cluster with replicated and distributed tables). Features the server lacks are left out.
/// </summary>
internal sealed class ClickHouseSchema
{
    public const string MigrationsTable = "clickanalytics_migrations";
    public const string DailyTable = "clicks_daily";
    public const string HourlyTable = "clicks_hourly";
    public const string LinkDailyTable = "link_clicks_daily";
    public const string CampaignDailyTable = "campaign_clicks_daily";

    /// <summary>Columns the rollups group by, after the time bucket. Order is the sorting key order.</summary>
    public static readonly string[] RollupDimensions =
    [
        "country", "device_type", "browser_family", "os_family", "referer_medium", "referer_source", "is_bot", "is_repeat",
    ];

    /// <summary>
    /// The narrow rollup behind the dashboard's time series and link rankings: one row per link, day
    /// and flag pair, however many countries, browsers or referers the clicks came from.
    /// </summary>
    public static readonly string[] LinkRollupDimensions = ["is_bot", "is_repeat"];

    /// <summary>The campaign rollup: UTM values by country and device type, per day.</summary>
    public static readonly string[] CampaignRollupDimensions =
    [
        "utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content", "country", "device_type", "is_bot", "is_repeat",
    ];

    /// <summary>Every rollup the raw table feeds.</summary>
    public static readonly ClickHouseRollup[] Rollups =
    [
        new(DailyTable, "date", "date", RollupDimensions),
        new(HourlyTable, "hour", "toStartOfHour(timestamp)", RollupDimensions),
        new(LinkDailyTable, "date", "date", LinkRollupDimensions),
        new(CampaignDailyTable, "date", "date", CampaignRollupDimensions),
    ];

    /// <summary>The rollups from the fewest rows per day to the most: queries read the first that answers.</summary>
    public static readonly ClickHouseRollup[] RollupsByWidth = [Rollups[2], Rollups[0], Rollups[3], Rollups[1]];

    private readonly ClickHouseOptions _options;

    public ClickHouseSchema(ClickHouseOptions options, ServerFeatures features)
    {
        _options = options;
        Features = features;
        var mapping = new ClickHouseColumnMapping(features);
        var columns = new ClickHouseColumn[ClickSchema.Columns.Count];
        for (int i = 0; i < columns.Length; i++)
        {
            columns[i] = mapping.Map(ClickSchema.Columns[i]);
        }

        Columns = columns;
    }

    public ServerFeatures Features { get; }

    /// <summary>The fixed columns of <see cref="ClickSchema.Columns"/>, in that order, as this server keeps them.</summary>
    public IReadOnlyList<ClickHouseColumn> Columns { get; }

    private bool IsDistributed => _options.Distributed && _options.Cluster is not null;

    /// <summary>The table rows are written to and queries read: the Distributed table on a cluster.</summary>
    public static string RawTable => ClickSchema.ClicksTable;

    /// <summary>The table that holds the data on this server (the MergeTree table).</summary>
    public string LocalTable(string table) => IsDistributed ? table + "_local" : table;

    private string OnCluster => _options.Cluster is null ? "" : " ON CLUSTER " + ClickHouseSql.Identifier(_options.Cluster);

    public string CreateMigrationsTable() =>
        $"CREATE TABLE IF NOT EXISTS {MigrationsTable}{OnCluster} (version UInt32, name String, applied_at DateTime) " +
        $"ENGINE = {Engine("ReplacingMergeTree", MigrationsTable)} ORDER BY version";

    public IReadOnlyList<ClickHouseMigration> Migrations() =>
    [
        new(1, "raw clicks", RawStatements()),
        new(2, "daily rollup", RollupStatements(Rollups[0], "Date")),
        new(3, "hourly rollup", RollupStatements(Rollups[1], HourType)),
        new(4, "daily link rollup", RollupStatements(Rollups[2], "Date")),
        new(5, "daily campaign rollup", [.. RollupStatements(Rollups[3], "Date"), Backfill(Rollups[3])]),
    ];

    /// <summary>
    /// Fills a rollup added after clicks were stored, from the raw clicks, for the keys (tenant, link,
    /// day) it does not have yet: running it again adds nothing, and a key its view already started
    /// on is completed by the rollup repair of the next batch of that link and day. Two processes
    /// that apply this step at the same instant over stored clicks could both fill a key; after an
    /// upgrade, start one process before the others.
    /// </summary>
    private string Backfill(ClickHouseRollup rollup)
    {
        string key = RollupKey(rollup);
        return $"INSERT INTO {LocalTable(rollup.Table)} SELECT {RollupKeyFromRaw(rollup)}, count() AS clicks, uniqState(visitor_id) AS visitors " +
            $"FROM {LocalTable(RawTable)} WHERE (tenant_id, link_id, {rollup.BucketExpression}) NOT IN " +
            $"(SELECT tenant_id, link_id, {rollup.Bucket} FROM {LocalTable(rollup.Table)}) GROUP BY {key}";
    }

    private string HourType => Features.DateTime64 ? "DateTime('UTC')" : "DateTime";

    private List<string> RawStatements()
    {
        string local = LocalTable(RawTable);
        var sql = new StringBuilder();
        sql.Append("CREATE TABLE IF NOT EXISTS ").Append(local).Append(OnCluster).Append(" (");
        for (int i = 0; i < Columns.Count; i++)
        {
            sql.Append(i == 0 ? "" : ", ").Append(Columns[i].Name).Append(' ').Append(Columns[i].Definition);
        }

        sql.Append(") ENGINE = ").Append(Engine("ReplacingMergeTree", local))
            .Append(" PARTITION BY date ORDER BY (tenant_id, link_id, timestamp, event_id) SETTINGS index_granularity = 8192");
        if (Features.InsertDeduplicationToken && !_options.Replicated)
        {
            // Replicated tables deduplicate inserted blocks already; plain ones only with a window.
            sql.Append(", non_replicated_deduplication_window = 1000");
        }

        var statements = new List<string> { sql.ToString() };
        AddDistributed(statements, RawTable, "cityHash64(tenant_id, link_id)");
        return statements;
    }

    /// <summary>The rollup's full key, in sorting key order: tenant, link, bucket, dimensions.</summary>
    public static string RollupKey(ClickHouseRollup rollup) => KeyList(rollup, rollup.Bucket);

    /// <summary>The rollup's key computed from raw click columns, each named as the rollup's column.</summary>
    public static string RollupKeyFromRaw(ClickHouseRollup rollup) =>
        KeyList(rollup, rollup.BucketExpression + " AS " + rollup.Bucket);

    private static string KeyList(ClickHouseRollup rollup, string bucket) =>
        string.Join(", ", ["tenant_id", "link_id", bucket, .. rollup.Dimensions]);

    private List<string> RollupStatements(ClickHouseRollup rollup, string bucketType)
    {
        string table = rollup.Table;
        string bucket = rollup.Bucket;
        string local = LocalTable(table);
        string partition = "toYYYYMM(" + bucket + ")";
        string key = RollupKey(rollup);
        string select = RollupKeyFromRaw(rollup);
        var columns = new StringBuilder();
        columns.Append("tenant_id String, link_id String, ").Append(bucket).Append(' ').Append(bucketType);
        foreach (string dimension in rollup.Dimensions)
        {
            columns.Append(", ").Append(dimension).Append(' ').Append(Column(dimension).Type);
        }

        columns.Append(", clicks UInt64, visitors AggregateFunction(uniq, String)");

        var statements = new List<string>
        {
            // SummingMergeTree adds up clicks and merges the uniq states of rows with the same key.
            $"CREATE TABLE IF NOT EXISTS {local}{OnCluster} ({columns}) ENGINE = {Engine("SummingMergeTree", local)} " +
            $"PARTITION BY {partition} ORDER BY ({key})",
            $"CREATE MATERIALIZED VIEW IF NOT EXISTS {local}_mv{OnCluster} TO {local} AS SELECT {select}, " +
            $"count() AS clicks, uniqState(visitor_id) AS visitors FROM {LocalTable(RawTable)} GROUP BY {key}",
        };
        AddDistributed(statements, table, "cityHash64(tenant_id, link_id)");
        return statements;
    }

    private void AddDistributed(List<string> statements, string table, string shardingKey)
    {
        if (IsDistributed)
        {
            statements.Add(
                $"CREATE TABLE IF NOT EXISTS {table}{OnCluster} AS {LocalTable(table)} " +
                $"ENGINE = Distributed({ClickHouseSql.Identifier(_options.Cluster!)}, currentDatabase(), {LocalTable(table)}, {shardingKey})");
        }
    }

    /// <summary>Statements that add a string column (a custom dimension, or a fixed column added in a later version) to the raw table.</summary>
    public IReadOnlyList<string> AddColumn(string name, string type)
    {
        string ifNotExists = Features.AddColumnIfNotExists ? "IF NOT EXISTS " : "";
        var statements = new List<string>
        {
            $"ALTER TABLE {LocalTable(RawTable)}{OnCluster} ADD COLUMN {ifNotExists}{name} {type}",
        };
        if (IsDistributed)
        {
            statements.Add($"ALTER TABLE {RawTable}{OnCluster} ADD COLUMN {ifNotExists}{name} {type}");
        }

        return statements;
    }

    /// <summary>
    /// Drops one day of raw clicks: the raw table is partitioned by its <c>date</c>, so that is one
    /// partition, on every shard of a cluster. The rollups are other tables and keep the day.
    /// </summary>
    public string DropDay(DateOnly day) =>
        $"ALTER TABLE {LocalTable(RawTable)}{OnCluster} DROP PARTITION {ClickHouseSql.Date(day)}";

    /// <summary>The type of a custom dimension column, as inserts declare it.</summary>
    public string DimensionType => Features.LowCardinality ? "LowCardinality(String)" : "String";

    /// <summary>Type and default of a custom dimension column: empty means unknown, as everywhere.</summary>
    public string DimensionColumnDefinition() => DimensionType + " DEFAULT ''";

    private string Engine(string kind, string table)
    {
        if (!_options.Replicated)
        {
            return kind;
        }

        string path = _options.ReplicationPath.Replace("{table}", table, StringComparison.Ordinal);
        return $"Replicated{kind}({ClickHouseSql.String(path)}, {ClickHouseSql.String(_options.ReplicaName)})";
    }

    /// <summary>The fixed column of that name.</summary>
    public ClickHouseColumn Column(string name)
    {
        foreach (ClickHouseColumn column in Columns)
        {
            if (column.Name == name)
            {
                return column;
            }
        }

        throw new InvalidOperationException($"The raw schema has no column '{name}'.");
    }
}
