using System;
using System.Collections.Generic;
using System.Linq;
using ClickAnalytics.Sinks.ClickHouse.Storage;
using ClickAnalytics.Storage;

namespace ClickAnalytics.Sinks.ClickHouse.Tests.Storage;

/// <summary>The generated DDL, pinned for current servers, for 18.16 and for clusters (only one node runs here).</summary>
[TestFixture]
public sealed class ClickHouseSchemaTests
{
    private static readonly ServerFeatures Legacy = ServerFeatures.Parse("18.16.1");

    private static IReadOnlyList<ClickHouseMigration> Migrations(ServerFeatures features, Action<ClickHouseOptions>? configure = null)
    {
        var options = new ClickHouseOptions { ConnectionString = "Host=x" };
        configure?.Invoke(options);
        return new ClickHouseSchema(options, features).Migrations();
    }

    [Test]
    public void Current_server_raw_table_uses_codecs_low_cardinality_milliseconds_and_a_dedup_window()
    {
        string raw = Migrations(ServerFeatures.Current)[0].Statements.Single();

        Assert.That(raw, Does.StartWith("CREATE TABLE IF NOT EXISTS clicks (event_id UUID, timestamp DateTime64(3, 'UTC') CODEC(Delta, ZSTD(1)), date Date CODEC(Delta, ZSTD(1)), tenant_id String CODEC(ZSTD(1)), link_id String CODEC(ZSTD(1)), "));
        Assert.That(raw, Does.Contain(", is_bot UInt8, "));
        Assert.That(raw, Does.Contain(", country LowCardinality(String), "));
        Assert.That(raw, Does.Contain(", asn UInt32 CODEC(ZSTD(1)), "));
        Assert.That(raw, Does.EndWith(
            ") ENGINE = ReplacingMergeTree PARTITION BY date ORDER BY (tenant_id, link_id, timestamp, event_id) " +
            "SETTINGS index_granularity = 8192, non_replicated_deduplication_window = 1000"));
        foreach (ClickColumn column in ClickSchema.Columns)
        {
            Assert.That(raw, Does.Contain((column == ClickSchema.Columns[0] ? "(" : ", ") + column.Name + " "), column.Name);
        }
    }

    [Test]
    public void Current_server_daily_rollup_and_its_view_are_pinned()
    {
        ClickHouseMigration daily = Migrations(ServerFeatures.Current)[1];

        Assert.That(daily.Statements, Is.EqualTo(new[]
        {
            "CREATE TABLE IF NOT EXISTS clicks_daily (tenant_id String, link_id String, date Date, country LowCardinality(String), " +
            "device_type LowCardinality(String), browser_family LowCardinality(String), os_family LowCardinality(String), " +
            "referer_medium LowCardinality(String), referer_source LowCardinality(String), is_bot UInt8, is_repeat UInt8, " +
            "clicks UInt64, visitors AggregateFunction(uniq, String)) ENGINE = SummingMergeTree PARTITION BY toYYYYMM(date) " +
            "ORDER BY (tenant_id, link_id, date, country, device_type, browser_family, os_family, referer_medium, referer_source, is_bot, is_repeat)",
            "CREATE MATERIALIZED VIEW IF NOT EXISTS clicks_daily_mv TO clicks_daily AS SELECT tenant_id, link_id, date AS date, country, " +
            "device_type, browser_family, os_family, referer_medium, referer_source, is_bot, is_repeat, count() AS clicks, " +
            "uniqState(visitor_id) AS visitors FROM clicks GROUP BY tenant_id, link_id, date, country, device_type, browser_family, " +
            "os_family, referer_medium, referer_source, is_bot, is_repeat",
        }));
    }

    [Test]
    public void The_link_rollup_keeps_only_what_the_dashboard_filters_on()
    {
        ClickHouseMigration links = Migrations(ServerFeatures.Current)[3];

        Assert.That(links.Statements, Is.EqualTo(new[]
        {
            "CREATE TABLE IF NOT EXISTS link_clicks_daily (tenant_id String, link_id String, date Date, is_bot UInt8, is_repeat UInt8, " +
            "clicks UInt64, visitors AggregateFunction(uniq, String)) ENGINE = SummingMergeTree PARTITION BY toYYYYMM(date) " +
            "ORDER BY (tenant_id, link_id, date, is_bot, is_repeat)",
            "CREATE MATERIALIZED VIEW IF NOT EXISTS link_clicks_daily_mv TO link_clicks_daily AS SELECT tenant_id, link_id, date AS date, " +
            "is_bot, is_repeat, count() AS clicks, uniqState(visitor_id) AS visitors FROM clicks GROUP BY tenant_id, link_id, date, is_bot, is_repeat",
        }));
    }

    [Test]
    public void Hourly_rollup_buckets_by_the_start_of_the_hour()
    {
        ClickHouseMigration hourly = Migrations(ServerFeatures.Current)[2];

        Assert.That(hourly.Statements[0], Does.StartWith("CREATE TABLE IF NOT EXISTS clicks_hourly (tenant_id String, link_id String, hour DateTime('UTC'), "));
        Assert.That(hourly.Statements[1], Does.Contain("SELECT tenant_id, link_id, toStartOfHour(timestamp) AS hour, "));
    }

    [Test]
    public void An_old_server_gets_no_codecs_no_low_cardinality_seconds_and_no_dedup_window()
    {
        IReadOnlyList<ClickHouseMigration> migrations = Migrations(Legacy);
        string all = string.Join("\n", migrations.SelectMany(m => m.Statements));

        Assert.That(all, Does.Not.Contain("CODEC"));
        Assert.That(all, Does.Not.Contain("LowCardinality"));
        Assert.That(all, Does.Not.Contain("DateTime64"));
        Assert.That(all, Does.Not.Contain("deduplication"));
        Assert.That(migrations[0].Statements[0], Does.StartWith("CREATE TABLE IF NOT EXISTS clicks (event_id UUID, timestamp DateTime, date Date, tenant_id String, "));
    }

    [Test]
    public void A_cluster_gets_on_cluster_replicated_local_tables_and_distributed_tables_in_front()
    {
        IReadOnlyList<ClickHouseMigration> migrations = Migrations(ServerFeatures.Current, o =>
        {
            o.Cluster = "analytics";
            o.Replicated = true;
            o.Distributed = true;
        });

        Assert.That(migrations[0].Statements, Has.Count.EqualTo(2));
        Assert.That(migrations[0].Statements[0], Does.StartWith("CREATE TABLE IF NOT EXISTS clicks_local ON CLUSTER `analytics` (event_id UUID, "));
        Assert.That(migrations[0].Statements[0], Does.Contain(
            ") ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/clicks_local', '{replica}') PARTITION BY date "));
        Assert.That(migrations[0].Statements[0], Does.Not.Contain("non_replicated_deduplication_window"), "replicated tables deduplicate blocks on their own");
        Assert.That(migrations[0].Statements[1], Is.EqualTo(
            "CREATE TABLE IF NOT EXISTS clicks ON CLUSTER `analytics` AS clicks_local " +
            "ENGINE = Distributed(`analytics`, currentDatabase(), clicks_local, cityHash64(tenant_id, link_id))"));

        IReadOnlyList<string> daily = migrations[1].Statements;
        Assert.That(daily[0], Does.StartWith("CREATE TABLE IF NOT EXISTS clicks_daily_local ON CLUSTER `analytics` ("));
        Assert.That(daily[0], Does.Contain("ENGINE = ReplicatedSummingMergeTree('/clickhouse/tables/{shard}/{database}/clicks_daily_local', '{replica}')"));
        Assert.That(daily[1], Does.StartWith("CREATE MATERIALIZED VIEW IF NOT EXISTS clicks_daily_local_mv ON CLUSTER `analytics` TO clicks_daily_local AS SELECT "));
        Assert.That(daily[1], Does.Contain(" FROM clicks_local GROUP BY "), "each shard rolls up its own rows");
        Assert.That(daily[2], Is.EqualTo(
            "CREATE TABLE IF NOT EXISTS clicks_daily ON CLUSTER `analytics` AS clicks_daily_local " +
            "ENGINE = Distributed(`analytics`, currentDatabase(), clicks_daily_local, cityHash64(tenant_id, link_id))"));
    }

    [Test]
    public void Replication_can_be_used_without_distributed_tables()
    {
        IReadOnlyList<ClickHouseMigration> migrations = Migrations(ServerFeatures.Current, o =>
        {
            o.Cluster = "c1";
            o.Replicated = true;
            o.ReplicationPath = "/ch/{table}";
            o.ReplicaName = "r-{replica}";
        });

        Assert.That(migrations[0].Statements, Has.Count.EqualTo(1));
        Assert.That(migrations[0].Statements[0], Does.Contain("CREATE TABLE IF NOT EXISTS clicks ON CLUSTER `c1` ("));
        Assert.That(migrations[0].Statements[0], Does.Contain("ENGINE = ReplicatedReplacingMergeTree('/ch/clicks', 'r-{replica}')"));
    }

    [Test]
    public void Cluster_names_are_quoted_not_trusted()
    {
        string raw = Migrations(ServerFeatures.Current, o => o.Cluster = "x` (a) --")[0].Statements[0];

        Assert.That(raw, Does.StartWith("CREATE TABLE IF NOT EXISTS clicks ON CLUSTER `x\\` (a) --` ("));
    }

    [Test]
    public void Adding_a_column_uses_if_not_exists_where_the_server_has_it_and_alters_both_tables_on_a_cluster()
    {
        var single = new ClickHouseSchema(new ClickHouseOptions(), ServerFeatures.Current);
        var old = new ClickHouseSchema(new ClickHouseOptions(), Legacy);
        var cluster = new ClickHouseSchema(new ClickHouseOptions { Cluster = "c", Distributed = true }, ServerFeatures.Current);

        Assert.That(single.AddColumn("asn_name", single.DimensionColumnDefinition()),
            Is.EqualTo(new[] { "ALTER TABLE clicks ADD COLUMN IF NOT EXISTS asn_name LowCardinality(String) DEFAULT ''" }));
        Assert.That(old.AddColumn("asn_name", old.DimensionColumnDefinition()),
            Is.EqualTo(new[] { "ALTER TABLE clicks ADD COLUMN asn_name String DEFAULT ''" }));
        Assert.That(cluster.AddColumn("lang", "String DEFAULT ''"), Is.EqualTo(new[]
        {
            "ALTER TABLE clicks_local ON CLUSTER `c` ADD COLUMN IF NOT EXISTS lang String DEFAULT ''",
            "ALTER TABLE clicks ON CLUSTER `c` ADD COLUMN IF NOT EXISTS lang String DEFAULT ''",
        }));
    }

    [Test]
    public void The_migrations_table_is_created_like_the_others()
    {
        var cluster = new ClickHouseSchema(new ClickHouseOptions { Cluster = "c", Replicated = true }, ServerFeatures.Current);

        Assert.That(cluster.CreateMigrationsTable(), Is.EqualTo(
            "CREATE TABLE IF NOT EXISTS clickanalytics_migrations ON CLUSTER `c` (version UInt32, name String, applied_at DateTime) " +
            "ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/clickanalytics_migrations', '{replica}') ORDER BY version"));
    }

    [TestCase("18.16.1", false, false, false, false)]
    [TestCase("19.3.4", true, true, false, false)]
    [TestCase("20.3.10.75", true, true, true, false)]
    [TestCase("24.8.4.13", true, true, true, true)]
    public void Features_follow_the_server_version(string version, bool codecs, bool lowCardinality, bool dateTime64, bool dedupTokens)
    {
        ServerFeatures features = ServerFeatures.Parse(version);

        Assert.That(
            (features.Codecs, features.LowCardinality, features.DateTime64, features.InsertDeduplicationToken),
            Is.EqualTo((codecs, lowCardinality, dateTime64, dedupTokens)));
    }

    [TestCase("")]
    [TestCase("unknown")]
    [TestCase("24")]
    public void A_version_that_is_not_one_is_a_clear_error(string version) =>
        Assert.That(() => ServerFeatures.Parse(version), Throws.TypeOf<FormatException>().With.Message.Contains("is not a ClickHouse version"));

    [Test]
    public void Dropping_a_day_drops_the_raw_tables_partition_on_every_shard_and_no_rollup()
    {
        var day = new DateOnly(2026, 10, 2);
        var single = new ClickHouseSchema(new ClickHouseOptions(), Legacy);
        var cluster = new ClickHouseSchema(new ClickHouseOptions { Cluster = "c", Replicated = true, Distributed = true }, ServerFeatures.Current);

        Assert.That(single.DropDay(day), Is.EqualTo("ALTER TABLE clicks DROP PARTITION '2026-10-02'"));
        Assert.That(cluster.DropDay(day), Is.EqualTo("ALTER TABLE clicks_local ON CLUSTER `c` DROP PARTITION '2026-10-02'"));
    }
}
