using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using ClickAnalytics.Querying;
using ClickAnalytics.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace ClickAnalytics.AspNetCore.Api;

/// <summary>How the query API is secured and scoped.</summary>
public sealed class ClickAnalyticsApiOptions
{
    /// <summary>The authorization policy every endpoint requires (the host defines it).</summary>
    public string? AuthorizationPolicy { get; set; }

    /// <summary>
    /// Serve the API without authorization. It must be said explicitly: without a policy and without
    /// this, mapping the API fails, so analytics are never public by accident.
    /// </summary>
    public bool AllowAnonymous { get; set; }

    /// <summary>
    /// The tenant of a request, from the host (a claim of the user, say). When set, tenants are
    /// enforced: every query and export is scoped to it whatever the request says, and a request
    /// for which it returns null is refused (403). When null, a query may name its tenant.
    /// </summary>
    public Func<HttpContext, string?>? Tenant { get; set; }

    /// <summary>Longest range of a raw-click export, in UTC days. Default: 31.</summary>
    public int MaxExportDays { get; set; } = 31;
}

/// <summary>CSV of answers and raw clicks (RFC 4180: quoted when needed, CRLF line ends).</summary>
internal static class ClickAnalyticsCsv
{
    private static readonly int TenantColumn = ClickSchema.Columns.ToList().FindIndex(c => c.Name == "tenant_id");

    public static string Result(ClickAnalyticsResult result)
    {
        var csv = new StringBuilder();
        var header = result.Dimensions.Concat(result.Metrics).ToList();
        bool compared = result.ComparisonRange is not null;
        if (compared)
        {
            header.AddRange(result.Metrics.Select(m => m + "_previous"));
        }

        Line(csv, header);
        foreach (ClickAnalyticsRow row in result.Rows)
        {
            var cells = row.Dimensions.Concat(row.Metrics.Select(Number)).ToList();
            if (compared)
            {
                cells.AddRange((row.Comparison ?? new long[row.Metrics.Count]).Select(Number));
            }

            Line(csv, cells);
        }

        return csv.ToString();
    }

    /// <summary>The stored clicks of [first, last] (UTC days), one tenant's or all, day by day.</summary>
    public static async IAsyncEnumerable<StoredClick> ReadAsync(
        IClickStore store, DateOnly first, DateOnly last, string? tenant, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        for (DateOnly day = first; day <= last; day = day.AddDays(1))
        {
            await foreach (StoredClick click in store.ReadDayAsync(day, cancellationToken).ConfigureAwait(false))
            {
                if (tenant is null || string.Equals((string)click.Values[TenantColumn], tenant, StringComparison.Ordinal))
                {
                    yield return click;
                }
            }
        }
    }

    /// <summary>Every stored column of the clicks; custom dimensions as one JSON object.</summary>
    public static async Task WriteClicksAsync(IAsyncEnumerable<StoredClick> clicks, TextWriter writer, CancellationToken cancellationToken)
    {
        var line = new StringBuilder();
        Line(line, ClickSchema.Columns.Select(c => c.Name).Append("dimensions"));
        await writer.WriteAsync(line, cancellationToken).ConfigureAwait(false);
        await foreach (StoredClick click in clicks.ConfigureAwait(false))
        {
            line.Clear();
            Line(line, click.Values.Select(Text).Append(Dimensions(click.Dimensions)));
            await writer.WriteAsync(line, cancellationToken).ConfigureAwait(false);
        }
    }

    private static string Dimensions(IReadOnlyDictionary<string, string> dimensions) =>
        dimensions.Count == 0 ? "" : JsonSerializer.Serialize(dimensions.Where(d => d.Value.Length > 0).ToDictionary());

    private static string Text(object value) => value switch
    {
        DateTime t => t.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
        DateOnly d => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        bool b => b ? "true" : "false",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    private static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static void Line(StringBuilder csv, IEnumerable<string> cells)
    {
        bool firstCell = true;
        foreach (string cell in cells)
        {
            csv.Append(firstCell ? "" : ",");
            firstCell = false;
            // Cells a spreadsheet would run as a formula are prefixed with a quote mark (CSV injection).
            string value = cell.Length > 0 && cell[0] is '=' or '+' or '-' or '@' or '\t' or '\r' && !IsNumber(cell) ? "'" + cell : cell;
            if (value.AsSpan().IndexOfAny(",\"\r\n") >= 0)
            {
                csv.Append('"').Append(value.Replace("\"", "\"\"", StringComparison.Ordinal)).Append('"');
            }
            else
            {
                csv.Append(value);
            }
        }

        csv.Append("\r\n");
    }

    private static bool IsNumber(string cell) => double.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out _);
}
