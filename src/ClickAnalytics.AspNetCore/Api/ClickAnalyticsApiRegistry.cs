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
            byPrefix[Key(prefix)] = options;
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
            return byPrefix.GetValueOrDefault(Key(prefix));
        }
    }

    private static string Key(string prefix) => "/" + prefix.Trim().Trim('/');
}
