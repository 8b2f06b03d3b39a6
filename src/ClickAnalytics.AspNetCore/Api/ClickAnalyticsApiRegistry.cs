using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Routing;

namespace ClickAnalytics.AspNetCore.Api;

/// <summary>
/// The query APIs mapped on each route builder, by prefix, so that the dashboard mapped beside one
/// is secured the same way without saying it twice.
/// </summary>
internal static class ClickAnalyticsApiRegistry
{
    private static readonly ConditionalWeakTable<IEndpointRouteBuilder, Dictionary<string, ClickAnalyticsApiOptions>> Apis = new();

    public static void Remember(IEndpointRouteBuilder endpoints, string prefix, ClickAnalyticsApiOptions options)
    {
        Dictionary<string, ClickAnalyticsApiOptions> byPrefix = Apis.GetOrCreateValue(endpoints);
        lock (byPrefix)
        {
            byPrefix[Normalize(prefix)] = options;
        }
    }

    public static ClickAnalyticsApiOptions? Find(IEndpointRouteBuilder endpoints, string prefix)
    {
        if (!Apis.TryGetValue(endpoints, out Dictionary<string, ClickAnalyticsApiOptions>? byPrefix))
        {
            return null;
        }

        lock (byPrefix)
        {
            return byPrefix.GetValueOrDefault(Normalize(prefix));
        }
    }

    /// <summary>A path as one key: "/a/b/" and "a/b" are "/a/b", the root is "".</summary>
    public static string Normalize(string path)
    {
        string trimmed = path.Trim().Trim('/');
        return trimmed.Length == 0 ? "" : "/" + trimmed;
    }
}
