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
            var source = new DuckDbSqlSource(command, database.DimensionColumns);
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
            var source = new DuckDbSqlSource(count, database.DimensionColumns);
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

    /// <summary>DuckDB's spelling, with values as named parameters of one command.</summary>
    private sealed class DuckDbSqlSource(DuckDBCommand command, IReadOnlyList<string> customColumns) : ClickSqlSource
    {
        public override string Value(string value) => Parameter(DuckDbText.Clean(value));

        private string Parameter(object value)
        {
            string name = "p" + command.Parameters.Count.ToString(CultureInfo.InvariantCulture);
            command.Parameters.Add(new DuckDBParameter(name, value));
            return "$" + name;
        }

        public override string Column(string name, bool custom = false)
        {
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
            return $"{DuckDbLayout.EventsTable}.timestamp >= CAST({from} AS TIMESTAMP) AND {DuckDbLayout.EventsTable}.timestamp < CAST({to} AS TIMESTAMP)";
        }

        public override string UnixSeconds => $"(epoch_ms({DuckDbLayout.EventsTable}.timestamp) // 1000)";

        public override string Divide(string dividend, long divisor) => $"({dividend} // {divisor.ToString(CultureInfo.InvariantCulture)})";

        public override string MonthNumber(string unixSeconds) =>
            $"(year(epoch_ms({unixSeconds} * 1000)) * 12 + month(epoch_ms({unixSeconds} * 1000)) - 1)";

        public override string CountIf(string? condition) => condition is null ? "count(*)" : $"count(*) FILTER (WHERE {condition})";

        public override string DistinctIf(string expression, string condition) => $"count(DISTINCT {expression}) FILTER (WHERE {condition})";

        public override string ContainsIgnoringCase(string expression, string value) => $"contains(lower({expression}), lower({value}))";
    }
}
