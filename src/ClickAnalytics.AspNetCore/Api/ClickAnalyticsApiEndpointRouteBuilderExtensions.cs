using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using ClickAnalytics.AspNetCore.Api;
using ClickAnalytics.Querying;
using ClickAnalytics.Storage;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;


namespace Microsoft.AspNetCore.Builder;

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

        ClickAnalyticsApiRegistry.Remember(endpoints, prefix, options);
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

        group.MapGet("/export/clicks", (string? from, string? to, string? format, HttpContext http) => ExportAsync(from, to, format, http, options))
            .WithName("ClickAnalyticsExportClicks")
            .WithSummary("The raw clicks of a range of UTC days (from, to: YYYY-MM-DD, inclusive) with every stored column, streamed as CSV (format=csv, the default) or another registered format (format=parquet with AddParquetExport()).")
            .Produces<string>(StatusCodes.Status200OK, "text/csv")
            .Produces<byte[]>(StatusCodes.Status200OK, "application/vnd.apache.parquet")
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

    private static async Task<IResult> ExportAsync(string? from, string? to, string? format, HttpContext http, ClickAnalyticsApiOptions options)
    {
        format ??= "csv";
        IClickExportFormat? writer = null;
        if (format != "csv")
        {
            IClickExportFormat[] formats = [.. http.RequestServices.GetServices<IClickExportFormat>()];
            writer = formats.FirstOrDefault(f => f.Name == format);
            if (writer is null)
            {
                string known = string.Join(", ", formats.Select(f => f.Name).Prepend("csv"));
                string hint = format == "parquet" ? " Parquet needs the ClickAnalytics.Sinks.Parquet package and AddParquetExport()." : "";
                return Results.Problem($"Unknown export format '{format}': this host offers {known}.{hint}", statusCode: StatusCodes.Status400BadRequest);
            }
        }

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
        string name = string.Create(CultureInfo.InvariantCulture, $"clicks-{first:yyyy-MM-dd}-{last:yyyy-MM-dd}.{writer?.FileExtension ?? "csv"}");
        http.Response.ContentType = writer?.ContentType ?? "text/csv; charset=utf-8";
        http.Response.Headers.ContentDisposition = $"attachment; filename=\"{name}\"";
        if (writer is not null)
        {
            await writer.WriteAsync(ClickAnalyticsCsv.ReadAsync(store, first, last, tenant, http.RequestAborted), http.Response.Body, http.RequestAborted).ConfigureAwait(false);
            return Results.Empty;
        }

        await using var text = new StreamWriter(http.Response.Body, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), bufferSize: 64 * 1024);
        await ClickAnalyticsCsv.WriteClicksAsync(ClickAnalyticsCsv.ReadAsync(store, first, last, tenant, http.RequestAborted), text, http.RequestAborted).ConfigureAwait(false);
        return Results.Empty;
    }
}
