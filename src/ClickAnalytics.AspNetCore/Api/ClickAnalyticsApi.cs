using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
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

/// <summary>Maps the query API.</summary>
public static class ClickAnalyticsApiEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps the query API under <paramref name="prefix"/>: <c>POST {prefix}/query</c> (a
    /// <see cref="ClickAnalyticsQuery"/> as JSON, answered as <see cref="ClickAnalyticsResult"/>),
    /// <c>POST {prefix}/query.csv</c> (the same answer as CSV) and
    /// <c>GET {prefix}/export/clicks?from=…&amp;to=…</c> (the raw clicks of a range of UTC days,
    /// streamed as CSV). Every endpoint requires <see cref="ClickAnalyticsApiOptions.AuthorizationPolicy"/>.
    /// </summary>
    /// <exception cref="InvalidOperationException">Neither a policy nor <see cref="ClickAnalyticsApiOptions.AllowAnonymous"/> was given.</exception>
    public static RouteGroupBuilder MapClickAnalyticsApi(this IEndpointRouteBuilder endpoints, string prefix, Action<ClickAnalyticsApiOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(prefix);
        ArgumentNullException.ThrowIfNull(configure);
        var options = new ClickAnalyticsApiOptions();
        configure(options);
        if (string.IsNullOrEmpty(options.AuthorizationPolicy) && !options.AllowAnonymous)
        {
            throw new InvalidOperationException(
                "MapClickAnalyticsApi needs an authorization policy: set api.AuthorizationPolicy to a policy the host defines " +
                "(builder.Services.AddAuthorization(o => o.AddPolicy(\"analytics\", …))), or set api.AllowAnonymous = true to serve the API to anyone.");
        }

        RouteGroupBuilder group = endpoints.MapGroup(prefix).WithTags("ClickAnalytics");
        if (!string.IsNullOrEmpty(options.AuthorizationPolicy))
        {
            group.RequireAuthorization(options.AuthorizationPolicy);
        }
        else
        {
            group.AllowAnonymous();
        }

        group.MapPost("/query", (ClickAnalyticsQuery query, HttpContext http, CancellationToken cancellationToken) =>
                RunAsync(query, http, options, static result => Results.Ok(result), cancellationToken))
            .WithName("ClickAnalyticsQuery")
            .WithSummary("Counts clicks: metrics over a range in a time zone, grouped by dimensions, filtered, ordered and paged.")
            .Accepts<ClickAnalyticsQuery>("application/json")
            .Produces<ClickAnalyticsResult>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status403Forbidden);

        group.MapPost("/query.csv", (ClickAnalyticsQuery query, HttpContext http, CancellationToken cancellationToken) =>
                RunAsync(query, http, options, static result => Results.Text(ClickAnalyticsCsv.Result(result), "text/csv; charset=utf-8"), cancellationToken))
            .WithName("ClickAnalyticsQueryCsv")
            .WithSummary("The answer to a query as CSV: one column per dimension and metric (and per compared metric).")
            .Accepts<ClickAnalyticsQuery>("application/json")
            .Produces<string>(StatusCodes.Status200OK, "text/csv")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status403Forbidden);

        group.MapGet("/export/clicks", (string? from, string? to, HttpContext http) => ExportAsync(from, to, http, options))
            .WithName("ClickAnalyticsExportClicks")
            .WithSummary("The raw clicks of a range of UTC days (from, to: YYYY-MM-DD, inclusive), streamed as CSV with every stored column.")
            .Produces<string>(StatusCodes.Status200OK, "text/csv")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status403Forbidden);

        return group;
    }

    private static async Task<IResult> RunAsync(
        ClickAnalyticsQuery? query, HttpContext http, ClickAnalyticsApiOptions options, Func<ClickAnalyticsResult, IResult> answer, CancellationToken cancellationToken)
    {
        if (query is null)
        {
            return Results.Problem("The body must be a query as JSON.", statusCode: StatusCodes.Status400BadRequest);
        }

        if (options.Tenant is { } tenantOf)
        {
            if (tenantOf(http) is not { } tenant)
            {
                return Results.Problem("No tenant is known for this request.", statusCode: StatusCodes.Status403Forbidden);
            }

            query = query with { TenantId = tenant };
        }

        try
        {
            IClickAnalytics analytics = http.RequestServices.GetRequiredService<IClickAnalytics>();
            return answer(await analytics.QueryAsync(query, cancellationToken).ConfigureAwait(false));
        }
        catch (InvalidClickQueryException ex)
        {
            return Results.ValidationProblem(
                new Dictionary<string, string[]> { ["query"] = [.. ex.Problems] },
                detail: ex.Message,
                title: "The query is not valid.");
        }
    }

    private static async Task<IResult> ExportAsync(string? from, string? to, HttpContext http, ClickAnalyticsApiOptions options)
    {
        if (!DateOnly.TryParseExact(from, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out DateOnly first)
            || !DateOnly.TryParseExact(to, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out DateOnly last))
        {
            return Results.Problem("from and to are UTC days in the form YYYY-MM-DD.", statusCode: StatusCodes.Status400BadRequest);
        }

        if (last < first || last.DayNumber - first.DayNumber >= options.MaxExportDays)
        {
            return Results.Problem($"The export covers 1 to {options.MaxExportDays} days, from before to.", statusCode: StatusCodes.Status400BadRequest);
        }

        string? tenant = null;
        if (options.Tenant is { } tenantOf && (tenant = tenantOf(http)) is null)
        {
            return Results.Problem("No tenant is known for this request.", statusCode: StatusCodes.Status403Forbidden);
        }

        IClickStore store = http.RequestServices.GetRequiredService<ClickStoreSelection>().QueryStore;
        string name = string.Create(CultureInfo.InvariantCulture, $"clicks-{first:yyyy-MM-dd}-{last:yyyy-MM-dd}.csv");
        http.Response.ContentType = "text/csv; charset=utf-8";
        http.Response.Headers.ContentDisposition = $"attachment; filename=\"{name}\"";
        await using var writer = new StreamWriter(http.Response.Body, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), bufferSize: 64 * 1024);
        await ClickAnalyticsCsv.WriteClicksAsync(store, first, last, tenant, writer, http.RequestAborted).ConfigureAwait(false);
        return Results.Empty;
    }
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

    /// <summary>Every stored column of the clicks of [first, last] (UTC days), one tenant's or all; custom dimensions as one JSON object.</summary>
    public static async Task WriteClicksAsync(IClickStore store, DateOnly first, DateOnly last, string? tenant, TextWriter writer, CancellationToken cancellationToken)
    {
        var line = new StringBuilder();
        Line(line, ClickSchema.Columns.Select(c => c.Name).Append("dimensions"));
        await writer.WriteAsync(line, cancellationToken).ConfigureAwait(false);
        for (DateOnly day = first; day <= last; day = day.AddDays(1))
        {
            await foreach (StoredClick click in store.ReadDayAsync(day, cancellationToken).ConfigureAwait(false))
            {
                if (tenant is not null && !string.Equals((string)click.Values[TenantColumn], tenant, StringComparison.Ordinal))
                {
                    continue;
                }

                line.Clear();
                Line(line, click.Values.Select(Text).Append(Dimensions(click.Dimensions)));
                await writer.WriteAsync(line, cancellationToken).ConfigureAwait(false);
            }
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
