using Microsoft.Extensions.Logging;

namespace ClickAnalytics.AspNetCore.Capture;

/// <summary>The capture's log messages: event ids 501–599.</summary>
internal static partial class CaptureLog
{
    [LoggerMessage(501, LogLevel.Warning,
        "Tracked requests arrive with X-Forwarded-For, but the client address is still {Address}: forwarded headers are not applied, so every click " +
        "gets the proxy's address (one visitor, real clicks counted as repeats). Configure ForwardedHeadersOptions (ForwardedHeaders = XForwardedFor | XForwardedProto, " +
        "your proxy in KnownProxies or KnownIPNetworks) and call app.UseForwardedHeaders() before the tracked endpoints. Said once.")]
    public static partial void ForwardedForIgnored(ILogger logger, string address);
}
