using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using ClickAnalytics.Storage;

namespace ClickAnalytics.Sinks.DuckDb.Storage;

/// <summary>
/// A group of <see cref="ClickSchema"/> columns whose values repeat from click to click (a tenant
/// with its flags, everything parsed from one user agent, one location, one referer, one campaign).
/// Each distinct combination is stored once, in its own table under a key, and the click keeps only
/// the key.
/// </summary>
internal sealed class DuckDbDimension
{
    public DuckDbDimension(string table, string keyColumn, string[] hashedBy, params string[] columns)
    {
        Table = table;
        KeyColumn = keyColumn;
        Columns = columns.Select(name => DuckDbColumn.For(ClickSchema.Columns.Single(c => c.Name == name))).ToArray();
        HashedColumns = hashedBy.Select(name => Array.FindIndex(columns, c => c == name)).ToArray();
        if (HashedColumns.Count == 0 || HashedColumns.Any(i => i < 0))
        {
            throw new InvalidOperationException($"The hashed columns of {table} must be some of its columns.");
        }
    }

    /// <summary>Name of the table, which holds the key column followed by <see cref="Columns"/>.</summary>
    public string Table { get; }

    /// <summary>Name of the key, in this table and in <see cref="DuckDbLayout.EventsTable"/>.</summary>
    public string KeyColumn { get; }

    /// <summary>The columns, in table order.</summary>
    public IReadOnlyList<DuckDbColumn> Columns { get; }

    /// <summary>
    /// Indexes into <see cref="Columns"/> of the columns that tell rows apart in practice (the raw
    /// user agent, say, from which the rest is parsed). Only these are hashed when a click looks for
    /// its row, which keeps the lookup cheap; rows are still compared on every column, so two rows
    /// that differ elsewhere only share a hash bucket.
    /// </summary>
    public IReadOnlyList<int> HashedColumns { get; }
}

/// <summary>
/// How the embedded store lays out <see cref="ClickSchema"/>: the values that differ from click to
/// click in <see cref="EventsTable"/> with one key per <see cref="DuckDbDimension"/>, the repeating
/// values in the dimension tables, and a view named <see cref="ClickSchema.ClicksTable"/> that joins
/// them back into exactly the columns of <see cref="ClickSchema.Columns"/> (then the custom
/// dimensions), deriving <c>date</c> from <c>timestamp</c>. DuckDB's write cost follows the number
/// of columns a click row has, whatever their type, so the row keeps as few as it can.
/// </summary>
internal static class DuckDbLayout
{
    /// <summary>The table of clicks, one row each.</summary>
    public const string EventsTable = "click_events";

    /// <summary>The dimension table of the short per-click values (tenant, tags, language, flags, repeat), keyed by <c>attribute_key</c>.</summary>
    public const string AttributesTable = "click_attributes";

    /// <summary>The short per-click values of <c>click_attributes</c>; few combinations occur, so all of them are hashed.</summary>
    private static readonly string[] AttributeColumns =
        ["tenant_id", "tags", "language", "is_head", "is_prefetch", "is_qr", "is_bot", "is_repeat", "repeat_reason"];

    /// <summary>The dimension tables, in the order of their keys in <see cref="EventsTable"/>.</summary>
    public static IReadOnlyList<DuckDbDimension> Dimensions { get; } =
    [
        new(AttributesTable, "attribute_key", AttributeColumns, AttributeColumns),
        new("click_user_agents", "user_agent_key", ["user_agent"],
            "user_agent", "browser_family", "browser_major", "browser_minor", "browser_patch",
            "os_family", "os_major", "os_minor", "os_patch", "os_patch_minor",
            "device_family", "device_brand", "device_model", "device_type", "bot_class", "bot_reasons"),
        new("click_locations", "location_key", ["country", "region", "city", "asn"], "continent", "country", "region", "city", "asn", "asn_org", "geo_db"),
        new("click_referers", "referer_key", ["referer", "referer_host"], "referer", "referer_host", "referer_medium", "referer_source", "search_term"),
        new("click_campaigns", "campaign_key", ["utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content"], "utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content"),
    ];

    /// <summary>
    /// The clicks of dropped days, counted per UTC hour and per combination of
    /// <see cref="RollupColumns"/>: what queries over those days read once their raw clicks are gone
    /// (see <see cref="DuckDbClickStore.DropDayAsync"/>). Hours tile the days of any zone whose offsets
    /// are whole hours, so day, week and month buckets in such zones stay exact.
    /// </summary>
    public const string RollupTable = "click_rollup_hourly";

    /// <summary>
    /// The columns the rollup keeps besides the hour and the count: the ones a dashboard breaks
    /// clicks down by and the flags the metrics read. Unique visitors are not additive, so they are
    /// not kept; a query that counts them reads the raw clicks only.
    /// </summary>
    public static IReadOnlyList<string> RollupColumns { get; } =
    [
        "tenant_id", "link_id", "country", "device_type", "browser_family", "os_family", "referer_medium", "referer_source",
        "utm_source", "utm_medium", "utm_campaign", "is_bot", "is_repeat",
    ];

    public static string CreateRollupTableSql()
    {
        var sql = new StringBuilder("CREATE TABLE IF NOT EXISTS ").Append(RollupTable).Append(" (hour TIMESTAMP NOT NULL");
        foreach (string name in RollupColumns)
        {
            sql.Append(", ").Append(ColumnDefinition(DuckDbColumn.For(ClickSchema.Columns.Single(c => c.Name == name))));
        }

        return sql.Append(", clicks BIGINT NOT NULL)").ToString();
    }

    /// <summary>Adds the clicks of the UTC day <c>$day</c> to <see cref="RollupTable"/>, read through the clicks view.</summary>
    public static string RollUpDaySql(string dayRange)
    {
        string columns = string.Join(", ", RollupColumns);
        return $"INSERT INTO {RollupTable} (hour, {columns}, clicks) " +
               $"SELECT date_trunc('hour', timestamp) AS hour, {columns}, count(*) FROM {ClickSchema.ClicksTable} " +
               $"WHERE {dayRange} GROUP BY ALL";
    }

    /// <summary>
    /// A click's day computed from <see cref="EventsTable"/>: the UTC day of its timestamp, exactly
    /// what the schema's reader gives. The view and the counts both use it.
    /// </summary>
    public const string DayOfClick = $"CAST({EventsTable}.timestamp AS DATE)";

    /// <summary>Schema columns that the view computes from stored ones instead of storing them, by name.</summary>
    private static readonly Dictionary<string, string> DerivedColumns = new(StringComparer.Ordinal)
    {
        ["date"] = DayOfClick,
    };

    /// <summary>The columns of <see cref="ClickSchema.Columns"/> kept per click, in schema order; the dimension keys follow them.</summary>
    public static IReadOnlyList<DuckDbColumn> EventColumns { get; } =
        ClickSchema.Columns.Select(DuckDbColumn.For).Where(c => !DerivedColumns.ContainsKey(c.Name) && !Dimensions.Any(d => d.Columns.Contains(c))).ToArray();

    /// <summary>Columns of <see cref="EventsTable"/> before the custom dimensions.</summary>
    public static int FixedEventColumnCount => EventColumns.Count + Dimensions.Count;

    /// <summary>Every name in <see cref="EventsTable"/> that is not a custom dimension.</summary>
    public static IReadOnlySet<string> FixedEventColumnNames { get; } =
        EventColumns.Select(c => c.Name).Concat(Dimensions.Select(d => d.KeyColumn)).ToHashSet(StringComparer.Ordinal);

    public static string CreateEventsTableSql()
    {
        var sql = new StringBuilder("CREATE TABLE IF NOT EXISTS ").Append(EventsTable).Append(" (");
        sql.AppendJoin(", ", EventColumns.Select(ColumnDefinition));
        foreach (DuckDbDimension dimension in Dimensions)
        {
            sql.Append(", ").Append(dimension.KeyColumn).Append(" UINTEGER NOT NULL");
        }

        return sql.Append(')').ToString();
    }

    public static string CreateDimensionTableSql(DuckDbDimension dimension)
    {
        var sql = new StringBuilder("CREATE TABLE IF NOT EXISTS ").Append(dimension.Table)
            .Append(" (").Append(dimension.KeyColumn).Append(" UINTEGER PRIMARY KEY");
        foreach (DuckDbColumn column in dimension.Columns)
        {
            sql.Append(", ").Append(ColumnDefinition(column));
        }

        return sql.Append(')').ToString();
    }

    /// <summary>The <see cref="ClickSchema.ClicksTable"/> view: every schema column in order, then the custom dimensions.</summary>
    public static string CreateClicksViewSql(IReadOnlyList<string> customColumns)
    {
        var sql = new StringBuilder("CREATE OR REPLACE VIEW ").Append(ClickSchema.ClicksTable).Append(" AS SELECT ");
        sql.AppendJoin(", ", ClickSchema.Columns.Select(ViewColumn).Concat(customColumns.Select(name => $"{EventsTable}.{Quote(name)}")));
        sql.Append(" FROM ").Append(EventsTable);
        foreach (DuckDbDimension dimension in Dimensions)
        {
            sql.Append(" LEFT JOIN ").Append(dimension.Table).Append(" ON ")
                .Append(dimension.Table).Append('.').Append(dimension.KeyColumn).Append(" = ")
                .Append(EventsTable).Append('.').Append(dimension.KeyColumn);
        }

        return sql.ToString();
    }

    /// <summary>Adds a custom dimension's text column to <see cref="EventsTable"/> (nothing when it is there).</summary>
    public static string AddCustomColumnSql(string name) =>
        $"ALTER TABLE {EventsTable} ADD COLUMN IF NOT EXISTS {Quote(name)} VARCHAR DEFAULT ''";

    /// <summary>A column name as a quoted identifier; a column added to the file by hand may have any name.</summary>
    public static string Quote(string name) => "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    private static string ColumnDefinition(DuckDbColumn column) => $"{column.Name} {column.SqlType} NOT NULL";

    private static string ViewColumn(ClickColumn column) =>
        DerivedColumns.TryGetValue(column.Name, out string? expression)
            ? $"{expression} AS {column.Name}"
            : $"{Dimensions.FirstOrDefault(d => d.Columns.Any(c => c.Column == column))?.Table ?? EventsTable}.{column.Name}";
}
