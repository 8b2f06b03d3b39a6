using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using ClickAnalytics.Querying;
using ClickAnalytics.Sinks.DuckDb.Storage;
using DuckDB.NET.Data;

namespace ClickAnalytics.Sinks.DuckDb.Querying;

/// <summary>
/// The query contract on the DuckDB file: the shared aggregation statement over
/// <see cref="DuckDbLayout.EventsTable"/>, joined only to the dimension tables whose columns the
/// query reads. The range is a range of timestamps, so DuckDB skips row groups by their bounds.
/// Every value reaches the database as a parameter.
/// </summary>
internal sealed class DuckDbClickQueries(DuckDbDatabase database) : IClickQueries
{
    public async Task<ClickAggregation> AggregateAsync(ClickAggregationRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        using DuckDBConnection connection = await database.OpenReadConnectionAsync(cancellationToken).ConfigureAwait(false);
        var rows = new List<ClickAggregateRow>();
        long[]? totals = null;
        bool withTotals;
        using (DuckDBCommand command = connection.CreateCommand())
        {
            var source = Source(request, command);
            command.CommandText = ClickAggregationSql.Select(request, source);
            withTotals = ClickAggregationSql.TotalsColumn(request, source) is not null;
            using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            int first = request.Bucket == TimeBucket.None ? 0 : 1;
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var dimensions = new string[request.Dimensions.Count];
                for (int i = 0; i < dimensions.Length; i++)
                {
                    dimensions[i] = reader.IsDBNull(first + i) ? "" : reader.GetString(first + i);
                }

                var metrics = new long[request.Metrics.Count];
                for (int i = 0; i < metrics.Length; i++)
                {
                    metrics[i] = Convert.ToInt64(reader.GetValue(first + dimensions.Length + i), CultureInfo.InvariantCulture);
                }

                if (withTotals && Convert.ToInt64(reader.GetValue(first + dimensions.Length + metrics.Length), CultureInfo.InvariantCulture) != 0)
                {
                    totals = metrics;
                    continue;
                }

                rows.Add(new ClickAggregateRow(first == 1 && !reader.IsDBNull(0) ? Convert.ToInt64(reader.GetValue(0), CultureInfo.InvariantCulture) : 0, dimensions, metrics));
            }
        }

        long total = rows.Count + request.Offset;
        if (request.CountRows && (request.Offset > 0 || (request.Limit is { } limit && rows.Count >= limit)))
        {
            using DuckDBCommand count = connection.CreateCommand();
            var source = Source(request, count);
            count.CommandText = ClickAggregationSql.CountGroups(request, source);
            total = Convert.ToInt64(await count.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
        }

        if (withTotals && totals is null)
        {
            // Grouping sets give a totals row even over no clicks; none came, so nothing matched.
            totals = new long[request.Metrics.Count];
        }

        return new ClickAggregation(rows, total, totals);
    }

    /// <summary>
    /// Whether the request reads <see cref="DuckDbLayout.RollupTable"/> beside the raw clicks: when
    /// its range reaches hours whose raw clicks were dropped, and the rollup can answer it exactly,
    /// that is, the metrics are sums (unique visitors are not), every column it reads is a rollup
    /// column, and hours tile its range and buckets (whole hours, offsets of whole hours). Any other
    /// request reads the raw clicks alone, so dropped days count nothing in it. Totals asked apart
    /// read what the rows they go with read (<see cref="ClickAggregationRequest.TotalsOf"/>).
    /// </summary>
    internal static bool ReadsRollup(ClickAggregationRequest request, (DateTime First, DateTime Last)? rollupHours) =>
        rollupHours is { } hours
        && request.Start <= hours.Last && request.End > hours.First
        && !request.Metrics.Contains(ClickMetrics.UniqueVisitors)
        && request.Dimensions.Concat(request.TotalsOf ?? []).Concat(ClickAggregationSql.FilterDimensions(request.Filter)).All(d => d.Kind == ClickDimensionKind.Column)
        && ClickAggregationSql.Columns(request).Concat((request.TotalsOf ?? []).Select(d => d.Column)).All(c => c == "timestamp" || DuckDbLayout.RollupColumns.Contains(c))
        && request.Start.Ticks % TimeSpan.TicksPerHour == 0 && request.End.Ticks % TimeSpan.TicksPerHour == 0
        && request.Offsets.All(o => o.Offset.Ticks % TimeSpan.TicksPerHour == 0);

    private DuckDbSqlSource Source(ClickAggregationRequest request, DuckDBCommand command) =>
        new(command, database.DimensionColumns, ReadsRollup(request, database.RollupHours) ? request : null);

    /// <summary>
    /// DuckDB's spelling, with values as named parameters of one command. Given a
    /// <paramref name="rollupRequest"/>, it reads the raw clicks and <see cref="DuckDbLayout.RollupTable"/>
    /// together, as one relation <c>u</c> in which each raw click weighs 1 and each rollup row its count.
    /// </summary>
    private sealed class DuckDbSqlSource(DuckDBCommand command, IReadOnlyList<string> customColumns, ClickAggregationRequest? rollupRequest = null) : ClickSqlSource
    {
        private const string Union = "u";

        private bool WithRollup => rollupRequest is not null;

        public override string Value(string value) => Parameter(DuckDbText.Clean(value));

        private string Parameter(object value)
        {
            string name = "p" + command.Parameters.Count.ToString(CultureInfo.InvariantCulture);
            command.Parameters.Add(new DuckDBParameter(name, value));
            return "$" + name;
        }

        public override string Column(string name, bool custom = false)
        {
            if (WithRollup)
            {
                return custom ? "''" : Union + "." + name;
            }

            if (custom)
            {
                return customColumns.Contains(name) ? DuckDbLayout.EventsTable + "." + DuckDbLayout.Quote(name) : "''";
            }

            DuckDbDimension? table = DuckDbLayout.Dimensions.FirstOrDefault(d => d.Columns.Any(c => c.Name == name));
            return (table?.Table ?? DuckDbLayout.EventsTable) + "." + name;
        }

        public override string IsTrue(string column) => column;

        /// <summary>Unpaged, the totals come as one more grouping set, marked by <c>GROUPING(…)</c> ≠ 0.</summary>
        public override string GroupBy(IReadOnlyList<string> keys, bool totals, bool paged, out string? totalsColumn)
        {
            if (!totals || paged)
            {
                return base.GroupBy(keys, totals, paged, out totalsColumn);
            }

            string list = string.Join(", ", keys);
            totalsColumn = "GROUPING(" + list + ")";
            return " GROUP BY GROUPING SETS ((" + list + "), ())";
        }

        public override string From(IReadOnlyCollection<string> columns)
        {
            if (rollupRequest is null)
            {
                return Joined(columns);
            }

            string[] kept = columns.Where(c => c != "timestamp").Order(StringComparer.Ordinal).ToArray();
            string from = Parameter(rollupRequest.Start);
            string to = Parameter(rollupRequest.End);
            var raw = new DuckDbSqlSource(command, customColumns);
            return $"(SELECT {DuckDbLayout.EventsTable}.timestamp AS timestamp{string.Concat(kept.Select(c => ", " + raw.Column(c) + " AS " + c))}, 1 AS clicks " +
                   $"FROM {Joined(columns)} WHERE {DuckDbLayout.EventsTable}.timestamp >= CAST({from} AS TIMESTAMP) AND {DuckDbLayout.EventsTable}.timestamp < CAST({to} AS TIMESTAMP) " +
                   $"UNION ALL SELECT hour AS timestamp{string.Concat(kept.Select(c => ", " + c))}, clicks " +
                   $"FROM {DuckDbLayout.RollupTable} WHERE hour >= CAST({from} AS TIMESTAMP) AND hour < CAST({to} AS TIMESTAMP)) AS {Union}";
        }

        private static string Joined(IReadOnlyCollection<string> columns)
        {
            var from = new StringBuilder(DuckDbLayout.EventsTable);
            foreach (DuckDbDimension dimension in DuckDbLayout.Dimensions)
            {
                if (dimension.Columns.Any(c => columns.Contains(c.Name)))
                {
                    from.Append(" JOIN ").Append(dimension.Table).Append(" ON ")
                        .Append(dimension.Table).Append('.').Append(dimension.KeyColumn).Append(" = ")
                        .Append(DuckDbLayout.EventsTable).Append('.').Append(dimension.KeyColumn);
                }
            }

            return from.ToString();
        }

        public override string Range(DateTime start, DateTime end)
        {
            string from = Parameter(start);
            string to = Parameter(end);
            string time = WithRollup ? Union + ".timestamp" : DuckDbLayout.EventsTable + ".timestamp";
            return $"{time} >= CAST({from} AS TIMESTAMP) AND {time} < CAST({to} AS TIMESTAMP)";
        }

        public override string UnixSeconds => $"(epoch_ms({(WithRollup ? Union : DuckDbLayout.EventsTable)}.timestamp) // 1000)";

        public override string Divide(string dividend, long divisor) => $"({dividend} // {divisor.ToString(CultureInfo.InvariantCulture)})";

        public override string MonthNumber(string unixSeconds) =>
            $"(year(epoch_ms({unixSeconds} * 1000)) * 12 + month(epoch_ms({unixSeconds} * 1000)) - 1)";

        public override string CountIf(string? condition) => (WithRollup, condition) switch
        {
            (false, null) => "count(*)",
            (false, _) => $"count(*) FILTER (WHERE {condition})",
            (true, null) => $"CAST(coalesce(sum({Union}.clicks), 0) AS BIGINT)",
            (true, _) => $"CAST(coalesce(sum({Union}.clicks) FILTER (WHERE {condition}), 0) AS BIGINT)",
        };

        public override string DistinctIf(string expression, string condition) => $"count(DISTINCT {expression}) FILTER (WHERE {condition})";

        public override string ContainsIgnoringCase(string expression, string value) => $"contains(lower({expression}), lower({value}))";
    }
}
