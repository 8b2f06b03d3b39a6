using ClickAnalytics.Sinks.ClickHouse.Storage;

namespace ClickAnalytics.Sinks.ClickHouse.Tests.Storage;

[TestFixture]
public sealed class LegacySettingsHandlerTests
{
    [TestCase("?database=a&output_format_binary_write_json_as_string=1&query_id=q&input_format_binary_read_json_as_string=1", "database=a&query_id=q")]
    [TestCase("?output_format_binary_write_json_as_string=1", "")]
    [TestCase("?input_format_binary_read_json_as_string_extra=1&x=", "input_format_binary_read_json_as_string_extra=1&x=")]
    [TestCase("?a=1&&b=2", "a=1&b=2")]
    [TestCase("?database=a&default_format=RowBinaryWithNamesAndTypes&query_id=q", "database=a&query_id=q")]
    public void Only_the_settings_old_servers_refuse_are_removed(string query, string expected) =>
        Assert.That(LegacySettingsHandler.WithoutUnsupported(query), Is.EqualTo(expected));
}
