using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using ClickAnalytics.Querying;
using ClickAnalytics.Sinks.ClickHouse.Storage;

namespace ClickAnalytics.Sinks.ClickHouse.Querying;

/// <summary>
/// The query contract on ClickHouse: the shared aggregation statement, read from the narrowest
/// rollup that holds every column the request needs and whose buckets the request's range and zone
/// line up with (<see cref="ChooseSource"/>), otherwise from the raw clicks. Values reach the server
/// as literals escaped by <see cref="ClickHouseSql"/> (servers before 19.11 have no parameters).
/// </summary>
internal sealed class ClickHouseClickQueries(ClickHouseDatabase database) : IClickQueries
{
    public async Task<ClickAggregation> AggregateAsync(ClickAggregationRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ClickHouseSchema schema = await database.EnsureSchemaAsync(cancellationToken).ConfigureAwait(false);
        ClickSqlSource source = ChooseSource(request, schema, database.Columns);
        var rows = new List<ClickAggregateRow>();
        long[]? totals = null;
        IEnumerable<JsonElement> answer;
        if (ClickAggregationSql.TotalsColumn(request, source) is not null)
        {
            // WITH TOTALS comes back only in the JSON format, as "totals" beside "data".
            string json = await database.QueryTextAsync(ClickAggregationSql.Select(request, source) + " FORMAT JSON", cancellationToken).ConfigureAwait(false);
            using JsonDocument document = JsonDocument.Parse(json);
            answer = document.RootElement.GetProperty("data").EnumerateArray().Select(e => e.Clone()).ToList();
            totals = document.RootElement.TryGetProperty("totals", out JsonElement sums)
                ? Enumerable.Range(0, request.Metrics.Count).Select(i => Number(sums.GetProperty(Alias("m", i)))).ToArray()
                : new long[request.Metrics.Count];
        }
        else
        {
            answer = await ReadAsync(ClickAggregationSql.Select(request, source) + " FORMAT JSONEachRow", cancellationToken).ConfigureAwait(false);
        }

        foreach (JsonElement row in answer)
        {
            var dimensions = new string[request.Dimensions.Count];
            for (int i = 0; i < dimensions.Length; i++)
            {
                dimensions[i] = row.GetProperty(Alias("d", i)).GetString()!;
            }

            var metrics = new long[request.Metrics.Count];
            for (int i = 0; i < metrics.Length; i++)
            {
                metrics[i] = Number(row.GetProperty(Alias("m", i)));
            }

            rows.Add(new ClickAggregateRow(request.Bucket == TimeBucket.None ? 0 : Number(row.GetProperty("b")), dimensions, metrics));
        }

        long total = rows.Count + request.Offset;
        if (request.CountRows && (request.Offset > 0 || (request.Limit is { } limit && rows.Count >= limit)))
        {
            string count = ClickAggregationSql.CountGroups(request, ChooseSource(request, schema, database.Columns)) + " FORMAT JSONEachRow";
            await foreach (JsonElement row in database.QueryRowsAsync(count, cancellationToken).ConfigureAwait(false))
            {
                total = Number(row.GetProperty("n"));
            }
        }

        return new ClickAggregation(rows, total, totals);
    }

    /// <summary>
    /// The rollup that answers the request, or the raw clicks. A rollup answers when it holds every
    /// column the request reads, the metrics are sums (distinct visitors are counted exactly, from the
    /// raw clicks), and its buckets tile the request: the daily rollups when the range runs from UTC
    /// midnight to UTC midnight with no offset, the hourly one when it runs over whole hours with
    /// offsets of whole hours (so any such zone's days, weeks and months are sums of its hours).
    /// </summary>
    internal static ClickSqlSource ChooseSource(ClickAggregationRequest request, ClickHouseSchema schema, IReadOnlySet<string> rawColumns)
    {
        bool sums = !request.Metrics.Contains(ClickMetrics.UniqueVisitors) && request.Dimensions.Concat(ClickAggregationSql.FilterDimensions(request.Filter))
            .All(d => d.Kind == ClickDimensionKind.Column);
        if (sums)
        {
            HashSet<string> needed = ClickAggregationSql.Columns(request).Where(c => c != "timestamp").ToHashSet(StringComparer.Ordinal);
            bool wholeHours = request.Offsets.All(o => o.Seconds % 3600 == 0) && IsWhole(request.Start, TimeSpan.TicksPerHour) && IsWhole(request.End, TimeSpan.TicksPerHour);
            bool utcDays = request.Offsets.All(o => o.Seconds == 0) && IsWhole(request.Start, TimeSpan.TicksPerDay) && IsWhole(request.End, TimeSpan.TicksPerDay);
            foreach (ClickHouseRollup rollup in ClickHouseSchema.RollupsByWidth)
            {
                bool hourly = rollup.Bucket != "date";
                bool tiles = hourly ? wholeHours : utcDays && request.Bucket != TimeBucket.Hour;
                if (tiles && needed.All(c => c is "tenant_id" or "link_id" || rollup.Dimensions.Contains(c)))
                {
                    return new Source(schema, rollup, rawColumns);
                }
            }
        }

        return new Source(schema, rollup: null, rawColumns);
    }

    private async Task<List<JsonElement>> ReadAsync(string sql, CancellationToken cancellationToken)
    {
        var rows = new List<JsonElement>();
        await foreach (JsonElement row in database.QueryRowsAsync(sql, cancellationToken).ConfigureAwait(false))
        {
            rows.Add(row);
        }

        return rows;
    }

    private static string Alias(string prefix, int index) => prefix + index.ToString(CultureInfo.InvariantCulture);

    private static bool IsWhole(DateTime instant, long ticks) => instant.Ticks % ticks == 0;

    // JSON output quotes 64-bit integers by default (output_format_json_quote_64bit_integers).
    internal static long Number(JsonElement value) =>
        value.ValueKind == JsonValueKind.String
            ? long.Parse(value.GetString()!, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture)
            : value.GetInt64();

    /// <summary>ClickHouse's spelling over the raw table or one rollup.</summary>
    internal sealed class Source(ClickHouseSchema schema, ClickHouseRollup? rollup, IReadOnlySet<string> rawColumns) : ClickSqlSource
    {
        /// <summary>The rollup read, or null for the raw clicks.</summary>
        public ClickHouseRollup? Rollup => rollup;

        public override string Value(string value) => ClickHouseSql.String(value);

        public override string Column(string name, bool custom = false) =>
            custom && !rawColumns.Contains(name) ? "''" : name;

        public override string IsTrue(string column) => column + " = 1";

        /// <summary>The totals come in the same pass, computed over every group whatever the limit.</summary>
        public override string GroupBy(IReadOnlyList<string> keys, bool totals, bool paged, out string? totalsColumn)
        {
            string clause = base.GroupBy(keys, totals, paged, out totalsColumn);
            if (!totals)
            {
                return clause;
            }

            totalsColumn = "";
            return clause + " WITH TOTALS";
        }

        public override string From(IReadOnlyCollection<string> columns) => rollup?.Table ?? ClickHouseSchema.RawTable;

        public override string Range(DateTime start, DateTime end)
        {
            string days = $"{Day} >= {ClickHouseSql.Date(DateOnly.FromDateTime(start))} AND {Day} <= {ClickHouseSql.Date(DateOnly.FromDateTime(end.AddTicks(-1)))}";
            return rollup?.Bucket == "date"
                ? days
                : $"{days} AND {Time} >= toDateTime({Unix(start)}) AND {Time} < toDateTime({Unix(end)})";
        }

        private string Day => rollup?.DayOfBucket ?? "date";

        private string Time => rollup?.Bucket ?? "timestamp";

        private static string Unix(DateTime instant) => ClickHouseSql.UInt((long)Math.Ceiling((instant - DateTime.UnixEpoch).TotalSeconds));

        public override string UnixSeconds => rollup switch
        {
            { Bucket: "date" } => "(toUInt32(date) * 86400)",
            not null => $"toUInt32({rollup.Bucket})",
            _ => schema.Features.DateTime64 ? "toUnixTimestamp(timestamp)" : "toUInt32(timestamp)",
        };

        public override string Divide(string dividend, long divisor) => $"intDiv({dividend}, {divisor.ToString(CultureInfo.InvariantCulture)})";

        public override string MonthNumber(string unixSeconds) =>
            $"(toYear(toDateTime({unixSeconds}), 'UTC') * 12 + toMonth(toDateTime({unixSeconds}), 'UTC') - 1)";

        public override string CountIf(string? condition) => rollup is null
            ? condition is null ? "count()" : $"countIf({condition})"
            : condition is null ? "sum(clicks)" : $"sumIf(clicks, {condition})";

        public override string DistinctIf(string expression, string condition) => $"uniqExactIf({expression}, {condition})";

        public override string ContainsIgnoringCase(string expression, string value) => $"positionCaseInsensitiveUTF8({expression}, {value}) > 0";
    }
}
