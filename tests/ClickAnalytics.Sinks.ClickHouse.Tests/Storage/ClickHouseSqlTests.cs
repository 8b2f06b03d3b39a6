using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using System.Threading.Tasks;
using ClickAnalytics.Sinks.ClickHouse.Storage;
using ClickAnalytics.Sinks.ClickHouse.Tests.Support;

namespace ClickAnalytics.Sinks.ClickHouse.Tests.Storage;

/// <summary>The one place values become SQL text, checked by the real server reading them back.</summary>
[TestFixture]
public sealed class ClickHouseSqlTests
{
    private static readonly string[] Hostile =
    [
        "x' OR 1=1 --",
        "'; DROP TABLE clicks; --",
        "a\\'b\0c\u0001\u001f\u007f",
        "\\",
        "\\' OR '1'='1",
        "line\nbreak\ttab\rreturn",
        "émoji 🎉 and 漢字",
        "`backtick` \"quote\" {p:String}",
        "' || version() || '",
        "",
    ];

    private static IEnumerable<string> HostileValues() => Hostile;

    // An identifier cannot be empty.
    private static IEnumerable<string> HostileNames() => Hostile.Where(static n => n.Length > 0);

    [TestCaseSource(nameof(HostileValues))]
    public async Task A_string_literal_reads_back_as_the_same_string(string value)
    {
        List<string> answer = await ClickHouseServer.SqlAsync($"SELECT {ClickHouseSql.String(value)} AS v FORMAT JSONEachRow", null);

        Assert.That(JsonDocument.Parse(answer.Single()).RootElement.GetProperty("v").GetString(), Is.EqualTo(value));
    }

    [TestCaseSource(nameof(HostileNames))]
    public async Task An_identifier_names_exactly_the_given_name(string name)
    {
        List<string> answer = await ClickHouseServer.SqlAsync($"SELECT 1 AS {ClickHouseSql.Identifier(name)} FORMAT JSONEachRow", null);

        Assert.That(JsonDocument.Parse(answer.Single()).RootElement.EnumerateObject().Single().Name, Is.EqualTo(name));
    }

    [Test]
    public async Task Dates_uuids_and_numbers_are_literals_of_their_type()
    {
        var id = Guid.Parse("0190a2b3-0000-7000-8000-00000000002a");
        List<string> answer = await ClickHouseServer.SqlAsync(
            $"SELECT toString(toDate({ClickHouseSql.Date(new DateOnly(2026, 12, 31))})) AS d, toString(toUUID({ClickHouseSql.Uuid(id)})) AS u, " +
            $"{ClickHouseSql.UInt(4_294_967_295)} + 1 AS n FORMAT JSONEachRow",
            null);

        JsonElement row = JsonDocument.Parse(answer.Single()).RootElement;
        Assert.That(
            (row.GetProperty("d").GetString(), row.GetProperty("u").GetString(), row.GetProperty("n").GetRawText().Trim('"')),
            Is.EqualTo(("2026-12-31", "0190a2b3-0000-7000-8000-00000000002a", "4294967296")));
    }

    [Test]
    public void A_negative_number_is_refused() =>
        Assert.That(() => ClickHouseSql.UInt(-1), Throws.InstanceOf<ArgumentOutOfRangeException>());
}
