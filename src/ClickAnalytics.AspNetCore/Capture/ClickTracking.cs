using System;
using System.Collections.Generic;
using Microsoft.AspNetCore.Http;

namespace ClickAnalytics.AspNetCore.Capture;

/// <summary>How one tracked endpoint identifies the click: which link, which tenant, which tags.</summary>
public sealed class ClickTracking
{
    /// <summary>Route value that holds the link id (default <c>code</c>). Ignored when <see cref="LinkId"/> is set.</summary>
    public string LinkIdRouteValue { get; set; } = "code";

    /// <summary>Reads the link id from the request; return null to skip the click.</summary>
    public Func<HttpContext, string?>? LinkId { get; set; }

    /// <summary>Reads the tenant (workspace) id from the request, for hosts that have tenants.</summary>
    public Func<HttpContext, string?>? TenantId { get; set; }

    /// <summary>Host-supplied tags stored with the click.</summary>
    public Func<HttpContext, IReadOnlyDictionary<string, string>?>? Tags { get; set; }

    /// <summary>
    /// Capture only responses with a 3xx status (default). Turn off for endpoints that answer
    /// with a page (an interstitial) and still count as a click.
    /// </summary>
    public bool OnlyRedirects { get; set; } = true;
}
