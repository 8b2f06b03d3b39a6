using System;
using System.Linq;
using System.Text.Json;
using ClickAnalytics.Sinks.ClickHouse.Storage;
using ClickAnalytics.Storage;

namespace ClickAnalytics.Sinks.ClickHouse.Tests.Storage;

/// <summary>The one mapping of column types, for what the 18.16 test server cannot show (DateTime64, LowCardinality).</summary>
[TestFixture]
public sealed class ClickHouseColumnMappingTests
{
    private static ClickHouseColumn Column(ServerFeatures features, string name) =>
        new ClickHouseColumnMapping(features).Map(ClickSchema.Columns.Single(c => c.Name == name));

    [TestCase("2026-10-01 09:00:00.123", 123)]
    [TestCase("2026-10-01 09:00:00.1", 100)]
    [TestCase("2026-10-01 09:00:00", 0)]
    public void A_timestamp_reads_back_as_utc_with_its_milliseconds(string text, int milliseconds)
    {
        object value = Column(ServerFeatures.Current, "timestamp").Read(JsonDocument.Parse(JsonSerializer.Serialize(text)).RootElement);

        Assert.That(value, Is.EqualTo(new DateTime(2026, 10, 1, 9, 0, 0, milliseconds, DateTimeKind.Utc)));
        Assert.That(((DateTime)value).Kind, Is.EqualTo(DateTimeKind.Utc));
    }

    [Test]
    public void Each_type_has_its_clickhouse_type_on_a_current_and_an_old_server()
    {
        ServerFeatures legacy = ServerFeatures.Parse("18.16.1");
        string[] names = ["event_id", "timestamp", "date", "tenant_id", "country", "is_bot", "asn"];

        Assert.That(names.Select(n => Column(ServerFeatures.Current, n).Definition), Is.EqualTo(new[]
        {
            "UUID", "DateTime64(3, 'UTC') CODEC(Delta, ZSTD(1))", "Date CODEC(Delta, ZSTD(1))", "String CODEC(ZSTD(1))",
            "LowCardinality(String)", "UInt8", "UInt32 CODEC(ZSTD(1))",
        }));
        Assert.That(names.Select(n => Column(legacy, n).Definition), Is.EqualTo(new[]
        {
            "UUID", "DateTime", "Date", "String", "String", "UInt8", "UInt32",
        }));
    }

    [Test]
    public void A_read_selects_time_columns_as_text_in_utc_whatever_the_server_time_zone()
    {
        Assert.That(Column(ServerFeatures.Current, "timestamp").SelectExpression, Is.EqualTo("toString(timestamp, 'UTC') AS timestamp"));
        Assert.That(Column(ServerFeatures.Current, "country").SelectExpression, Is.EqualTo("country"));
    }
}
