using System;
using Microsoft.AspNetCore.Http;

namespace ClickAnalytics.AspNetCore.Dashboard;

/// <summary>
/// Where the dashboard finds the query API and how the page is secured. Left unset, the security
/// comes from the query API mapped at <see cref="ApiPath"/> on the same route builder, so the page
/// is secured exactly like the numbers it shows.
/// </summary>
public sealed class ClickAnalyticsDashboardOptions
{
    /// <summary>
    /// The prefix the query API was mapped under (<c>app.MapClickAnalyticsApi("/analytics", …)</c>).
    /// Default: the dashboard's parent path (<c>/analytics</c> for <c>/analytics/dashboard</c>). The
    /// page calls it with a relative URL, so a path base or a reverse proxy in front changes nothing.
    /// </summary>
    public string? ApiPath { get; set; }

    /// <summary>The authorization policy the page requires. Default: the API's.</summary>
    public string? AuthorizationPolicy { get; set; }

    /// <summary>Serve the page without authorization (it must be said, like for the API). Default: the API's.</summary>
    public bool? AllowAnonymous { get; set; }

    /// <summary>
    /// The tenant of a request. When set, a request without one is refused (403) before the page is
    /// served; the API scopes every number to it. Default: the API's.
    /// </summary>
    public Func<HttpContext, string?>? Tenant { get; set; }

    /// <summary>How often the page asks for today's count while it is visible. Default: 15 seconds.</summary>
    public TimeSpan LiveRefreshInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>The page's title and heading. Default: "Click analytics".</summary>
    public string Title { get; set; } = "Click analytics";
}
