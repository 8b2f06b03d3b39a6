using System;
using System.Linq;
using System.Net;
using System.Text;
using System.Threading.Tasks;
using ClickAnalytics.AspNetCore.Api;
using ClickAnalytics.AspNetCore.Dashboard;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Headers;
using Microsoft.AspNetCore.Routing;
using Microsoft.Net.Http.Headers;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps the dashboard.</summary>
public static class ClickAnalyticsDashboardEndpointRouteBuilderExtensions
{
    private const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
        "base-uri 'none'; form-action 'none'; frame-ancestors 'self'";

    /// <summary>
    /// Maps the dashboard page under <paramref name="path"/> (<c>/analytics/dashboard</c>): one page
    /// whose HTML, styles, script and chart library come from this assembly, reading every number
    /// from the query API with relative URLs. It is secured like the API mapped at
    /// <see cref="ClickAnalyticsDashboardOptions.ApiPath"/> (by default the parent path) unless
    /// <paramref name="configure"/> says otherwise.
    /// </summary>
    /// <exception cref="InvalidOperationException">No policy is known: neither set here nor from an API mapped at the API path.</exception>
    public static RouteGroupBuilder MapClickAnalyticsDashboard(
        this IEndpointRouteBuilder endpoints, string path, Action<ClickAnalyticsDashboardOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(path);
        var options = new ClickAnalyticsDashboardOptions();
        configure?.Invoke(options);
        string dashboardPath = ClickAnalyticsApiRegistry.Normalize(path);
        string apiPath = ClickAnalyticsApiRegistry.Normalize(options.ApiPath ?? Parent(dashboardPath));
        if (options.LiveRefreshInterval <= TimeSpan.Zero)
        {
            throw new InvalidOperationException("The dashboard's LiveRefreshInterval must be positive.");
        }

        ClickAnalyticsApiOptions? api = ClickAnalyticsApiRegistry.Find(endpoints, apiPath);
        string? policy = options.AuthorizationPolicy ?? (options.AllowAnonymous is null ? api?.AuthorizationPolicy : null);
        bool anonymous = options.AllowAnonymous ?? (options.AuthorizationPolicy is null && api is not null && api.AllowAnonymous);
        Func<HttpContext, string?>? tenantOf = options.Tenant ?? api?.Tenant;
        if (string.IsNullOrEmpty(policy) && !anonymous)
        {
            throw new InvalidOperationException(
                $"MapClickAnalyticsDashboard(\"{path}\") needs an authorization policy: map the query API at {apiPath} first " +
                "(app.MapClickAnalyticsApi(\"" + apiPath + "\", …); the dashboard takes its policy and tenant), set d.ApiPath to where it is mapped, " +
                "or set d.AuthorizationPolicy (or d.AllowAnonymous = true) explicitly.");
        }

        byte[] page = Page(options, RelativeApi(dashboardPath, apiPath));
        DashboardAsset html = DashboardAsset.Create("index.html", DashboardAssets.All["index.html"].ContentType, page);
        string slashRedirect = dashboardPath.Length == 0 ? "/" : dashboardPath[(dashboardPath.LastIndexOf('/') + 1)..] + "/";

        RouteGroupBuilder group = endpoints.MapGroup(dashboardPath.Length == 0 ? "/" : dashboardPath);
        group.ExcludeFromDescription();
        if (!string.IsNullOrEmpty(policy))
        {
            group.RequireAuthorization(policy);
        }
        else
        {
            group.AllowAnonymous();
        }

        group.MapGet("/", http =>
        {
            if (tenantOf is not null && tenantOf(http) is null)
            {
                http.Response.StatusCode = StatusCodes.Status403Forbidden;
                return http.Response.WriteAsync("No tenant is known for this request.");
            }

            // Relative URLs resolve against the page's folder, so the page lives at {path}/.
            if (http.Request.Path.Value is { } value && !value.EndsWith('/'))
            {
                http.Response.Redirect(slashRedirect + http.Request.QueryString.Value);
                return Task.CompletedTask;
            }

            http.Response.Headers.ContentSecurityPolicy = ContentSecurityPolicy;
            http.Response.Headers.XContentTypeOptions = "nosniff";
            http.Response.Headers["Referrer-Policy"] = "same-origin";
            return WriteAsync(http, html, immutable: false);
        });

        group.MapGet("/assets/{name}", http =>
        {
            string? name = http.Request.RouteValues["name"] as string;
            if (name is null || name == "index.html" || !DashboardAssets.All.TryGetValue(name, out DashboardAsset? asset))
            {
                http.Response.StatusCode = StatusCodes.Status404NotFound;
                return Task.CompletedTask;
            }

            http.Response.Headers.XContentTypeOptions = "nosniff";
            return WriteAsync(http, asset, immutable: http.Request.Query["v"] == asset.Version);
        });

        return group;
    }

    private static Task WriteAsync(HttpContext http, DashboardAsset asset, bool immutable)
    {
        HttpResponse response = http.Response;
        // Behind the host's authorization: caches in between must not keep it (private).
        response.Headers.CacheControl = immutable ? "private, max-age=31536000, immutable" : "private, no-cache";
        response.Headers.ETag = asset.ETag;
        response.Headers.Vary = "Accept-Encoding";
        RequestHeaders request = http.Request.GetTypedHeaders();
        // If-None-Match compares weakly: W/"x" matches "x".
        if (request.IfNoneMatch.Any(tag => tag.Equals(EntityTagHeaderValue.Any) || tag.Tag.Equals(asset.ETag, StringComparison.Ordinal)))
        {
            response.StatusCode = StatusCodes.Status304NotModified;
            return Task.CompletedTask;
        }

        response.ContentType = asset.ContentType;
        byte[] body = asset.Content;
        if (asset.Gzip is not null && request.AcceptEncoding.Any(e => e.Value.Equals("gzip", StringComparison.OrdinalIgnoreCase) && e.Quality is not 0))
        {
            response.Headers.ContentEncoding = "gzip";
            body = asset.Gzip;
        }

        response.ContentLength = body.Length;
        return HttpMethods.IsHead(http.Request.Method) ? Task.CompletedTask : response.Body.WriteAsync(body, http.RequestAborted).AsTask();
    }

    /// <summary>The page with its settings filled in; every asset link carries its version, so browsers may keep it.</summary>
    private static byte[] Page(ClickAnalyticsDashboardOptions options, string api)
    {
        string page = Encoding.UTF8.GetString(DashboardAssets.All["index.html"].Content)
            .Replace("{{title}}", WebUtility.HtmlEncode(options.Title), StringComparison.Ordinal)
            .Replace("{{api}}", WebUtility.HtmlEncode(api), StringComparison.Ordinal)
            .Replace("{{live}}", ((long)options.LiveRefreshInterval.TotalMilliseconds).ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
        foreach (DashboardAsset asset in DashboardAssets.All.Values)
        {
            page = page.Replace("{{v:" + asset.Name + "}}", asset.Version, StringComparison.Ordinal);
        }

        return Encoding.UTF8.GetBytes(page);
    }

    private static string Parent(string path) => path.Length == 0 ? "" : path[..path.LastIndexOf('/')];

    /// <summary>The API's folder relative to the page's folder ({dashboard}/): "../" for /analytics and /analytics/dashboard.</summary>
    internal static string RelativeApi(string dashboardPath, string apiPath)
    {
        string[] from = dashboardPath.Split('/', StringSplitOptions.RemoveEmptyEntries);
        string[] to = apiPath.Split('/', StringSplitOptions.RemoveEmptyEntries);
        int common = 0;
        while (common < from.Length && common < to.Length && string.Equals(from[common], to[common], StringComparison.Ordinal))
        {
            common++;
        }

        var relative = new StringBuilder();
        for (int i = common; i < from.Length; i++)
        {
            relative.Append("../");
        }

        foreach (string segment in to.Skip(common))
        {
            relative.Append(Uri.EscapeDataString(segment)).Append('/');
        }

        return relative.Length == 0 ? "./" : relative.ToString();
    }
}
